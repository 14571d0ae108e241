/* raft_pipe.h - the apply pipeline between libraft and the store.
 *
 * libraft hands each committed entry to the state machine on the Raft
 * thread. The pipe takes the entry (a copy) and returns at once; a thread
 * of its own applies the queued entries to the store in batches, one LMDB
 * write transaction each (store_batch_apply), and commits the batch
 * (unflushed under store_raft_durability). While a batch commits, the Raft thread goes
 * on appending, replicating and committing the next entries, which queue
 * up and form the next batch. The pipe itself answers nobody: an answer is
 * released only once every entry queued before it is committed, by the
 * Raft thread (raft_pipe_done) or by the notification after each commit,
 * which carries the counters (raft_fsm.c).
 *
 * Threads: one producer (the Raft thread: raft_pipe_push, _snapshot,
 * _restore, _drain, _pushed); raft_pipe_done and raft_pipe_applied from any
 * thread; raft_pipe_new and raft_pipe_destroy from the owner while no
 * producer runs. Only the pipe's thread opens write transactions while
 * entries are queued; a restore runs on the caller's thread after the queue
 * is drained, so LMDB's rule (a write transaction lives and dies on one
 * thread) holds. A snapshot's dump runs on a thread of its own, in a read
 * transaction (raft_pipe_snapshot).
 */
#ifndef TENET_RAFT_PIPE_H
#define TENET_RAFT_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Most entries in one batch (one LMDB transaction): bounds the time the
 * first entry of a long queue waits for its commit. */
#define RAFT_PIPE_BATCH_MAX 1024

struct raft_pipe;

/* Called by the pipe's thread after each commit, with the pipe's lock held
 * (so raft_pipe_set_notify returns only when no call is running), with the
 * counters as raft_pipe_done and raft_pipe_applied would return them now:
 * keep it short, never call the pipe from it, and never take a lock under
 * which the pipe is called elsewhere. */
typedef void (*raft_pipe_notify_cb)(void *arg, uint64_t done, uint64_t applied);

/* Starts the pipe's thread on store s (borrowed: it must outlive the pipe).
 * Returns NULL on failure (memory, thread). */
struct raft_pipe *raft_pipe_new(struct store *s);

/* Applies and commits every queued entry (an entry the store keeps failing
 * is dropped with an error log: the Raft log still has it and the next start
 * replays it), stops the thread and frees the pipe; sets *pp to NULL.
 * Takes NULL and a pointer to NULL. */
void raft_pipe_destroy(struct raft_pipe **pp);

/* Sets (cb NULL: clears) the commit notification. */
void raft_pipe_set_notify(struct raft_pipe *p, raft_pipe_notify_cb cb, void *arg);

/* Queues committed entry index: its bytes buf[0..len) are copied (they
 * seed the store identity, store_id_ensure), the command is
 * buf[cmd_off..cmd_off + cmd_len). Entries come in index order. If res is
 * not NULL, the pipe fills *res with the outcome and sets *has_res before
 * the entry's commit counts in raft_pipe_done, unless the store skipped the
 * entry (applied before: *has_res stays false); the caller owns *res then
 * (store_result_release). Returns 0, -EINVAL (bad arguments), -ENOMEM,
 * -ECANCELED (the pipe is stopping). */
int raft_pipe_push(struct raft_pipe *p, uint64_t index, const void *buf, size_t len, size_t cmd_off,
		   size_t cmd_len, struct store_result *res, bool *has_res);

/* Entries pushed so far (a sequence number: the Nth push is N). */
uint64_t raft_pipe_pushed(struct raft_pipe *p);

/* Entries whose batch is committed (or that were dropped while stopping):
 * every push numbered <= this is done, its *res filled. */
uint64_t raft_pipe_done(struct raft_pipe *p);

/* The Raft index the store has applied and committed (the store's own
 * applied index at start, then the highest committed entry or restored
 * snapshot). */
uint64_t raft_pipe_applied(struct raft_pipe *p);

/* Waits until every pushed entry is committed. Returns 0, or -EIO if the
 * store fails an entry (it stays queued and is retried by the thread). */
int raft_pipe_drain(struct raft_pipe *p);

/* A snapshot: the dump followed by the tail, both malloc'd for the caller
 * (tail NULL if empty); together the store as of the last pushed entry. */
struct raft_pipe_snap {
	void *dump;	 /* store_snapshot_read of the state after some push */
	size_t dump_len; /* its bytes */
	void *tail;	 /* tail records of every push after it (store.h) */
	size_t tail_len; /* their bytes */
	size_t tail_n;	 /* records */
	uint64_t index;	 /* the last entry the two hold */
	double dump_ms;	 /* the dump's time on its own thread */
};

/* Snapshots without holding up the caller (the Raft thread) for the dump:
 * the first call starts a thread that dumps the store once every entry
 * pushed so far is committed, and returns -EBUSY; from then on each push is
 * also copied into the tail. Calls while the dump runs return -EBUSY. The
 * first call after it is done fills *out with the dump and the tail — the
 * store as of the last push — and returns 0 (or the dump's -errno; then the
 * next call starts again). raft_pipe_restore and destroy drop a snapshot
 * under way. */
int raft_pipe_snapshot(struct raft_pipe *p, struct raft_pipe_snap *out);

/* Drains the queue, then store_restore of buf[0..len) (*skipped as there).
 * 0 or -errno. */
int raft_pipe_restore(struct raft_pipe *p, const void *buf, size_t len, bool *skipped);

#endif

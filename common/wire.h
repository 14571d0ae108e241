/* wire.h - the southbound protocol between controller and agents, in msgpack.
 *
 * Every message is one ZeroMQ frame holding one msgpack array whose first
 * element is the protocol version (WIRE_VERSION) and second the type:
 *
 *   HELLO     [1, 1, host:str, last_rev:uint, caps:uint
 *              (, overlay_mtu:uint, abi:uint)]                     agent -> ctl
 *   SNAPSHOT  [1, 2, rev:uint, rows:array (, store:str)]          ctl -> agent
 *   DELTA     [1, 3, from:uint, to:uint, rows:array (, store:str)] ctl -> agent
 *   ACK       [1, 4, rev:uint]                                    agent -> ctl
 *   STATUS    [1, 5, rev:uint, ports:array (, host:array)]        agent -> ctl
 *   HEARTBEAT [1, 6, rev:uint (, store:str)]                      both ways
 *   TRACE     [1, 7, id:uint, port_id:uint, remote:uint, vni:uint,
 *              src_mac:bin6, dst_mac:bin6, src_ip4:uint, dst_ip4:uint,
 *              proto:uint, dport:uint]                            ctl -> agent
 *   TRACE_REPLY [1, 8, id:uint, err:uint, usec:uint, dst_mac:bin6,
 *              trace:bin]                                         agent -> ctl
 *   MONITOR   [1, 9, id:uint, on:bool, port_id:uint, timeout_s:uint] ctl -> agent
 *   MONITOR_EVENTS [1, 10, id:uint, err:uint, events:array]       agent -> ctl
 *   MIGRATE_EVENT [1, 11, port_id:uint, generation:uint, activated_ns:uint,
 *              event:str]                                         agent -> ctl
 *   CT_EXPORT [1, 12, port_id:uint, generation:uint, final:bool]  ctl -> agent
 *   CT_STATE  [1, 13, port_id:uint, generation:uint, final:bool, more:bool,
 *              entries:array]                     agent -> ctl, ctl -> agent
 *
 *   row  = [map:uint, op:uint, key:bin, value:bin|nil]   (value nil on delete)
 *   value  = the ABI value struct, or (to an agent whose HELLO carries
 *            WIRE_CAP_TRIM) its first bytes: what is left out is zero
 *   port = [port_id:uint, up:bool, rx_packets:uint, tx_packets:uint, drops:uint
 *           (, rx_bytes:uint, tx_bytes:uint, reasons:array (, groups:array
 *           (, mig_gen:uint)))]
 *   mig_gen = the migration generation the datapath activated for the port on
 *             this host (tn_mig_active), 0 for none
 *   reasons = [[reason:uint, count:uint], ...]  at most WIRE_PORT_REASONS,
 *             each reason a distinct TN_DROP_* (the port's drops by reason)
 *   groups = [[group:uint, flows:uint], ...]  at most WIRE_PORT_GROUPS, each
 *            group (sg_key) distinct: the connections its rules let open
 *            for the port (tn_sg_stats)
 *   host = [count:uint, ...]  the host's tn_stats counters, indexed by enum
 *          tn_stat, at most WIRE_HOST_STATS
 *
 * HELLO announces what the host's datapath can carry (the requirements a
 * live migration to it is checked against): caps holds WIRE_CAP_* bits (the
 * encapsulations it supports), overlay_mtu the MTU its ports get (the
 * underlay's minus the overlay's overhead) and abi its datapath's
 * TN_ABI_VERSION. The trailing pair was added after version 1 shipped (a
 * decoder older than it rejects a HELLO carrying it: upgrade controllers
 * before agents); an encoder writes it when either is non-zero, a decoder
 * takes both forms, and a HELLO without it (an older agent, whose caps were
 * always 0) announces nothing: overlay_mtu and abi decode as 0, "unknown".
 *
 * WIRE_CAP_TRIM is not a datapath's: it says the agent's decoder takes a
 * row value shorter than its ABI struct, its trailing zero bytes left out
 * (a DHCP row's 280 bytes are ~60 with the options a subnet has, and a
 * snapshot of 10,000 ports half its size). A controller trims only for an
 * agent that announced it; an older controller ignores the bit. Decoders
 * take both forms, whatever they announced: wire_decode hands on whole
 * values, wire_decode_refs the value as sent (wire_rowref_value makes it
 * whole), so a trimmed snapshot is never copied to be made whole.
 *
 * The port's trailing elements (three, then groups, then mig_gen) and STATUS's host
 * array were added after version 1 shipped (a decoder older than them rejects a STATUS
 * carrying them: upgrade controllers before agents); the encoder always
 * writes them, the decoder takes both forms.
 *
 * Keys and values are the ABI structs of tenet_abi.h, byte for byte (host
 * byte order for __u32 fields, network order for __be32). Decoding is strict:
 * every element count, type and length is checked against the ABI table;
 * trailing bytes, unknown types and unknown maps are rejected.
 *
 * store (optional, added after version 1 shipped; a decoder older than it
 * rejects messages carrying it) is the controller store's identity: exactly
 * WIRE_STORE_ID_LEN lowercase hex digits, the same on every node of one
 * cluster and new whenever a store starts from scratch. Revisions are only
 * comparable within one store: an agent whose revision came from another
 * store needs a SNAPSHOT whatever the numbers say. Absent: unknown (an older
 * controller, or a node that has not applied its first entry yet).
 *
 * A SNAPSHOT is the complete row set for the host at rev: the agent reconciles
 * its maps to it in place (never flush-and-reload). A DELTA applies on top of
 * revision `from` only; any other current revision is a gap, which the agent
 * answers with a HELLO carrying its revision, and the controller with a
 * SNAPSHOT.
 *
 * TRACE asks the agent to run one crafted packet through its loaded
 * datapath in test mode (`tenetctl trace`, agent/trace.h); TRACE_REPLY
 * answers it with the same id: err 0 and the datapath's decision trace
 * (struct tn_trace of bpf/lib/trace.h, byte for byte, exactly
 * WIRE_TRACE_LEN bytes), or an errno and an empty trace.
 *
 * MONITOR turns the agent's drop monitor on (on true: drops of port_id, 0 =
 * every port, for timeout_s seconds, 1..WIRE_MONITOR_MAX_S, after which the
 * agent turns it off by itself unless another MONITOR renewed it: a
 * controller that goes away never leaves it on) or off (on false; port_id
 * and timeout_s 0). The agent answers each MONITOR with a MONITOR_EVENTS of
 * the same id and no events (err 0, or the positive errno why it cannot,
 * e.g. EOPNOTSUPP without a datapath), then, while on, sends the drops in
 * MONITOR_EVENTS of that id: at most WIRE_MONITOR_BATCH events, each a bin
 * of exactly WIRE_DROP_EVENT_LEN bytes, struct tn_drop_event of
 * tenet_abi.h with ts_ns in CLOCK_REALTIME nanoseconds; an event whose
 * reason is not a drop reason, whose snap_len exceeds TN_MON_SNAP_LEN or
 * its len, or whose flags or padding hold unknown bits is malformed. An
 * agent older than MONITOR drops it as an unexpected message (no answer).
 *
 * Live migration of a port (tenet_abi.h, "Live migration"; ABI 10):
 * MIGRATE_EVENT is sent by the agent of the destination host at once when
 * its datapath activated the port (its first packet there): the port, the
 * migration's generation, activated_ns (the activation's time, the
 * datapath's clock turned into CLOCK_REALTIME nanoseconds on that host, as
 * drop events are) and event, a string: "active" (the only one). A
 * controller that missed it learns the same from STATUS (mig_gen).
 * CT_EXPORT asks the source host's agent for the port's tracked
 * connections (tn_ct entries whose key names port_id); it answers with one
 * or more CT_STATE of the same port, generation and final, every one but
 * the last with more true, each holding at most WIRE_CT_MAX_ENTRIES
 * entries. The controller relays CT_STATE unchanged to the destination's
 * agent, which imports the entries. An entry is [key:bin, value:bin]:
 * struct tn_ct_key (WIRE_CT_KEY_LEN bytes, its port_id the message's; family
 * 4 or 6, an IPv4 entry's address bytes past the fourth zero, padding
 * zero) and struct tn_ct (WIRE_CT_VAL_LEN bytes) whose expires_ns holds the
 * milliseconds the entry has left (1..WIRE_CT_MAX_REMAINING_MS: hosts'
 * clocks differ, so the receiver re-bases it on its own), with known flags
 * and TCP states and zero padding. Anything else is malformed. port_id and
 * generation are > 0 in all three.
 */
#ifndef TENET_WIRE_H
#define TENET_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_VERSION	    1
#define WIRE_HOST_MAX	    64		 /* host name, including NUL */
#define WIRE_KEY_MAX	    32		 /* largest ABI key (tn_sg_cidr_key: 28) */
#define WIRE_VAL_MAX	    512		 /* largest ABI value */
#define WIRE_MAX_ROWS	    (4u << 20)	 /* rows in one message */
#define WIRE_MAX_PORTS	    65536	 /* port entries in one STATUS */
#define WIRE_MAX_MSG	    (256u << 20) /* bytes in one message */
#define WIRE_PORT_REASONS   8		 /* drop reasons one port entry of a STATUS carries */
#define WIRE_PORT_GROUPS    8		 /* group flow counters one port entry carries */
#define WIRE_HOST_STATS	    96		 /* host counters one STATUS carries */
#define WIRE_STORE_ID_LEN   32		 /* hex digits of a store identity (16 bytes) */
#define WIRE_TRACE_LEN	    1376	 /* sizeof(struct tn_trace), bpf/lib/trace.h */
#define WIRE_MONITOR_BATCH  64		 /* drop events in one MONITOR_EVENTS */
#define WIRE_DROP_EVENT_LEN 136		 /* sizeof(struct tn_drop_event), tenet_abi.h */
#define WIRE_MONITOR_MAX_S  600		 /* longest MONITOR timeout, seconds */
#define WIRE_CT_KEY_LEN	    44		 /* sizeof(struct tn_ct_key), tenet_abi.h */
#define WIRE_CT_VAL_LEN	    24		 /* sizeof(struct tn_ct), tenet_abi.h */
/* Entries in one CT_STATE: 32768 of 73 bytes (2.4 MB) stay below the 4 MiB
 * a controller accepts from an agent (docs/ARCHITECTURE.md, "Southbound"). */
#define WIRE_CT_MAX_ENTRIES 32768
/* The longest a tracked connection lives (TN_CT_LIFETIME_TCP), in ms. */
#define WIRE_CT_MAX_REMAINING_MS (21600u * 1000u)
#define WIRE_MIG_EVENT_MAX	 16 /* bytes of a MIGRATE_EVENT's event string */

/* HELLO caps bits: what the host's datapath supports. */
#define WIRE_CAP_VXLAN	0x1u /* VXLAN encapsulation (UDP 4789) */
#define WIRE_CAP_GENEVE 0x2u /* Geneve encapsulation (UDP 6081) */
#define WIRE_CAP_KNOWN	(WIRE_CAP_VXLAN | WIRE_CAP_GENEVE)
/* HELLO caps bit of the agent's decoder: values may come trimmed (above). */
#define WIRE_CAP_TRIM 0x10000u

enum wire_type {
	WIRE_HELLO = 1,
	WIRE_SNAPSHOT = 2,
	WIRE_DELTA = 3,
	WIRE_ACK = 4,
	WIRE_STATUS = 5,
	WIRE_HEARTBEAT = 6,
	WIRE_TRACE = 7,
	WIRE_TRACE_REPLY = 8,
	WIRE_MONITOR = 9,
	WIRE_MONITOR_EVENTS = 10,
	WIRE_MIGRATE_EVENT = 11,
	WIRE_CT_EXPORT = 12,
	WIRE_CT_STATE = 13,
	WIRE_TYPE_MAX
};

enum wire_op {
	WIRE_OP_UPSERT = 1, /* insert or replace key with value */
	WIRE_OP_DELETE = 2, /* remove key; value absent */
};

/* One datapath row: an entry of one ABI map. */
struct wire_row {
	uint8_t map;		   /* enum tn_map_id */
	uint8_t op;		   /* enum wire_op */
	uint16_t key_len;	   /* bytes used in key, == ABI key size of map */
	uint16_t val_len;	   /* bytes used in val, == ABI value size, 0 on delete */
	uint8_t key[WIRE_KEY_MAX]; /* the ABI key struct; unused bytes zero */
	uint8_t val[WIRE_VAL_MAX]; /* the ABI value struct; unused bytes zero */
};

/* A row decoded in place (wire_decode_refs), a view of a struct wire_row
 * (wire_row_ref) or of a packed row (the controller's rowset.h): key and
 * val point into the message buffer (the row, the packed rows), valid as
 * long as it is. A snapshot's rows this way take 24 bytes each instead of
 * a 550-byte struct wire_row. */
struct wire_rowref {
	uint8_t map;	    /* enum tn_map_id */
	uint8_t op;	    /* enum wire_op */
	uint16_t key_len;   /* == ABI key size of map */
	uint16_t val_len;   /* <= ABI value size (trimmed: the rest is zero), 0 on delete */
	const uint8_t *key; /* key_len bytes of the ABI key struct (unaligned) */
	/* the first val_len bytes of the ABI value struct (unaligned), as
	 * sent: read it through wire_rowref_value */
	const uint8_t *val;
};

/* A port's drops for one reason. */
struct wire_port_drop {
	uint32_t reason; /* a TN_DROP_* */
	uint64_t count;	 /* drops from the port for it */
};

/* The connections one security group's rules let open for a port. */
struct wire_port_group {
	uint32_t group; /* the group's sg_key (tn_sg_stats_key.group) */
	uint64_t flows; /* connections (and untracked packets) allowed */
};

/* One port's state in a STATUS report. */
struct wire_port_status {
	uint32_t port_id;    /* tn_lport_key.port_id */
	bool up;	     /* interface exists and is attached */
	uint64_t rx_packets; /* from the port */
	uint64_t tx_packets; /* to the port */
	uint64_t drops;	     /* dropped from the port */
	uint64_t rx_bytes;   /* from the port; 0 from an older agent */
	uint64_t tx_bytes;   /* to the port; 0 from an older agent */
	uint32_t n_reasons;  /* entries used in reasons, <= WIRE_PORT_REASONS */
	struct wire_port_drop reasons[WIRE_PORT_REASONS]; /* distinct reasons */
	uint32_t n_groups; /* entries used in groups, <= WIRE_PORT_GROUPS */
	struct wire_port_group groups[WIRE_PORT_GROUPS]; /* distinct groups */
	uint32_t mig_gen; /* migration generation activated here (tn_mig_active), 0: none */
};

/* A trace request: one packet to run through the agent's datapath. */
struct wire_trace_req {
	uint32_t id;	     /* echoed in the reply */
	uint32_t port_id;    /* ingress port; 0: from the tunnel */
	uint32_t remote_ip4; /* from the tunnel: outer source IPv4, network order */
	uint32_t vni;	     /* from the tunnel: network */
	uint8_t src_mac[6];  /* all zero: the ingress port's MAC */
	uint8_t dst_mac[6];  /* all zero: resolve dst_ip4 through tn_arp */
	uint32_t src_ip4;    /* network order; 0: the port's first IPv4 */
	uint32_t dst_ip4;    /* network order */
	uint8_t proto;	     /* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_ICMP */
	uint16_t dport;	     /* TCP/UDP destination port */
};

/* A trace result. */
struct wire_trace_reply {
	uint32_t id;		       /* the request's */
	uint32_t err;		       /* 0, or the positive errno of the failure */
	uint64_t usec;		       /* time the agent took */
	uint8_t dst_mac[6];	       /* destination MAC of the crafted packet */
	uint16_t trace_len;	       /* WIRE_TRACE_LEN when err is 0, else 0 */
	uint8_t trace[WIRE_TRACE_LEN]; /* struct tn_trace */
};

/* A drop monitor request. */
struct wire_monitor {
	uint32_t id;	    /* echoed in the MONITOR_EVENTS that answer it */
	bool on;	    /* true: on (or renewed); false: off */
	uint32_t port_id;   /* only this port's drops (port key); 0: every port */
	uint32_t timeout_s; /* on: 1..WIRE_MONITOR_MAX_S, off until renewed; off: 0 */
};

/* A batch of drop events (or the answer to a MONITOR: none). */
struct wire_monitor_events {
	uint32_t id;  /* the MONITOR's */
	uint32_t err; /* 0, or the positive errno why the monitor is not on (no events) */
	uint32_t n;   /* events used, <= WIRE_MONITOR_BATCH */
	uint8_t ev[WIRE_MONITOR_BATCH][WIRE_DROP_EVENT_LEN]; /* struct tn_drop_event each */
};

/* What a MIGRATE_EVENT reports. */
enum wire_mig_kind {
	WIRE_MIG_ACTIVE = 1, /* "active": the datapath activated the port here */
};

/* A MIGRATE_EVENT. */
struct wire_mig_event {
	uint32_t port_id;      /* the port, > 0 */
	uint32_t generation;   /* the migration activated, > 0 */
	uint64_t activated_ns; /* when, CLOCK_REALTIME ns of the sending host */
	uint32_t event;	       /* enum wire_mig_kind */
};

/* A CT_EXPORT. */
struct wire_ct_export {
	uint32_t port_id;    /* the port whose connections are asked for, > 0 */
	uint32_t generation; /* the migration, > 0 (echoed) */
	bool final;	     /* the last export, at the switch (echoed) */
};

/* One tracked connection of a CT_STATE. */
struct wire_ct_entry {
	uint8_t key[WIRE_CT_KEY_LEN]; /* struct tn_ct_key */
	uint8_t val[WIRE_CT_VAL_LEN]; /* struct tn_ct, expires_ns = remaining ms */
};

/* A CT_STATE. */
struct wire_ct_state {
	uint32_t port_id;	       /* the port, > 0: every entry's key names it */
	uint32_t generation;	       /* the migration, > 0 */
	bool final;		       /* as in the CT_EXPORT answered */
	bool more;		       /* another CT_STATE of this export follows */
	uint32_t n;		       /* entries, <= WIRE_CT_MAX_ENTRIES */
	struct wire_ct_entry *entries; /* n entries (owned by a decoded message) */
};

/* True if e is a valid CT_STATE entry of port_id (see above). */
bool wire_ct_entry_valid(const struct wire_ct_entry *e, uint32_t port_id);

/* The name of a MIGRATE_EVENT kind ("active"), NULL if unknown. */
const char *wire_mig_kind_name(uint32_t event);

/* True if ev (WIRE_DROP_EVENT_LEN bytes, a struct tn_drop_event) is a
 * valid drop event: a drop reason, snap_len within TN_MON_SNAP_LEN and len,
 * no unknown flag or padding bits. */
bool wire_drop_event_valid(const uint8_t *ev);

/* A decoded message. Pointers are owned by the message: wire_msg_release. */
struct wire_msg {
	enum wire_type type;
	/* SNAPSHOT, DELTA, HEARTBEAT: the sender's store identity
	 * (WIRE_STORE_ID_LEN lowercase hex digits), "" = none (not sent);
	 * must be "" in other types */
	char store_id[WIRE_STORE_ID_LEN + 1];
	union {
		struct {
			char host[WIRE_HOST_MAX]; /* NUL-terminated */
			uint64_t last_rev;	  /* revision the agent's maps hold, 0 = none */
			uint32_t caps;		  /* WIRE_CAP_* bits; 0 = nothing announced */
			uint32_t overlay_mtu;	  /* ports' MTU on the overlay, 0 = unknown */
			uint32_t abi;		  /* datapath TN_ABI_VERSION, 0 = unknown */
		} hello;
		struct {
			uint64_t from; /* SNAPSHOT: 0 */
			uint64_t to;   /* revision the rows bring the host to */
			struct wire_row *rows;
			/* wire_decode_refs: the rows in place (rows NULL);
			 * wire_encode: the rows to send when rows is NULL */
			struct wire_rowref *refs;
			size_t n_rows; /* entries of rows (or refs) */
			/* wire_encode: leave out the values' trailing zero
			 * bytes (the agent announced WIRE_CAP_TRIM) */
			bool trim;
		} update;	       /* SNAPSHOT and DELTA */
		struct {
			uint64_t rev;
		} ack; /* ACK and HEARTBEAT */
		struct {
			uint64_t rev; /* agent's current revision */
			struct wire_port_status *ports;
			size_t n_ports;
			/* the host's counters by enum tn_stat; n_host == 0:
			 * none sent (an older agent) */
			uint64_t host[WIRE_HOST_STATS];
			uint32_t n_host; /* entries used in host */
		} status;
		struct wire_trace_req trace;	      /* TRACE */
		struct wire_trace_reply *trace_reply; /* TRACE_REPLY (owned) */
		struct wire_monitor monitor;	      /* MONITOR */
		struct wire_monitor_events *events;   /* MONITOR_EVENTS (owned) */
		struct wire_mig_event mig_event;      /* MIGRATE_EVENT */
		struct wire_ct_export ct_export;      /* CT_EXPORT */
		struct wire_ct_state ct_state;	      /* CT_STATE (entries owned when decoded) */
	};
};

/* Returns the ABI key and value sizes of map, or false for an unknown map or
 * one that is never sent on the wire. */
bool wire_map_sizes(uint8_t map, uint16_t *key_len, uint16_t *val_len);

/* True if row's map is known and its lengths match the ABI for its op. */
bool wire_row_valid(const struct wire_row *row);

/* Encodes m (a SNAPSHOT's or DELTA's rows from m->update.rows, or from
 * m->update.refs when rows is NULL, each ref a whole row as wire_row_valid
 * asks; their values trimmed if m->update.trim). On success *buf (malloc'd, caller frees) and
 * *len are set and 0 is returned. Returns -EINVAL for an invalid message (bad type, invalid row,
 * host name too long, malformed store_id or one on a type without it),
 * -ENOMEM on allocation failure. */
int wire_encode(const struct wire_msg *m, uint8_t **buf, size_t *len);

/* Decodes one message from buf[0..len). On success fills *m (release with
 * wire_msg_release) and returns 0. Returns -EPROTO for malformed input
 * (truncated, wrong types, wrong counts, trailing bytes, bad version),
 * -ENOTSUP for an unknown message type, -E2BIG when a limit is exceeded,
 * -ENOMEM on allocation failure. On error *m needs no release. */
int wire_decode(const uint8_t *buf, size_t len, struct wire_msg *m);

/* wire_decode, but the rows of a SNAPSHOT or DELTA come as
 * m->update.refs, pointing into buf (m->update.rows is NULL): buf must
 * outlive m. The same checks, the same errors. */
int wire_decode_refs(const uint8_t *buf, size_t len, struct wire_msg *m);

/* wire_decode (refs false) or wire_decode_refs (refs true) without the
 * direct path for SNAPSHOT and DELTA: every message through msgpack-c's
 * object tree. The reference the tests, the fuzz target and the codec's
 * micro-benchmark compare the direct path against. */
int wire_decode_tree(const uint8_t *buf, size_t len, struct wire_msg *m, bool refs);

/* Sets *ref to a view of row (valid as long as row is). */
void wire_row_ref(const struct wire_row *row, struct wire_rowref *ref);

/* wire_row_valid for a row view, its value whole or trimmed. */
bool wire_rowref_valid(const struct wire_rowref *ref);

/* Copies the value of upsert ref (valid) into out, zero-extended to its
 * map's value size, and returns that size (0 for a delete: nothing
 * written). out holds at least the map's value size (WIRE_VAL_MAX
 * always does). */
uint16_t wire_rowref_value(const struct wire_rowref *ref, void *out);

/* Frees what m owns and zeroes it. Takes NULL. */
void wire_msg_release(struct wire_msg *m);

/* True for the message types that carry the sender's store identity
 * (SNAPSHOT, DELTA, HEARTBEAT): the controller stamps them, no other. */
bool wire_has_store(int type);

/* True if s is a well-formed store identity (WIRE_STORE_ID_LEN lowercase
 * hex digits). */
bool wire_store_id_valid(const char *s);

/* Name of a message type for logs ("HELLO", ...; "?" if unknown). */
const char *wire_type_name(int type);

/* Orders rows by (map, key bytes); for qsort/bsearch. */
int wire_row_cmp(const void *a, const void *b);

/* Sets row r, which must be zeroed, from ref: its value whole
 * (wire_rowref_value), none on a DELETE. */
void wire_row_from_ref(struct wire_row *r, const struct wire_rowref *ref);

/* wire_row_cmp of the row x refers to against y. */
int wire_rowref_cmp_row(const struct wire_rowref *x, const struct wire_row *y);

#endif

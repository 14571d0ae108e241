/* log.h - one logger for every tenet program.
 *
 * log_err/warn/info/debug print "TIME LEVEL program file:line message" to
 * stderr, one line per call, TIME in UTC as 2026-01-31T23:59:59.999Z. Identifiers go as key=value
 * (host=h1 rev=42). Never call these on a per-packet path. Thread-safe (one fprintf per line).
 */
#ifndef TENET_LOG_H
#define TENET_LOG_H

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Sets the lowest level printed (default LOG_LVL_INFO, or $TENET_LOG_LEVEL:
 * err|warn|info|debug) and the program name shown on each line. */
void log_init(const char *prog, enum log_level level);

/* Sets the lowest level printed from now on (any thread). Returns 0, or -1
 * for a level out of range. */
int log_set_level(enum log_level level);

/* The lowest level printed now. */
enum log_level log_get_level(void);

/* Installs handlers so that SIGUSR1 turns debug on and SIGUSR2 goes back to
 * the level set at log_init; the next line logged announces the change.
 * Returns 0, or -1 if sigaction failed. */
int log_handle_signals(void);

/* Parses "err", "warn", "info" or "debug". Returns -1 on anything else. */
int log_level_parse(const char *s);

/* The name of an errno value for the `err=` field: log_errname(-ENOENT) and
 * log_errname(ENOENT) are both "ENOENT"; a value without a name gives
 * "E<number>" (in a buffer of the calling thread, valid until its next call),
 * 0 gives "0". Every error logged by tenet code goes as err=NAME. */
const char *log_errname(int err);

void log_write(enum log_level lvl, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define log_err(...)   log_write(LOG_LVL_ERR, __FILE__, __LINE__, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_LVL_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define log_info(...)  log_write(LOG_LVL_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define log_debug(...) log_write(LOG_LVL_DEBUG, __FILE__, __LINE__, __VA_ARGS__)

#endif

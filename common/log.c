#include "log.h"

#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static _Atomic int log_min = LOG_LVL_INFO;   /* lowest level printed now */
static _Atomic int log_start = LOG_LVL_INFO; /* the level set at start */
static _Atomic int log_shown = LOG_LVL_INFO; /* last level announced */
static const char *log_prog = "tenet";
static const char *const log_names[] = {"err", "warn", "info", "debug"};

int log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (s && strcmp(s, log_names[i]) == 0)
			return i;
	return -1;
}

void log_init(const char *prog, enum log_level level)
{
	const char *env = getenv("TENET_LOG_LEVEL");
	int lvl = log_level_parse(env);

	log_prog = prog ? prog : "tenet";
	lvl = lvl >= 0 ? lvl : (int)level;
	atomic_store(&log_min, lvl);
	atomic_store(&log_start, lvl);
	atomic_store(&log_shown, lvl);
}

int log_set_level(enum log_level level)
{
	if ((int)level < LOG_LVL_ERR || level > LOG_LVL_DEBUG)
		return -1;
	atomic_store(&log_min, (int)level);
	return 0;
}

enum log_level log_get_level(void)
{
	return (enum log_level)atomic_load(&log_min);
}

/* Async-signal-safe: only atomic stores. */
static void log_on_signal(int sig)
{
	atomic_store(&log_min, sig == SIGUSR1 ? (int)LOG_LVL_DEBUG : atomic_load(&log_start));
}

int log_handle_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = log_on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0 || sigaction(SIGUSR2, &sa, NULL) < 0)
		return -1;
	return 0;
}

static void log_emit(enum log_level lvl, const char *file, int line, const char *msg)
{
	static const char *const tags[] = {"ERR", "WARN", "INFO", "DEBUG"};
	const char *base = strrchr(file, '/');
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s %s:%d %s\n", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		tags[lvl], log_prog, base ? base + 1 : file, line, msg);
}

void log_write(enum log_level lvl, const char *file, int line, const char *fmt, ...)
{
	int now = atomic_load(&log_min), shown = atomic_load(&log_shown);
	char msg[1024];
	va_list ap;

	/* a level changed at run time is announced once, whatever it is */
	if (now != shown && atomic_compare_exchange_strong(&log_shown, &shown, now)) {
		snprintf(msg, sizeof(msg), "log level=%s (SIGUSR1: debug, SIGUSR2: back to %s)",
			 log_names[now], log_names[atomic_load(&log_start)]);
		log_emit(LOG_LVL_WARN, __FILE__, __LINE__, msg);
	}
	if ((int)lvl > now)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_emit(lvl, file, line, msg);
}

const char *log_errname(int err)
{
	static _Thread_local char buf[16];
	const char *name;

	if (err < 0)
		err = -err;
	if (err == 0)
		return "0";
	name = strerrorname_np(err);
	if (name)
		return name;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

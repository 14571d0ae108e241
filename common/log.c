#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static enum log_level log_min = LOG_LVL_INFO;
static const char *log_prog = "tenet";

int log_level_parse(const char *s)
{
	static const char *const names[] = { "err", "warn", "info", "debug" };

	for (int i = 0; i < 4; i++)
		if (s && strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

void log_init(const char *prog, enum log_level level)
{
	const char *env = getenv("TENET_LOG_LEVEL");
	int lvl = log_level_parse(env);

	log_prog = prog ? prog : "tenet";
	log_min = lvl >= 0 ? (enum log_level)lvl : level;
}

void log_write(enum log_level lvl, const char *file, int line, const char *fmt, ...)
{
	static const char *const tags[] = { "ERR", "WARN", "INFO", "DEBUG" };
	const char *base = strrchr(file, '/');
	char msg[1024];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (lvl > log_min)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%02d:%02d:%02d.%03ld %s %s %s:%d %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
		ts.tv_nsec / 1000000, tags[lvl], log_prog, base ? base + 1 : file, line, msg);
}

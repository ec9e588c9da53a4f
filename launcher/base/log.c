/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "base/log.h"

#include <stdarg.h>
#include <time.h>

static enum log_level level = LOG_LVL_INFO;
static log_sink_fn sink;
static void *sink_data;

void log_set_level(enum log_level lvl) { level = lvl; }
enum log_level log_get_level(void) { return level; }
void log_set_sink(log_sink_fn fn, void *userdata)
{
	sink = fn;
	sink_data = userdata;
}

void log_msg(enum log_level lvl, const char *stage, int err, const char *fmt, ...)
{
	static const char *const prefix[] = {
		[LOG_LVL_ERR] = "error: ",
		[LOG_LVL_WARN] = "warning: ",
		[LOG_LVL_INFO] = "",
		[LOG_LVL_DEBUG] = "debug: ",
	};
	int saved = errno;
	char msg[2048];
	char line[2400];
	va_list ap;
	int n;

	if (lvl > level)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (err)
		n = snprintf(line, sizeof line, "mpjail[%d%s%s]: %s%s: %s\n", (int)getpid(),
			     stage ? " " : "", stage ?: "", prefix[lvl], msg, strerror(abs(err)));
	else
		n = snprintf(line, sizeof line, "mpjail[%d%s%s]: %s%s\n", (int)getpid(),
			     stage ? " " : "", stage ?: "", prefix[lvl], msg);
	if (n > (int)sizeof line - 1)
		n = sizeof line - 1;
	(void)write_full(STDERR_FILENO, line, (size_t)n);
	if (sink) {
		char ts[2432];
		time_t t = time(NULL);
		struct tm tm;
		size_t k = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S ", gmtime_r(&t, &tm));

		memcpy(ts + k, line, (size_t)n);
		sink(sink_data, ts, k + (size_t)n);
	}
	errno = saved;
}

void diag_set(struct diag *d, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return;
	diag_clear(d);
	d->file = file ? xstrdup(file) : NULL;
	d->line = line;
	va_start(ap, fmt);
	if (vasprintf(&d->msg, fmt, ap) < 0)
		abort();
	va_end(ap);
}

void diag_clear(struct diag *d)
{
	if (!d)
		return;
	free(d->file);
	free(d->msg);
	d->file = d->msg = NULL;
	d->line = 0;
}

void diag_print(const struct diag *d)
{
	if (!d || !d->msg)
		return;
	if (d->file && d->line)
		fprintf(stderr, "mpjail: %s:%u: %s\n", d->file, d->line, d->msg);
	else if (d->file)
		fprintf(stderr, "mpjail: %s: %s\n", d->file, d->msg);
	else
		fprintf(stderr, "mpjail: %s\n", d->msg);
}

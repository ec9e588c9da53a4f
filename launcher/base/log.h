/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Messages: "mpjail[pid stage]: text".  Only command-level code logs;
 * helpers return -errno (docs/style.md P3). */
#pragma once

#include "base/util.h"

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
/* Where messages go besides stderr: the supervisor passes every line
 * (timestamped) to its tenant log, which counts it against its cap.  NULL:
 * stderr only.  The sink must not log. */
typedef void (*log_sink_fn)(void *userdata, const char *line, size_t n);
void log_set_sink(log_sink_fn fn, void *userdata);

void log_msg(enum log_level lvl, const char *stage, int err, const char *fmt, ...) _printf_(4, 5);

#define log_error(stage, ...) log_msg(LOG_LVL_ERR, stage, 0, __VA_ARGS__)
#define log_error_errno(stage, err, ...) log_msg(LOG_LVL_ERR, stage, err, __VA_ARGS__)
#define log_warn(stage, ...) log_msg(LOG_LVL_WARN, stage, 0, __VA_ARGS__)
#define log_info(stage, ...) log_msg(LOG_LVL_INFO, stage, 0, __VA_ARGS__)
#define log_debug(stage, ...) log_msg(LOG_LVL_DEBUG, stage, 0, __VA_ARGS__)

/* A diagnostic for configuration errors: "FILE:LINE: message". */
struct diag {
	char *file;
	unsigned line;
	char *msg;
};
void diag_set(struct diag *d, const char *file, unsigned line, const char *fmt, ...) _printf_(4, 5);
void diag_clear(struct diag *d);
/* Print "mpjail: FILE:LINE: msg" to stderr. */
void diag_print(const struct diag *d);

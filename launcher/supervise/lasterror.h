/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Why the server failed, in a line or three for `status`: the jail's last
 * line of output, or the error lines httpd wrote to the tenant's
 * logs/error.log (where a Perl compile error at startup goes). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define LASTERR_LINE_MAX 300

/* The last non-empty line of a byte stream, fed as it comes. */
struct lasterr_line {
	char cur[LASTERR_LINE_MAX + 1], last[LASTERR_LINE_MAX + 1];
	size_t cur_len;
};

void lasterr_feed(struct lasterr_line *ll, const char *buf, size_t n);

/* The size of HOME/logs/error.log now (0 if it is missing or not one the
 * tenant owns): where the lines of a generation starting now begin. */
off_t lasterr_mark(const char *home, uid_t uid);

/* The error lines (httpd's levels error..emerg, up to 3) that
 * HOME/logs/error.log gained after `mark` (its last 4 KiB at most; from
 * the start if it was rotated), else the jail's last line, or NULL;
 * terminal-safe, malloc'ed.  The log is the tenant's: opened with no
 * symlink anywhere, read only if it is a regular file of the tenant's with
 * a single link. */
char *lasterr_describe(const char *home, uid_t uid, off_t mark, const struct lasterr_line *ll);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/sys.h"
#include "base/util.h"
#include "control/control.h"
#include "supervise/lasterror.h"

#define TAIL_BYTES 4096
#define ERROR_LINES 3

void lasterr_feed(struct lasterr_line *ll, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (ll->cur_len < LASTERR_LINE_MAX)
				ll->cur[ll->cur_len++] = buf[i];
			continue;
		}
		if (ll->cur_len > 0) {
			memcpy(ll->last, ll->cur, ll->cur_len);
			ll->last[ll->cur_len] = '\0';
		}
		ll->cur_len = 0;
	}
}

/* The tenant's error.log, checked: a regular file of the tenant's with one
 * link, opened without following any symlink. */
static int open_log(const char *home, uid_t uid, struct stat *st)
{
	_cleanup_close_ int h = -1, fd = -1;

	h = sys_openat2(AT_FDCWD, home, O_PATH | O_DIRECTORY | O_CLOEXEC,
			RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (h < 0)
		return h;
	/* O_NONBLOCK: a FIFO planted there must not hang us. */
	fd = sys_openat2(h, "logs/error.log", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
			 RESOLVE_STRICT);
	if (fd < 0)
		return fd;
	if (fstat(fd, st) < 0)
		return negerrno();
	if (!S_ISREG(st->st_mode) || st->st_uid != uid || st->st_nlink != 1)
		return -EPERM;
	return TAKE_FD(fd);
}

off_t lasterr_mark(const char *home, uid_t uid)
{
	struct stat st;
	int fd = home ? open_log(home, uid, &st) : -EINVAL;

	if (fd < 0)
		return 0;
	(void)close(fd);
	return st.st_size;
}

/* What the log gained after mark, its last 4 KiB at most, NUL-terminated;
 * *cut: the first line may be a partial one. */
static int read_log_tail(const char *home, uid_t uid, off_t mark, char *buf, size_t *len, bool *cut)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	ssize_t k;
	off_t off;

	fd = open_log(home, uid, &st);
	if (fd < 0)
		return fd;
	if (st.st_size < mark)
		mark = 0; /* rotated or truncated meanwhile */
	off = st.st_size - mark > TAIL_BYTES ? st.st_size - TAIL_BYTES : mark;
	k = pread(fd, buf, TAIL_BYTES, off);
	if (k < 0)
		return negerrno();
	buf[k] = '\0';
	*len = (size_t)k;
	*cut = off > mark;
	return 0;
}

static bool is_error_line(const char *s, size_t n)
{
	static const char *const levels[] = { ":error] ", ":crit] ", ":alert] ", ":emerg] " };

	for (size_t i = 0; i < ARRAY_SIZE(levels); i++)
		if (memmem(s, n, levels[i], strlen(levels[i])))
			return true;
	return false;
}

char *lasterr_describe(const char *home, uid_t uid, off_t mark, const struct lasterr_line *ll)
{
	char buf[TAIL_BYTES + 1], out[ERROR_LINES * (LASTERR_LINE_MAX + 1) + 1];
	const char *line[ERROR_LINES];
	size_t linelen[ERROR_LINES], n = 0, len = 0, o = 0;
	bool cut = false;
	char *end;

	if (home && read_log_tail(home, uid, mark, buf, &len, &cut) == 0) {
		/* Walk back over whole lines (the first may be cut). */
		end = buf + len;
		while (end > buf && n < ERROR_LINES) {
			char *nl, *start;

			while (end > buf && end[-1] == '\n')
				end--;
			nl = memrchr(buf, '\n', (size_t)(end - buf));
			start = nl ? nl + 1 : buf;
			if (!nl && cut)
				break;
			if (end > start && is_error_line(start, (size_t)(end - start))) {
				line[n] = start;
				linelen[n++] = (size_t)(end - start);
			}
			end = start;
		}
	}
	if (n == 0 && ll && ll->last[0]) {
		line[0] = ll->last;
		linelen[0] = strlen(ll->last);
		n = 1;
	}
	if (n == 0)
		return NULL;
	/* Oldest first, each cut to a line's worth. */
	while (n-- > 0) {
		size_t k = linelen[n] < LASTERR_LINE_MAX ? linelen[n] : LASTERR_LINE_MAX;

		memcpy(out + o, line[n], k);
		o += k;
		out[o++] = n ? '\n' : '\0';
	}
	return ctl_text_for_terminal(out, strlen(out));
}

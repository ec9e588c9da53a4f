/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure helpers: scoped cleanup, checked number parsing, strings.  No policy. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_ __attribute__((noreturn))

/* Scoped cleanup (systemd/minijail style).  Destructors accept NULL/-1. */
static inline void freep(void *p) { free(*(void **)p); }
/* Close and forget: *fd becomes -1, so that a poll set built from it later
 * skips it (a closed fd left in a pollfd reports POLLNVAL at once, forever:
 * a busy loop) and no second close can hit a reused descriptor. */
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void)close(*fd);
		errno = saved;
	}
	*fd = -1;
}
static inline void fclosep(FILE **f)
{
	if (*f)
		(void)fclose(*f);
}
void strv_free(char **v);
static inline void strv_freep(char ***v) { strv_free(*v); }

#define _cleanup_free_ __attribute__((cleanup(freep)))
#define _cleanup_close_ __attribute__((cleanup(closep)))
#define _cleanup_fclose_ __attribute__((cleanup(fclosep)))
#define _cleanup_strv_ __attribute__((cleanup(strv_freep)))

/* Ownership transfer out of a cleanup-scoped variable. */
#define TAKE_FD(fd)              \
	({                       \
		int _fd_ = (fd); \
		(fd) = -1;       \
		_fd_;            \
	})
#define TAKE_PTR(p)                      \
	({                               \
		__typeof__(p) _p_ = (p); \
		(p) = NULL;              \
		_p_;                     \
	})

/* -errno from the last failed libc call, never 0. */
static inline int negerrno(void) { return errno > 0 ? -errno : -EIO; }

/* Checked parsers: whole string, no sign surprises, range-checked.
 * Return 0 or -EINVAL/-ERANGE; *ret set only on success. */
int parse_u64(const char *s, uint64_t *ret);
int parse_uint_range(const char *s, unsigned min, unsigned max, unsigned *ret);
/* "90s", "15m", "2h", "1d" (or "0") in seconds, at most max: -EINVAL for
 * anything else, -ERANGE past max. */
int parse_duration(const char *s, unsigned max, unsigned *ret);
/* "512M", "2G", "1048576", "max" (-> UINT64_MAX when allow_max). */
int parse_size(const char *s, bool allow_max, uint64_t *ret);

/* Allocation that aborts: out-of-memory in a launcher is not recoverable. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc_array(void *p, size_t n, size_t m);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) _printf_(1, 2);

/* NULL-terminated string vectors. */
size_t strv_length(char *const *v);
int strv_push(char ***v, char *s); /* takes s */
bool strv_contains(char *const *v, const char *s);
/* qsort() comparator for an array of char *: strcmp() order. */
int cmp_str(const void *a, const void *b);

/* Split on runs of blanks; returns a new strv (empty, never NULL). */
char **split_words(const char *s);
char *strstrip(char *s);
bool startswith(const char *s, const char *prefix);

/* Length of the valid UTF-8 sequence at s (1..4, at most avail >= 1), or 0
 * when there is none (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF). */
size_t utf8_len(const unsigned char *s, size_t avail);
/* The n-byte sequence at s is a C1 control, U+0080..U+009F: terminals act
 * on them like on ESC (U+009B is CSI). */
bool utf8_is_c1(const unsigned char *s, size_t n);
/* Names of tenants, users and profiles: [a-z_][a-z0-9_-]{0,31}. */
bool valid_name(const char *s);
/* Host names for the frontend: lower-case LDH labels, dots, <= 253. */
bool valid_hostname(const char *s);
/* Absolute, normalised: no "//", "/./", "/../", no trailing '/'. */
bool valid_abs_path(const char *s);

/* Full read/write with EINTR handling.  Return 0 or -errno; read returns
 * bytes read (short only at EOF). */
ssize_t read_full(int fd, void *buf, size_t n);
int write_full(int fd, const void *buf, size_t n);

/* Give back pages a long-lived process dirtied once (a launch's stages) and
 * will not need again: the heap's free chunks (malloc_trim) and the stack
 * below the caller's frame, which reads back as zeros when touched again
 * (docs/design.md, "Density").  Main thread only: the range below the stack
 * is the kernel's guard gap, never another mapping. */
void mem_give_back(void);
/* Read a whole small file (<= max bytes) relative to dirfd, NUL-terminated. */
int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);

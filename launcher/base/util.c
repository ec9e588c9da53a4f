/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "base/util.h"

#include <ctype.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/stat.h>

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		abort();
	return p;
}

void *xrealloc_array(void *p, size_t n, size_t m)
{
	void *q = reallocarray(p, n ? n : 1, m ? m : 1);
	if (!q)
		abort();
	return q;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		abort();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

int parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || !isdigit((unsigned char)*s))
		return -EINVAL; /* rejects "", "-1", "+1", " 1" */
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	/* "0755"-style leading zeros are ambiguous in a config file. */
	if (s[0] == '0' && s[1])
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_uint_range(const char *s, unsigned min, unsigned max, unsigned *ret)
{
	uint64_t v;
	int r = parse_u64(s, &v);

	if (r < 0)
		return r;
	if (v < min || v > max)
		return -ERANGE;
	*ret = (unsigned)v;
	return 0;
}

int parse_duration(const char *s, unsigned max, unsigned *ret)
{
	/* Keyword table: the unit after the number, in seconds. */
	static const struct {
		char suffix;
		unsigned mult;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	char num[24];
	size_t len;
	unsigned mult = 0;
	uint64_t v;
	int r;

	if (!s || !*s || (len = strlen(s)) >= sizeof num)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (s[len - 1] == units[i].suffix)
			mult = units[i].mult;
	if (!mult) /* a bare number is ambiguous (seconds? minutes?): refused */
		return strcmp(s, "0") == 0 ? (*ret = 0, 0) : -EINVAL;
	memcpy(num, s, len - 1);
	num[len - 1] = '\0';
	r = parse_u64(num, &v);
	if (r < 0)
		return r;
	if (v > max / mult)
		return -ERANGE;
	*ret = (unsigned)v * mult;
	return 0;
}

int parse_size(const char *s, bool allow_max, uint64_t *ret)
{
	static const struct {
		char suffix;
		unsigned shift;
	} units[] = { { 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'T', 40 } };
	_cleanup_free_ char *num = NULL;
	size_t len;
	unsigned shift = 0;
	uint64_t v;
	int r;

	if (!s || !*s)
		return -EINVAL;
	if (allow_max && strcmp(s, "max") == 0) {
		*ret = UINT64_MAX;
		return 0;
	}
	num = xstrdup(s);
	len = strlen(num);
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (toupper((unsigned char)num[len - 1]) == units[i].suffix) {
			shift = units[i].shift;
			num[--len] = '\0';
			break;
		}
	r = parse_u64(num, &v);
	if (r < 0)
		return r;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*ret = v << shift;
	return 0;
}

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t strv_length(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

int strv_push(char ***v, char *s)
{
	size_t n = strv_length(*v);

	*v = xrealloc_array(*v, n + 2, sizeof(char *));
	(*v)[n] = s;
	(*v)[n + 1] = NULL;
	return 0;
}

bool strv_contains(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

char **split_words(const char *s)
{
	char **v = xcalloc(1, sizeof(char *));
	const char *p = s;

	while (p && *p) {
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		n = strcspn(p, " \t");
		strv_push(&v, strndup(p, n) ?: (abort(), NULL));
		p += n;
	}
	return v;
}

char *strstrip(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

bool startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

size_t utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

bool utf8_is_c1(const unsigned char *s, size_t n) { return n == 2 && s[0] == 0xc2 && s[1] <= 0x9f; }

bool valid_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 32)
		return false;
	if (!(islower((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return true;
}

bool valid_hostname(const char *s)
{
	size_t n = s ? strlen(s) : 0, label = 0;

	if (n == 0 || n > 253 || s[0] == '.' || s[n - 1] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '-'))
			return false;
		if (label == 0 && c == '-')
			return false;
		if (++label > 63)
			return false;
	}
	return s[n - 1] != '-';
}

bool valid_abs_path(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n >= 4096 || s[0] != '/')
		return false;
	if (n > 1 && s[n - 1] == '/')
		return false;
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
		if (*p == '/') {
			if (p[1] == '/')
				return false;
			if (p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
				return false;
			if (p[1] == '.' && p[2] == '.' && (p[3] == '/' || p[3] == '\0'))
				return false;
		}
	}
	return true;
}

ssize_t read_full(int fd, void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t k = read(fd, (char *)buf + done, n - done);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return negerrno();
		}
		if (k == 0)
			break;
		done += (size_t)k;
	}
	return (ssize_t)done;
}

int write_full(int fd, const void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t k = write(fd, (const char *)buf + done, n - done);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return negerrno();
		}
		done += (size_t)k;
	}
	return 0;
}

int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	_cleanup_free_ char *buf = NULL;
	ssize_t n;

	if (fd < 0)
		return negerrno();
	buf = xmalloc(max + 1);
	n = read_full(fd, buf, max + 1);
	if (n < 0)
		return (int)n;
	if ((size_t)n > max)
		return -EFBIG;
	buf[n] = '\0';
	if (ret_len)
		*ret_len = (size_t)n;
	*ret = TAKE_PTR(buf);
	return 0;
}

/* Keep MEM_STACK_KEEP below this frame for its own callees; zap the rest of
 * the 1 MiB below (the part below the stack's lowest mapped page fails with
 * ENOMEM and is zapped all the same where mapped). */
#define MEM_STACK_KEEP (8 * 1024)
#define MEM_STACK_ZAP (1024 * 1024)
__attribute__((noinline)) void mem_give_back(void)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0) & ~(page - 1);

	(void)malloc_trim(0);
	(void)madvise((void *)(sp - MEM_STACK_ZAP), MEM_STACK_ZAP - MEM_STACK_KEEP, MADV_DONTNEED);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "sendmail/sendmail_msg.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The options sendmail(8) callers pass, and what we do with each. */
enum opt_kind { OPT_T, OPT_I, OPT_F_SENDER, OPT_IGNORE, OPT_IGNORE_ARG, OPT_REFUSE };

static const struct {
	const char *name;
	enum opt_kind kind;
} opt_table[] = {
	{ "-t", OPT_T },          { "-i", OPT_I },        { "-oi", OPT_I },
	{ "-f", OPT_F_SENDER },   { "-r", OPT_F_SENDER }, { "-F", OPT_IGNORE_ARG },
	{ "-bm", OPT_IGNORE },    { "-oem", OPT_IGNORE }, { "-oee", OPT_IGNORE },
	{ "-odi", OPT_IGNORE },   { "-odb", OPT_IGNORE }, { "-odq", OPT_IGNORE },
	{ "-v", OPT_IGNORE },     { "-U", OPT_IGNORE },   { "-N", OPT_IGNORE_ARG },
	{ "-B", OPT_IGNORE_ARG }, { "-bp", OPT_REFUSE },  { "-bs", OPT_REFUSE },
	{ "-bd", OPT_REFUSE },    { "-bi", OPT_REFUSE },  { "-q", OPT_REFUSE },
	{ "-bt", OPT_REFUSE },    { "-bv", OPT_REFUSE },
};

int sm_check_addr(const char *a)
{
	size_t n = strlen(a);

	if (n == 0 || n > SM_ADDR_MAX)
		return -EINVAL;
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '<' || *p == '>')
			return -EINVAL;
	return 0;
}

int sm_parse_args(int argc, char **argv, struct sm_opts *o, char *err, size_t en)
{
	int i;

	*o = (struct sm_opts){ 0 };
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		size_t k;

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		for (k = 0; k < sizeof opt_table / sizeof opt_table[0]; k++) {
			size_t n = strlen(opt_table[k].name);
			bool takes = opt_table[k].kind == OPT_F_SENDER ||
				     opt_table[k].kind == OPT_IGNORE_ARG;

			if (strcmp(a, opt_table[k].name) == 0 ||
			    (takes && strncmp(a, opt_table[k].name, n) == 0 && a[n]))
				break;
		}
		if (k == sizeof opt_table / sizeof opt_table[0]) {
			/* Other -o options are sendmail.cf settings: harmless. */
			if (strncmp(a, "-o", 2) == 0)
				continue;
			(void)snprintf(err, en, "unknown option `%s`", a);
			return -EINVAL;
		}
		switch (opt_table[k].kind) {
		case OPT_T:
			o->from_headers = true;
			break;
		case OPT_I:
			o->dot_ok = true;
			break;
		case OPT_F_SENDER:
		case OPT_IGNORE_ARG: {
			size_t n = strlen(opt_table[k].name);
			const char *v = a[n] ? a + n : (i + 1 < argc ? argv[++i] : NULL);

			if (!v) {
				(void)snprintf(err, en, "option `%s` needs a value", a);
				return -EINVAL;
			}
			if (opt_table[k].kind == OPT_F_SENDER) {
				if (*v && sm_check_addr(v) < 0) {
					(void)snprintf(err, en, "invalid sender address");
					return -EINVAL;
				}
				o->sender = v;
			}
			break;
		}
		case OPT_IGNORE:
			break;
		case OPT_REFUSE:
		default:
			(void)snprintf(err, en,
				       "`%s` is not supported: this sendmail only hands messages "
				       "to the host's mail server",
				       a);
			return -EINVAL;
		}
	}
	o->rcpts = argv + i;
	o->n_rcpts = (size_t)(argc - i);
	for (size_t k = 0; k < o->n_rcpts; k++)
		if (sm_check_addr(o->rcpts[k]) < 0) {
			(void)snprintf(err, en, "invalid recipient address (argument %zu)", k + 1);
			return -EINVAL;
		}
	return 0;
}

/* The end of the header block: the offset of its empty line, or len. */
static size_t header_end(const char *msg, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (i == 0 || msg[i - 1] == '\n') {
			if (msg[i] == '\n')
				return i;
			if (msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n')
				return i;
		}
	}
	return len;
}

/* The end of the logical header line starting at i (continuation lines
 * start with a blank): the offset of its last newline, or end. */
static size_t logical_line_end(const char *msg, size_t i, size_t end)
{
	for (; i < end; i++)
		if (msg[i] == '\n' && !(i + 1 < end && (msg[i + 1] == ' ' || msg[i + 1] == '\t')))
			break;
	return i;
}

static bool is_rcpt_header(const char *line, size_t n)
{
	static const char *const names[] = { "to:", "cc:", "bcc:" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t k = strlen(names[i]);

		if (n >= k && strncasecmp(line, names[i], k) == 0)
			return true;
	}
	return false;
}

/* One address from a list element: the part in <...> if any, else the
 * element without its blanks and any (comment). */
static int take_addr(const char *s, size_t n, char *out)
{
	const char *lt = memchr(s, '<', n), *gt;
	size_t o = 0, depth = 0;

	if (lt) {
		gt = memchr(lt, '>', n - (size_t)(lt - s));
		if (!gt)
			return -EINVAL;
		s = lt + 1;
		n = (size_t)(gt - s);
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '(')
			depth++;
		else if (c == ')' && depth)
			depth--;
		else if (!depth && !isspace((unsigned char)c)) {
			if (o >= SM_ADDR_MAX)
				return -EINVAL;
			out[o++] = c;
		}
	}
	out[o] = '\0';
	if (o == 0)
		return 0; /* an empty element (trailing comma): nothing */
	return sm_check_addr(out) < 0 ? -EINVAL : 1;
}

int sm_header_rcpts(const char *msg, size_t len, char out[][SM_ADDR_MAX + 1], size_t max)
{
	size_t end = header_end(msg, len), i = 0, found = 0;

	while (i < end) {
		size_t ls = i, le, colon;
		bool quoted = false;

		le = logical_line_end(msg, i, end);
		i = le + 1;
		if (!is_rcpt_header(msg + ls, le - ls))
			continue;
		colon = (size_t)((const char *)memchr(msg + ls, ':', le - ls) - msg) + 1;
		for (size_t s = colon, k = colon; k <= le; k++) {
			if (k < le && msg[k] == '"')
				quoted = !quoted;
			if (k == le || (msg[k] == ',' && !quoted)) {
				char a[SM_ADDR_MAX + 1];
				int r = take_addr(msg + s, k - s, a);

				if (r < 0)
					return r;
				if (r > 0) {
					if (found >= max)
						return -E2BIG;
					memcpy(out[found++], a, strlen(a) + 1);
				}
				s = k + 1;
			}
		}
	}
	return (int)found;
}

void sm_drop_bcc(char *msg, size_t *len)
{
	size_t end = header_end(msg, *len), i = 0;

	while (i < end) {
		size_t le;

		le = logical_line_end(msg, i, end);
		if (le - i >= 4 && strncasecmp(msg + i, "bcc:", 4) == 0) {
			size_t cut = (le < end ? le + 1 : le) - i;

			memmove(msg + i, msg + i + cut, *len - i - cut);
			*len -= cut;
			end -= cut;
			continue;
		}
		i = le + 1;
	}
}

int sm_parse_relay(const char *text, char *host, size_t hn, char *port, size_t pn)
{
	char h[256], p[16];
	unsigned long v;
	char *endp;

	if (sscanf(text, "relay %255s %15s", h, p) != 2)
		return -EINVAL;
	errno = 0;
	v = strtoul(p, &endp, 10);
	if (errno || *endp || v == 0 || v > 65535 || strlen(h) >= hn || strlen(p) >= pn)
		return -EINVAL;
	memcpy(host, h, strlen(h) + 1);
	memcpy(port, p, strlen(p) + 1);
	return 0;
}

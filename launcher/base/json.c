/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "base/json.h"

#include <inttypes.h>

#include "base/util.h"

/* The escapes JSON has a name for; 0: none (\u00XX, or the byte itself). */
static char short_escape(unsigned char c)
{
	switch (c) {
	case '"':
		return '"';
	case '\\':
		return '\\';
	case '\n':
		return 'n';
	case '\t':
		return 't';
	case '\r':
		return 'r';
	default:
		return 0;
	}
}

void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;

	if (!s) {
		fputs("null", f);
		return;
	}
	len = strlen(s);
	fputc('"', f);
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		char e = short_escape(c);
		size_t n;

		if (e) {
			fprintf(f, "\\%c", e);
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			i++;
			continue;
		}
		n = utf8_len(p + i, len - i);
		if (n == 0) {
			/* One replacement per bad byte: the next may start a valid sequence. */
			fputs("\\ufffd", f);
			i++;
			continue;
		}
		if (utf8_is_c1(p + i, n))
			fprintf(f, "\\u%04x", p[i + 1]);
		else
			fwrite(p + i, 1, n, f);
		i += n;
	}
	fputc('"', f);
}

void json_strv(FILE *f, char *const *v)
{
	fputc('[', f);
	for (size_t i = 0; v && v[i]; i++) {
		if (i)
			fputc(',', f);
		json_string(f, v[i]);
	}
	fputc(']', f);
}

void json_u64(FILE *f, bool known, uint64_t v)
{
	if (known)
		fprintf(f, "%" PRIu64, v);
	else
		fputs("null", f);
}

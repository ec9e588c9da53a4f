/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Strict INI reader.  Configuration is written by root and read by root, but
 * it still decides what a jail may do, so nothing is guessed: no inline
 * comments, no continuation lines, no quoting, no repeated keys. */
#define _GNU_SOURCE
#include "config/ini.h"

#include <ctype.h>

/* How much of a bad line a message quotes. */
#define QUOTE_MAX 48

void conf_reader_init(struct conf_reader *r, FILE *f, const char *file)
{
	r->f = f;
	r->file = file;
	r->line = 0;
	r->total = 0;
	r->buf[0] = '\0';
}

static int reader_error(struct conf_reader *r, struct diag *diag, const char *what, size_t len)
{
	/* Quote only the part before the problem: it is printable by now. */
	size_t n = len > QUOTE_MAX ? QUOTE_MAX : len;

	diag_set(diag, r->file, r->line, "%s: `%.*s%s`", what, (int)n, r->buf,
		 len > n ? "..." : "");
	return -EINVAL;
}

int conf_reader_next(struct conf_reader *r, struct diag *diag)
{
	size_t len = 0;
	int c;

	r->buf[0] = '\0';
	for (;;) {
		c = getc(r->f);
		if (c == EOF)
			break;
		r->total++;
		if (r->total > MPJ_CONF_MAX_BYTES) {
			r->line++;
			r->buf[len] = '\0';
			diag_set(diag, r->file, r->line, "file is larger than %u bytes",
				 (unsigned)MPJ_CONF_MAX_BYTES);
			return -EINVAL;
		}
		if (c == '\n')
			break;
		if (c == '\0') {
			r->line++;
			r->buf[len] = '\0';
			return reader_error(r, diag, "NUL byte in line", len);
		}
		if (len >= MPJ_CONF_MAX_LINE) {
			r->line++;
			r->buf[len] = '\0';
			diag_set(diag, r->file, r->line, "line is longer than %u bytes: `%.*s...`",
				 (unsigned)MPJ_CONF_MAX_LINE, QUOTE_MAX, r->buf);
			return -EINVAL;
		}
		r->buf[len++] = (char)c;
	}
	if (ferror(r->f)) {
		diag_set(diag, r->file, r->line + 1, "read error");
		return -EIO;
	}
	if (c == EOF && len == 0)
		return 0;
	r->line++;
	r->buf[len] = '\0';
	if (len > 0 && r->buf[len - 1] == '\r')
		r->buf[--len] = '\0';
	/* Control characters would end up in diagnostics and in paths. */
	for (size_t i = 0; i < len; i++) {
		unsigned char u = (unsigned char)r->buf[i];

		if ((u < 0x20 && u != '\t') || u == 0x7f) {
			char what[64];

			(void)snprintf(what, sizeof what, "control character 0x%02x after", u);
			return reader_error(r, diag, what, i);
		}
	}
	return 1;
}

bool conf_line_is_comment(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	return *line == '\0' || *line == '#' || *line == ';';
}

/* A name already seen in this file, with the line it was first seen on. */
struct seen {
	char **names;
	unsigned *lines;
	size_t n;
};

static void seen_done(struct seen *s)
{
	strv_free(s->names);
	free(s->lines);
	*s = (struct seen){ 0 };
}

static unsigned seen_find(const struct seen *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->names[i], name) == 0)
			return s->lines[i];
	return 0;
}

static void seen_add(struct seen *s, const char *name, unsigned line)
{
	strv_push(&s->names, xstrdup(name));
	s->lines = xrealloc_array(s->lines, s->n + 1, sizeof(unsigned));
	s->lines[s->n++] = line;
}

static bool valid_section_name(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

static const struct ini_section *find_section(const struct ini_section *t, size_t n,
					      const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

static const struct ini_key *find_key(const struct ini_section *s, const char *key)
{
	for (size_t i = 0; i < s->n_keys; i++)
		if (strcmp(s->keys[i].key, key) == 0)
			return &s->keys[i];
	return NULL;
}

struct ini_state {
	const struct ini_section *table;
	size_t n_table;
	const struct ini_section *cur;
	struct seen sections;
	struct seen keys; /* of the current section */
	void *userdata;
};

static int ini_section_line(struct ini_state *st, struct conf_reader *r, char *s, struct diag *diag)
{
	size_t len = strlen(s);
	unsigned first;
	int ret;

	if (len < 2 || s[len - 1] != ']' || !valid_section_name(s + 1, len - 2)) {
		diag_set(diag, r->file, r->line, "malformed section header `%s`", s);
		return -EINVAL;
	}
	s[len - 1] = '\0';
	s++;
	first = seen_find(&st->sections, s);
	if (first) {
		diag_set(diag, r->file, r->line, "duplicate section `[%s]` (first at line %u)", s,
			 first);
		return -EINVAL;
	}
	st->cur = find_section(st->table, st->n_table, s);
	if (!st->cur) {
		diag_set(diag, r->file, r->line, "unknown section `[%s]`", s);
		return -EINVAL;
	}
	seen_add(&st->sections, s, r->line);
	seen_done(&st->keys);
	if (st->cur->begin) {
		ret = st->cur->begin(r->file, r->line, st->userdata, diag);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int ini_key_line(struct ini_state *st, struct conf_reader *r, char *s, struct diag *diag)
{
	const struct ini_key *k;
	struct ini_item it;
	char *eq, *key;
	unsigned first;
	int ret;

	if (!st->cur) {
		diag_set(diag, r->file, r->line, "text outside a section: `%s`", s);
		return -EINVAL;
	}
	eq = strchr(s, '=');
	if (!eq) {
		diag_set(diag, r->file, r->line, "missing `=` in `%s`", s);
		return -EINVAL;
	}
	*eq = '\0';
	key = strstrip(s);
	if (!*key) {
		*eq = '=';
		diag_set(diag, r->file, r->line, "empty key in `%s`", s);
		return -EINVAL;
	}
	first = seen_find(&st->keys, key);
	if (first) {
		diag_set(diag, r->file, r->line, "duplicate key `%s` in [%s] (first at line %u)",
			 key, st->cur->name, first);
		return -EINVAL;
	}
	seen_add(&st->keys, key, r->line);

	it = (struct ini_item){
		.file = r->file,
		.line = r->line,
		.section = st->cur->name,
		.key = key,
		.value = strstrip(eq + 1),
	};
	k = find_key(st->cur, key);
	if (k)
		ret = k->fn(&it, st->userdata, diag);
	else if (st->cur->fallback)
		ret = st->cur->fallback(&it, st->userdata, diag);
	else
		ret = -ENOENT;
	if (ret == -ENOENT) {
		diag_set(diag, r->file, r->line, "unknown key `%s` in [%s]", key, st->cur->name);
		return -EINVAL;
	}
	return ret;
}

int ini_parse(FILE *f, const char *file, const struct ini_section *sections, size_t n_sections,
	      void *userdata, struct diag *diag)
{
	struct conf_reader r;
	struct ini_state st = {
		.table = sections,
		.n_table = n_sections,
		.userdata = userdata,
	};
	int ret;

	conf_reader_init(&r, f, file);
	while ((ret = conf_reader_next(&r, diag)) > 0) {
		char *s = strstrip(r.buf);

		if (conf_line_is_comment(s))
			continue;
		if (s[0] == '[')
			ret = ini_section_line(&st, &r, s, diag);
		else
			ret = ini_key_line(&st, &r, s, diag);
		if (ret < 0)
			break;
	}
	seen_done(&st.sections);
	seen_done(&st.keys);
	return ret;
}

/* ---- for key handlers ---- */

const char *ini_comment_hint(const char *value)
{
	return strpbrk(value, "#;") ? " (comments must be on a line of their own)" : "";
}

int ini_bad_value(const struct ini_item *it, int r, const char *expected, struct diag *diag)
{
	diag_set(diag, it->file, it->line, "invalid %s `%s`: %s%s%s", it->key, it->value,
		 r == -ERANGE ? "out of range; " : "", expected, ini_comment_hint(it->value));
	return -EINVAL;
}

int ini_set_string(char **dst, const struct ini_item *it, bool (*valid)(const char *),
		   const char *expected, struct diag *diag)
{
	if (!valid(it->value))
		return ini_bad_value(it, -EINVAL, expected, diag);
	free(*dst);
	*dst = xstrdup(it->value);
	return 0;
}

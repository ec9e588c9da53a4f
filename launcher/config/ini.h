/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A strict INI reader for mpjail.conf and tenant files, and the line reader
 * that the profile parser shares with it.  Callers describe what is allowed
 * with keyword tables (section -> key table -> handler); anything else is an
 * error with FILE:LINE and the offending text (docs/style.md P12, P13). */
#pragma once

#include <stdio.h>

#include "base/log.h"

/* Longest line accepted, without the newline. */
#define MPJ_CONF_MAX_LINE 4096
/* Largest file accepted, in bytes. */
#define MPJ_CONF_MAX_BYTES (256 * 1024)

/* Reads one line at a time from a FILE *, refusing NUL bytes, control
 * characters, over-long lines and files over MPJ_CONF_MAX_BYTES. */
struct conf_reader {
	FILE *f;
	const char *file;
	unsigned line; /* number of the line in buf */
	size_t total;  /* bytes consumed so far */
	char buf[MPJ_CONF_MAX_LINE + 1];
};

void conf_reader_init(struct conf_reader *r, FILE *f, const char *file);
/* 1: the next line is in r->buf (newline and a trailing CR removed);
 * 0: end of file; -EINVAL with *diag, or -errno when reading failed. */
int conf_reader_next(struct conf_reader *r, struct diag *diag);
/* True for blank lines and full-line comments (# or ;, after blanks). */
bool conf_line_is_comment(const char *line);

/* One `key = value` line, passed to the handler. */
struct ini_item {
	const char *file;
	unsigned line;
	const char *section;
	const char *key;
	const char *value; /* blanks trimmed; may be empty */
};

/* Return 0, or -EINVAL after filling *diag.  A section's `fallback` returns
 * -ENOENT for a key it does not know; the parser reports it as unknown. */
typedef int (*ini_key_fn)(const struct ini_item *it, void *userdata, struct diag *diag);
/* Called at the section header, with its line (for "missing key" errors). */
typedef int (*ini_section_fn)(const char *file, unsigned line, void *userdata, struct diag *diag);

struct ini_key {
	const char *key;
	ini_key_fn fn;
};

struct ini_section {
	const char *name;
	const struct ini_key *keys;
	size_t n_keys;
	ini_key_fn fallback;  /* keys not in `keys` (table-driven sections), or NULL */
	ini_section_fn begin; /* or NULL */
};

/* Parse the whole stream.  Unknown sections and keys, duplicate sections and
 * duplicate keys in a section are errors.  0 or -errno with *diag. */
int ini_parse(FILE *f, const char *file, const struct ini_section *sections, size_t n_sections,
	      void *userdata, struct diag *diag);

/* "tasks = 40  # note" is the likeliest way to write a bad value by
 * accident: there are no trailing comments, so say so.  The hint to append to
 * a message about VALUE, or "". */
const char *ini_comment_hint(const char *value);
/* "FILE:LINE: invalid KEY `VALUE`: EXPECTED" in *diag ("out of range; " first
 * when r is -ERANGE); returns -EINVAL. */
int ini_bad_value(const struct ini_item *it, int r, const char *expected, struct diag *diag);
/* Replace *dst with a copy of the value if valid() accepts it; otherwise
 * ini_bad_value() with EXPECTED. */
int ini_set_string(char **dst, const struct ini_item *it, bool (*valid)(const char *),
		   const char *expected, struct diag *diag);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON output, compact: the one string escaping behind status.json,
 * `status --json`, `check --json` and `explain --json`.  The objects
 * themselves are written by their owners. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* s as a JSON string, quotes included.  Quote and backslash are escaped,
 * newline, tab and CR by name, the other C0 controls, DEL and the C1
 * controls (U+0080..U+009F) as \u00XX; each byte that is not part of valid
 * UTF-8 becomes \ufffd.  So the output is always valid JSON and inert on a
 * terminal, whatever bytes a tenant put in s.  NULL gives `null`. */
void json_string(FILE *f, const char *s);
/* An array of the strings in v, each as json_string(); NULL gives []. */
void json_strv(FILE *f, char *const *v);
/* v as a number, or `null` when not known. */
void json_u64(FILE *f, bool known, uint64_t v);

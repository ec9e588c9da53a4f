/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: manifest lines (what `mpjail check` reads back).  Each
 * line parses or is refused; a parsed entry formats back to a line that
 * parses to the same entry. */
#define _GNU_SOURCE
#include <stdint.h>

#include "build/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_line(const char *line)
{
	struct manifest_entry e = { 0 }, e2 = { 0 };
	char *again;

	if (manifest_parse_line(line, &e) < 0)
		return;
	again = manifest_format_entry(&e);
	if (!again || manifest_parse_line(again, &e2) < 0)
		abort();
	if (strcmp(e.path, e2.path) != 0 || e.type != e2.type || e.mode != e2.mode ||
	    e.uid != e2.uid || e.gid != e2.gid ||
	    ((e.data || e2.data) && (!e.data || !e2.data || strcmp(e.data, e2.data) != 0)))
		abort();
	free(again);
	manifest_entry_done(&e);
	manifest_entry_done(&e2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = xmalloc(size + 1);
	char *p = buf, *nl;

	memcpy(buf, data, size);
	buf[size] = '\0';
	if (memchr(data, '\0', size)) {
		free(buf);
		return 0; /* the manifest reader refuses NUL bytes before parsing */
	}
	while ((nl = strchr(p, '\n'))) {
		*nl = '\0';
		one_line(p);
		p = nl + 1;
	}
	one_line(p);
	free(buf);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: one profile file, parsed from memory with no paths,
 * so `include` is refused instead of touching the filesystem. */
#define _GNU_SOURCE
#include <stdint.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mpj_profile *p = profile_new("fuzz");
	struct diag d = { 0 };
	char *buf;
	FILE *f;
	int r;

	buf = xmalloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	f = fmemopen(buf, size ? size : 1, "r");
	if (!f) {
		free(buf);
		profile_free(p);
		return 0;
	}
	if (size == 0)
		(void)getc(f); /* consume the dummy byte: an empty file */
	r = profile_parse(f, "fuzz.profile", NULL, p, 0, &d);
	if (r < 0 && !d.msg)
		abort(); /* every refusal says why */
	profile_free(p);
	diag_clear(&d);
	fclose(f);
	free(buf);
	return 0;
}

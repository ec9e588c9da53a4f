/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: a tenant file, parsed from memory.  Every input must
 * either parse or give -EINVAL with a diagnostic; nothing may leak. */
#define _GNU_SOURCE
#include <stdint.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mpj_tenant *t = NULL;
	struct diag d = { 0 };
	char *buf;
	FILE *f;
	int r;

	/* fmemopen wants a writable buffer and refuses size 0 on old glibc. */
	buf = xmalloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	f = fmemopen(buf, size ? size : 1, "r");
	if (!f) {
		free(buf);
		return 0;
	}
	if (size == 0)
		(void)getc(f); /* consume the dummy byte: an empty file */
	r = tenant_parse(f, "fuzz.conf", "fuzz", &t, &d);
	if (r == 0 && (!t || !t->user || !t->home || t->n_ports == 0))
		abort(); /* success without the required keys */
	if (r < 0 && (t || !d.msg))
		abort(); /* failure must leave no object and say why */
	tenant_free(t);
	diag_clear(&d);
	fclose(f);
	free(buf);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: a tenant file, parsed from memory.  Every input must
 * either parse or give -EINVAL with a diagnostic; nothing may leak. */
#define _GNU_SOURCE
#include <stdint.h>

#include "fuzz_input.h"

#include "config/tenant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mpj_tenant *t = NULL;
	struct diag d = { 0 };
	struct fuzz_stream in;
	int r;

	if (!fuzz_stream_open(data, size, &in))
		return 0;
	r = tenant_parse(in.f, "fuzz.conf", "fuzz", &t, &d);
	if (r == 0 && (!t || !t->user || !t->home || t->n_ports == 0))
		abort(); /* success without the required keys */
	if (r < 0 && (t || !d.msg))
		abort(); /* failure must leave no object and say why */
	tenant_free(t);
	diag_clear(&d);
	fuzz_stream_close(&in);
	return 0;
}

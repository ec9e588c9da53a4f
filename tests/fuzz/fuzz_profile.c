/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: one profile file, parsed from memory with no paths,
 * so `include` is refused instead of touching the filesystem. */
#define _GNU_SOURCE
#include <stdint.h>

#include "fuzz_input.h"

#include "config/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mpj_profile *p = profile_new("fuzz");
	struct diag d = { 0 };
	struct fuzz_stream in;
	int r;

	if (!fuzz_stream_open(data, size, &in)) {
		profile_free(p);
		return 0;
	}

	r = profile_parse(in.f, "fuzz.profile", NULL, p, 0, &d);
	if (r < 0 && !d.msg)
		abort(); /* every refusal says why */
	profile_free(p);
	diag_clear(&d);
	fuzz_stream_close(&in);
	return 0;
}

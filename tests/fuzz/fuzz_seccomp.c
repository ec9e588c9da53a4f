/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: a seccomp policy file.  It parses, or fails with a
 * diagnostic and no object; a parsed policy's rules all expand. */
#define _GNU_SOURCE
#include <stdint.h>

#include "fuzz_input.h"

#include "filter/filter_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mpj_seccomp_policy *p = NULL;
	struct diag d = { 0 };
	struct fuzz_stream in;
	int r;

	if (!fuzz_stream_open(data, size, &in))
		return 0;
	r = seccomp_policy_parse(in.f, "fuzz.seccomp", &p, &d);
	if (r < 0 && (p || !d.msg))
		abort(); /* a failure must leave no object and say why */
	for (size_t i = 0; p && i < p->n_rules; i++) {
		struct mpj_seccomp_cond c[MPJ_SECCOMP_MAX_CONDS];
		size_t n = seccomp_rule_expansions(&p->rules[i]);

		for (size_t j = 0; j < n; j++)
			if (seccomp_rule_expand(&p->rules[i], j, c) > MPJ_SECCOMP_MAX_CONDS)
				abort();
	}
	seccomp_policy_free(p);
	diag_clear(&d);
	fuzz_stream_close(&in);
	return 0;
}

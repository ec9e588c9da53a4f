/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rlimits_compute: the profile's table, the tenant's limits, and the limits
 * forced whatever the profile says (docs/threats.md T28, T31).  A limit the profile
 * leaves unset is inherited from whoever started mpjail (a unit's LimitNICE=,
 * an admin's shell), so the ones that protect other tenants are forced. */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include "jail/rlimits.h"

static void compute(const struct mpj_profile *p, const struct mpj_tenant *t,
		    struct rlimit out[RLIM_NLIMITS], bool set[RLIM_NLIMITS])
{
	memset(out, 0xaa, sizeof(struct rlimit) * RLIM_NLIMITS);
	memset(set, 0, sizeof(bool) * RLIM_NLIMITS);
	rlimits_compute(p, t, out, set);
}

static void assert_forced_zero(const struct rlimit out[RLIM_NLIMITS], const bool set[RLIM_NLIMITS],
			       int res, const char *name)
{
	cr_assert(set[res], "RLIMIT_%s must always be set", name);
	cr_assert_eq(out[res].rlim_cur, 0, "RLIMIT_%s soft is %llu", name,
		     (unsigned long long)out[res].rlim_cur);
	cr_assert_eq(out[res].rlim_max, 0, "RLIMIT_%s hard is %llu", name,
		     (unsigned long long)out[res].rlim_max);
}

Test(rlimits, forced_when_the_profile_says_nothing)
{
	struct mpj_profile p = { 0 };
	struct rlimit out[RLIM_NLIMITS];
	bool set[RLIM_NLIMITS];

	compute(&p, NULL, out, set);
	assert_forced_zero(out, set, RLIMIT_CORE, "CORE");
	assert_forced_zero(out, set, RLIMIT_RTPRIO, "RTPRIO");
	/* RLIMIT_NICE > 0 lets an unprivileged process raise its priority
	 * above everyone else's (setpriority down to 20 - limit). */
	assert_forced_zero(out, set, RLIMIT_NICE, "NICE");
	cr_assert_not(set[RLIMIT_NOFILE], "no NOFILE asked for: none set");
}

Test(rlimits, forced_over_what_the_profile_asks)
{
	struct mpj_profile p = { 0 };
	struct rlimit out[RLIM_NLIMITS];
	bool set[RLIM_NLIMITS];

	p.rlimits[RLIMIT_CORE] =
		(struct mpj_rlimit){ .set = true, .soft = 1 << 20, .hard = 1 << 20 };
	p.rlimits[RLIMIT_RTPRIO] = (struct mpj_rlimit){ .set = true, .soft = 99, .hard = 99 };
	p.rlimits[RLIMIT_NICE] = (struct mpj_rlimit){ .set = true, .soft = 40, .hard = 40 };
	p.rlimits[RLIMIT_FSIZE] = (struct mpj_rlimit){ .set = true, .soft = 4096, .hard = 8192 };
	compute(&p, NULL, out, set);
	assert_forced_zero(out, set, RLIMIT_CORE, "CORE");
	assert_forced_zero(out, set, RLIMIT_RTPRIO, "RTPRIO");
	assert_forced_zero(out, set, RLIMIT_NICE, "NICE");
	cr_assert(set[RLIMIT_FSIZE]);
	cr_assert_eq(out[RLIMIT_FSIZE].rlim_cur, 4096);
	cr_assert_eq(out[RLIMIT_FSIZE].rlim_max, 8192);
}

Test(rlimits, nproc_follows_the_task_limit_unless_lower)
{
	struct mpj_profile p = { 0 };
	struct mpj_tenant t = { 0 };
	struct rlimit out[RLIM_NLIMITS];
	bool set[RLIM_NLIMITS];

	t.limits.set[LIMIT_TASKS] = true;
	t.limits.v[LIMIT_TASKS] = 100;
	compute(&p, &t, out, set);
	cr_assert(set[RLIMIT_NPROC]);
	cr_assert_eq(out[RLIMIT_NPROC].rlim_max, 116);
	cr_assert_eq(out[RLIMIT_NPROC].rlim_cur, 116);

	p.rlimits[RLIMIT_NPROC] = (struct mpj_rlimit){ .set = true, .soft = 50, .hard = 60 };
	compute(&p, &t, out, set);
	cr_assert_eq(out[RLIMIT_NPROC].rlim_max, 60, "a lower profile value stays");
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "jail/rlimits.h"

#include "base/util.h"
#include "config/limits.h"

/* Forced whatever the profile says: a core dump of a process holding a DB
 * password goes to a root-run handler (docs/threats.md T28); realtime priority
 * or a raised nice value starves every other tenant (docs/threats.md T31).  A
 * limit left unset is inherited from whoever started mpjail (a unit's
 * LimitNICE=, an admin's shell), so these never are. */
static const struct {
	int resource;
	rlim_t value;
} forced[] = {
	{ RLIMIT_CORE, 0 },
	{ RLIMIT_RTPRIO, 0 },
	{ RLIMIT_NICE, 0 },
};

/* RLIMIT_NPROC counts every process and thread of the uid host-wide; keep
 * it a little above the cgroup's pids.max so the cgroup is what normally
 * says no, and a missing cgroup still has a backstop. */
#define NPROC_MARGIN 16

void rlimits_compute(const struct mpj_profile *p, const struct mpj_tenant *t,
		     struct rlimit out[RLIM_NLIMITS], bool set[RLIM_NLIMITS])
{
	uint64_t v;

	for (int i = 0; i < RLIM_NLIMITS; i++) {
		set[i] = p->rlimits[i].set;
		out[i].rlim_cur = p->rlimits[i].soft;
		out[i].rlim_max = p->rlimits[i].hard;
	}
	if (limits_get(t, p, LIMIT_NOFILE, &v)) {
		set[RLIMIT_NOFILE] = true;
		out[RLIMIT_NOFILE].rlim_cur = out[RLIMIT_NOFILE].rlim_max = (rlim_t)v;
	}
	if (limits_get(t, p, LIMIT_TASKS, &v)) {
		rlim_t want = (rlim_t)v + NPROC_MARGIN;

		if (!set[RLIMIT_NPROC] || out[RLIMIT_NPROC].rlim_max > want) {
			set[RLIMIT_NPROC] = true;
			out[RLIMIT_NPROC].rlim_cur = out[RLIMIT_NPROC].rlim_max = want;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(forced); i++) {
		set[forced[i].resource] = true;
		out[forced[i].resource].rlim_cur = out[forced[i].resource].rlim_max =
			forced[i].value;
	}
}

int rlimits_apply(const struct rlimit rl[RLIM_NLIMITS], const bool set[RLIM_NLIMITS],
		  int *ret_resource)
{
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		if (!set[i])
			continue;
		if (setrlimit(i, &rl[i]) < 0) {
			*ret_resource = i;
			return negerrno();
		}
	}
	return 0;
}

const char *rlimit_name(int resource)
{
	for (size_t i = 0; i < mpj_rlimit_table_len; i++)
		if (mpj_rlimit_table[i].resource == resource)
			return mpj_rlimit_table[i].key;
	return "?";
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `mpjail check` for the host: the tenants' memory limits against its RAM,
 * Landlock, and the kernel settings below /proc/sys. */
#define _GNU_SOURCE
#include "admin/check.h"

#include <fcntl.h>

#include "jail/landlock.h"

static int mem_total(uint64_t *ret)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/meminfo", "re");
	char line[256];

	if (!f)
		return negerrno();
	while (fgets(line, sizeof line, f)) {
		_cleanup_strv_ char **w = NULL;
		uint64_t kb;

		if (!startswith(line, "MemTotal:"))
			continue;
		w = split_words(line);
		if (strv_length(w) != 3 || parse_u64(w[1], &kb) < 0 || kb > UINT64_MAX / 1024)
			return -EINVAL;
		*ret = kb * 1024;
		return 0;
	}
	return -ENOENT;
}

/* Summed over every tenant, not only those named: the limits compete for
 * the same RAM (ARCHITECTURE.md "Limits"). */
void check_memory_sum(struct check_report *r, const struct mpj_global *g,
		      const struct check_tenant *s, size_t n)
{
	uint64_t sum = 0, total, budget, v;
	size_t unlimited = 0, counted = 0;

	for (size_t i = 0; i < n; i++) {
		if (!s[i].t || !s[i].p)
			continue;
		if (limits_get(s[i].t, s[i].p, LIMIT_MEMORY, &v)) {
			sum += v;
			counted++;
		} else
			unlimited++;
	}
	if (mem_total(&total) < 0) {
		check_add(r, CHECK_WARN, "host:memory", "cannot read MemTotal from /proc/meminfo");
		return;
	}
	budget = total / 100 * g->overcommit_pct;
	check_add(r, sum > budget ? CHECK_WARN : CHECK_OK, "host:memory",
		  "memory limits of %zu tenants sum to %lluM; RAM %lluM x overcommit %u%% = %lluM%s%s",
		  counted, (unsigned long long)(sum >> 20), (unsigned long long)(total >> 20),
		  g->overcommit_pct, (unsigned long long)(budget >> 20),
		  sum > budget ? ": the tenants can together exhaust the host" : "",
		  unlimited ? "; tenants without a memory limit are not counted" : "");
}

static void check_landlock(struct check_report *r)
{
	int abi = landlock_abi();

	if (abi < 4)
		check_add(r, CHECK_FAIL, "host:landlock",
			  "%s: jails in the shared network cannot start (need ABI 4, Linux 6.7)",
			  abi < 0 ? "not available" : "no network rules");
	else if (abi < 6)
		check_add(r, CHECK_WARN, "host:landlock",
			  "ABI %d: port rules, but no abstract-socket or signal scopes (ABI 6, Linux 6.12)", abi);
	else
		check_add(r, CHECK_OK, "host:landlock", "ABI %d: port rules, abstract-socket and signal scopes",
			  abi);
}

void check_host(struct check_report *r)
{
	_cleanup_close_ int procsys = -1;

	check_landlock(r);
	procsys = open("/proc/sys", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procsys < 0)
		check_add(r, CHECK_WARN, "host", "cannot open /proc/sys: %s", strerror(errno));
	else
		check_host_sysctls(r, procsys);
}

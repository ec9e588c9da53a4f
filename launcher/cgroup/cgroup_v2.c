/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup v2 (unified): controllers, limits and counters of a tenant. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>

#include "cgroup/cgroup_internal.h"

#define CG2_CONTROLLERS "+memory +pids +cpu"
#define CG2_CPU_PERIOD_US 100000
#define CG2_CPU_WEIGHT_DEFAULT 100

static bool all_enabled(int dirfd)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_strv_ char **words = NULL;

	if (read_file_at(dirfd, "cgroup.subtree_control", 4096, &buf, NULL) < 0)
		return false;
	words = split_words(strstrip(buf));
	for (size_t i = 0; i < _CG_CTRL_MAX; i++)
		if (!strv_contains(words, cg_ctrl_name[i]))
			return false;
	return true;
}

int cg2_enable_below(int dirfd, const char *path, struct diag *diag)
{
	int r = cg_write(dirfd, path, "cgroup.subtree_control", CG2_CONTROLLERS, false, diag);

	/* The no-internal-processes rule: a cgroup with member processes
	 * cannot hand domain controllers to its children. */
	if (r == -EBUSY && diag) {
		_cleanup_free_ char *p = xasprintf("%s/cgroup.subtree_control", path);

		diag_set(diag, NULL, 0,
			 "%s: cannot write `%s`: %s (processes other than mpjail live in %s; "
			 "run mpjail in a cgroup of its own, e.g. a systemd unit with Delegate=yes)",
			 p, CG2_CONTROLLERS, strerror(EBUSY), path);
	}
	return r;
}

/* Under systemd's Delegate=yes mpjail sits in the cgroup it was given, so
 * that cgroup has a process and may not enable controllers for children.
 * Move ourselves into the leaf BASE/supervisor first (the root cgroup is
 * exempt from the rule).  Other processes in BASE still make it fail. */
int cg2_prepare_base(struct mpj_cgroup *cg, struct diag *diag)
{
	struct cg_node *nd = &cg->node[0];
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r;

	if (all_enabled(nd->base_fd))
		return 0;
	r = cg_read_procs(nd->base_fd, &pids, &n);
	if (r < 0) {
		diag_set(diag, NULL, 0, "%s/cgroup.procs: cannot read: %s", nd->base_path,
			 strerror(-r));
		return r;
	}
	if (n > 0 && strcmp(nd->cgpath, "/") != 0) {
		_cleanup_close_ int fd = -1;
		_cleanup_free_ char *path = xasprintf("%s/supervisor", nd->base_path);
		char pid[32];

		r = cg_mkdir_open(&cg->env, nd->base_fd, "supervisor", &fd);
		if (r < 0) {
			diag_set(diag, NULL, 0, "%s: cannot create cgroup: %s", path, strerror(-r));
			return r;
		}
		(void)snprintf(pid, sizeof(pid), "%d", (int)getpid());
		r = cg_write(fd, path, "cgroup.procs", pid, false, diag);
		if (r < 0)
			return r;
	}
	return cg2_enable_below(nd->base_fd, nd->base_path, diag);
}

static void fmt_limit(char *buf, size_t n, bool has, uint64_t v)
{
	if (has && v != UINT64_MAX)
		(void)snprintf(buf, n, "%" PRIu64, v);
	else
		(void)snprintf(buf, n, "max");
}

/* Every file is written, a missing limit as the kernel default: the tenant
 * cgroup outlives one launch, and a limit removed from the configuration
 * must not linger from the previous one. */
int cg2_write_limits(struct mpj_cgroup *cg, const struct mpj_cg_limits *lim, struct diag *diag)
{
	struct cg_node *nd = &cg->node[0];
	_cleanup_free_ char *tpath = xasprintf("%s/mpjail/%s", nd->base_path, cg->tenant);
	char v[64];
	int r;

	fmt_limit(v, sizeof(v), lim->has_memory, lim->memory);
	r = cg_write(nd->tenant_fd, tpath, "memory.max", v, false, diag);
	if (r < 0)
		return r;

	/* memory.swap.max is absent when swap accounting is off
	 * (swapaccount=0, cgroup.memory=noswap): only fatal if asked for. */
	fmt_limit(v, sizeof(v), lim->has_swap, lim->swap);
	r = cg_write(nd->tenant_fd, tpath, "memory.swap.max", v, true, diag);
	if (r == -ENOENT) {
		if (lim->has_swap) {
			_cleanup_free_ char *p = xasprintf("%s/memory.swap.max", tpath);

			diag_set(diag, NULL, 0,
				 "%s: missing: swap accounting is off, so a swap limit of `%s` "
				 "cannot be enforced",
				 p, v);
			return -EOPNOTSUPP;
		}
	} else if (r < 0)
		return r;

	fmt_limit(v, sizeof(v), lim->has_tasks, lim->tasks);
	r = cg_write(nd->tenant_fd, tpath, "pids.max", v, false, diag);
	if (r < 0)
		return r;

	r = cg_write_u64(nd->tenant_fd, tpath, "cpu.weight",
			 lim->has_cpu_weight ? lim->cpu_weight : CG2_CPU_WEIGHT_DEFAULT, diag);
	if (r < 0)
		return r;

	/* percent of one CPU per 100 ms period: 100 % = 100000 us. */
	if (lim->has_cpu_quota && lim->cpu_quota_pct > 0) {
		if (lim->cpu_quota_pct > UINT64_MAX / 1000)
			return -ERANGE;
		(void)snprintf(v, sizeof(v), "%" PRIu64 " %u", lim->cpu_quota_pct * 1000,
			       CG2_CPU_PERIOD_US);
	} else
		(void)snprintf(v, sizeof(v), "max %u", CG2_CPU_PERIOD_US);
	return cg_write(nd->tenant_fd, tpath, "cpu.max", v, false, diag);
}

int cg2_events(const struct mpj_cgroup *cg, struct mpj_cg_events *ret)
{
	const struct cg_node *nd = &cg->node[0];
	struct mpj_cg_events ev = { 0 };
	uint64_t inst_hits = 0, tenant_hits = 0;
	int r;

	/* OOM kills of this instance's processes: memory.events is
	 * hierarchical, the instance has no children. */
	r = cg_read_key(nd->inst_fd, "memory.events", "oom_kill", &ev.oom_kills);
	if (r < 0)
		return r;
	/* Before Linux 6.10 pids.events "max" counted in the forking task's
	 * cgroup (the instance); since then in the cgroup whose limit was hit
	 * (the tenant).  Read both: the larger one is this kernel's answer. */
	r = cg_read_key(nd->inst_fd, "pids.events", "max", &inst_hits);
	if (r < 0)
		return r;
	r = cg_read_key(nd->tenant_fd, "pids.events", "max", &tenant_hits);
	if (r < 0)
		return r;
	ev.pids_max_hits = inst_hits > tenant_hits ? inst_hits : tenant_hits;

	/* Usage and limits are the tenant's: all instances share them. */
	if ((r = cg_read_u64(nd->tenant_fd, "memory.current", &ev.memory_current)) < 0 ||
	    (r = cg_read_u64(nd->tenant_fd, "memory.max", &ev.memory_max)) < 0 ||
	    (r = cg_read_u64(nd->tenant_fd, "pids.current", &ev.pids_current)) < 0 ||
	    (r = cg_read_u64(nd->tenant_fd, "pids.max", &ev.pids_max)) < 0)
		return r;
	*ret = ev;
	return 0;
}

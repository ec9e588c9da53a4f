/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup v1 (memory, pids, cpu hierarchies): limits and counters.
 * FIXME: goes when the last supported host runs cgroup v2 only. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>

#include "cgroup/cgroup_internal.h"

#define CG1_UNLIMITED "-1"
#define CG1_CPU_PERIOD_US 100000
#define CG1_SHARES_DEFAULT 1024
#define CG1_SHARES_MIN 2 /* kernel's MIN_SHARES */

/* Before Linux 5.x memory.use_hierarchy defaulted to 0, and then a limit on
 * GROUP/TENANT would not cover TENANT/i-PID.  It can only be switched on
 * while the cgroup has no children, i.e. right after we create it.  Newer
 * kernels always account hierarchically (the file then reads 1). */
int cg1_ensure_hierarchy(int dirfd, const char *path, struct diag *diag)
{
	uint64_t v;
	int r = cg_read_u64(dirfd, "memory.use_hierarchy", &v);

	if (r == -ENOENT)
		return 0; /* a kernel without the knob is always hierarchical */
	if (r < 0) {
		_cleanup_free_ char *p = xasprintf("%s/memory.use_hierarchy", path);

		diag_set(diag, NULL, 0, "%s: cannot read: %s", p, strerror(-r));
		return r;
	}
	if (v == 1)
		return 0;
	return cg_write(dirfd, path, "memory.use_hierarchy", "1", false, diag);
}

static void fmt_v1(char *buf, size_t n, bool has, uint64_t v)
{
	if (has && v != UINT64_MAX)
		(void)snprintf(buf, n, "%" PRIu64, v);
	else
		(void)snprintf(buf, n, CG1_UNLIMITED);
}

/* memory.memsw.limit_in_bytes (memory + swap) may never be below
 * memory.limit_in_bytes, so the order of the two writes depends on the
 * values already there: lower memory first, or raise memsw first. */
static int write_memory(const struct cg_node *nd, const char *tpath,
			const struct mpj_cg_limits *lim, struct diag *diag)
{
	uint64_t mem = lim->has_memory ? lim->memory : UINT64_MAX, memsw = UINT64_MAX;
	uint64_t cur_memsw;
	bool have_memsw = cg_file_exists(nd->tenant_fd, "memory.memsw.limit_in_bytes");
	char vmem[32], vsw[32];
	int r;

	if (lim->has_swap && !have_memsw) {
		_cleanup_free_ char *p = xasprintf("%s/memory.memsw.limit_in_bytes", tpath);

		diag_set(diag, NULL, 0,
			 "%s: missing: swap accounting is off (boot with swapaccount=1), so a swap "
			 "limit of `%" PRIu64 "` cannot be enforced",
			 p, lim->swap);
		return -EOPNOTSUPP;
	}
	if (lim->has_swap && mem != UINT64_MAX && lim->swap != UINT64_MAX &&
	    lim->swap <= UINT64_MAX - mem)
		memsw = mem + lim->swap;
	fmt_v1(vmem, sizeof(vmem), mem != UINT64_MAX, mem);
	fmt_v1(vsw, sizeof(vsw), memsw != UINT64_MAX, memsw);

	if (!have_memsw)
		return cg_write(nd->tenant_fd, tpath, "memory.limit_in_bytes", vmem, false, diag);
	r = cg_read_u64(nd->tenant_fd, "memory.memsw.limit_in_bytes", &cur_memsw);
	if (r < 0) {
		_cleanup_free_ char *p = xasprintf("%s/memory.memsw.limit_in_bytes", tpath);

		diag_set(diag, NULL, 0, "%s: cannot read: %s", p, strerror(-r));
		return r;
	}
	if (mem <= cur_memsw) {
		r = cg_write(nd->tenant_fd, tpath, "memory.limit_in_bytes", vmem, false, diag);
		if (r < 0)
			return r;
		return cg_write(nd->tenant_fd, tpath, "memory.memsw.limit_in_bytes", vsw, false,
				diag);
	}
	r = cg_write(nd->tenant_fd, tpath, "memory.memsw.limit_in_bytes", vsw, false, diag);
	if (r < 0)
		return r;
	return cg_write(nd->tenant_fd, tpath, "memory.limit_in_bytes", vmem, false, diag);
}

/* As on v2, every value is written (unset = the kernel default) so that a
 * limit dropped from the configuration does not survive in TENANT. */
int cg1_write_limits(struct mpj_cgroup *cg, const struct mpj_cg_limits *lim, struct diag *diag)
{
	const struct cg_node *m = &cg->node[CG_MEMORY], *p = &cg->node[CG_PIDS],
			     *c = &cg->node[CG_CPU];
	_cleanup_free_ char *mpath = xasprintf("%s/mpjail/%s", m->base_path, cg->tenant);
	_cleanup_free_ char *ppath = xasprintf("%s/mpjail/%s", p->base_path, cg->tenant);
	_cleanup_free_ char *cpath = xasprintf("%s/mpjail/%s", c->base_path, cg->tenant);
	uint64_t shares = CG1_SHARES_DEFAULT;
	char v[32];
	int r;

	r = write_memory(m, mpath, lim, diag);
	if (r < 0)
		return r;

	if (lim->has_tasks && lim->tasks != UINT64_MAX)
		(void)snprintf(v, sizeof(v), "%" PRIu64, lim->tasks);
	else
		(void)snprintf(v, sizeof(v), "max");
	r = cg_write(p->tenant_fd, ppath, "pids.max", v, false, diag);
	if (r < 0)
		return r;

	/* v2 weight 100 is v1's 1024 shares: scale linearly. */
	if (lim->has_cpu_weight) {
		if (lim->cpu_weight > UINT64_MAX / 1024)
			return -ERANGE;
		shares = lim->cpu_weight * 1024 / 100;
		if (shares < CG1_SHARES_MIN)
			shares = CG1_SHARES_MIN;
	}
	r = cg_write_u64(c->tenant_fd, cpath, "cpu.shares", shares, diag);
	if (r < 0)
		return r;
	r = cg_write_u64(c->tenant_fd, cpath, "cpu.cfs_period_us", CG1_CPU_PERIOD_US, diag);
	if (r < 0)
		return r;
	if (lim->has_cpu_quota && lim->cpu_quota_pct > 0) {
		if (lim->cpu_quota_pct > UINT64_MAX / 1000)
			return -ERANGE;
		(void)snprintf(v, sizeof(v), "%" PRIu64, lim->cpu_quota_pct * 1000);
	} else
		(void)snprintf(v, sizeof(v), CG1_UNLIMITED);
	return cg_write(c->tenant_fd, cpath, "cpu.cfs_quota_us", v, false, diag);
}

int cg1_events(const struct mpj_cgroup *cg, struct mpj_cg_events *ret)
{
	const struct cg_node *m = &cg->node[CG_MEMORY], *p = &cg->node[CG_PIDS];
	struct mpj_cg_events ev = { 0 };
	uint64_t inst_hits = 0, tenant_hits = 0;
	int r;

	/* memory.oom_control gained "oom_kill" in Linux 4.13; without it no
	 * count is available, which reads as 0. */
	r = cg_read_key(m->inst_fd, "memory.oom_control", "oom_kill", &ev.oom_kills);
	if (r < 0 && r != -ENODATA)
		return r;
	/* v1 counts "max" in the forking task's cgroup (the instance), not
	 * hierarchically; the tenant's own count is 0 unless a task sat there. */
	r = cg_read_key(p->inst_fd, "pids.events", "max", &inst_hits);
	if (r < 0)
		return r;
	r = cg_read_key(p->tenant_fd, "pids.events", "max", &tenant_hits);
	if (r < 0)
		return r;
	ev.pids_max_hits = inst_hits > tenant_hits ? inst_hits : tenant_hits;

	if ((r = cg_read_u64(m->tenant_fd, "memory.usage_in_bytes", &ev.memory_current)) < 0 ||
	    (r = cg_read_u64(m->tenant_fd, "memory.limit_in_bytes", &ev.memory_max)) < 0 ||
	    (r = cg_read_u64(p->tenant_fd, "pids.current", &ev.pids_current)) < 0 ||
	    (r = cg_read_u64(p->tenant_fd, "pids.max", &ev.pids_max)) < 0)
		return r;
	*ret = ev;
	return 0;
}

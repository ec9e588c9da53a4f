/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-tenant cgroups, v2 (unified) or v1 (memory, pids, cpu), always created
 * below the cgroup mpjail itself runs in (or the configured cgroup_root). */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "base/log.h"
#include "config/global.h"

/* Effective limits for one jail; has_* false = leave the kernel default. */
struct mpj_cg_limits {
	bool has_memory, has_swap, has_tasks, has_cpu_weight, has_cpu_quota;
	uint64_t memory;        /* bytes */
	uint64_t swap;          /* bytes of swap on top of memory */
	uint64_t tasks;         /* pids.max */
	uint64_t cpu_weight;    /* 1..10000 (v1: cpu.shares = weight * 1024 / 100) */
	uint64_t cpu_quota_pct; /* percent of one CPU per 100 ms period */
};

/* What the kernel counted for the jail's cgroup (for "why did it die"). */
struct mpj_cg_events {
	uint64_t oom_kills;     /* v2 memory.events oom_kill; v1 memory.oom_control oom_kill */
	uint64_t pids_max_hits; /* v2 pids.events max; v1 pids.events max */
	uint64_t memory_current, memory_max;
	uint64_t pids_current, pids_max;
};

/* The limit rule, for launch (writes it), explain (shows it) and check
 * (judges it) alike: each of the tenant's [limits] over its profile's
 * default, and no swap unless asked.  ret is filled completely. */
void cgroup_limits_compute(const struct mpj_tenant *t, const struct mpj_profile *p,
			   struct mpj_cg_limits *ret);

/* The installation's own group below BASE: "mpjail-" and 8 hex digits of a
 * hash of the state directory, so that two installations (two config trees,
 * a test tree beside /etc/mpjail) never share a tenant's cgroup and budget
 * (docs/design.md, "cgroup names").  Caller frees. */
char *cgroup_group_name(const struct mpj_paths *paths);

/* Where cgroup_setup() would put a tenant's instance, for explain. */
struct mpj_cg_location {
	const char *version; /* "v2" or "v1" */
	char *group;         /* "mpjail-XXXXXXXX" */
	char **controllers;  /* strv: "unified" (v2), or "memory" "pids" "cpu" (v1) */
	char **paths;        /* strv, per controller: BASE/GROUP/TENANT/i-PID (i-PID literally) */
};

struct mpj_cgroup; /* opaque */

/* Parent, before clone: create TENANT's cgroup (one per jail instance, named
 * so two launches never collide), write the limits, return the handle.
 * Creation holds RUN_DIR/cgroup.lock shared, so that no teardown removes
 * GROUP or TENANT under it.  0 or -errno with *diag naming the cgroup file
 * and value. */
int cgroup_setup(const struct mpj_global *g, const struct mpj_paths *paths, const char *tenant,
		 const struct mpj_cg_limits *lim, struct mpj_cgroup **ret, struct diag *diag);
/* The same detection as cgroup_setup(), creating and writing nothing.  0 with
 * *ret filled (free it with cgroup_location_free()), or -errno with *diag. */
int cgroup_locate(const struct mpj_global *g, const struct mpj_paths *paths, const char *tenant,
		  struct mpj_cg_location *ret, struct diag *diag);
void cgroup_location_free(struct mpj_cg_location *loc);
/* The v2 directory fd for clone3(CLONE_INTO_CGROUP), or -1 on v1. */
int cgroup_clone_fd(const struct mpj_cgroup *cg);
/* Move pid into the cgroup (v1, or v2 without clone3).  0 or -errno. */
int cgroup_attach(const struct mpj_cgroup *cg, pid_t pid);
/* The pids in the instance (its cgroup.procs); *ret is calloc'ed.  0 or
 * -errno. */
int cgroup_procs(const struct mpj_cgroup *cg, pid_t **ret, size_t *ret_n);
/* Read counters.  0 or -errno. */
int cgroup_events(const struct mpj_cgroup *cg, struct mpj_cg_events *ret);
/* Kill whatever is left in the cgroup, wait for it to empty, remove it, free
 * cg.  Then, holding RUN_DIR/cgroup.lock exclusively (no launch is creating
 * below GROUP), remove every TENANT without instances and GROUP if empty. */
int cgroup_teardown(struct mpj_cgroup *cg);
/* Human-readable path(s) of the cgroup, for explain/status. */
const char *cgroup_path(const struct mpj_cgroup *cg);

/* On a systemd host with pure cgroup v2, `exec` or `run` from a login shell
 * (or any cgroup shared with other processes) needs a delegated scope of its
 * own before cgroup_setup() can work there.
 * cgroup_scope_possible(): systemd is the init and MPJAIL_SCOPE is unset
 * (cheap: checked first, so other hosts read nothing more).
 * cgroup_scope_needed(): 1 when our cgroup is pure v2 and shared with other
 * processes; 0 for v1, a cgroup_root, or a cgroup already ours alone. */
bool cgroup_scope_possible(void);
int cgroup_scope_needed(const char *cgroup_root);
/* Re-run this very command (argv as main() got it) in a new transient scope
 * with Delegate=yes, through systemd-run --scope; MPJAIL_SCOPE names it.
 * Returns only on failure, -errno (-ENOENT: no systemd-run). */
int cgroup_enter_scope(const char *cmd, const char *tenant, char **argv);

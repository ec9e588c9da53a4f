/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-tenant cgroups: BASE/GROUP/TENANT/i-PID, limits on TENANT.
 *
 * BASE is the configured cgroup_root, else the cgroup mpjail runs in; all
 * that mpjail creates or writes lies below it (docs/threats.md T34).  The limits
 * live on TENANT so that every instance of one tenant (the `run` jail and
 * any `exec` next to it) shares one memory, pids and cpu budget; the
 * instance directory, named after the launching process's pid, keeps
 * launches apart and gives each its own counters and kill switch.  GROUP
 * is the installation's ("mpjail-" and a hash of its state directory). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "base/safefs.h"
#include "cgroup/cgroup_internal.h"
#include "config/limits.h"

#define CG_MKDIR_TRIES 5
#define CG_PARENT_LOCK_MS 200 /* teardown: at most this long for the parents */

static void cg_free(struct mpj_cgroup *cg)
{
	for (size_t i = 0; i < _CG_CTRL_MAX; i++)
		cg_node_close(&cg->node[i]);
	free(cg->tenant);
	free(cg->group);
	closep(&cg->lock_fd);
	free(cg->inst_name);
	free(cg->desc);
	free(cg);
}

struct sweep {
	const struct mpj_cgroup *cg;
	int tenant_fd;
};

static int sweep_one(int dirfd, const char *name, const struct stat *st, void *userdata)
{
	const struct sweep *sw = userdata;
	unsigned pid;

	(void)dirfd;
	if (!S_ISDIR(st->st_mode) || !startswith(name, "i-") ||
	    parse_uint_range(name + 2, 1, 1u << 30, &pid) < 0 ||
	    strcmp(name, sw->cg->inst_name) == 0)
		return 0;
	/* The launcher that made it is gone (killed before its teardown):
	 * an empty instance is removed; a populated one is EBUSY and stays. */
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		(void)cg_rmdir(&sw->cg->env, sw->tenant_fd, name);
	return 0;
}

/* A cgroup directory removed under us: its files answer ENODEV, its
 * path ENOENT. */
static bool gone(int r) { return r == -ENOENT || r == -ENODEV; }

/* Remove instance directories left by launchers that died without their
 * teardown (SIGKILL of `mpjail run`), so they do not pile up. */
static void sweep_stale(const struct mpj_cgroup *cg, int tenant_fd)
{
	struct sweep sw = { cg, tenant_fd };
	int dfd = openat(tenant_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd >= 0)
		(void)safefs_foreach_dir(dfd, sweep_one, &sw);
}

/* Create GROUP/TENANT/i-PID below one node's base.  The shared lock keeps
 * our teardowns away; ENOENT or ENODEV (a directory removed under us, by
 * an older mpjail without the lock or by hand) still means "start over". */
static int make_dirs_once(struct mpj_cgroup *cg, struct cg_node *nd, struct diag *diag)
{
	_cleanup_free_ char *mpath = xasprintf("%s/%s", nd->base_path, cg->group);
	_cleanup_free_ char *tpath = xasprintf("%s/%s", mpath, cg->tenant);
	const char *fail_path = mpath;
	int r;

	closep(&nd->group_fd);
	closep(&nd->tenant_fd);
	nd->group_fd = nd->tenant_fd = -1;

	r = cg_mkdir_open(&cg->env, nd->base_fd, cg->group, &nd->group_fd);
	if (r < 0)
		goto fail;
	if (cg->mode == CG_V2)
		r = cg2_enable_below(nd->group_fd, mpath, diag);
	else if (nd == &cg->node[CG_MEMORY])
		r = cg1_ensure_hierarchy(nd->group_fd, mpath, diag);
	if (r < 0)
		return r;

	fail_path = tpath;
	r = cg_mkdir_open(&cg->env, nd->group_fd, cg->tenant, &nd->tenant_fd);
	if (r < 0)
		goto fail;
	if (cg->mode == CG_V2)
		r = cg2_enable_below(nd->tenant_fd, tpath, diag);
	else if (nd == &cg->node[CG_MEMORY])
		r = cg1_ensure_hierarchy(nd->tenant_fd, tpath, diag);
	if (r < 0)
		return r;

	/* Only when instance names are real pids (tests inject fictitious ones). */
	if (!cg->env.instance)
		sweep_stale(cg, nd->tenant_fd);
	fail_path = nd->inst_path;
	r = cg_mkdir_open(&cg->env, nd->tenant_fd, cg->inst_name, &nd->inst_fd);
	if (r == 0) {
		/* Left behind by an earlier launcher with our pid that died
		 * without teardown.  Empty: reuse it fresh; populated: those
		 * processes belong to a jail nobody supervises any more. */
		closep(&nd->inst_fd);
		nd->inst_fd = -1;
		r = cg_rmdir(&cg->env, nd->tenant_fd, cg->inst_name);
		if (r < 0) {
			diag_set(diag, NULL, 0,
				 "%s: stale cgroup of an earlier launch cannot be removed: %s",
				 nd->inst_path, strerror(-r));
			return r;
		}
		r = cg_mkdir_open(&cg->env, nd->tenant_fd, cg->inst_name, &nd->inst_fd);
	}
	if (r < 0)
		goto fail;
	nd->made_inst = true;
	return 0;
fail:
	if (!gone(r))
		diag_set(diag, NULL, 0, "%s: cannot create cgroup: %s", fail_path, strerror(-r));
	return r;
}

/* BASE/GROUP/TENANT/INSTANCE: one spelling for setup and locate. */
static char *inst_path(const struct cg_node *nd, const char *group, const char *tenant,
		       const char *inst_name)
{
	return xasprintf("%s/%s/%s/%s", nd->base_path, group, tenant, inst_name);
}

static int make_dirs(struct mpj_cgroup *cg, struct cg_node *nd, struct diag *diag)
{
	int r = -ENOENT;

	nd->inst_path = inst_path(nd, cg->group, cg->tenant, cg->inst_name);
	for (unsigned i = 0; i < CG_MKDIR_TRIES && gone(r); i++) {
		diag_clear(diag);
		r = make_dirs_once(cg, nd, diag);
	}
	if (gone(r))
		diag_set(diag, NULL, 0, "%s: cannot create cgroup: %s", nd->inst_path,
			 strerror(-r));
	if (r < 0)
		return r;
	/* Fail closed if the instance would escape the tenant's memory limit. */
	if (cg->mode == CG_V1 && nd == &cg->node[CG_MEMORY]) {
		uint64_t v;

		r = cg_read_u64(nd->inst_fd, "memory.use_hierarchy", &v);
		if (r == 0 && v != 1) {
			diag_set(diag, NULL, 0,
				 "%s: memory.use_hierarchy is `%" PRIu64 "`: the tenant's memory "
				 "limit would not apply",
				 nd->inst_path, v);
			return -EINVAL;
		}
	}
	return 0;
}

static char *describe(const struct mpj_cgroup *cg)
{
	char *s = xstrdup(cg->node[0].inst_path);

	for (size_t i = 1; i < cg->n_nodes; i++) {
		char *t = xasprintf("%s %s", s, cg->node[i].inst_path);

		free(s);
		s = t;
	}
	return s;
}

/* FNV-1a: stable across builds and hosts; no secrecy needed, only that two
 * state directories of one host differ. */
char *cgroup_group_name(const struct mpj_paths *paths)
{
	uint32_t h = 2166136261u;

	for (const char *p = paths && paths->state_dir ? paths->state_dir : ""; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return xasprintf("mpjail-%08" PRIx32, h);
}

static char *group_for(const struct cg_env *env, const struct mpj_paths *paths)
{
	return env->group ? xstrdup(env->group) : cgroup_group_name(paths);
}

int cgroup_setup_env(const struct cg_env *env, const struct mpj_global *g,
		     const struct mpj_paths *paths, const char *tenant,
		     const struct mpj_cg_limits *lim, struct mpj_cgroup **ret, struct diag *diag)
{
	const char *root = g ? g->cgroup_root : NULL;
	struct mpj_cgroup *cg;
	int r;

	if (!valid_name(tenant)) {
		diag_set(diag, NULL, 0, "tenant name `%s` is not valid", tenant ? tenant : "");
		return -EINVAL;
	}
	if (root && !valid_abs_path(root)) {
		diag_set(diag, NULL, 0,
			 "cgroup_root `%s` is not an absolute, normalised cgroup path", root);
		return -EINVAL;
	}
	cg = xcalloc(1, sizeof(*cg));
	cg->env = *env;
	cg->lock_fd = -1;
	if (!cg->env.sysfs_root)
		cg->env.sysfs_root = "/sys/fs/cgroup";
	cg_nodes_init(cg->node);
	cg->tenant = xstrdup(tenant);
	cg->group = group_for(env, paths);
	cg->inst_name = xasprintf("i-%d", (int)(env->instance ? env->instance : getpid()));

	r = cg_lock_open(&cg->env, paths, &cg->lock_fd, diag);
	if (r >= 0)
		r = cg_detect(&cg->env, root, &cg->mode, cg->node, diag);
	if (r < 0) {
		cg_free(cg);
		return r;
	}
	cg->n_nodes = cg->mode == CG_V2 ? 1 : _CG_CTRL_MAX;

	if (cg->mode == CG_V2) {
		r = cg2_prepare_base(cg, diag);
		if (r < 0)
			goto fail;
	}
	r = cg_lock_shared(cg->lock_fd);
	if (r < 0) {
		diag_set(diag, NULL, 0, "cgroup lock: %s", strerror(-r));
		goto fail;
	}
	for (size_t i = 0; i < cg->n_nodes && r >= 0; i++)
		r = make_dirs(cg, &cg->node[i], diag);
	/* Our instance now pins GROUP and TENANT: rmdir of either is EBUSY. */
	cg_unlock(cg->lock_fd);
	if (r < 0)
		goto fail;
	/* Limits go on TENANT only now: it has a child (our instance), so a
	 * concurrent teardown can no longer remove it and our values with it. */
	r = cg->mode == CG_V2 ? cg2_write_limits(cg, lim, diag) : cg1_write_limits(cg, lim, diag);
	if (r < 0)
		goto fail;
	cg->desc = describe(cg);
	*ret = cg;
	return 0;
fail:
	(void)cgroup_teardown(cg);
	return r;
}

int cgroup_setup(const struct mpj_global *g, const struct mpj_paths *paths, const char *tenant,
		 const struct mpj_cg_limits *lim, struct mpj_cgroup **ret, struct diag *diag)
{
	static const struct cg_env real = { 0 };

	return cgroup_setup_env(&real, g, paths, tenant, lim, ret, diag);
}

void cgroup_limits_compute(const struct mpj_tenant *t, const struct mpj_profile *p,
			   struct mpj_cg_limits *ret)
{
	struct mpj_cg_limits c = { 0 };
	uint64_t v;

	if ((c.has_memory = limits_get(t, p, LIMIT_MEMORY, &v)))
		c.memory = v;
	if ((c.has_swap = limits_get(t, p, LIMIT_SWAP, &v)))
		c.swap = v;
	else if (c.has_memory) {
		/* No swap unless asked: a memory limit that swap can absorb is
		 * not a limit (docs/threats.md T30). */
		c.has_swap = true;
		c.swap = 0;
	}
	if ((c.has_tasks = limits_get(t, p, LIMIT_TASKS, &v)))
		c.tasks = v;
	if ((c.has_cpu_weight = limits_get(t, p, LIMIT_CPU, &v)))
		c.cpu_weight = v;
	if ((c.has_cpu_quota = limits_get(t, p, LIMIT_CPU_QUOTA, &v)))
		c.cpu_quota_pct = v;
	*ret = c;
}

int cgroup_locate_env(const struct cg_env *env, const struct mpj_global *g,
		      const struct mpj_paths *paths, const char *tenant,
		      struct mpj_cg_location *ret, struct diag *diag)
{
	const struct cg_env e = *env;
	struct cg_node nodes[_CG_CTRL_MAX];
	enum cg_mode mode;
	size_t n;
	int r;

	cg_nodes_init(nodes);
	r = cg_detect(&e, g ? g->cgroup_root : NULL, &mode, nodes, diag);
	if (r < 0)
		return r;
	n = mode == CG_V2 ? 1 : _CG_CTRL_MAX;
	*ret = (struct mpj_cg_location){
		.version = mode == CG_V2 ? "v2" : "v1",
		.group = group_for(&e, paths),
		.controllers = xcalloc(1, sizeof(char *)),
		.paths = xcalloc(1, sizeof(char *)),
	};
	for (size_t i = 0; i < n; i++) {
		strv_push(&ret->controllers, xstrdup(mode == CG_V2 ? "unified" : cg_ctrl_name[i]));
		strv_push(&ret->paths, inst_path(&nodes[i], ret->group, tenant, "i-PID"));
	}
	for (size_t i = 0; i < _CG_CTRL_MAX; i++)
		cg_node_close(&nodes[i]);
	return 0;
}

int cgroup_locate(const struct mpj_global *g, const struct mpj_paths *paths, const char *tenant,
		  struct mpj_cg_location *ret, struct diag *diag)
{
	static const struct cg_env real = { 0 };

	return cgroup_locate_env(&real, g, paths, tenant, ret, diag);
}

void cgroup_location_free(struct mpj_cg_location *loc)
{
	free(loc->group);
	strv_free(loc->controllers);
	strv_free(loc->paths);
	*loc = (struct mpj_cg_location){ 0 };
}

int cgroup_clone_fd(const struct mpj_cgroup *cg)
{
	return cg->mode == CG_V2 ? cg->node[0].inst_fd : -1;
}

int cgroup_attach(const struct mpj_cgroup *cg, pid_t pid)
{
	char buf[32];

	if (pid <= 0)
		return -EINVAL;
	(void)snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->n_nodes; i++) {
		int r = cg_write(cg->node[i].inst_fd, cg->node[i].inst_path, "cgroup.procs", buf,
				 false, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

int cgroup_procs(const struct mpj_cgroup *cg, pid_t **ret, size_t *ret_n)
{
	if (cg->n_nodes == 0 || cg->node[0].inst_fd < 0)
		return -EBADF;
	return cg_read_procs(cg->node[0].inst_fd, ret, ret_n);
}

int cgroup_events(const struct mpj_cgroup *cg, struct mpj_cg_events *ret)
{
	return cg->mode == CG_V2 ? cg2_events(cg, ret) : cg1_events(cg, ret);
}

/* rmdir that tolerates what a shared parent legitimately shows: another
 * instance or tenant still inside (EBUSY, ENOTEMPTY), or already gone. */
static int rmdir_shared(const struct cg_env *env, int parent_fd, const char *name)
{
	int r = cg_rmdir(env, parent_fd, name);

	return r == -EBUSY || r == -ENOTEMPTY || r == -ENOENT ? 0 : r;
}

struct prune {
	const struct cg_env *env;
	int group_fd;
	int err;
};

static int prune_one(int dirfd, const char *name, const struct stat *st, void *userdata)
{
	struct prune *p = userdata;
	int r;

	(void)dirfd;
	if (!S_ISDIR(st->st_mode) || !valid_name(name))
		return 0;
	r = rmdir_shared(p->env, p->group_fd, name);
	if (r < 0 && p->err == 0)
		p->err = r;
	return 0;
}

/* With the lock held exclusively no launch is between its mkdirs, so every
 * TENANT without an instance is unused: remove them all (a teardown that
 * found the lock busy left its own behind), then GROUP if that emptied it. */
static int remove_parents(struct mpj_cgroup *cg, struct cg_node *nd)
{
	struct prune p = { &cg->env, nd->group_fd, 0 };
	int dfd, r;

	if (nd->group_fd < 0)
		return 0;
	dfd = openat(nd->group_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return gone(negerrno()) ? 0 : negerrno();
	r = safefs_foreach_dir(dfd, prune_one, &p);
	if (r < 0 && !gone(r))
		return r;
	if (p.err < 0)
		return p.err;
	return rmdir_shared(&cg->env, nd->base_fd, cg->group);
}

int cgroup_teardown(struct mpj_cgroup *cg)
{
	int r, ret = 0;

	if (!cg)
		return 0;
	r = cg_kill_all(cg);
	if (r < 0)
		ret = r;
	for (size_t i = 0; i < cg->n_nodes; i++) {
		struct cg_node *nd = &cg->node[i];

		closep(&nd->inst_fd);
		nd->inst_fd = -1;
		if (nd->made_inst && ret == 0) {
			/* The last task's exit can trail its removal from
			 * cgroup.procs by a moment: retry EBUSY briefly. */
			for (unsigned t = 0; t < 50; t++) {
				r = cg_rmdir(&cg->env, nd->tenant_fd, cg->inst_name);
				if (r != -EBUSY)
					break;
				(void)nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 },
						NULL);
			}
			if (r < 0 && r != -ENOENT && ret == 0)
				ret = r;
		}
	}
	/* Busy: launches are creating right now; the last teardown after
	 * them removes what is left. */
	if (cg->lock_fd >= 0 && cg_lock_exclusive(cg->lock_fd, CG_PARENT_LOCK_MS) == 0) {
		for (size_t i = 0; i < cg->n_nodes; i++) {
			r = remove_parents(cg, &cg->node[i]);
			if (r < 0 && ret == 0)
				ret = r;
		}
		cg_unlock(cg->lock_fd);
	}
	cg_free(cg);
	return ret;
}

const char *cgroup_path(const struct mpj_cgroup *cg) { return cg->desc ? cg->desc : ""; }

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A systemd scope of our own for `exec` and `run` started from a shell
 * (docs/design.md, "A scope from a login shell"). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "cgroup/cgroup_internal.h"

/* On pure v2 the cgroup we start in must be ours alone: the
 * no-internal-processes rule forbids limits below a cgroup with other
 * members, and a login session's or a plain service's cgroup belongs to
 * systemd, which does not expect us to create children there. */
int cgroup_scope_needed_env(const struct cg_env *env, const char *cgroup_root, pid_t self)
{
	struct cg_node nodes[_CG_CTRL_MAX];
	_cleanup_free_ pid_t *pids = NULL;
	_cleanup_free_ char *ctl = NULL;
	enum cg_mode mode;
	size_t n = 0;
	int r;

	if (cgroup_root)
		return 0; /* the admin chose where tenants go */
	cg_nodes_init(nodes);
	if (cg_detect(env, NULL, &mode, nodes, NULL) < 0 || mode != CG_V2) {
		for (size_t i = 0; i < _CG_CTRL_MAX; i++)
			cg_node_close(&nodes[i]);
		return 0; /* v1, or nothing usable: cgroup_setup() says why */
	}
	r = 0;
	if (strcmp(nodes[0].cgpath, "/") != 0 &&
	    read_file_at(nodes[0].base_fd, "cgroup.subtree_control", 4096, &ctl, NULL) == 0 &&
	    !strstrip(ctl)[0] && cg_read_procs(nodes[0].base_fd, &pids, &n) == 0)
		for (size_t i = 0; i < n; i++)
			if (pids[i] != self)
				r = 1;
	for (size_t i = 0; i < _CG_CTRL_MAX; i++)
		cg_node_close(&nodes[i]);
	return r;
}

bool cgroup_scope_possible(void)
{
	/* Set by cgroup_enter_scope(): we are in the scope (no loop), or the
	 * admin says not to ask (a container without systemd's bus, say).
	 * Without systemd as the init there is no one to ask. */
	return !getenv("MPJAIL_SCOPE") && access("/run/systemd/system", F_OK) == 0;
}

int cgroup_scope_needed(const char *cgroup_root)
{
	static const struct cg_env real = { 0 };

	return cgroup_scope_needed_env(&real, cgroup_root, getpid());
}

int cgroup_enter_scope(const char *cmd, const char *tenant, char **argv)
{
	static const char *const runners[] = { "/usr/bin/systemd-run", "/bin/systemd-run" };
	char exe[PATH_MAX];
	_cleanup_free_ char *unit = NULL, *desc = NULL;
	_cleanup_strv_ char **args = NULL;
	const char *runner = NULL;
	ssize_t k;
	size_t n = 0, argc = 0;

	k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (k < 0)
		return negerrno();
	exe[k] = '\0';
	/* A binary replaced under us (an upgrade) must not be re-run by name. */
	if (k >= 10 && strcmp(exe + k - 10, " (deleted)") == 0)
		return -ESTALE;
	for (size_t i = 0; i < ARRAY_SIZE(runners) && !runner; i++)
		if (access(runners[i], X_OK) == 0)
			runner = runners[i];
	if (!runner)
		return -ENOENT;
	while (argv[argc])
		argc++;
	unit = xasprintf("mpjail-%s-%s-%d.scope", cmd, tenant, (int)getpid());
	desc = xasprintf("mpjail %s %s", cmd, tenant);
	args = xcalloc(argc + 16, sizeof(*args));
	args[n++] = xstrdup(runner);
	args[n++] = xstrdup("--scope");
	args[n++] = xstrdup("--quiet");
	args[n++] = xstrdup("--collect");
	args[n++] = xstrdup("--property=Delegate=yes");
	args[n++] = xasprintf("--unit=%s", unit);
	args[n++] = xasprintf("--description=%s", desc);
	args[n++] = xstrdup("--");
	args[n++] = xstrdup(exe);
	for (size_t i = 1; i < argc; i++)
		args[n++] = xstrdup(argv[i]);
	if (setenv("MPJAIL_SCOPE", unit, 1) < 0)
		return negerrno();
	(void)execv(runner, args);
	return negerrno();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup plumbing shared by v1 and v2: finding our own cgroup, small file
 * reads and writes with diagnostics, mkdir/rmdir, killing an instance. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "base/mountinfo.h"
#include "cgroup/cgroup_internal.h"

#define CG_SYSFS_ROOT "/sys/fs/cgroup"
#define CG_PROC_TEXT_MAX (16u << 20) /* mountinfo of a busy host */
#define CG_FILE_MAX (64u << 10)
#define CG_PROCS_MAX (4u << 20) /* cgroup.procs of a full pid space */

const char *const cg_ctrl_name[_CG_CTRL_MAX] = {
	[CG_MEMORY] = "memory",
	[CG_PIDS] = "pids",
	[CG_CPU] = "cpu",
};

/* ---- text helpers ---- */

/* Is tok one of the sep-separated words of list? */
static bool has_token(const char *list, char sep, const char *tok)
{
	size_t n = strlen(tok);

	for (const char *p = list; p && *p;) {
		const char *e = strchrnul(p, sep);

		if ((size_t)(e - p) == n && strncmp(p, tok, n) == 0)
			return true;
		p = *e ? e + 1 : e;
	}
	return false;
}

static int read_text(const char *injected, const char *path, char **ret)
{
	if (injected) {
		*ret = xstrdup(injected);
		return 0;
	}
	return read_file_at(AT_FDCWD, path, CG_PROC_TEXT_MAX, ret, NULL);
}

/* One cgroup mount under the sysfs root, from /proc/self/mountinfo. */
struct cg_mount {
	char *root;  /* the hierarchy path mounted there (not "/" in a cgroupns) */
	char *point; /* where */
};

static void cg_mount_free(struct cg_mount *m)
{
	free(m->root);
	free(m->point);
	m->root = m->point = NULL;
}

static bool under_root(const char *path, const char *root)
{
	size_t n = strlen(root);

	return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Find the first mount of fstype (with super option ctrl for v1) whose mount
 * point lies under sysfs_root. */
static bool find_mount(const char *mountinfo, const char *sysfs_root, const char *fstype,
		       const char *ctrl, struct cg_mount *ret)
{
	_cleanup_free_ char *copy = xstrdup(mountinfo);
	struct mountinfo_entry m;
	char *cursor = copy;
	int r;

	/* A line that is no mountinfo line is skipped here: this only finds
	 * where the hierarchies are, and what is found is then checked. */
	while ((r = mountinfo_next(&cursor, &m)) != 0) {
		if (r < 0 || strcmp(m.fstype, fstype) != 0)
			continue;
		if (ctrl && !has_token(m.super_options, ',', ctrl))
			continue;
		if (!under_root(m.target, sysfs_root))
			continue;
		ret->root = xstrdup(m.root);
		ret->point = xstrdup(m.target);
		return true;
	}
	return false;
}

/* Our cgroup path in a hierarchy from /proc/self/cgroup: "0::PATH" for v2
 * (ctrl NULL), "N:a,b:PATH" with ctrl among a,b for v1. */
static char *self_path(const char *self_cgroup, const char *ctrl)
{
	_cleanup_free_ char *copy = xstrdup(self_cgroup);
	char *save = NULL;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2 || c2[1] != '/')
			continue;
		*c2 = '\0';
		if (ctrl ? has_token(c1 + 1, ',', ctrl)
			 : (strcmp(line, "0:") == 0 && c1[1] == '\0'))
			return xstrdup(c2 + 1);
	}
	return NULL;
}

/* Filesystem path of cgroup cgpath in a hierarchy mounted as m. */
static char *fs_path(const struct cg_mount *m, const char *cgpath)
{
	const char *rest;

	if (strcmp(m->root, "/") == 0)
		rest = cgpath;
	else if (under_root(cgpath, m->root))
		rest = cgpath + strlen(m->root);
	else
		return NULL; /* our cgroup is not visible through this mount */
	if (strcmp(rest, "/") == 0 || !*rest)
		return xstrdup(m->point);
	return xasprintf("%s%s", m->point, rest);
}

/* Fill node: base cgroup path and its directory fd. */
static int open_base(const struct cg_mount *m, const char *cgpath, struct cg_node *node, char **why)
{
	_cleanup_free_ char *path = fs_path(m, cgpath);
	int fd;

	if (!path) {
		*why = xasprintf("`%s` is outside the mounted part `%s` at %s", cgpath, m->root,
				 m->point);
		return -ENOENT;
	}
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		int r = negerrno();

		*why = xasprintf("%s: %s", path, strerror(-r));
		return r;
	}
	node->cgpath = xstrdup(cgpath);
	node->base_path = TAKE_PTR(path);
	node->base_fd = fd;
	return 0;
}

/* The base for a hierarchy: the configured root, else our own cgroup.  A
 * v2 launcher that already moved itself into BASE/supervisor (an earlier
 * launch by the same `run`) must keep using BASE, not nest below itself. */
static char *base_cgpath(const char *self, const char *cgroup_root, bool v2)
{
	const char *leaf = "/supervisor";
	size_t n = strlen(self), k = strlen(leaf);

	if (cgroup_root)
		return xstrdup(cgroup_root);
	if (v2 && n >= k && strcmp(self + n - k, leaf) == 0)
		return n == k ? xstrdup("/") : strndup(self, n - k) ?: (abort(), NULL);
	return xstrdup(self);
}

static int detect_v2(const struct cg_env *env, const char *mi, const char *self,
		     const char *cgroup_root, struct cg_node *node, char **why)
{
	struct cg_mount m = { 0 };
	_cleanup_free_ char *own = NULL, *cgpath = NULL, *ctrls = NULL;
	int r;

	if (!find_mount(mi, env->sysfs_root, "cgroup2", NULL, &m)) {
		*why = xasprintf("no cgroup2 mount under %s", env->sysfs_root);
		return -ENOENT;
	}
	own = self_path(self, NULL);
	if (!own) {
		*why = xstrdup("no `0::` line in /proc/self/cgroup");
		cg_mount_free(&m);
		return -ENOENT;
	}
	cgpath = base_cgpath(own, cgroup_root, true);
	r = open_base(&m, cgpath, node, why);
	cg_mount_free(&m);
	if (r < 0)
		return r;
	r = read_file_at(node->base_fd, "cgroup.controllers", CG_FILE_MAX, &ctrls, NULL);
	if (r < 0) {
		*why = xasprintf("%s/cgroup.controllers: %s", node->base_path, strerror(-r));
		return r;
	}
	(void)strstrip(ctrls);
	for (size_t i = 0; i < _CG_CTRL_MAX; i++)
		if (!has_token(ctrls, ' ', cg_ctrl_name[i])) {
			*why = xasprintf("cgroup2 at %s offers `%s`, not %s", node->base_path,
					 ctrls, cg_ctrl_name[i]);
			return -EOPNOTSUPP;
		}
	return 0;
}

static int detect_v1(const struct cg_env *env, const char *mi, const char *self,
		     const char *cgroup_root, struct cg_node nodes[_CG_CTRL_MAX], char **why)
{
	for (size_t i = 0; i < _CG_CTRL_MAX; i++) {
		struct cg_mount m = { 0 };
		_cleanup_free_ char *own = NULL, *cgpath = NULL;
		int r;

		if (!find_mount(mi, env->sysfs_root, "cgroup", cg_ctrl_name[i], &m)) {
			*why = xasprintf("no v1 `%s` hierarchy under %s", cg_ctrl_name[i],
					 env->sysfs_root);
			return -ENOENT;
		}
		own = self_path(self, cg_ctrl_name[i]);
		if (!own) {
			*why = xasprintf("no `%s` line in /proc/self/cgroup", cg_ctrl_name[i]);
			cg_mount_free(&m);
			return -ENOENT;
		}
		cgpath = base_cgpath(own, cgroup_root, false);
		r = open_base(&m, cgpath, &nodes[i], why);
		cg_mount_free(&m);
		if (r < 0)
			return r;
	}
	return 0;
}

void cg_nodes_init(struct cg_node nodes[_CG_CTRL_MAX])
{
	for (size_t i = 0; i < _CG_CTRL_MAX; i++)
		nodes[i] = (struct cg_node){
			.base_fd = -1, .group_fd = -1, .tenant_fd = -1, .inst_fd = -1
		};
}

void cg_node_close(struct cg_node *n)
{
	closep(&n->base_fd);
	closep(&n->group_fd);
	closep(&n->tenant_fd);
	closep(&n->inst_fd);
	free(n->cgpath);
	free(n->base_path);
	free(n->inst_path);
}

static void node_reset(struct cg_node *n)
{
	cg_node_close(n);
	*n = (struct cg_node){ .base_fd = -1, .group_fd = -1, .tenant_fd = -1, .inst_fd = -1 };
}

int cg_detect(const struct cg_env *env_in, const char *cgroup_root, enum cg_mode *ret_mode,
	      struct cg_node nodes[_CG_CTRL_MAX], struct diag *diag)
{
	_cleanup_free_ char *mi = NULL, *self = NULL, *why2 = NULL, *why1 = NULL;
	struct cg_env e = *env_in;
	const struct cg_env *env = &e;
	int r;

	if (!e.sysfs_root) /* the real host: every caller's default */
		e.sysfs_root = "/sys/fs/cgroup";

	r = read_text(env->mountinfo, "/proc/self/mountinfo", &mi);
	if (r < 0) {
		diag_set(diag, NULL, 0, "/proc/self/mountinfo: cannot read: %s", strerror(-r));
		return r;
	}
	r = read_text(env->self_cgroup, "/proc/self/cgroup", &self);
	if (r < 0) {
		diag_set(diag, NULL, 0, "/proc/self/cgroup: cannot read: %s", strerror(-r));
		return r;
	}
	/* v2 only when it can do everything: a hybrid host's cgroup2 mount
	 * (/sys/fs/cgroup/unified) usually has no controllers at all. */
	if (detect_v2(env, mi, self, cgroup_root, &nodes[0], &why2) == 0) {
		*ret_mode = CG_V2;
		return 0;
	}
	node_reset(&nodes[0]);
	r = detect_v1(env, mi, self, cgroup_root, nodes, &why1);
	if (r == 0) {
		*ret_mode = CG_V1;
		return 0;
	}
	for (size_t i = 0; i < _CG_CTRL_MAX; i++)
		node_reset(&nodes[i]);
	diag_set(diag, NULL, 0,
		 "no usable cgroup hierarchy with memory, pids and cpu: v2: %s; v1: %s", why2,
		 why1);
	return -EOPNOTSUPP;
}

/* ---- files ---- */

int cg_write(int dirfd, const char *dir_path, const char *file, const char *value, bool may_miss,
	     struct diag *diag)
{
	_cleanup_close_ int fd = -1;
	int r;

	/* O_TRUNC is a no-op on cgroupfs; on a fake tree it keeps only the
	 * last value, as the kernel shows it. */
	fd = openat(dirfd, file, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		r = negerrno();
		if (r == -ENOENT && may_miss)
			return r;
		goto fail;
	}
	/* One write(2): the kernel parses each write as a whole value. */
	r = write_full(fd, value, strlen(value));
	if (r == 0)
		return 0;
fail:
	if (diag) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dir_path, file);

		diag_set(diag, NULL, 0, "%s: cannot write `%s`: %s", p, value, strerror(-r));
	}
	return r;
}

int cg_write_u64(int dirfd, const char *dir_path, const char *file, uint64_t v, struct diag *diag)
{
	char buf[32];

	(void)snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return cg_write(dirfd, dir_path, file, buf, false, diag);
}

/* v1 shows "unlimited" as PAGE_COUNTER_MAX pages: 9223372036854771712 on
 * 4 KiB pages.  Anything that large means no limit. */
static uint64_t normalise_max(uint64_t v) { return v >= (UINT64_C(1) << 62) ? UINT64_MAX : v; }

int cg_read_u64(int dirfd, const char *file, uint64_t *ret)
{
	_cleanup_free_ char *buf = NULL;
	uint64_t v;
	int r;

	r = read_file_at(dirfd, file, CG_FILE_MAX, &buf, NULL);
	if (r < 0)
		return r;
	(void)strstrip(buf);
	if (strcmp(buf, "max") == 0 || strcmp(buf, "-1") == 0) {
		*ret = UINT64_MAX;
		return 0;
	}
	r = parse_u64(buf, &v);
	if (r < 0)
		return r;
	*ret = normalise_max(v);
	return 0;
}

int cg_read_key(int dirfd, const char *file, const char *key, uint64_t *ret)
{
	_cleanup_free_ char *buf = NULL;
	char *save = NULL;
	int r;

	r = read_file_at(dirfd, file, CG_FILE_MAX, &buf, NULL);
	if (r < 0)
		return r;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (!sp || (size_t)(sp - line) != strlen(key) || strncmp(line, key, strlen(key)))
			continue;
		return parse_u64(strstrip(sp + 1), ret);
	}
	return -ENODATA;
}

bool cg_file_exists(int dirfd, const char *file)
{
	return faccessat(dirfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int cg_read_procs(int dirfd, pid_t **ret, size_t *ret_n)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ pid_t *v = NULL;
	size_t n = 0;
	char *save = NULL;
	int r;

	r = read_file_at(dirfd, "cgroup.procs", CG_PROCS_MAX, &buf, NULL);
	if (r < 0)
		return r;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		uint64_t pid;

		r = parse_u64(strstrip(line), &pid);
		if (r < 0 || pid == 0 || pid > INT32_MAX)
			return -EBADMSG;
		v = xrealloc_array(v, n + 1, sizeof(pid_t));
		v[n++] = (pid_t)pid;
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

/* ---- directories ---- */

/* 1 = created, 0 = already there; *ret_fd is an O_PATH fd either way. */
int cg_mkdir_open(const struct cg_env *env, int parent_fd, const char *name, int *ret_fd)
{
	int r, fd;

	if (env->mkdir_at)
		r = env->mkdir_at(parent_fd, name, env->data);
	else
		r = mkdirat(parent_fd, name, 0755) < 0 ? negerrno() : 0;
	if (r < 0 && r != -EEXIST)
		return r;
	fd = openat(parent_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negerrno();
	*ret_fd = fd;
	return r == 0;
}

int cg_rmdir(const struct cg_env *env, int parent_fd, const char *name)
{
	if (env->rmdir_at)
		return env->rmdir_at(parent_fd, name, env->data);
	return unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 ? negerrno() : 0;
}

/* ---- killing ---- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool pid_listed(const pid_t *v, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

/* SIGKILL what cgroup.procs lists, without the pid-reuse race of kill(2):
 * pin each pid with a pidfd, then re-read the list; a pid still listed
 * after its pidfd exists is the process in our cgroup, so the signal can
 * only reach that process (or nobody, if it already died). */
static int kill_listed(int dirfd, const pid_t *pids, size_t n)
{
	_cleanup_free_ int *pfd = xcalloc(n, sizeof(int));
	_cleanup_free_ pid_t *again = NULL;
	size_t n_again = 0;
	int r;

	for (size_t i = 0; i < n; i++) {
		pfd[i] = -1;
		if (pids[i] == getpid())
			continue; /* never ourselves, whoever put us there */
		pfd[i] = (int)syscall(SYS_pidfd_open, pids[i], 0);
		if (pfd[i] < 0 && errno != ESRCH) {
			r = negerrno();
			goto out;
		}
	}
	r = cg_read_procs(dirfd, &again, &n_again);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (pfd[i] >= 0 && pid_listed(again, n_again, pids[i]) &&
		    syscall(SYS_pidfd_send_signal, pfd[i], SIGKILL, NULL, 0) < 0 &&
		    errno != ESRCH) {
			r = negerrno();
			goto out;
		}
out:
	for (size_t i = 0; i < n; i++)
		closep(&pfd[i]);
	return r;
}

int cg_kill_all(struct mpj_cgroup *cg)
{
	unsigned timeout = cg->env.kill_timeout_ms ? cg->env.kill_timeout_ms : 5000;
	uint64_t deadline = now_ms() + timeout;
	bool kill_file = false;

	/* cgroup.kill (5.14) kills atomically, forks in flight included. */
	if (cg->mode == CG_V2 && cg->node[0].inst_fd >= 0 &&
	    cg_file_exists(cg->node[0].inst_fd, "cgroup.kill")) {
		int r = cg_write(cg->node[0].inst_fd, cg->node[0].inst_path, "cgroup.kill", "1",
				 false, NULL);
		if (r < 0)
			return r;
		kill_file = true;
	}
	for (;;) {
		bool empty = true;

		for (size_t i = 0; i < cg->n_nodes; i++) {
			struct cg_node *nd = &cg->node[i];
			_cleanup_free_ pid_t *pids = NULL;
			size_t n = 0;
			int r;

			if (nd->inst_fd < 0)
				continue;
			r = cg_read_procs(nd->inst_fd, &pids, &n);
			if (r < 0)
				return r;
			if (n == 0)
				continue;
			empty = false;
			if (!kill_file) {
				r = kill_listed(nd->inst_fd, pids, n);
				if (r < 0)
					return r;
			}
		}
		if (empty)
			return 0;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		(void)nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
}

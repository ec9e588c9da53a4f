/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parent side of the launch pipeline: validate and open everything first
 * (nothing has changed yet, so every error is a clean refusal), then clone
 * the jail and read its verdict from the error pipe. */
#define _GNU_SOURCE
#include "jail/launch.h"
#include "jail/launch_internal.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "base/sys.h"
#include "build/build.h"
#include "config/global.h"
#include "config/limits.h"
#include "config/netpolicy.h"
#include "config/profile.h"
#include "config/tenant.h"
#include "jail/lightinit.h"
#include "jail/mounts.h"
#include "jail/reaper.h"
#include "jail/rlimits.h"
#include "jail/secrets.h"

static const char *env_value(const struct mpj_launch *l, const char *name, size_t n)
{
	static const char *const names[] = { "USER", "HOME", "TENANT" };
	const char *values[] = { l->id.user, l->id.jail_home, l->tenant->name };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == n && strncmp(names[i], name, n) == 0)
			return values[i];
	return NULL;
}

/* ${USER} ${HOME} ${TENANT} in the profile's env values; anything else is
 * a profile error (a typo must not silently become an empty string). */
static int expand(const struct mpj_launch *l, const char *in, char **ret, struct diag *diag)
{
	size_t cap = strlen(in) + 1, len = 0;
	_cleanup_free_ char *out = xmalloc(cap);

	for (const char *p = in; *p;) {
		const char *add = p;
		size_t n = 1;

		if (p[0] == '$' && p[1] == '{') {
			const char *end = strchr(p + 2, '}');

			add = end ? env_value(l, p + 2, (size_t)(end - p - 2)) : NULL;
			if (!add) {
				diag_set(diag, l->profile->file, 0,
					 "env value `%s`: unknown variable (use ${USER}, ${HOME} or ${TENANT})",
					 in);
				return -EINVAL;
			}
			n = strlen(add);
			p = end + 1;
		} else
			p++;
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			out = xrealloc_array(out, cap, 1);
		}
		memcpy(out + len, add, n);
		len += n;
	}
	out[len] = '\0';
	*ret = TAKE_PTR(out);
	return 0;
}

static int build_env(struct mpj_launch *l, struct diag *diag)
{
	char **env = xcalloc(1, sizeof(char *));

	for (size_t i = 0; l->profile->env && l->profile->env[i]; i++) {
		char *v;
		int r = expand(l, l->profile->env[i], &v, diag);

		if (r < 0) {
			strv_free(env);
			return r;
		}
		strv_push(&env, v);
	}
	l->envp = env;
	return 0;
}

/* A directory the launcher reads as root must be root's and not writable
 * by anyone else, or its owner could swap what we copy (docs/threats.md T36). */
static int check_root_dir(int fd, const char *path, unsigned forbid_mode, struct diag *diag)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return negerrno();
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & forbid_mode)) {
		diag_set(diag, path, 0,
			 "must be a directory owned by root with mode %s (is uid %u, mode %04o)",
			 forbid_mode == 077 ? "0700" : "0755", (unsigned)st.st_uid,
			 (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

static int open_tree_dir(struct mpj_launch *l, struct diag *diag)
{
	_cleanup_free_ char *root = NULL;
	int r = build_tree_path(l->paths, l->tenant->name, &l->tree_path);

	if (r < 0)
		return r;
	root = xasprintf("%s/root", l->tree_path);
	l->tree_fd = sys_openat2(AT_FDCWD, root, O_PATH | O_DIRECTORY | O_CLOEXEC,
				 RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (l->tree_fd == -ENOENT) {
		diag_set(diag, l->tree_path, 0, "jail tree not built: run `mpjail build %s` first",
			 l->tenant->name);
		return -ENOENT;
	}
	if (l->tree_fd < 0) {
		diag_set(diag, root, 0, "cannot open jail tree: %s", strerror(-l->tree_fd));
		return l->tree_fd;
	}
	return check_root_dir(l->tree_fd, root, 022, diag);
}

/* Replace an O_PATH fd by a detached mount of it (mounts_prepare_source). */
static int to_mount(int *fd, enum mount_kind kind, const char *what, struct diag *diag)
{
	int mfd = mounts_prepare_source(*fd, kind);

	if (mfd < 0) {
		diag_set(diag, what, 0, "cannot make a detached bind mount: %s", strerror(-mfd));
		return mfd;
	}
	(void)close(*fd);
	*fd = mfd;
	return 0;
}

/* With a disk or inodes limit, the home's filesystem must enforce a quota
 * and, for a project quota, the home must carry the tenant's project id
 * (set by `mpjail build`): checked here, before anything changes; the
 * limits themselves are written again by launch_start(). */
static int prepare_quota(struct mpj_launch *l, struct diag *diag)
{
	const struct mpj_tenant *t = l->tenant;
	struct quota_want w;
	int r;

	quota_want_compute(t, l->profile, &w);
	if (!quota_want_any(&w))
		return 0;
	r = quota_home_prepare(t, l->profile, l->id.uid, l->home_fd, true, &l->quota, diag);
	if (r < 0)
		return r;
	if (l->quota.fs.kind == QUOTA_PROJECT && !l->quota.projid_ok) {
		diag_set(diag, t->file, t->home_line,
			 "tenant home `%s` does not carry project id %u with inheritance: its "
			 "disk quota would not count it; run `mpjail build %s`",
			 t->home, l->quota.id, t->name);
		return -ESTALE;
	}
	l->quota_fd = openat(l->home_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return l->quota_fd < 0 ? negerrno() : 0;
}

/* HOME/tmp for the profile's home-tmp (docs/config.md): made when missing,
 * given to the tenant; a symlink or a directory that is not the tenant's is
 * refused.  The tenant controls the home: every step goes through home_fd,
 * and mkdirat never follows a symlink in the last component. */
static int open_home_tmp(struct mpj_launch *l, struct diag *diag)
{
	const struct mpj_tenant *t = l->tenant;
	const char *at = l->profile->home_tmp;
	struct stat st;
	bool made = false;

	if (!at)
		return 0;
	if (l->mode == LAUNCH_EXPLAIN) {
		/* explain changes nothing: a missing HOME/tmp is made by the launch. */
		if (faccessat(l->home_fd, "tmp", F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
			return 0;
	} else {
		made = mkdirat(l->home_fd, "tmp", 0700) == 0;
		if (!made && errno != EEXIST) {
			diag_set(diag, t->file, t->home_line,
				 "%s/tmp (home-tmp %s): cannot create: %s", t->home, at,
				 strerror(errno));
			return negerrno();
		}
	}
	l->home_tmp_fd = sys_openat2(l->home_fd, "tmp", O_PATH | O_DIRECTORY | O_CLOEXEC,
				     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
					     RESOLVE_NO_XDEV);
	if (l->home_tmp_fd < 0) {
		int r = l->home_tmp_fd;

		diag_set(diag, t->file, t->home_line, "%s/tmp (home-tmp %s): %s", t->home, at,
			 r == -ELOOP     ? "is a symlink: refused"
			 : r == -ENOTDIR ? "is not a directory"
					 : strerror(-r));
		return r == -ELOOP || r == -ENOTDIR ? -EPERM : r;
	}
	if (made && fchownat(l->home_tmp_fd, "", l->id.uid, l->id.gid, AT_EMPTY_PATH) < 0) {
		diag_set(diag, t->file, t->home_line, "%s/tmp (home-tmp %s): cannot chown: %s",
			 t->home, at, strerror(errno));
		return negerrno();
	}
	if (fstat(l->home_tmp_fd, &st) < 0)
		return negerrno();
	if (st.st_uid != l->id.uid) {
		diag_set(diag, t->file, t->home_line,
			 "%s/tmp (home-tmp %s) is owned by uid %u, not %s (%u): refused", t->home,
			 at, (unsigned)st.st_uid, l->id.user, (unsigned)l->id.uid);
		return -EPERM;
	}
	return to_mount(&l->home_tmp_fd, MK_HOME_TMP, at, diag);
}

/* The home path comes from a root-owned file, but the directory belongs to
 * the tenant: one symlink anywhere on the path and we refuse, before any
 * mount exists.  The fd pins it; the child binds the fd, not the path. */
static int open_home(struct mpj_launch *l, struct diag *diag)
{
	const struct mpj_tenant *t = l->tenant;
	struct stat st;
	int r;

	l->home_fd = sys_openat2(AT_FDCWD, t->home, O_PATH | O_DIRECTORY | O_CLOEXEC,
				 RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (l->home_fd < 0) {
		diag_set(diag, t->file, t->home_line, "tenant home `%s`: %s", t->home,
			 l->home_fd == -ELOOP     ? "is or passes through a symlink: refused"
			 : l->home_fd == -ENOTDIR ? "is not a directory"
						  : strerror(-l->home_fd));
		return l->home_fd == -ELOOP ? -EPERM : l->home_fd;
	}
	if (fstat(l->home_fd, &st) < 0)
		return negerrno();
	if (st.st_uid != l->id.uid) {
		diag_set(diag, t->file, t->home_line,
			 "tenant home `%s` is owned by uid %u, not %s (%u)", t->home,
			 (unsigned)st.st_uid, l->id.user, (unsigned)l->id.uid);
		return -EPERM;
	}
	r = prepare_quota(l, diag);
	if (r == 0)
		r = open_home_tmp(l, diag);
	if (r < 0)
		return r;
	return to_mount(&l->home_fd, MK_HOME, t->home, diag);
}

static int open_binds(struct mpj_launch *l, struct diag *diag)
{
	const struct mpj_profile *p = l->profile;
	int r;

	l->bind_fds = xcalloc(p->n_binds ?: 1, sizeof(int));
	for (size_t i = 0; i < p->n_binds; i++)
		l->bind_fds[i] = -1;
	for (size_t i = 0; i < p->n_binds; i++) {
		int fd = sys_openat2(AT_FDCWD, p->binds[i].src, O_PATH | O_CLOEXEC,
				     RESOLVE_NO_MAGICLINKS);

		if (fd == -ENOENT && p->binds[i].optional)
			continue;
		if (fd < 0) {
			diag_set(diag, p->file, 0, "bind source `%s`: %s", p->binds[i].src,
				 strerror(-fd));
			return fd;
		}
		l->bind_fds[i] = fd;
		r = to_mount(&l->bind_fds[i], p->binds[i].writable ? MK_BIND_RW : MK_BIND_RO,
			     p->binds[i].src, diag);
		if (r < 0)
			return r;
	}
	return 0;
}

static int open_db_and_secrets(struct mpj_launch *l, struct diag *diag)
{
	int r;

	if (l->profile->db_socket) {
		l->db_fd = sys_openat2(AT_FDCWD, l->global.db_socket_dir,
				       O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_NO_MAGICLINKS);
		if (l->db_fd < 0) {
			diag_set(diag, "mpjail.conf", 0,
				 "db_socket_dir `%s`: %s (is PostgreSQL running? the profile `%s` has db-socket)",
				 l->global.db_socket_dir, strerror(-l->db_fd), l->profile->name);
			return l->db_fd;
		}
		r = to_mount(&l->db_fd, MK_DB, l->global.db_socket_dir, diag);
		if (r < 0)
			return r;
	}
	/* The supervisor's control socket directory, when one runs: a unix
	 * socket in a read-only mount still accepts connect() (EROFS is only
	 * for creating files), so tenants reach it from inside. */
	{
		_cleanup_free_ char *ctl = xasprintf("%s/%s", l->paths->run_dir, l->tenant->name);

		l->ctl_fd = sys_openat2(AT_FDCWD, ctl, O_PATH | O_DIRECTORY | O_CLOEXEC,
					RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		if (l->ctl_fd == -ENOENT)
			l->ctl_fd = -1;
		else if (l->ctl_fd < 0) {
			diag_set(diag, ctl, 0, "cannot open: %s", strerror(-l->ctl_fd));
			return l->ctl_fd;
		} else {
			r = check_root_dir(l->ctl_fd, ctl, 022, diag);
			if (r < 0)
				return r;
			r = to_mount(&l->ctl_fd, MK_CTL, ctl, diag);
			if (r < 0)
				return r;
		}
	}
	/* Credentials are synced to RUN/.secrets/NAME and bound read-only at
	 * /run/secrets; a later sync (reload) updates what the jail reads. */
	r = secrets_sync(l->paths, l->tenant->name, l->id.uid, l->id.gid, &l->secrets_fd, diag);
	if (r <= 0)
		return r;
	return to_mount(&l->secrets_fd, MK_SECRETS, "/run/secrets", diag);
}

/* A helper that runs inside jails (the bind shim, mpjail-sendmail): the one
 * next to the binary (a build tree), else the installed one.  Root's,
 * writable by no one else. */
static int open_helper(const char *name, const char *installed, const char *what, struct diag *diag)
{
	char exe[4096], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 64);
	const char *path = installed;
	struct stat st;
	int fd = -1;

	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			strcpy(slash + 1, name);
			fd = sys_openat2(AT_FDCWD, exe, O_PATH | O_CLOEXEC, RESOLVE_NO_SYMLINKS);
			if (fd >= 0)
				path = exe;
		}
	}
	if (fd < 0)
		fd = sys_openat2(AT_FDCWD, path, O_PATH | O_CLOEXEC, RESOLVE_NO_MAGICLINKS);
	if (fd < 0) {
		diag_set(diag, path, 0, "%s is missing: %s", what, strerror(-fd));
		return fd;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		diag_set(diag, path, 0,
			 "%s must be a regular file owned by root, not writable by others", what);
		(void)close(fd);
		return -EPERM;
	}
	return fd;
}

static int open_shim(struct diag *diag)
{
	return open_helper("mpjail-bindshim.so", MPJAIL_SHIM_PATH,
			   "the bind shim (mpjail run hands its listeners in through it)", diag);
}

/* `sendmail HOST:PORT`: mpjail-sendmail is mounted over the host's
 * /usr/sbin/sendmail, symlinks resolved (exim4's and dma's point at their
 * binary, so /usr/lib/sendmail is covered too).  Over, because /usr is the
 * host's, read-only: nothing can be created there, so the host must have
 * one (its MTA, which is where the mail goes anyway). */
static int sendmail_prepare(struct mpj_launch *l, struct diag *diag)
{
	_cleanup_close_ int t = -1;
	char proc[64], real[256];
	struct stat st;
	ssize_t n;

	t = sys_openat2(AT_FDCWD, "/usr/sbin/sendmail", O_PATH | O_CLOEXEC, RESOLVE_NO_MAGICLINKS);
	if (t < 0) {
		diag_set(diag, l->profile->file, 0,
			 "profile `%s` has `sendmail`, but this host has no /usr/sbin/sendmail to "
			 "mount the jail's over (%s): install the host's mail server (e.g. "
			 "exim4-daemon-light, postfix or dma) or remove the directive",
			 l->profile->name, strerror(-t));
		return t;
	}
	(void)snprintf(proc, sizeof proc, "/proc/self/fd/%d", t);
	n = readlink(proc, real, sizeof real - 1);
	if (n <= 0 || fstat(t, &st) < 0) {
		diag_set(diag, "/usr/sbin/sendmail", 0, "cannot resolve: %s", strerror(errno));
		return negerrno();
	}
	real[n] = '\0';
	if (strncmp(real, "/usr/", 5) != 0 || !S_ISREG(st.st_mode)) {
		diag_set(diag, "/usr/sbin/sendmail", 0,
			 "is `%s`, not a file below /usr: the jail's sendmail cannot be mounted there",
			 real);
		return -EINVAL;
	}
	l->sendmail_target = xstrdup(real);
	l->sendmail_fd = open_helper("mpjail-sendmail", MPJAIL_SENDMAIL_PATH,
				     "the jails' sendmail (mpjail-sendmail)", diag);
	if (l->sendmail_fd < 0)
		return l->sendmail_fd;
	return to_mount(&l->sendmail_fd, MK_SENDMAIL, "mpjail-sendmail", diag);
}

/* For `run`: the server's own bind() of 127.0.0.1:PORT must adopt the
 * listener the supervisor holds (listeners.h), in either network mode: the
 * LD_PRELOAD shim mounted read-only at SHIM_JAIL_PATH, told by
 * MPJAIL_LISTEN_FDS which fd is which port (the child puts the listeners
 * at FD_LISTEN_BASE...; docs/apache.md §6).  The sockets themselves come
 * with launch_hand_listeners(). */
static int shim_prepare(struct mpj_launch *l, struct diag *diag)
{
	_cleanup_free_ char *spec = xstrdup("");
	int r;

	for (size_t i = 0; i < l->tenant->n_ports; i++) {
		char *next = xasprintf("%s%s%d=127.0.0.1:%u", spec, i ? "," : "",
				       FD_LISTEN_BASE + (int)i, l->tenant->ports[i]);

		free(spec);
		spec = next;
	}
	l->shim_fd = open_shim(diag);
	if (l->shim_fd < 0)
		return l->shim_fd;
	r = to_mount(&l->shim_fd, MK_BIND_RO, "bind shim", diag);
	if (r < 0)
		return r;
	strv_push(&l->envp, xasprintf("LD_PRELOAD=%s", SHIM_JAIL_PATH));
	strv_push(&l->envp, xasprintf("MPJAIL_LISTEN_FDS=%s", spec));
	return 0;
}

int launch_hand_listeners(struct mpj_launch *l, const unsigned *ports, const int *fds, size_t n,
			  struct diag *diag)
{
	const struct mpj_tenant *t = l->tenant;

	if (n != t->n_ports || memcmp(ports, t->ports, n * sizeof *ports) != 0) {
		diag_set(diag, t->file, t->ports_line,
			 "the ports changed since `mpjail run %s` started: it binds them once, at "
			 "start; restart the supervisor to serve the new ones",
			 t->name);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		int fd = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);

		if (fd < 0) {
			int r = negerrno();

			diag_set(diag, t->file, t->ports_line, "cannot hand in port %u: %s",
				 ports[i], strerror(-r));
			return r;
		}
		l->listen_fds[l->n_listen++] = fd;
	}
	return 0;
}

int launch_prepare(struct mpj_launch *l, const struct mpj_paths *paths, const char *tenant,
		   enum launch_mode mode, char **argv, struct diag *diag)
{
	bool timed = l->timings.on;
	int r;

	*l = (struct mpj_launch){
		.paths = paths,
		.mode = mode,
		.tree_fd = -1,
		.home_fd = -1,
		.home_tmp_fd = -1,
		.quota_fd = -1,
		.db_fd = -1,
		.secrets_fd = -1,
		.ctl_fd = -1,
		.shim_fd = -1,
		.sendmail_fd = -1,
		.init_fd = -1,
		.stdio = { -1, -1, -1 },
		.pty = { .in_fd = -1, .out_fd = -1, .sock = { -1, -1 } },
		.pty_master = -1,
		.err_pipe = { -1, -1 },
		.sync_pipe = { -1, -1 },
		.status_pipe = { -1, -1 },
		.landlock = { .ruleset_fd = -1 },
		.pid = -1,
		.timings = { .on = timed, .pipe = { -1, -1 } },
	};
	if (timed)
		l->timings.start = launch_now_ns();
	global_init_defaults(&l->global);

	r = global_load(paths, &l->global, diag);
	if (r < 0)
		return r;
	r = tenant_load(paths, tenant, &l->tenant, diag);
	if (r < 0)
		return r;
	r = profile_load(paths, l->tenant->profile, &l->profile, diag);
	if (r < 0)
		return r;
	launch_step(l, STEP_CONFIG);
	r = identity_resolve(&l->global, l->tenant, &l->id, diag);
	if (r < 0)
		return r;
	launch_step(l, STEP_IDENTITY);

	r = open_tree_dir(l, diag);
	if (r < 0)
		return r;
	r = open_home(l, diag);
	if (r < 0)
		return r;
	r = open_binds(l, diag);
	if (r < 0)
		return r;
	r = open_db_and_secrets(l, diag);
	if (r < 0)
		return r;
	launch_step(l, STEP_OPEN);
	/* Read at every launch, so a host whose resolver or zone changes needs
	 * no rebuild (docs/design.md "System files"). */
	r = sysfiles_load(l->profile, l->global.min_uid, &l->sysfiles, &l->n_sysfiles, diag);
	if (r < 0 && l->mode == LAUNCH_EXPLAIN) {
		l->sysfiles_unreadable = diag && diag->msg ? TAKE_PTR(diag->msg)
							   : xstrdup(strerror(-r));
		diag_clear(diag);
		r = 0;
	}
	if (r < 0)
		return r;
	launch_step(l, STEP_SYSFILES);

	if (argv && argv[0]) {
		l->argv = xcalloc(strv_length(argv) + 1, sizeof(char *));
		for (size_t i = 0; argv[i]; i++)
			l->argv[i] = xstrdup(argv[i]);
	} else if (l->profile->command && l->profile->command[0]) {
		l->argv = xcalloc(strv_length(l->profile->command) + 1, sizeof(char *));
		for (size_t i = 0; l->profile->command[i]; i++)
			l->argv[i] = xstrdup(l->profile->command[i]);
	} else {
		diag_set(diag, l->profile->file, 0, "profile `%s` has no command",
			 l->profile->name);
		return -EINVAL;
	}
	r = build_env(l, diag);
	if (r < 0)
		return r;
	l->hostname = xstrdup(l->profile->hostname ?: l->tenant->name);
	rlimits_compute(l->profile, l->tenant, l->rlimits, l->rlimit_set);
	cgroup_limits_compute(l->tenant, l->profile, &l->cg_limits);
	launch_step(l, STEP_PLAN);

	/* The filter compiled by `mpjail build` when it still matches the policy
	 * text (about 0.07 ms to read vs 0.5 ms to compile: docs/seccomp.md);
	 * otherwise compiled here. */
	{
		_cleanup_close_ int jdir = sys_openat2(AT_FDCWD, l->tree_path,
						       O_PATH | O_DIRECTORY | O_CLOEXEC,
						       RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);

		r = filter_prepare_stored(paths, l->profile->seccomp ?: "default", jdir,
					  BUILD_SECCOMP_FILE, &l->filter, diag);
		if (r < 0)
			return r;
		log_debug("filter", "seccomp policy `%s`: %s", l->filter.policy,
			  r == 1 ? "stored BPF from the jail tree" : "compiled at launch");
	}
	launch_step(l, STEP_FILTER);
	/* Decided once, here, before anything irreversible: `network auto` is
	 * the host's network only where Landlock can enforce the port rules,
	 * a private one otherwise.  The same ABI value is the one
	 * landlock_prepare() enforces against. */
	l->landlock_abi = landlock_abi();
	l->network = netpolicy_resolve_network(l->profile->network, l->landlock_abi);
	if (l->network == NET_SHARED) {
		r = netpolicy_connect_plan(&l->profile->connect, l->global.port_min,
					   l->global.port_max, l->tenant->ports, l->tenant->n_ports,
					   &l->connect, diag);
		if (r < 0)
			return r;
		r = landlock_prepare(l->landlock_abi, l->tenant->ports, l->tenant->n_ports,
				     &l->connect, &l->landlock, diag);
		/* Fail closed: no launch without port ownership and the connect
		 * policy.  Only explain carries on, to show why. */
		if (r == -EOPNOTSUPP && l->mode == LAUNCH_EXPLAIN) {
			l->landlock_unenforced = diag && diag->msg ? TAKE_PTR(diag->msg)
								   : xstrdup(strerror(-r));
			diag_clear(diag);
			l->landlock.abi = l->landlock_abi;
			r = 0;
		}
		if (r < 0)
			return r;
	}
	launch_step(l, STEP_LANDLOCK);
	/* `run`: the supervisor holds the tenant's ports for its whole life and
	 * hands them in (launch_hand_listeners()); no port check here, the
	 * holder is our own supervisor.  `exec` gets no listener: a server
	 * started that way binds for itself, per launch (docs/design.md). */
	if (l->mode == LAUNCH_RUN && l->tenant->n_ports) {
		r = shim_prepare(l, diag);
		if (r < 0)
			return r;
	}
	if (l->profile->sendmail_host) {
		r = sendmail_prepare(l, diag);
		if (r < 0)
			return r;
	}
	/* A supervised jail lives for days: its pid 1 becomes mpjail-init once
	 * the command runs.  Without it (no glue for this architecture,
	 * vm.memfd_noexec = 2) pid 1 is the in-process reaper, as for exec. */
	if (l->mode == LAUNCH_RUN) {
		l->init_fd = lightinit_memfd();
		if (l->init_fd < 0)
			log_debug("init", "no mpjail-init (%s): pid 1 stays the launcher's copy",
				  strerror(-l->init_fd));
	}
	launch_step(l, STEP_HELPERS);
	return 0;
}

void launch_mounts_input(const struct mpj_launch *l, struct mounts_input *ret)
{
	const struct mpj_profile *p = l->profile;

	*ret = (struct mounts_input){
		.binds = p->binds,
		.bind_fds = l->bind_fds,
		.n_binds = p->n_binds,
		.tmpfs = p->tmpfs,
		.n_tmpfs = p->n_tmpfs,
		.dirs = p->dirs,
		.n_dirs = p->n_dirs,
		.home = l->id.jail_home,
		.home_fd = l->home_fd,
		.home_tmp = p->home_tmp,
		.home_tmp_fd = l->home_tmp_fd,
		.db_fd = l->db_fd,
		.secrets_fd = l->secrets_fd,
		.ctl_fd = l->ctl_fd,
		.shim_fd = l->shim_fd,
		.sendmail_fd = l->sendmail_fd,
		.sendmail_target = l->sendmail_target,
		.devpts = l->pty.on,
		.uid = l->id.uid,
		.gid = l->id.gid,
		.tree_path = l->tree_path,
		.tree_fd = l->tree_fd,
		.sysfiles = l->sysfiles,
		.n_sysfiles = l->n_sysfiles,
	};
}

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0) {
			(void)close(p[i]);
			p[i] = -1;
		}
}

static int parent_fail(struct stage_report *rep, enum mpj_stage s, int err, const char *detail)
{
	rep->stage = s;
	rep->err = -err;
	(void)snprintf(rep->detail, sizeof rep->detail, "%s", detail ?: "");
	return err;
}

static pid_t do_clone(struct mpj_launch *l, bool *born_in)
{
	uint64_t ns = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |
		      (l->network == NET_PRIVATE ? CLONE_NEWNET : 0);
	int cgfd = l->cgroup ? cgroup_clone_fd(l->cgroup) : -1;
	struct mpj_clone_args args = {
		.flags = ns | (cgfd >= 0 ? CLONE_INTO_CGROUP : 0),
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)(cgfd >= 0 ? cgfd : 0),
	};
	pid_t pid = sys_clone3(&args);

	*born_in = cgfd >= 0;
	/* FIXME: drop the clone() fallback once every supported host allows
	 * clone3 (container runtimes' seccomp profiles still ENOSYS it). */
	if (pid == -ENOSYS) {
		*born_in = false;
		pid = (pid_t)syscall(SYS_clone, (unsigned long)ns | SIGCHLD, NULL, NULL, NULL,
				     NULL);
		if (pid < 0)
			pid = negerrno();
	}
	return pid;
}

int launch_start(struct mpj_launch *l, struct stage_report *rep)
{
	bool born_in = false;
	struct diag d = { 0 };
	int r;

	memset(rep, 0, sizeof *rep);
	if (l->mode == LAUNCH_EXPLAIN) /* prepared for explain: it may lack Landlock */
		return parent_fail(rep, STAGE_LANDLOCK, -EINVAL, "prepared for explain only");
	/* Fail closed: a run launch without its listeners would leave the
	 * server to bind for itself, or not serve at all. */
	if (l->mode == LAUNCH_RUN && l->n_listen != l->tenant->n_ports)
		return parent_fail(rep, STAGE_OPEN, -EBADF,
				   "the tenant's listeners were not handed in");
	/* Written at every start, so a changed limit takes effect with the
	 * next one (the project id itself is build's job). */
	r = quota_home_enforce(&l->quota, l->quota_fd);
	if (r < 0)
		return parent_fail(rep, STAGE_QUOTA, r,
				   r == -ESTALE ? "the home lacks its project id: run mpjail build"
						: "quotactl Q_SETQUOTA");
	launch_step(l, STEP_QUOTA);
	r = cgroup_setup(&l->global, l->paths, l->tenant->name, &l->cg_limits, &l->cgroup, &d);
	if (r < 0) {
		parent_fail(rep, STAGE_CGROUP, r, d.msg);
		diag_clear(&d);
		return r;
	}
	launch_step(l, STEP_CGROUP);
	if (pipe2(l->err_pipe, O_CLOEXEC) < 0 || pipe2(l->sync_pipe, O_CLOEXEC) < 0 ||
	    pipe2(l->status_pipe, O_CLOEXEC) < 0)
		return parent_fail(rep, STAGE_CLONE, negerrno(), "pipe2");
	/* Non-blocking: the parent reads it once, after the verdict, and a
	 * child that failed before writing leaves it empty. */
	if (l->timings.on && pipe2(l->timings.pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return parent_fail(rep, STAGE_CLONE, negerrno(), "pipe2");

	fflush(NULL);
	l->pid = do_clone(l, &born_in);
	if (l->pid < 0)
		return parent_fail(rep, STAGE_CLONE, l->pid, "clone3");
	if (l->pid == 0)
		launch_child(l);

	(void)close(l->err_pipe[1]);
	(void)close(l->sync_pipe[0]);
	(void)close(l->status_pipe[1]);
	l->err_pipe[1] = l->sync_pipe[0] = l->status_pipe[1] = -1;
	closep(&l->pty.sock[1]);
	closep(&l->timings.pipe[1]);
	launch_step(l, STEP_CLONE);

	if (!born_in && l->cgroup) {
		r = cgroup_attach(l->cgroup, l->pid);
		if (r < 0) {
			(void)kill(l->pid, SIGKILL);
			(void)waitpid(l->pid, NULL, 0);
			l->pid = -1;
			return parent_fail(rep, STAGE_CGROUP, r, cgroup_path(l->cgroup));
		}
	}
	l->cg_attached = true;
	if (write_full(l->sync_pipe[1], "R", 1) < 0) {
		(void)kill(l->pid, SIGKILL);
		(void)waitpid(l->pid, NULL, 0);
		l->pid = -1;
		return parent_fail(rep, STAGE_SYNC, -EPIPE, NULL);
	}
	launch_step(l, STEP_ATTACH);
	/* sync_pipe[1] stays open until the jail is reaped: the jail's pid 1
	 * watches for its EOF to die with us, even after a SIGKILL. */

	/* EOF (every copy of the close-on-exec write end gone) = exec done;
	 * bounded, and a stopped jail is not waited for (T41). */
	r = launch_wait_verdict(l, rep);
	close_pair(l->err_pipe);
	launch_step(l, STEP_VERDICT);
	if (l->timings.on)
		launch_read_child_timings(l);
	if (r == 0 && l->pty.on) {
		r = pty_recv_master(&l->pty, &l->pty_master);
		if (r < 0)
			parent_fail(rep, STAGE_PTY, r, "the jail's pty master did not arrive");
	}
	closep(&l->pty.sock[0]);
	if (r == 0)
		return 0;
	if (r < 0 && rep->stage != STAGE_VERDICT && rep->stage != STAGE_PTY)
		parent_fail(rep, STAGE_SYNC, r, "error pipe");
	/* Killed in every case: a child that reported its failure runs with
	 * the tenant's uid after the uid drop, and a stopped one never exits. */
	(void)kill(l->pid, SIGKILL);
	while (waitpid(l->pid, NULL, 0) < 0 && errno == EINTR)
		;
	l->pid = -1;
	return r < 0 ? r : 1;
}

int launch_reap(struct mpj_launch *l, struct launch_result *ret)
{
	struct launch_result res = { 0 };
	int st, cmd_status;
	pid_t p;

	if (l->pid < 0)
		return -ECHILD;
	do
		p = waitpid(l->pid, &st, 0);
	while (p < 0 && errno == EINTR);
	if (p < 0)
		return negerrno();
	l->pid = -1;
	launch_step(l, STEP_RUN);
	res.wait_status = st;
	/* pid 1 reports the command's own status; without it (pid 1 killed,
	 * by the OOM killer say) the namespace's status is all there is. */
	if (l->status_pipe[0] >= 0 &&
	    read_full(l->status_pipe[0], &cmd_status, sizeof cmd_status) == sizeof cmd_status) {
		res.wait_status = cmd_status;
		res.have_cmd_status = true;
	}
	close_pair(l->status_pipe);
	close_pair(l->sync_pipe);
	if (l->cgroup) {
		res.have_events = cgroup_events(l->cgroup, &res.events) == 0;
		(void)cgroup_teardown(l->cgroup);
		l->cgroup = NULL;
	}
	launch_step(l, STEP_TEARDOWN);
	*ret = res;
	return 0;
}

int launch_exit_code(const struct launch_result *r)
{
	if (WIFSIGNALED(r->wait_status))
		return 128 + WTERMSIG(r->wait_status);
	return WEXITSTATUS(r->wait_status);
}

char *launch_describe(const struct launch_result *r)
{
	const char *why = "";

	if (r->have_events && r->events.oom_kills > 0)
		why = " (out of memory: the cgroup's OOM killer fired)";
	else if (r->have_events && r->events.pids_max_hits > 0)
		why = " (the task limit was hit)";
	if (WIFSIGNALED(r->wait_status))
		return xasprintf("killed by signal %d (%s)%s", WTERMSIG(r->wait_status),
				 sigabbrev_np(WTERMSIG(r->wait_status)) ?: "?", why);
	return xasprintf("exited with status %d%s", WEXITSTATUS(r->wait_status), why);
}

void launch_shed(struct mpj_launch *l)
{
	for (size_t i = 0; l->profile && l->bind_fds && i < l->profile->n_binds; i++)
		if (l->bind_fds[i] >= 0)
			(void)close(l->bind_fds[i]);
	free(l->bind_fds);
	l->bind_fds = NULL;
	sysfiles_free(l->sysfiles, l->n_sysfiles);
	l->sysfiles = NULL;
	l->n_sysfiles = 0;
	filter_done(&l->filter);
	landlock_done(&l->landlock);
	netpolicy_plan_done(&l->connect);
	strv_free(l->envp);
	l->envp = NULL;
	closep(&l->init_fd);
	/* The supervisor sleeps for days after this: its stack and heap
	 * pages dirtied by the launch go back (docs/design.md, "Density"). */
	mem_give_back();
}

void launch_done(struct mpj_launch *l)
{
	if (l->pid > 0) {
		(void)kill(l->pid, SIGKILL);
		(void)waitpid(l->pid, NULL, 0);
	}
	if (l->cgroup)
		(void)cgroup_teardown(l->cgroup);
	close_pair(l->err_pipe);
	close_pair(l->sync_pipe);
	close_pair(l->status_pipe);
	pty_spec_done(&l->pty);
	closep(&l->pty_master);
	close_pair(l->timings.pipe);
	for (size_t i = 0; l->profile && l->bind_fds && i < l->profile->n_binds; i++)
		if (l->bind_fds[i] >= 0)
			(void)close(l->bind_fds[i]);
	free(l->bind_fds);
	closep(&l->tree_fd);
	sysfiles_free(l->sysfiles, l->n_sysfiles);
	l->sysfiles = NULL;
	l->n_sysfiles = 0;
	free(l->sysfiles_unreadable);
	l->sysfiles_unreadable = NULL;
	closep(&l->home_fd);
	closep(&l->home_tmp_fd);
	closep(&l->quota_fd);
	quota_home_done(&l->quota);
	closep(&l->db_fd);
	closep(&l->secrets_fd);
	closep(&l->ctl_fd);
	closep(&l->shim_fd);
	closep(&l->sendmail_fd);
	closep(&l->init_fd);
	free(l->sendmail_target);
	l->sendmail_target = NULL;
	for (size_t i = 0; i < l->n_listen; i++)
		closep(&l->listen_fds[i]);
	filter_done(&l->filter);
	landlock_done(&l->landlock);
	netpolicy_plan_done(&l->connect);
	free(l->landlock_unenforced);
	strv_free(l->argv);
	strv_free(l->envp);
	free(l->hostname);
	free(l->tree_path);
	identity_done(&l->id);
	profile_free(l->profile);
	tenant_free(l->tenant);
	global_free(&l->global);
	memset(l, 0, sizeof *l);
}

void launch_print_failure(const struct stage_report *r)
{
	log_msg(LOG_LVL_ERR, stage_name(r->stage), r->err, "%s%s(hint: %s)",
		r->detail[0] ? r->detail : "", r->detail[0] ? " " : "", stage_hint(r->stage));
}

int launch_prepare_exit_code(int err)
{
	(void)err;
	/* Nothing irreversible has happened before the clone: every refusal
	 * here is "fix the configuration or the host", exit 100. */
	return EXIT_MPJ_CONFIG;
}

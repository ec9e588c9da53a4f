/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `mpjail check` for one tenant: its file, profile and account, then home,
 * credentials, jail tree (check_tree.c), limits and ports. */
#define _GNU_SOURCE
#include "admin/check.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "base/sys.h"
#include "config/netpolicy.h"
#include "config/profile.h"
#include "config/sysfiles.h"
#include "config/tenant.h"
#include "control/control.h"
#include "jail/landlock.h"
#include "jail/portcheck.h"

void check_tenant_load(struct check_report *r, const struct mpj_paths *paths,
		       const struct mpj_global *g, struct check_tenant *s)
{
	_cleanup_free_ char *subject = xasprintf("tenant:%s", s->name);
	struct diag d = { 0 };

	if (tenant_load(paths, s->name, &s->t, &d) < 0) {
		check_add_diag(r, CHECK_FAIL, subject, &d);
		diag_clear(&d);
		s->t = NULL;
		return;
	}
	if (profile_load(paths, s->t->profile, &s->p, &d) < 0) {
		check_add_diag(r, CHECK_FAIL, subject, &d);
		diag_clear(&d);
		s->p = NULL;
	} else if (s->selected)
		check_add(r, CHECK_OK, subject, "tenant file and profile `%s` (%s) load",
			  s->p->name, s->p->file);
	if (identity_resolve(g, s->t, &s->id, &d) < 0) {
		check_add_diag(r, CHECK_FAIL, subject, &d);
		diag_clear(&d);
	} else {
		s->id_ok = true;
		if (s->selected)
			check_add(r, CHECK_OK, subject,
				  "account %s: uid %u, gid %u, %zu supplementary groups",
				  s->id.user, (unsigned)s->id.uid, (unsigned)s->id.gid,
				  s->id.n_groups);
	}
}

/* The same refusals as launch.c open_home(), plus modes a tenant should not
 * have: a home others can write to lets them plant Perl modules. */
static void check_home(struct check_report *r, const char *subject, const struct check_tenant *s)
{
	const struct mpj_tenant *t = s->t;
	_cleanup_close_ int fd = sys_openat2(AT_FDCWD, t->home, O_PATH | O_DIRECTORY | O_CLOEXEC,
					     RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	struct stat st;

	if (fd < 0) {
		check_add(r, CHECK_FAIL, subject, "%s:%u: home `%s`: %s", t->file, t->home_line,
			  t->home, fd == -ELOOP ? "is or passes through a symlink" : strerror(-fd));
		return;
	}
	if (fstat(fd, &st) < 0) {
		check_add(r, CHECK_FAIL, subject, "home `%s`: %s", t->home, strerror(errno));
		return;
	}
	if (s->id_ok && st.st_uid != s->id.uid)
		check_add(r, CHECK_FAIL, subject,
			  "%s:%u: home `%s` is owned by uid %u, not %s (%u)", t->file, t->home_line,
			  t->home, (unsigned)st.st_uid, s->id.user, (unsigned)s->id.uid);
	else if (st.st_mode & S_IWOTH)
		check_add(r, CHECK_FAIL, subject, "home `%s` is writable by everyone (mode %04o)",
			  t->home, (unsigned)(st.st_mode & 07777));
	else if (st.st_mode & S_IWGRP)
		check_add(r, CHECK_WARN, subject, "home `%s` is group-writable (mode %04o)",
			  t->home, (unsigned)(st.st_mode & 07777));
	else
		check_add(r, CHECK_OK, subject,
			  "home `%s`: no symlink on the path, owned by the tenant, mode %04o",
			  t->home, (unsigned)(st.st_mode & 07777));
}

/* What the launch requires of CONFIG/credentials/NAME (mounts.c do_secrets):
 * a root-only directory of root-owned regular files, 0600 or tighter. */
static void check_credentials(struct check_report *r, const char *subject,
			      const struct mpj_paths *paths, const char *name)
{
	_cleanup_free_ char *dir = xasprintf("%s/credentials/%s", paths->config_dir, name);
	int fd = sys_openat2(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
			     RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	size_t n = 0, bad = 0;
	struct stat st;
	struct dirent *de;
	DIR *d;

	if (fd == -ENOENT)
		return; /* no credentials for this tenant */
	if (fd < 0 || fstat(fd, &st) < 0) {
		check_add(r, CHECK_FAIL, subject, "credentials `%s`: %s", dir,
			  strerror(fd < 0 ? -fd : errno));
		if (fd >= 0)
			(void)close(fd);
		return;
	}
	if (st.st_uid != 0 || (st.st_mode & 077)) {
		check_add(r, CHECK_FAIL, subject,
			  "credentials `%s` must be root's, mode 0700 (is uid %u, mode %04o)", dir,
			  (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		bad++;
	}
	d = fdopendir(fd);
	if (!d) {
		(void)close(fd);
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		n++;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077)) {
			check_add(r, CHECK_FAIL, subject,
				  "credential `%s/%s` must be a root-owned regular file, mode 0600 or tighter",
				  dir, de->d_name);
			bad++;
		}
	}
	(void)closedir(d);
	if (!bad)
		check_add(r, CHECK_OK, subject, "%zu credential file%s, root-only", n,
			  n == 1 ? "" : "s");
}

/* A tenant's port held by anyone but the tenant is a FAIL: `run` would be
 * refused, or worse, the frontend already sends visitors there. */
static void check_ports(struct check_report *r, const char *subject, const struct mpj_paths *paths,
			const struct check_tenant *s, const struct check_holders *holders)
{
	const struct mpj_tenant *t = s->t;
	const struct portcheck_holder *h = holders->h;
	size_t nh = holders->n;
	pid_t sup = 0;

	if (holders->err < 0) {
		check_add(r, CHECK_WARN, subject, "cannot tell who holds the ports: %s",
			  strerror(-holders->err));
		return;
	}
	if (ctl_supervisor_pid(paths->run_dir, s->name, &sup) < 0)
		sup = 0;
	for (size_t i = 0; i < t->n_ports; i++) {
		bool seen = false;

		for (size_t j = 0; j < nh; j++) {
			_cleanup_free_ char *what = NULL;

			if (h[j].sock.port != t->ports[i])
				continue;
			seen = true;
			what = portcheck_describe(&h[j]);
			/* `run` binds as root and holds the socket for its whole
			 * life (docs/design.md): root's socket, open in the
			 * tenant's own supervisor, is the tenant's. */
			if (h[j].sock.uid == 0 && sup > 0 &&
			    portcheck_pid_holds(sup, h[j].sock.inode) == 1)
				check_add(r, CHECK_OK, subject,
					  "port %u: held by the tenant's supervisor (`mpjail run`, pid "
					  "%d)",
					  t->ports[i], (int)sup);
			else if (s->id_ok && h[j].sock.uid == s->id.uid)
				check_add(r, CHECK_OK, subject, "port %u: served by the tenant: %s",
					  t->ports[i], what);
			else
				check_add(r, CHECK_FAIL, subject, "%s:%u: port %u is taken: %s",
					  t->file, t->ports_line, t->ports[i], what);
		}
		if (!seen)
			check_add(r, CHECK_OK, subject, "port %u: free (not running)", t->ports[i]);
	}
}

void check_tenant_network(struct check_report *r, const char *subject, const struct mpj_profile *p,
			  int abi)
{
	_cleanup_free_ char *net = NULL;

	if (p->network != NET_AUTO || netpolicy_resolve_network(p->network, abi) != NET_PRIVATE)
		return;
	net = netpolicy_network_describe(p->network, abi);
	check_add(r, CHECK_WARN, subject,
		  "network %s: no outbound TCP or UDP from the jail; PostgreSQL only over its unix "
		  "socket (db-socket)%s",
		  net,
		  p->connect.n_spans || p->connect.any_other
			  ? "; the profile's `connect` lines do not apply"
			  : "");
	if (p->sendmail_host)
		check_add(r, CHECK_WARN, subject,
			  "sendmail %s:%s: not reachable from a private network: the jail's "
			  "sendmail exits 75 (EX_TEMPFAIL) until the kernel has Landlock network "
			  "rules (docs/config.md `sendmail`)",
			  p->sendmail_host, p->sendmail_port);
}

/* Name resolution as the jail will see it (config/sysfiles.h). */
static void check_dns(struct check_report *r, const char *subject, const struct mpj_global *g,
		      const struct check_tenant *s)
{
	_cleanup_free_ char *msg = NULL;
	struct sysfile_data *files = NULL;
	struct diag d = { 0 };
	size_t n = 0;
	int warn;

	/* What the launch reads: a source it would refuse fails here first. */
	if (sysfiles_load(s->p, g->min_uid, &files, &n, &d) < 0) {
		check_add_diag(r, CHECK_FAIL, subject, &d);
		diag_clear(&d);
	} else
		sysfiles_free(files, n);
	/* `auto` resolves as the launch on this kernel would. */
	warn = sysfile_dns_verdict(s->p, netpolicy_resolve_network(s->p->network, landlock_abi()),
				   g->min_uid, &msg);
	check_add(r, warn ? CHECK_WARN : CHECK_OK, subject, "%s: DNS: %s", s->p->file, msg);
}

void check_tenant(struct check_report *r, const struct mpj_paths *paths, const struct mpj_global *g,
		  const struct check_tenant *s, const struct check_holders *holders)
{
	_cleanup_free_ char *subject = xasprintf("tenant:%s", s->name);

	check_home(r, subject, s);
	check_credentials(r, subject, paths, s->name);
	check_jail_tree(r, subject, paths, s->name);
	if (s->p) {
		check_tenant_network(r, subject, s->p, landlock_abi());
		check_tenant_limits(r, subject, s->t, s->p);
		check_tenant_quota(r, subject, s);
		check_dns(r, subject, g, s);
	}
	check_ports(r, subject, paths, s, holders);
}

void check_tenant_done(struct check_tenant *s)
{
	if (s->id_ok)
		identity_done(&s->id);
	profile_free(s->p);
	tenant_free(s->t);
	s->t = NULL;
	s->p = NULL;
	s->id_ok = false;
}

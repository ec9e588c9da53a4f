/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resolve the tenant's account through the HOST's NSS, once, before any
 * namespace exists.  After the pivot /etc is the jail's, and an NSS lookup
 * there is the sudo --chroot mistake (CVE-2025-32463). */
#define _GNU_SOURCE
#include "config/identity.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>

#include <sys/wait.h>

#define MAX_GROUPS 64
#define NAME_MAX_NSS 256

/* What the host's NSS says about one account, before any policy: fixed size,
 * so a child can hand it over a pipe in one piece. */
struct nss_raw {
	int status; /* 0, -ENOENT (no such user; err says why), -E2BIG (groups) */
	int err;
	uid_t uid;
	gid_t gid;
	int n_groups; /* getgrouplist()'s, the primary gid included */
	gid_t groups[MAX_GROUPS];
	char name[NAME_MAX_NSS];
	char group[NAME_MAX_NSS]; /* the primary group's name, "" if none */
	char group_names[MAX_GROUPS][NAME_MAX_NSS];
};

static bool nss_in_child;

void identity_nss_in_child(bool on) { nss_in_child = on; }

/* "" when the gid has no name, or one too long to carry. */
static void group_name(gid_t gid, char *buf)
{
	struct group *gr = getgrgid(gid);

	buf[0] = '\0';
	if (gr && strlen(gr->gr_name) < NAME_MAX_NSS)
		strcpy(buf, gr->gr_name);
}

static void nss_lookup(const char *user, struct nss_raw *raw)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (!pw || strlen(pw->pw_name) >= NAME_MAX_NSS) {
		raw->status = -ENOENT;
		raw->err = pw ? ENAMETOOLONG : errno;
		return;
	}
	raw->uid = pw->pw_uid;
	raw->gid = pw->pw_gid;
	strcpy(raw->name, pw->pw_name);
	raw->n_groups = MAX_GROUPS;
	if (getgrouplist(pw->pw_name, pw->pw_gid, raw->groups, &raw->n_groups) < 0) {
		raw->status = -E2BIG;
		raw->n_groups = 0; /* getgrouplist() stored how many it needs */
		return;
	}
	group_name(raw->gid, raw->group);
	for (int i = 0; i < raw->n_groups; i++)
		if (raw->groups[i] != raw->gid)
			group_name(raw->groups[i], raw->group_names[i]);
}

/* The same lookup in a child that exits after it: NSS modules (and the
 * libraries they pull in) load there, not in a supervisor that lives for
 * days (docs/design.md, "Light pid 1"). */
static int nss_lookup_child(const char *user, struct nss_raw *raw)
{
	_cleanup_close_ int rfd = -1;
	int p[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return negerrno();
	rfd = p[0];
	pid = fork();
	if (pid < 0) {
		(void)close(p[1]);
		return negerrno();
	}
	if (pid == 0) {
		nss_lookup(user, raw);
		_exit(write_full(p[1], raw, sizeof *raw) < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
	}
	(void)close(p[1]);
	n = read_full(rfd, raw, sizeof *raw);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof *raw || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -EIO;
	raw->name[NAME_MAX_NSS - 1] = raw->group[NAME_MAX_NSS - 1] = '\0';
	for (int i = 0; i < MAX_GROUPS; i++)
		raw->group_names[i][NAME_MAX_NSS - 1] = '\0';
	return raw->n_groups >= 0 && raw->n_groups <= MAX_GROUPS ? 0 : -EIO;
}

int identity_resolve(const struct mpj_global *g, const struct mpj_tenant *t,
		     struct mpj_identity *ret, struct diag *diag)
{
	struct mpj_identity id = { 0 };
	_cleanup_free_ struct nss_raw *raw = xcalloc(1, sizeof *raw);

	if (nss_in_child) {
		int r = nss_lookup_child(t->user, raw);

		if (r < 0) {
			diag_set(diag, t->file, t->user_line,
				 "looking up user `%s` (in a child process) failed: %s", t->user,
				 strerror(-r));
			return r;
		}
	} else {
		nss_lookup(t->user, raw);
	}
	if (raw->status == -ENOENT) {
		diag_set(diag, t->file, t->user_line, "user `%s` does not exist on this host%s%s",
			 t->user, raw->err ? ": " : "", raw->err ? strerror(raw->err) : "");
		return -ENOENT;
	}
	if (raw->status == -E2BIG) {
		diag_set(diag, t->file, t->user_line, "user `%s` is in more than %d groups",
			 t->user, MAX_GROUPS);
		return -E2BIG;
	}
	/* uid/gid 0 and system accounts would hand the jail a privileged
	 * identity on shared kernel objects (files, SysV, signals). */
	if (raw->uid == 0 || raw->uid < g->min_uid) {
		diag_set(diag, t->file, t->user_line,
			 "user `%s` has uid %u: tenants need uid >= %u (min_uid), never 0", t->user,
			 (unsigned)raw->uid, g->min_uid);
		return -EPERM;
	}
	if (raw->gid == 0 || raw->gid < g->min_gid) {
		diag_set(diag, t->file, t->user_line,
			 "user `%s` has primary gid %u: tenants need gid >= %u (min_gid), never 0",
			 t->user, (unsigned)raw->gid, g->min_gid);
		return -EPERM;
	}
	id.user = xstrdup(raw->name);
	id.uid = raw->uid;
	id.gid = raw->gid;
	id.jail_home = xasprintf("/home/%s", raw->name);
	/* a gid without a name: use the user's */
	id.group = xstrdup(raw->group[0] ? raw->group : id.user);
	id.groups = xcalloc((size_t)raw->n_groups + 1, sizeof(gid_t));
	id.group_names = xcalloc((size_t)raw->n_groups + 1, sizeof(char *));
	for (int i = 0; i < raw->n_groups; i++) {
		gid_t gr = raw->groups[i];

		if (gr == id.gid)
			continue;
		/* A system group (sudo, adm, www-data, shadow...) would carry host
		 * privileges into the jail: refuse rather than silently drop. */
		if (gr == 0 || gr < g->min_gid) {
			diag_set(diag, t->file, t->user_line,
				 "user `%s` is a member of system group %u: remove it from that group "
				 "(tenants may only have groups >= %u)",
				 t->user, (unsigned)gr, g->min_gid);
			identity_done(&id);
			return -EPERM;
		}
		id.groups[id.n_groups] = gr;
		id.group_names[id.n_groups] = raw->group_names[i][0]
						      ? xstrdup(raw->group_names[i])
						      : xasprintf("g%u", (unsigned)gr);
		id.n_groups++;
	}
	*ret = id;
	return 0;
}

void identity_done(struct mpj_identity *id)
{
	if (!id)
		return;
	free(id->user);
	free(id->group);
	free(id->groups);
	strv_free(id->group_names);
	free(id->jail_home);
	memset(id, 0, sizeof *id);
}

char *identity_passwd(const struct mpj_identity *id)
{
	/* Only root, the tenant and nobody: Apache resolves `User` at parse time
	 * and Perl's getpwuid wants the tenant; nothing else of the host leaks. */
	return xasprintf("root:x:0:0:root:/root:/usr/sbin/nologin\n"
			 "%s:x:%u:%u:%s:%s:/bin/sh\n"
			 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
			 id->user, (unsigned)id->uid, (unsigned)id->gid, id->user, id->jail_home);
}

char *identity_group(const struct mpj_identity *id)
{
	char *s = xasprintf("root:x:0:\n%s:x:%u:%s\n", id->group, (unsigned)id->gid, id->user);

	for (size_t i = 0; i < id->n_groups; i++) {
		char *n = xasprintf("%s%s:x:%u:%s\n", s, id->group_names[i],
				    (unsigned)id->groups[i], id->user);
		free(s);
		s = n;
	}
	char *n = xasprintf("%snogroup:x:65534:\n", s);
	free(s);
	return n;
}

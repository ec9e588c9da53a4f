/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resolve the tenant's account through the HOST's NSS, once, before any
 * namespace exists.  After the pivot /etc is the jail's, and an NSS lookup
 * there is the sudo --chroot mistake (CVE-2025-32463). */
#define _GNU_SOURCE
#include "config/identity.h"

#include <grp.h>
#include <pwd.h>

#define MAX_GROUPS 64

static int lookup_group_name(gid_t gid, char **ret)
{
	struct group *gr;

	errno = 0;
	gr = getgrgid(gid);
	if (!gr)
		return errno ? negerrno() : -ENOENT;
	*ret = xstrdup(gr->gr_name);
	return 0;
}

int identity_resolve(const struct mpj_global *g, const struct mpj_tenant *t,
		     struct mpj_identity *ret, struct diag *diag)
{
	struct mpj_identity id = { 0 };
	gid_t groups[MAX_GROUPS];
	int n = MAX_GROUPS;
	struct passwd *pw;
	int r;

	errno = 0;
	pw = getpwnam(t->user);
	if (!pw) {
		diag_set(diag, t->file, t->user_line, "user `%s` does not exist on this host%s%s",
			 t->user, errno ? ": " : "", errno ? strerror(errno) : "");
		return -ENOENT;
	}
	/* uid/gid 0 and system accounts would hand the jail a privileged
	 * identity on shared kernel objects (files, SysV, signals). */
	if (pw->pw_uid == 0 || pw->pw_uid < g->min_uid) {
		diag_set(diag, t->file, t->user_line,
			 "user `%s` has uid %u: tenants need uid >= %u (min_uid), never 0", t->user,
			 (unsigned)pw->pw_uid, g->min_uid);
		return -EPERM;
	}
	if (pw->pw_gid == 0 || pw->pw_gid < g->min_gid) {
		diag_set(diag, t->file, t->user_line,
			 "user `%s` has primary gid %u: tenants need gid >= %u (min_gid), never 0",
			 t->user, (unsigned)pw->pw_gid, g->min_gid);
		return -EPERM;
	}
	id.user = xstrdup(pw->pw_name);
	id.uid = pw->pw_uid;
	id.gid = pw->pw_gid;
	id.jail_home = xasprintf("/home/%s", pw->pw_name);

	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0) {
		diag_set(diag, t->file, t->user_line, "user `%s` is in more than %d groups",
			 t->user, MAX_GROUPS);
		identity_done(&id);
		return -E2BIG;
	}
	r = lookup_group_name(id.gid, &id.group);
	if (r < 0)
		id.group = xstrdup(id.user); /* a gid without a name: use the user's */
	id.groups = xcalloc((size_t)n, sizeof(gid_t));
	id.group_names = xcalloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++) {
		if (groups[i] == id.gid)
			continue;
		/* A system group (sudo, adm, www-data, shadow...) would carry host
		 * privileges into the jail: refuse rather than silently drop. */
		if (groups[i] == 0 || groups[i] < g->min_gid) {
			diag_set(diag, t->file, t->user_line,
				 "user `%s` is a member of system group %u: remove it from that group "
				 "(tenants may only have groups >= %u)",
				 t->user, (unsigned)groups[i], g->min_gid);
			identity_done(&id);
			return -EPERM;
		}
		id.groups[id.n_groups] = groups[i];
		if (lookup_group_name(groups[i], &id.group_names[id.n_groups]) < 0)
			id.group_names[id.n_groups] = xasprintf("g%u", (unsigned)groups[i]);
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

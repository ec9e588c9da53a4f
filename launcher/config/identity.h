/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tenant's account, resolved through the host's NSS before any namespace
 * exists (docs/style.md P7), and the jail's synthesised passwd/group. */
#pragma once

#include <sys/types.h>

#include "config/global.h"
#include "config/model.h"

struct mpj_identity {
	char *user; /* account name */
	uid_t uid;
	gid_t gid;
	char *group;   /* primary group name */
	gid_t *groups; /* supplementary groups (NSS), primary excluded */
	char **group_names;
	size_t n_groups;
	char *jail_home; /* /home/USER */
};

/* Refuses uid/gid 0, ids below min_uid/min_gid, and supplementary groups
 * below min_gid.  0 or -errno with *diag naming the tenant file. */
int identity_resolve(const struct mpj_global *g, const struct mpj_tenant *t,
		     struct mpj_identity *ret, struct diag *diag);
void identity_done(struct mpj_identity *id);

/* `run`: do the NSS lookups of identity_resolve() in a child that exits
 * after them, so the NSS modules never load into the long-lived supervisor
 * (docs/design.md, "Light pid 1").  Same results and diagnostics. */
void identity_nss_in_child(bool on);

/* Text of the jail's /etc/passwd and /etc/group: root, the tenant, nobody. */
char *identity_passwd(const struct mpj_identity *id);
char *identity_group(const struct mpj_identity *id);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one irreversible privilege drop, then proof that it happened. */
#pragma once

#include <stddef.h>

#include "config/identity.h"

/* Stage IDENTITY: bounding and ambient sets emptied, then privdrop_become
 * (base/privdrop.h): supplementary groups (resolved on the host), gid, uid,
 * every capability set emptied and dumpable 0, with no moment between in
 * which the tenant's login could read the process. */
int caps_drop(const struct mpj_identity *id);
/* Stage VERIFY: re-read ids, groups and Cap* from /proc/self/status and
 * check that setuid(0)/setgid(0)/setgroups fail.  `detail` names the field. */
int caps_verify(const struct mpj_identity *id, char *detail, size_t dn);
/* Parse a /proc/PID/status text: fills what it finds.  Pure, for tests. */
struct proc_status {
	unsigned uid[4], gid[4];
	unsigned groups[64];
	size_t n_groups;
	unsigned long long cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	int no_new_privs, seccomp;
	unsigned found; /* bit per field parsed */
};
int proc_status_parse(const char *text, struct proc_status *ret);

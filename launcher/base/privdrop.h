/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one irreversible change from root to a tenant's uid, with no moment in
 * which a process of that uid could read ours (docs/design.md, "The uid
 * change keeps a guard capability"). */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Become uid/gid with exactly `groups`: supplementary groups, then gids,
 * then uids, all three ids of each.  One capability the tenant lacks stays
 * permitted across the change until the process is not dumpable again, so
 * that neither ptrace nor /proc/PID/mem reaches it in between whatever
 * fs.suid_dumpable says.  On return, effective, permitted, inheritable and
 * ambient are empty, read back, dumpable is 0, and setresuid(0),
 * setresgid(0) and setgroups() fail.
 * The bounding set is the caller's (it matters only across an exec).
 * 0, or -errno; -EPERM where a read-back disagrees.  Not undoable: a
 * caller that fails must _exit. */
int privdrop_become(uid_t uid, gid_t gid, size_t n_groups, const gid_t *groups);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* See privdrop.h; docs/threats.md T6 and T28. */
#define _GNU_SOURCE
#include "base/privdrop.h"

#include <cap-ng.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "base/util.h"

/* The process's capability sets, from the kernel itself (capget(2)): one
 * syscall, where libcap-ng's capng_get_caps_process also reads /proc. */
static int read_caps(struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3])
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return syscall(SYS_capget, &h, d) < 0 ? negerrno() : 0;
}

/* Read back: nothing effective, permitted or inheritable (ambient cannot
 * outlive permitted).  Not libcap-ng's cache, whose "have capabilities"
 * looks at the effective set only. */
static int caps_all_empty(void)
{
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	int r = read_caps(d);

	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(d); i++)
		if (d[i].effective || d[i].permitted || d[i].inheritable)
			return -EPERM;
	return 0;
}

/* The guard: a capability the tenant's processes never have, so the kernel
 * refuses them ptrace access to us while we hold it, dumpable or not
 * (cap_ptrace_access_check: the tracee's permitted set must be a subset of
 * the tracer's).  CAP_WAKE_ALARM grants nothing we could misuse here; where
 * a bounding set took it away, CAP_SETGID, which the change needs anyway,
 * stands in. */
static int pick_guard(unsigned *ret)
{
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	int r = read_caps(d);

	if (r < 0)
		return r;
	*ret = d[CAP_TO_INDEX(CAP_WAKE_ALARM)].permitted & CAP_TO_MASK(CAP_WAKE_ALARM)
		       ? CAP_WAKE_ALARM
		       : CAP_SETGID;
	return 0;
}

/* Only `guard` permitted (nothing effective); KEEPCAPS as given. */
static int keep_only(int guard, int keepcaps)
{
	capng_clear(CAPNG_SELECT_CAPS);
	if (guard >= 0 && capng_update(CAPNG_ADD, CAPNG_PERMITTED, (unsigned)guard) < 0)
		return -EPERM;
	if (capng_apply(CAPNG_SELECT_CAPS) < 0)
		return -EPERM;
	return prctl(PR_SET_KEEPCAPS, keepcaps, 0, 0, 0) < 0 ? negerrno() : 0;
}

int privdrop_become(uid_t uid, gid_t gid, size_t n_groups, const gid_t *groups)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	unsigned guard;
	int r;

	r = pick_guard(&guard);
	if (r < 0)
		return r;
	/* CAP_SETUID and CAP_SETGID for the change, the guard beside them, and
	 * KEEPCAPS so the kernel leaves the permitted set alone at setresuid. */
	capng_clear(CAPNG_SELECT_CAPS);
	if (capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_SETUID, CAP_SETGID,
			  -1) < 0 ||
	    capng_update(CAPNG_ADD, CAPNG_PERMITTED, guard) < 0 ||
	    capng_apply(CAPNG_SELECT_CAPS) < 0)
		return -EPERM;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return negerrno();
	/* Groups first, explicitly: forgetting setgroups is the classic hole
	 * (a root login carries gid 0).  No initgroups: NSS must not run here. */
	if (setgroups(n_groups, groups) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		return negerrno();
	/* Done with CAP_SETUID and CAP_SETGID: only the guard stays. */
	r = keep_only((int)guard, 1);
	if (r < 0)
		return r;
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
		return negerrno();
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid)
		return -EPERM;
	/* util-linux: "be paranoid and check it, setuid(0) has to fail". */
	if (setresuid(0, 0, 0) == 0)
		return -EPERM;
	/* The uid change reset "dumpable" to fs.suid_dumpable: 0 again, read
	 * back, before the guard goes. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return -EPERM;
	r = keep_only(-1, 0);
	if (r < 0)
		return r;
	/* The guard may have been CAP_SETGID: with it gone, gid 0 is out of
	 * reach too. */
	if (setresgid(0, 0, 0) == 0 || setgroups(0, NULL) == 0)
		return -EPERM;
	return caps_all_empty();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* privdrop_become: the uid change shared by the home copy and the launch
 * (docs/design.md, "The uid change keeps a guard capability").  Each case
 * runs the irreversible change in a forked child and reads the result back
 * from /proc/self/status there; the window itself is shown under ptrace by
 * mpjail-window (build.sh, sentinel.sh). */
#define _GNU_SOURCE
#include <cap-ng.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "base/privdrop.h"
#include "base/util.h"
#include "jail/caps.h"

#define NOBODY 65534

static bool no_skip(void)
{
	const char *e = getenv("MPJAIL_NO_SKIP");

	return e && strcmp(e, "1") == 0;
}

#define need_root()                                                                       \
	do {                                                                              \
		if (geteuid() != 0) {                                                     \
			if (no_skip())                                                    \
				cr_assert_fail("MPJAIL_NO_SKIP=1: this test needs root"); \
			cr_skip_test("needs root: the change starts from uid 0");         \
		}                                                                         \
	} while (0)

/* In the child, after the change: exit 0 when /proc/self/status (read with
 * the launch's own parser) shows the tenant's ids, no supplementary group,
 * no capability in any of the five sets, and dumpable 0; else a code
 * naming what failed. */
static int check_after(void)
{
	_cleanup_free_ char *t = NULL;
	struct proc_status st;

	if (read_file_at(AT_FDCWD, "/proc/self/status", 64 * 1024, &t, NULL) < 0 ||
	    proc_status_parse(t, &st) < 0)
		return 10;
	for (int i = 0; i < 4; i++)
		if (st.uid[i] != NOBODY || st.gid[i] != NOBODY)
			return 11;
	if (st.n_groups != 0)
		return 12;
	/* The bounding set is the caller's: the child emptied it first. */
	if (st.cap_inh || st.cap_prm || st.cap_eff || st.cap_bnd || st.cap_amb)
		return 13;
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return 14;
	if (setresuid(0, 0, 0) == 0 || setgroups(0, NULL) == 0)
		return 15;
	return 0;
}

/* Fork; the child optionally drops `drop` from its permitted set, empties
 * its bounding set, turns dumpable on (as fs.suid_dumpable 1 would leave
 * it), changes to nobody and checks.  Returns the child's exit code. */
static int run_child(int drop)
{
	pid_t pid = fork();
	int st, r;

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (capng_get_caps_process() < 0)
			_exit(2);
		if (drop >= 0 && (capng_update(CAPNG_DROP, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
					       (unsigned)drop) < 0 ||
				  capng_apply(CAPNG_SELECT_CAPS) < 0))
			_exit(3);
		capng_clear(CAPNG_SELECT_BOUNDS);
		if (capng_apply(CAPNG_SELECT_BOUNDS) < 0 || prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
			_exit(4);
		r = privdrop_become(NOBODY, NOBODY, 0, NULL);
		if (r < 0)
			_exit(5);
		_exit(check_after());
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st), "the child died: status %#x", st);
	return WEXITSTATUS(st);
}

Test(privdrop, becomes_the_tenant_with_nothing_left)
{
	need_root();
	int r = run_child(-1);

	cr_assert_eq(r, 0, "child exit %d names the failed check (see check_after)", r);
}

/* A bounding set without CAP_WAKE_ALARM (a unit's CapabilityBoundingSet=):
 * CAP_SETGID guards instead, and is gone afterwards just the same. */
Test(privdrop, without_the_usual_guard)
{
	need_root();
	int r = run_child(CAP_WAKE_ALARM);

	cr_assert_eq(r, 0, "child exit %d names the failed check (see check_after)", r);
}

/* Without CAP_SETUID there is no change: an error, not a half-changed
 * process that carries on. */
Test(privdrop, refuses_without_setuid)
{
	need_root();
	cr_assert_eq(run_child(CAP_SETUID), 5, "privdrop_become must fail without CAP_SETUID");
}

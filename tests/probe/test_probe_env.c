/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The probe's facts, environment attacks and small modes, each shown able
 * to report both outcomes. */
#define _GNU_SOURCE
#include "test_harness.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <sys/stat.h>

static void setup_facts(void *arg)
{
	(void)arg;
	if (setenv("MPJAIL_PROBE_TEST", "hello world", 1) < 0)
		setup_failed("setenv");
	(void)umask(027);
	/* A deliberate leak the facts must show. */
	if (dup2(0, 7) < 0)
		setup_failed("dup2");
}

Test(probe_facts, ids_env_fds_mounts_limits)
{
	char want[64];
	struct run r;

	RUN(&r, setup_facts, NULL, "facts");
	cr_expect_eq(exit_code(&r), 0);
	for (const char *p = r.out; *p; p = strchr(p, '\n') + 1)
		cr_expect(strncmp(p, "FACT ", 5) == 0, "not a FACT line: %.40s", p);
	(void)snprintf(want, sizeof(want), "FACT uid %u", (unsigned)getuid());
	cr_expect(has_line(r.out, want), "%s missing", want);
	(void)snprintf(want, sizeof(want), "FACT egid %u", (unsigned)getegid());
	cr_expect(has_line(r.out, want), "%s missing", want);
	cr_expect(has_line(r.out, "FACT env MPJAIL_PROBE_TEST=hello world"));
	cr_expect(has_line(r.out, "FACT fd 7 /dev/null"), "leaked fd 7 not shown:\n%s", r.out);
	cr_expect(has_line(r.out, "FACT fd 0 /dev/null"));
	cr_expect(has_line(r.out, "FACT umask 0027"));
	cr_expect(has_line(r.out, "FACT NoNewPrivs 0"));
	cr_expect(has_line(r.out, "FACT Seccomp 0"));
	cr_expect(has_prefix_line(r.out, "FACT CapBnd "));
	cr_expect(has_prefix_line(r.out, "FACT mount / "), "no root mount line");
	cr_expect(has_prefix_line(r.out, "FACT rlimit nofile "));
	cr_expect(has_prefix_line(r.out, "FACT rlimit core "));
	cr_expect(has_prefix_line(r.out, "FACT pids 1 "));
	cr_expect(has_prefix_line(r.out, "FACT ctty "));
	run_free(&r);
}

Test(probe_facts, filter_shows_in_status)
{
	struct run r;

	RUN(&r, setup_filter, NULL, "facts");
	cr_expect(has_line(r.out, "FACT NoNewPrivs 1"));
	cr_expect(has_line(r.out, "FACT Seccomp 2"));
	run_free(&r);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the probe's own tests (test_probe*.c). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <sys/types.h>

#include "base/util.h"

static inline bool streq(const char *a, const char *b) { return strcmp(a, b) == 0; }

/* Skip loudly unless root; fail instead under MPJAIL_NO_SKIP=1. */
void need_root(const char *why);

/* Runs in the forked child just before the probe is exec'd: stdout is the
 * capture pipe, stdin /dev/null, every fd above 2 close-on-exec. */
typedef void (*setup_fn)(void *arg);

struct run {
	char *out;  /* the probe's stdout, NUL-terminated */
	int status; /* as from waitpid */
};

/* Exec $MPJAIL_PROBE with args (NULL-terminated, after argv[0]). */
void run_probe(struct run *r, setup_fn setup, void *arg, const char *const *args);
void run_free(struct run *r);
#define RUN(r, setup, arg, ...) \
	run_probe((r), (setup), (arg), (const char *const[]){ __VA_ARGS__, NULL })

/* In a setup: report what failed and _exit(90), which run_probe rejects. */
_noreturn_ void setup_failed(const char *what);

bool has_line(const char *out, const char *line);
bool has_prefix_line(const char *out, const char *prefix);
int exit_code(const struct run *r);
/* Expect a line starting "ATTACK name: VERDICT..." (verdict may carry a
 * detail prefix, e.g. "BLOCKED EPERM"). */
void expect_verdict(const struct run *r, const char *name, const char *verdict);

/* A libseccomp filter shaped like mpjail's default deny list
 * (profiles/default.seccomp), native arch only, bad arch kills. */
enum {
	F_CLONE3_EPERM = 1 << 0,  /* the wrong errno for clone3 */
	F_TIOCSTI_64BIT = 1 << 1, /* the CVE-2017-5226 mistake */
};
void install_filter(unsigned flags);
/* setup_fn form: arg is the flags cast to a pointer. */
void setup_filter(void *arg);

/* A hand-made partial jail for one defence at a time, applied in this
 * order: namespaces (mount ones made private), hook, a fork into the new
 * pid namespace with a fresh /proc, rlimits, drop to nobody, filter. */
struct fake_jail {
	int unshare_flags;            /* CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWPID */
	void (*hook)(void *hook_arg); /* in the new namespaces, still root */
	void *hook_arg;
	int rlimit_res; /* with rlimit_max; -1: none */
	unsigned long rlimit_max;
	bool nobody; /* uid/gid 65534, no groups */
	bool no_new_privs;
	bool filter; /* install_filter(0) */
};
/* clang-format off */
#define FAKE_JAIL_INIT { .rlimit_res = -1 }
/* clang-format on */
void setup_fake_jail(void *arg);

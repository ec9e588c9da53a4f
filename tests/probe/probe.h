/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mpjail-probe: runs inside a jail in place of httpd and reports, one line
 * each, what the jail lets it see and do (docs/threats.md §2).  Static, no NSS,
 * no writes outside /tmp, signals with 0, fillers capped. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/util.h"

static inline bool streq(const char *a, const char *b) { return strcmp(a, b) == 0; }

/* Exit codes (docs/style.md §2). */
#define PROBE_EXIT_USAGE 100
#define PROBE_EXIT_SYSCALL 111

/* A pointer the kernel cannot read: page 0 is never mapped
 * (vm.mmap_min_addr >= 4096).  EFAULT on it means the call got past the
 * filter and into the kernel's argument copying. */
#define BAD_PTR ((void *)1)

enum verdict { VERDICT_BLOCKED, VERDICT_ESCAPED, VERDICT_SKIPPED };

/* "ATTACK name: VERDICT detail"; counts ESCAPED lines for the exit code. */
void report(const char *name, enum verdict v, const char *fmt, ...) _printf_(3, 4);
unsigned escaped_count(void);

/* "EPERM"; "E123" for numbers glibc has no name for; "none" for 0. */
const char *errno_name(int err);

/* Print s with bytes outside printable ASCII (and '\\') as \xHH so every
 * output line stays one line; with space_too, ' ' as well (for a value
 * that is not the last field). */
void put_escaped(const char *s, bool space_too);

/* What a forked child reports back: a return value, errno, and text. */
struct child_result {
	long ret;
	int err;
	char detail[240];
};
/* Run fn in a forked child so that an unexpected success (a namespace, a
 * chroot, a raised limit) never changes the probe itself, and a filter that
 * kills instead of failing the call costs only the child.
 * Returns 0 with *res filled, -ECHILD with *sig set if the child died by a
 * signal before reporting, or -errno (fork, pipe, timeout). */
int run_in_child(void (*fn)(struct child_result *res, void *arg), void *arg,
		 struct child_result *res, int *sig);

/* Judge a raw syscall result: ok >= 0 is ESCAPED, an errno in the
 * "refused" set is BLOCKED, any other errno reached the kernel: ESCAPED. */
void judge_call(const char *name, long ret, int err, bool want_enosys_only);

/* Attack catalogues.  run() prints exactly one ATTACK line. */
struct attack {
	const char *name;
	void (*run)(const struct attack *a);
	const void *data;
};
extern const struct attack sys_attacks[];
extern const size_t sys_attacks_len;
extern const struct attack env_attacks[];
extern const size_t env_attacks_len;

/* Modes: argc/argv start after the mode name.  Return the exit code. */
int mode_facts(int argc, char **argv);
int mode_whoami(int argc, char **argv);
int mode_exists(int argc, char **argv);
int mode_tiocsti(int argc, char **argv);
int mode_int80(int argc, char **argv);
int mode_x32(int argc, char **argv);
int mode_userns(int argc, char **argv);
int mode_bind(int argc, char **argv);
int mode_bind_mptcp(int argc, char **argv);
int mode_bind0(int argc, char **argv);
int mode_listen_unbound(int argc, char **argv);
int mode_connect_abstract(int argc, char **argv);
int mode_kill(int argc, char **argv);
int mode_forkbomb(int argc, char **argv);
int mode_memhog(int argc, char **argv);
int mode_fdflood(int argc, char **argv);
int mode_sentinel(int argc, char **argv);
int mode_shmget(int argc, char **argv);
int mode_mq_open(int argc, char **argv);
int mode_shm_open(int argc, char **argv);
int mode_proc_pid(int argc, char **argv);
int mode_ptrace(int argc, char **argv);
int mode_connect_tcp(int argc, char **argv);

/* "usage: mpjail-probe MODE ..." to stderr; returns PROBE_EXIT_USAGE. */
int usage_error(const char *fmt, ...) _printf_(1, 2);

/* Resource limits by their lower-case names (facts, rlimit_raise). */
struct rlimit_name {
	int res;
	const char *name;
};
extern const struct rlimit_name probe_rlimits[];
extern const size_t probe_rlimits_len;

/* Numbers of the probe's own /proc: the visible pids, ascending. */
int list_proc_pids(int **ret, size_t *ret_n);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Exit codes with fixed meanings, and the named stages of the launch
 * pipeline.  The child reports {stage, errno} over a close-on-exec pipe;
 * EOF on that pipe means the exec succeeded (docs/style.md P14). */
#pragma once

#include <stdint.h>

/* execline's set (docs/style.md §2), documented in mpjail(8). */
enum mpj_exit {
	EXIT_MPJ_OK = 0,
	EXIT_MPJ_FAILURE = 1,    /* a control command's request was refused */
	EXIT_MPJ_CONFIG = 100,   /* usage or configuration error: nothing was changed */
	EXIT_MPJ_SETUP = 111,    /* a setup stage failed (a syscall): jail not started */
	EXIT_MPJ_NOEXEC = 126,   /* the command exists but could not be executed */
	EXIT_MPJ_NOTFOUND = 127, /* the command was not found in the jail */
				 /* 128 + N: the command was killed by signal N */
};

/* One line per stage, in pipeline order.  Names appear in messages. */
#define MPJ_STAGES(X)                                                                          \
	X(VALIDATE, "validate", "check the tenant and profile files")                          \
	X(OPEN, "open", "the tenant home or jail tree is missing, or a symlink")               \
	X(QUOTA, "quota", "setting the home's disk quota failed (docs/admin.md, Disk quotas)") \
	X(CGROUP, "cgroup", "is the cgroup controller available and delegated?")               \
	X(FILTER, "filter", "the seccomp policy could not be compiled")                        \
	X(CLONE, "clone", "namespaces need root and a kernel with user-visible namespaces")    \
	X(SYNC, "sync", "the parent died or the child could not be released")                  \
	X(NNP, "no-new-privs", "prctl(PR_SET_NO_NEW_PRIVS) failed")                            \
	X(PROPAGATION, "propagation", "could not make / private in the new namespace")         \
	X(ROOT, "root", "building the jail root (tmpfs, jail tree copy) failed")               \
	X(MOUNT, "mount", "a bind or tmpfs mount failed; see the path in the message")         \
	X(PIVOT, "pivot", "pivot_root needs a private mount namespace")                        \
	X(MOUNTCHECK, "mountcheck", "a mount lacks a required flag")                           \
	X(HOSTNAME, "hostname", "sethostname failed")                                          \
	X(NETWORK, "network", "bringing up loopback in the private network namespace failed")  \
	X(RLIMIT, "rlimit", "a hard limit above the current one needs root")                   \
	X(PTY, "pty", "opening a pty in the jail's own devpts instance failed")                \
	X(FDS, "fds", "close_range or stdio setup failed; a terminal fd is never inherited")   \
	X(IDENTITY, "identity", "setgroups/setgid/setuid or capability drop failed")           \
	X(VERIFY, "verify", "the process still holds an id or capability it should not")       \
	X(CHDIR, "chdir", "the home directory is not reachable inside the jail")               \
	X(LANDLOCK, "landlock", "the kernel lacks Landlock network rules (ABI >= 4)")          \
	X(REAPER, "reaper", "fork of the jail's pid 1 child failed")                           \
	X(SECCOMP, "seccomp", "loading the seccomp filter failed")                             \
	X(EXEC, "exec", "the command could not be executed inside the jail")                   \
	X(VERDICT, "verdict",                                                                  \
	  "the jail did not reach exec in time: stopped by a process of the tenant's uid, "    \
	  "or the host is overloaded")

/* clang-format off */
enum mpj_stage {
#define X(id, name, hint) STAGE_##id,
	MPJ_STAGES(X)
#undef X
	_STAGE_MAX,
};
/* clang-format on */

const char *stage_name(enum mpj_stage s);
const char *stage_hint(enum mpj_stage s);

/* What the child writes to the error pipe on failure. */
struct stage_report {
	uint32_t stage;
	int32_t err;      /* positive errno */
	char detail[248]; /* the path or value involved, NUL-terminated */
};

/* Child side: write a report (best effort: the child is about to _exit). */
void stage_report_write(int fd, enum mpj_stage s, int err, const char *detail);
/* Parent side: 0 = EOF (exec happened), 1 = report read, -errno on error. */
int stage_report_read(int fd, struct stage_report *ret);
/* The exit code for a failed stage: 126/127 for EXEC, 111 otherwise. */
int stage_exit_code(const struct stage_report *r);

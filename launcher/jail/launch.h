/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The launch pipeline: the parent validates and opens everything, clones the
 * jail's pid 1 into new namespaces, and reads a verdict; the child runs the
 * stages of docs/style.md §4 in order and either execs or reports {stage, errno}. */
#pragma once

#include <sys/types.h>

#include "base/log.h"
#include "build/quota.h"
#include "cgroup/cgroup.h"
#include "config/global.h"
#include "config/identity.h"
#include "config/model.h"
#include "config/sysfiles.h"
#include "filter/filter.h"
#include "jail/landlock.h"
#include "jail/pty.h"
#include "jail/stage.h"

/* run: where the held listeners sit in the command's fd table (the bind
 * shim's mount point is in mounts.h). */
#define FD_LISTEN_BASE 7

/* How long launch_start() waits for the jail's verdict (exec'd, or a failed
 * stage).  From the uid drop on, the child runs with the tenant's uid, and
 * the tenant's host login can SIGSTOP it (docs/threats.md T41): the wait
 * must end.  A launch takes milliseconds; the bound is for a loaded host,
 * and counts only time the jail could run (base/stopclock.h). */
#define LAUNCH_VERDICT_TIMEOUT_MS 5000

struct mounts_input;

/* --timings (docs/design.md, "Launch speed"): the parent's steps, in order.
 * Each is timed from the end of the one before (the first from
 * launch_prepare()'s entry); a step that does not run (no quota) reads 0. */
#define MPJ_PARENT_STEPS(X)                                                                 \
	X(CONFIG, "config")     /* mpjail.conf, the tenant file, the profile */             \
	X(IDENTITY, "identity") /* the account through NSS */                               \
	X(OPEN, "open")         /* tree, home, binds, db, secrets: fds, detached mounts */  \
	X(SYSFILES, "sysfiles") /* resolv.conf, hosts, localtime... */                      \
	X(PLAN, "plan")         /* argv, environment, rlimits, cgroup limits */             \
	X(FILTER, "filter")     /* the stored BPF, or compiling the policy */               \
	X(LANDLOCK, "landlock") /* the network decision and the ruleset */                  \
	X(HELPERS, "helpers")   /* bind shim, sendmail */                                   \
	X(QUOTA, "quota")       /* quotactl */                                              \
	X(CGROUP, "cgroup")     /* create the instance, write the limits */                 \
	X(CLONE, "clone")       /* pipes, clone3 */                                         \
	X(ATTACH, "attach")     /* v1 (or no clone3): cgroup.procs; the release byte */     \
	X(VERDICT, "verdict")   /* until EOF on the error pipe: the child's stages, exec */ \
	X(RUN, "run")           /* the command itself, until pid 1 exits */                 \
	X(TEARDOWN, "teardown") /* reap, counters, removing the cgroup */

/* clang-format off */
enum launch_step {
#define X(id, name) STEP_##id,
	MPJ_PARENT_STEPS(X)
#undef X
	_STEP_MAX,
};
/* clang-format on */

/* CLOCK_MONOTONIC in ns: one clock for parent and child (no time namespace). */
uint64_t launch_now_ns(void);

struct launch_timings {
	bool on;                    /* set by the caller before launch_prepare() */
	uint64_t start;             /* launch_prepare()'s entry */
	uint64_t step[_STEP_MAX];   /* end of each parent step, 0 = not reached */
	uint64_t child[_STAGE_MAX]; /* end of each child stage, from the timing pipe */
	uint64_t child_start;       /* the child's first instruction after clone */
	int pipe[2];                /* child -> parent, only while on */
};

/* What the launch is for.  `run`: the tenant's server; the supervisor holds
 * its ports and hands them in (launch_hand_listeners()), in both network
 * modes.  `exec`: a command beside it (or a test of it), which gets no
 * listener: the supervisor holds the ports.  `explain`: prepared like `exec`
 * but never started, so a kernel without Landlock network rules is recorded
 * (landlock_unenforced) instead of refused, for explain to show. */
enum launch_mode { LAUNCH_EXEC, LAUNCH_RUN, LAUNCH_EXPLAIN };

/* Everything the child needs, resolved by the parent before the clone.  The
 * child only reads it: no parsing, no NSS, no allocation it can't afford. */
struct mpj_launch {
	const struct mpj_paths *paths;
	struct mpj_global global;
	struct mpj_tenant *tenant;
	struct mpj_profile *profile;
	struct mpj_identity id;
	enum launch_mode mode;
	char *tree_path; /* STATE/jails/NAME: staging mount point */
	char **argv;     /* command inside the jail */
	char **envp;     /* the complete environment (profile env, expanded) */
	char *hostname;
	struct rlimit rlimits[RLIM_NLIMITS];
	bool rlimit_set[RLIM_NLIMITS];
	struct mpj_cg_limits cg_limits;
	struct quota_home quota; /* disk/inodes: probed when a limit is set */
	int quota_fd;            /* the home, O_RDONLY, while quota.probed; else -1 */

	/* fds opened by the parent with openat2, inherited by the child */
	int tree_fd;                   /* STATE/jails/NAME/root, O_PATH */
	int home_fd;                   /* tenant home, O_PATH, symlink-free path, tenant-owned */
	int home_tmp_fd;               /* HOME/tmp for home-tmp, detached mount, or -1 */
	int db_fd;                     /* db socket dir, O_PATH, or -1 */
	int secrets_fd;                /* RUN/.secrets/NAME, detached ro mount, or -1 */
	int ctl_fd;                    /* RUN/NAME (control socket dir), detached ro mount, or -1 */
	int *bind_fds;                 /* one O_PATH fd per profile bind (-1: optional, missing) */
	int listen_fds[MPJ_MAX_PORTS]; /* run: dups of the supervisor's listeners */
	size_t n_listen;
	int shim_fd;           /* mpjail-bindshim.so, detached ro mount, or -1 */
	int sendmail_fd;       /* mpjail-sendmail, detached ro mount, or -1 */
	char *sendmail_target; /* where it goes: the host's sendmail, resolved */
	int init_fd;           /* run: mpjail-init's memfd (jail/lightinit.h), or -1 */

	/* The network in force: the profile's, with `auto` resolved once, in
	 * launch_prepare(), from landlock_abi (docs/design.md, "network
	 * auto").  Everything after the decision reads these, never
	 * profile->network. */
	enum mpj_network network; /* NET_SHARED or NET_PRIVATE */
	int landlock_abi;         /* landlock_abi() at the decision: ABI or -errno */
	/* resolv.conf, hosts, localtime, ...: read now, written into the root
	 * tmpfs by the child (config/sysfiles.h) */
	struct sysfile_data *sysfiles;
	size_t n_sysfiles;
	char *sysfiles_unreadable; /* LAUNCH_EXPLAIN: why they could not be read */

	struct mpj_filter filter;
	struct mpj_landlock landlock;
	struct mpj_connect_plan connect; /* network shared: outbound TCP ports */
	char *landlock_unenforced;       /* LAUNCH_EXPLAIN: why Landlock could not be set up */
	struct mpj_cgroup *cgroup;       /* per start; NULL before */

	/* stdio for the jail: -1 = inherit the caller's */
	int stdio[3];
	/* `exec` from a terminal: the jail's own pty replaces every stdio fd
	 * that is a terminal (pty_spec_init(), docs/threats.md T40); the
	 * launcher relays through pty_master once the command runs. */
	struct pty_spec pty;
	int pty_master;

	/* pipes (parent end, child end) */
	int err_pipe[2];    /* child -> parent: struct stage_report; EOF = exec'd */
	int sync_pipe[2];   /* parent -> child: released once in the cgroup */
	int status_pipe[2]; /* jail pid 1 -> parent: the command's wait status */

	pid_t pid; /* host pid of the jail's pid 1 */
	bool cg_attached;

	/* --timings: off costs one branch per stage.  launch_prepare() keeps
	 * timings.on as the caller set it and clears the rest. */
	struct launch_timings timings;
};

/* Stage VALIDATE..FILTER: load tenant and profile, resolve the account, open
 * the tree, home, db and secrets dirs, compile seccomp, prepare Landlock.
 * argv NULL or empty: the profile's command.  0, or -errno with *diag set
 * (exit 100 when -EINVAL/-ENOENT/-EPERM from configuration). */
int launch_prepare(struct mpj_launch *l, const struct mpj_paths *paths, const char *tenant,
		   enum launch_mode mode, char **argv, struct diag *diag);

/* run: hand in the listeners the supervisor holds for ports[0..n-1] (dup'ed:
 * the caller keeps its own).  The ports must still be the tenant's, in
 * order: -EINVAL with *diag when its file changed them.  launch_start()
 * refuses a run launch without them. */
int launch_hand_listeners(struct mpj_launch *l, const unsigned *ports, const int *fds, size_t n,
			  struct diag *diag);

/* The mount stages' view of a prepared launch (pointers into l; no
 * allocation, so the child may call it). */
void launch_mounts_input(const struct mpj_launch *l, struct mounts_input *ret);

/* Create the cgroup, clone, release the child, read its verdict.
 * Returns 0 when the command was exec'd (l->pid is running), 1 when the
 * child reported a failed stage (*ret_report filled; the child is reaped),
 * or -errno for a parent-side failure (*ret_report names the stage).  No
 * verdict within LAUNCH_VERDICT_TIMEOUT_MS of run time, or a jail process found stopped
 * before it: the jail is killed and reaped, -ETIMEDOUT, stage `verdict`. */
int launch_start(struct mpj_launch *l, struct stage_report *ret_report);

/* Why the jail ended: the command's status from pid 1, plus cgroup events. */
struct launch_result {
	int wait_status; /* of the command (from the status pipe), else pid 1's */
	bool have_cmd_status;
	struct mpj_cg_events events;
	bool have_events;
};

/* Reap the jail's pid 1 (blocking), read the command's status and the cgroup
 * counters, tear the cgroup down.  0 or -errno. */
int launch_reap(struct mpj_launch *l, struct launch_result *ret);

/* exec's wait: forward the signals of reaper_sigset() (blocked by the
 * caller before launch_start()) to the jail's pid 1 until it exits, relay
 * the jail's pty if it has one (restoring the caller's terminal on every
 * path), then launch_reap().  0, or -errno; -ECHILD: the jail's pid 1 was
 * stopped by a signal (the tenant's uid can send it SIGSTOP, docs/threats.md
 * T41), so it was killed and reaped. */
int launch_wait(struct mpj_launch *l, struct launch_result *ret);

/* Exit code for a result: the command's code, or 128 + signal. */
int launch_exit_code(const struct launch_result *r);
/* One line: "exited with status 3", "killed by SIGKILL (OOM kill in cgroup)". */
char *launch_describe(const struct launch_result *r);

/* After a successful launch_start(), for a caller that keeps the launch for
 * the jail's lifetime (`mpjail run`): free what only the child needed (the
 * seccomp program and policy, the system files, the environment, the
 * Landlock ruleset, the connect plan, the bind fds) and give the heap's free
 * pages back (malloc_trim), so a thousand idle supervisors do not each keep
 * them (docs/design.md, "Density").  What reap, stop and the log use stays:
 * pid, pipes, cgroup, tenant, profile, identity, argv. */
void launch_shed(struct mpj_launch *l);
void launch_done(struct mpj_launch *l);

/* --timings: note the end of a parent step (no-op when off). */
void launch_step(struct mpj_launch *l, enum launch_step s);
/* --timings: one line per parent step and child stage on stderr,
 * "mpjail timing SIDE NAME MICROSECONDS", then the total (launch_reap()
 * done; steps not reached are left out). */
void launch_print_timings(const struct mpj_launch *l);

/* Child side, in launch_child.c: never returns. */
_noreturn_ void launch_child(struct mpj_launch *l);

/* "mpjail[pid STAGE]: error: DETAIL: strerror (hint: ...)" on stderr/log. */
void launch_print_failure(const struct stage_report *r);
/* Exit code for a launch_prepare() failure: 100 for configuration. */
int launch_prepare_exit_code(int err);

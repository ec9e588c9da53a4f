/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by supervise.c (generations, signals, back-off) and supervise_ctl.c
 * (the control socket's clients, verbs and the reload config test).  Not a
 * contract for anyone else: use supervise.h. */
#pragma once

#include <poll.h>

#include "base/stopclock.h"
#include "control/control.h"
#include "jail/launch.h"
#include "supervise/lasterror.h"
#include "supervise/supervise.h"

/* The config test may run this long before its jail is killed;
 * the supervisor kills the helper itself CONFIGTEST_GRACE_S later. */
#define CONFIGTEST_TIMEOUT_S 30
#define CONFIGTEST_GRACE_S 10
#define CONFIGTEST_OUTPUT_MAX (16 * 1024) /* kept for the reply body */

/* The stop timeout is --stop-timeout seconds of time the jail could run,
 * at most STOP_CAP_FACTOR times that in all. */
#define STOP_CAP_FACTOR 3

/* One run of the jail, from launch_start to launch_reap. */
struct sv_gen {
	struct mpj_launch l;
	int out;           /* the jail's stdout/stderr, or -1 */
	uint64_t started;  /* monotonic ms */
	off_t errlog_mark; /* logs/error.log's size at the start (lasterror.h) */
	uint64_t ready_deadline;
	struct stopclock stop; /* started by a stop signal: SIGKILL when due */
	bool killed;           /* the stop clock ran out: SIGKILL sent */
	bool ready;
	bool probe_queued; /* readiness: our probe connection waits in the queue */
	bool stop_killed;  /* pid 1 was found stopped and killed (T41) */
};

struct sv_client {
	int fd; /* -1: free slot */
	uid_t uid;
	pid_t pid;
	enum ctl_peer peer;
	size_t len;
	char buf[CTL_REQ_MAX + 1];
	uint64_t deadline; /* for the request line */
	bool waiting;      /* parsed; answered when its action completes */
	bool in_test;      /* waiting for the config test of its reload/restart */
	enum ctl_verb verb;
	int pidx; /* index in this round's pollfd array, or -1 */
};

/* The config test of a reload or restart, `apache2 ... -DMPJAIL_CONFIGTEST
 * -t`, run by a forked helper (own pid, so its own cgroup instance: see
 * start_configtest()). */
struct sv_test {
	pid_t pid;          /* 0: none running */
	enum ctl_verb verb; /* what it guards: CTL_RELOAD or CTL_RESTART */
	int out;            /* its output, or -1 once at EOF */
	char *buf;
	size_t len;
	bool truncated, reaped;
	int status; /* the helper's wait status, once reaped */
	uint64_t deadline;
	int pidx;
};

struct sv {
	const struct mpj_paths *paths;
	const char *tenant;
	const struct sv_options *o;
	int sigfd;
	int logfd;                     /* in the tenant's logs/, or -1 */
	int listen_fds[MPJ_MAX_PORTS]; /* held for our whole life (listeners.h) */
	bool log_full;                 /* logfd reached its cap: copying paused */
	unsigned restarts;             /* crash restarts in a row: drives the back-off */
	unsigned restarts_total;       /* generations started after the first: status */
	bool stopping;                 /* TERM/INT or `stop`: exit once the jail is gone */
	bool restart_requested;        /* `restart`: next generation at once */
	enum ctl_state state;
	char *last_exit;               /* launch_describe() of the last generation */
	char *last_error;              /* why the last failed generation failed (lasterror.h) */
	struct lasterr_line jail_last; /* the jail's output: its last line */
	unsigned ports[MPJ_MAX_PORTS];
	size_t n_ports;
	uid_t tenant_uid;
	gid_t tenant_gid;   /* status.json's group: the tenant may read it */
	struct sv_gen *gen; /* the running generation, or NULL */
	/* Scale to zero (idle.h): the tenant file's idle_stop, read at each
	 * launch; 0: always running. */
	uint64_t idle_stop_ms;
	uint64_t last_activity; /* monotonic ms: a connection was last seen */
	bool idle_stopping;     /* this generation ends for want of clients */

	struct ctl_server ctl;
	int listen_pidx;
	struct ratelimit rate;        /* the tenant's restart/reload/stop */
	struct ratelimit status_rate; /* the tenant's status requests */
	struct ratelimit refuse_log;  /* log lines strangers cause */
	struct ratelimit ctl_log;     /* log lines the tenant's requests cause */
	struct ratelimit jail_log;    /* lines of the jail's output on our stderr */
	bool jail_mid_line;           /* the jail's output: inside a line ... */
	bool jail_line_ok;            /* ... which is being copied */
	size_t jail_line_len;         /* ... of which this much went out */
	struct sv_client clients[CTL_MAX_CLIENTS];
	struct sv_test test;
};

/* Room for sigfd, the jail's output, the held listeners and everything
 * svc_fill() adds. */
#define SV_MAX_POLLFDS (2 + MPJ_MAX_PORTS + 1 + CTL_MAX_CLIENTS + 1)

/* supervise.c */
uint64_t sv_now_ms(void);
void sv_log(struct sv *s, enum log_level lvl, const char *fmt, ...) _printf_(3, 4);
/* sv_log() for a line a tenant or stranger can cause at will: at most as
 * often as rl allows; when it allows again, a line first says how many
 * were suppressed meanwhile (docs/threats.md T38). */
void sv_log_limited(struct sv *s, struct ratelimit *rl, enum log_level lvl, const char *fmt, ...)
	_printf_(4, 5);
/* Record a state change: status.json is rewritten on every change. */
void sv_set_state(struct sv *s, enum ctl_state st);
/* Begin ending the current generation with sig (bounded by stop_timeout,
 * then SIGKILL); exit_after: the supervisor exits, else a new generation
 * starts at once. */
void sv_request_stop(struct sv *s, int sig, bool exit_after);

/* supervise_ctl.c */
void svc_init(struct sv *s);
void svc_fill(struct sv *s, struct pollfd *p, size_t *n);
void svc_handle(struct sv *s, const struct pollfd *p);
/* Milliseconds until the next control deadline from now, or -1. */
int svc_timeout(const struct sv *s, uint64_t now);
void svc_tick(struct sv *s, uint64_t now);
/* After SIGCHLD: reap the config test helper if it ended. */
void svc_child(struct sv *s);
/* The generation that a `restart` asked for answers (or failed). */
void svc_restart_done(struct sv *s, int code, const char *msg);
void svc_status(struct sv *s, struct ctl_status *st);
/* Exiting: kill a config test, answer every waiting client, close all. */
void svc_finish(struct sv *s);

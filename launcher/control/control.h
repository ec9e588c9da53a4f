/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The supervisor's control socket RUN/NAME/control: a strict, versioned,
 * one-request-per-connection protocol (docs/control.md).
 *
 *   request:  "mpjail-ctl 1 VERB\n"            (at most CTL_REQ_MAX bytes)
 *   response: "OK\n" BODY  or  "ERR CODE MESSAGE\n" BODY, then close
 *
 * Who may ask is decided by SO_PEERCRED (root or the tenant's uid), never by
 * the socket's file mode, which is 0666 so that no setuid helper is needed.
 *
 * control_proto.c holds the pure parts (parsing, JSON, peer
 * decision: unit-tested and fuzzed); control.c the sockets. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "base/ratelimit.h"
#include "base/util.h"
#include "build/quota.h"
#include "cgroup/cgroup.h"

#define CTL_MAGIC "mpjail-ctl"
#define CTL_VERSION 1
#define CTL_REQ_MAX 256          /* bytes of a request, newline included */
#define CTL_READ_TIMEOUT_MS 2000 /* a silent client is dropped after this */
#define CTL_MAX_CLIENTS 8        /* connections handled at once; more get 503 */
#define CTL_BODY_MAX (64 * 1024) /* the client refuses longer responses */
#define CTL_CLIENT_TIMEOUT_S 180 /* the client gives up waiting after this */
#define CTL_SOCKET_NAME "control"
#define CTL_STATUS_NAME "status.json"
/* Where RUN/NAME appears inside the tenant's jail (launch.c binds it). */
#define CTL_JAIL_SOCKET "/run/mpjail/" CTL_SOCKET_NAME
/* Exit status of the client when no supervisor listens: LSB's "program is
 * not running", so init scripts can pass `mpjail status` through. */
#define CTL_EXIT_NOT_RUNNING 3

/* restart, reload and stop by the tenant: a token bucket of this many
 * actions, refilled one per CTL_RATE_INTERVAL_MS (5 per minute).  Root is
 * not limited: the admin and init must always be able to act. */
#define CTL_RATE_BURST 5
#define CTL_RATE_INTERVAL_MS 12000
/* status by the tenant: its own bucket, generous for scripts that poll
 * (30 back to back, then 5 a second), but a flood gets ERR 429 instead of
 * the supervisor's whole attention (docs/threats.md T38). */
#define CTL_STATUS_BURST 30
#define CTL_STATUS_INTERVAL_MS 200

enum ctl_verb {
	CTL_STATUS,
	CTL_STATUS_JSON,
	CTL_RESTART,
	CTL_RELOAD,
	CTL_STOP,
	_CTL_VERB_MAX,
};

/* Protocol error codes (HTTP's numbers where one fits, so they read
 * naturally in a message). */
enum ctl_code {
	CTL_E_BAD_REQUEST = 400,  /* malformed request line */
	CTL_E_FORBIDDEN = 403,    /* peer is neither root nor the tenant */
	CTL_E_UNKNOWN_VERB = 404, /* well-formed, but no such verb */
	CTL_E_TIMEOUT = 408,      /* no complete request within CTL_READ_TIMEOUT_MS */
	CTL_E_CONFLICT = 409,     /* not now: stopping, not running, reload in progress */
	CTL_E_TOO_LONG = 413,     /* longer than CTL_REQ_MAX */
	CTL_E_CONFIGTEST = 422,   /* reload refused: the configuration test failed */
	CTL_E_RATE = 429,         /* too many restarts/reloads/stops */
	CTL_E_INTERNAL = 500,     /* the supervisor could not do it */
	CTL_E_BUSY = 503,         /* too many connections at once */
	CTL_E_VERSION = 505,      /* protocol version not supported */
};

const char *ctl_verb_name(enum ctl_verb v);
/* -EINVAL for an unknown name. */
int ctl_verb_from_name(const char *s, enum ctl_verb *ret);
/* restart, reload, stop: change the server, rate-limited for the tenant. */
bool ctl_verb_is_action(enum ctl_verb v);

/* Parse one request of n bytes (not NUL-terminated; may contain NULs).
 * Exactly "mpjail-ctl 1 VERB\n": single spaces, nothing after the newline.
 * 0 with *ret set, or: -EMSGSIZE (n > CTL_REQ_MAX), -EBADMSG (malformed),
 * -EPROTONOSUPPORT (another version), -ENOENT (unknown verb). */
int ctl_parse_request(const char *buf, size_t n, enum ctl_verb *ret);
/* The protocol code for a parse error from ctl_parse_request(). */
enum ctl_code ctl_code_for_parse_error(int err);

/* The request line for a verb, "mpjail-ctl 1 VERB\n", into buf.  Its
 * length, or -ENOBUFS. */
int ctl_format_request(enum ctl_verb v, char *buf, size_t size);

/* Split a response's first line: "OK" gives *ret_code 0; "ERR NNN MSG"
 * gives NNN (100..999) and *ret_msg pointing at MSG inside line.  line is
 * the first line without its newline.  -EBADMSG when it is neither. */
int ctl_parse_response_line(const char *line, int *ret_code, const char **ret_msg);

/* ---- who may ask ---- */

enum ctl_peer {
	CTL_PEER_ROOT,   /* uid 0: everything, not rate-limited */
	CTL_PEER_TENANT, /* the tenant's own uid: everything, rate-limited */
	CTL_PEER_DENIED,
};
enum ctl_peer ctl_peer_check(uid_t peer, uid_t tenant_uid);

/* ---- status ---- */

enum ctl_state {
	CTL_STATE_STARTING, /* launched, port not answering yet */
	CTL_STATE_RUNNING,
	CTL_STATE_RESTARTING, /* between two generations (back-off or on request) */
	CTL_STATE_STOPPING,
	CTL_STATE_STOPPED,
	CTL_STATE_IDLE, /* scale to zero: no jail; the first connection starts one */
	_CTL_STATE_MAX,
};
const char *ctl_state_name(enum ctl_state s);

struct ctl_status {
	const char *tenant;
	enum ctl_state state;
	pid_t pid; /* host pid of the jail's pid 1; <= 0: none */
	bool have_uptime;
	uint64_t uptime_s;      /* of the current generation */
	unsigned restarts;      /* generations started after the first */
	const char *last_exit;  /* launch_describe() text, or NULL */
	const char *last_error; /* why the last failed generation failed, or NULL */
	const unsigned *ports;
	size_t n_ports;
	bool have_events; /* cgroup counters of the running jail */
	struct mpj_cg_events events;
	bool have_quota; /* the home's disk quota (a disk or inodes limit is set) */
	struct quota_usage quota;
};

/* n bytes of s made safe to print on a terminal: printable ASCII, newline,
 * tab and valid UTF-8 other than the C1 controls are kept; every other byte
 * (ESC and the rest of C0, DEL, C1, invalid UTF-8, NUL) becomes `\xNN`.
 * For text a tenant controls (the config test's output) shown to an admin.
 * Returns a new string. */
char *ctl_text_for_terminal(const char *s, size_t n);
/* The status as one JSON object and newline:
 * {"tenant","state","pid","uptime_s","restarts","last_exit","last_error","ports",
 *  "memory":{"current","max"},"tasks":{"current","max"},
 *  "disk":{"current","max"},"inodes":{"current","max"}}; null where
 * unknown or unlimited.  Returns a new string. */
char *ctl_status_json(const struct ctl_status *st);
/* The same for people, a few lines. */
char *ctl_status_text(const struct ctl_status *st);

/* ---- sockets (control.c) ---- */

struct ctl_server {
	int dir_fd;    /* RUN/NAME, O_RDONLY directory, flock()ed while we serve */
	int listen_fd; /* bound, listening, non-blocking */
	char *dir_path;
	char *sock_path;
};

/* Create RUN (0755) and RUN/NAME (root:root 0755) unless present, refusing
 * symlinks and directories owned by anyone but root or writable by others;
 * take an exclusive lock on RUN/NAME (-EBUSY: another supervisor serves this
 * tenant); replace a stale socket; bind and listen, mode 0666.  0 or -errno
 * with *diag naming the path. */
int ctl_server_open(const char *run_dir, const char *tenant, struct ctl_server *ret,
		    struct diag *diag);
/* Unlink the socket (only while we hold the lock) and close everything. */
void ctl_server_close(struct ctl_server *srv);

/* The pid of the `mpjail run` serving tenant: the holder of the flock on
 * RUN/NAME (ctl_server_open()), read from /proc/locks.  0, or -ESRCH when
 * no supervisor runs, -errno when it cannot be told. */
int ctl_supervisor_pid(const char *run_dir, const char *tenant, pid_t *ret);
/* The /proc/locks part of it: the pid of the FLOCK on the inode
 * (dev_major, dev_minor, ino) in text.  0, or -ESRCH. */
int ctl_locks_find_flock(const char *text, unsigned dev_major, unsigned dev_minor, uint64_t ino,
			 pid_t *ret);
/* Write RUN/NAME/status.json atomically (temp file, rename), root:gid
 * mode 0640: the tenant reads it (also inside its jail, where RUN/NAME is
 * /run/mpjail), other local users do not, as the socket refuses them. */
int ctl_server_write_status(const struct ctl_server *srv, const char *json, gid_t gid);

/* Accept one connection (non-blocking, close-on-exec) and read its peer's
 * credentials.  -EAGAIN when none is pending. */
int ctl_server_accept(const struct ctl_server *srv, int *ret_fd, uid_t *ret_uid, pid_t *ret_pid);

/* Send "OK\n"+body or "ERR code msg\n"+body without blocking (the socket
 * is non-blocking; responses fit the socket buffer), then nothing: the
 * caller closes.  A client that went away is not an error worth reporting. */
void ctl_reply(int fd, int code, const char *msg, const char *body);

/* Client: connect to path, send the verb, read the whole response (at most
 * CTL_BODY_MAX, waiting at most timeout_s).  *ret_code is 0 for OK or the
 * ERR code; *ret_msg the ERR message; *ret_body the rest (maybe "").
 * -ENOENT / -ECONNREFUSED: no supervisor listening; -EBADMSG: not our
 * protocol; -ETIMEDOUT. */
int ctl_request(const char *path, enum ctl_verb v, unsigned timeout_s, int *ret_code,
		char **ret_msg, char **ret_body);

/* mpjail status|restart|reload|stop, after option parsing: send verb to
 * tenant's supervisor (NULL: the tenant whose account runs this, or this
 * jail's own) and print the answer.  `cmd` names the command in messages.
 * Returns an exit code: 0, 1 refused or failed, 3 not running, 100. */
int ctl_client(const struct mpj_paths *paths, const char *cmd, enum ctl_verb verb,
	       const char *tenant);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who already listens on a tenant's port (docs/architecture.md §4:
 * "if the port is already held, `run` fails with a message that names the
 * holder").  Read-only: /proc/net/tcp{,6} for LISTEN sockets, then
 * /proc/PID/fd for the processes that hold them.  Landlock already stops the
 * jail from taking a foreign port; this tells the admin *why* its own port
 * cannot be had, before anything is created. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "base/log.h"
#include "config/model.h"

/* One LISTEN socket from /proc/net/tcp or /proc/net/tcp6. */
struct portcheck_listen {
	unsigned port;
	uint64_t inode;
	uid_t uid;     /* the socket's owner */
	char addr[48]; /* "127.0.0.1", "[::]" */
};

/* One line of /proc/net/tcp (v6 false) or tcp6 (v6 true), header excluded:
 * 1 and *ret filled for a LISTEN socket, 0 for any other state, -EINVAL when
 * the line does not have the kernel's (fixed) format. */
int portcheck_parse_line(const char *line, bool v6, struct portcheck_listen *ret);

/* All LISTEN sockets of a whole table read from f, header line first.  A
 * malformed line is -EINVAL (*ret_line = its number), never skipped: an
 * unreadable table must not look like a free port. */
int portcheck_read_table(FILE *f, bool v6, struct portcheck_listen **ret, size_t *ret_n,
			 unsigned *ret_line);

/* The inode of an fd link "socket:[12345]"; -EINVAL for any other link. */
int portcheck_parse_socket_link(const char *link, uint64_t *ret_inode);

/* A LISTEN socket on one of the ports asked about, and who holds it. */
struct portcheck_holder {
	struct portcheck_listen sock;
	char *user;         /* account name of sock.uid, or NULL */
	const char *tenant; /* the tenant whose `user` that is, or NULL (borrowed) */
	pid_t pid;          /* lowest pid with the socket open; 0: none found */
	size_t n_pids;      /* processes holding it (prefork children share it) */
	char *comm;         /* /proc/PID/comm, or NULL */
	char *cmdline;      /* /proc/PID/cmdline, NULs as spaces, or NULL */
};

/* Every LISTEN socket on ports[] in this network namespace, with its holder.
 * tenants[] (may be NULL) names the tenant owning the socket's uid.
 * 0 with *ret_n = 0 when all ports are free; -errno if /proc is unreadable. */
int portcheck_holders(const unsigned *ports, size_t n, struct mpj_tenant *const *tenants,
		      size_t n_tenants, struct portcheck_holder **ret, size_t *ret_n);
void portcheck_holders_free(struct portcheck_holder *h, size_t n);

/* Whether process pid has the socket inode open: 1, 0, or -errno. */
int portcheck_pid_holds(pid_t pid, uint64_t inode);

/* For root's terminal only (`mpjail check` and `explain`, both root-only):
 * "127.0.0.1:8080 is held by pid 4711 `python3` (`python3 -m http.server`),
 * user root (uid 0), and 2 more processes".  The command line is another
 * user's business: it may carry a password or a customer's name, and
 * root reads it even where /proc is mounted hidepid (docs/threats.md T39). */
char *portcheck_describe(const struct portcheck_holder *h);

/* For every message a tenant can read (the journal behind `systemctl
 * status`, the tenant log, control replies): "127.0.0.1:8080 is held by
 * uid 1001, pid 4711" and nothing else of the holder. */
char *portcheck_describe_brief(const struct portcheck_holder *h);

/* 0 when nobody listens on any of ports[]; -EADDRINUSE with *diag naming
 * the port and the uid and pid of the first holder found (the brief form). */
int portcheck_free(const unsigned *ports, size_t n, struct mpj_tenant *const *tenants,
		   size_t n_tenants, struct diag *diag);

/* portcheck_free() on t's ports, *diag pointing at t's ports line; whether
 * the holder is t's own account only adds a hint. */
int portcheck_tenant(const struct mpj_tenant *t, struct diag *diag);

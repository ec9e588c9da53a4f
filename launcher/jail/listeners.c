/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The held listeners of `mpjail run` (listeners.h). */
#define _GNU_SOURCE
#include "jail/listeners.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "jail/portcheck.h"

int listeners_relisten(int fd) { return listen(fd, LISTEN_BACKLOG) < 0 ? negerrno() : 0; }

void listeners_close(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		closep(&fds[i]);
}

static int bind_one(unsigned port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr = { htonl(INADDR_LOOPBACK) } };
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;

	/* SO_REUSEADDR: a new supervisor binds at once even while the last
	 * one's connections linger in TIME_WAIT.  It lets nobody else in:
	 * a listening socket conflicts with every other bind of its address,
	 * and SO_REUSEPORT (which would) is not set. */
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, LISTEN_BACKLOG) < 0)
		return negerrno();
	return TAKE_FD(fd);
}

int listeners_bind(const struct mpj_tenant *t, int fds[MPJ_MAX_PORTS], struct diag *diag)
{
	for (size_t i = 0; i < MPJ_MAX_PORTS; i++)
		fds[i] = -1;
	for (size_t i = 0; i < t->n_ports; i++) {
		int fd = bind_one(t->ports[i]);

		if (fd == -EADDRINUSE) {
			/* Name the holder: uid and pid only (portcheck_tenant()). */
			int r = portcheck_tenant(t, diag);

			if (r >= 0)
				diag_set(diag, t->file, t->ports_line,
					 "port %u is already in use (the holder has gone since)",
					 t->ports[i]);
		} else if (fd < 0)
			diag_set(diag, t->file, t->ports_line, "cannot listen on 127.0.0.1:%u: %s",
				 t->ports[i], strerror(-fd));
		if (fd < 0) {
			listeners_close(fds, i);
			return fd;
		}
		fds[i] = fd;
	}
	return 0;
}

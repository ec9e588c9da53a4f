/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mpjail-bindshim.so: LD_PRELOADed into every server `mpjail run` starts.
 * The supervisor bound the tenant's ports on the host once, holds them for
 * its whole life, and passed the listening sockets in; MPJAIL_LISTEN_FDS says which fd is which address
 * ("7=127.0.0.1:8001,8=127.0.0.1:8002").  When the server binds one of those
 * addresses, the inherited socket is dup'ed over the server's fd and bind()
 * reports success; listen() on it then only resets the backlog.  Apache 2.4
 * has no socket activation (docs/apache.md §6), hence the shim.  Any
 * other bind() goes to libc untouched. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_LISTEN 16

struct listener {
	int fd;
	struct sockaddr_in addr;
};

static struct listener listeners[MAX_LISTEN];
static int n_listeners = -1;

/* Parse once; a malformed entry is ignored: the server then binds for
 * real, and gets EADDRINUSE (the supervisor holds the port) or, in a
 * private network namespace, a socket nobody reaches: fails safe. */
static void load(void)
{
	const char *s = getenv("MPJAIL_LISTEN_FDS");

	n_listeners = 0;
	while (s && *s && n_listeners < MAX_LISTEN) {
		char item[64], *eq, *colon, *end;
		size_t k = strcspn(s, ",");
		struct listener l = { .addr = { .sin_family = AF_INET } };
		long fd, port;

		if (k < sizeof item) {
			memcpy(item, s, k);
			item[k] = '\0';
			eq = strchr(item, '=');
			colon = strrchr(item, ':');
			if (eq && colon && colon > eq) {
				*eq = *colon = '\0';
				fd = strtol(item, &end, 10);
				if (*end == '\0' && fd > 2 && fd < 1024 &&
				    inet_pton(AF_INET, eq + 1, &l.addr.sin_addr) == 1) {
					port = strtol(colon + 1, &end, 10);
					if (*end == '\0' && port > 0 && port < 65536) {
						l.fd = (int)fd;
						l.addr.sin_port = htons((uint16_t)port);
						listeners[n_listeners++] = l;
					}
				}
			}
		}
		s += k;
		if (*s == ',')
			s++;
	}
}

int bind(int sockfd, const struct sockaddr *addr, socklen_t len)
{
	static int (*real_bind)(int, const struct sockaddr *, socklen_t);

	if (!real_bind)
		real_bind =
			(int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "bind");
	if (n_listeners < 0)
		load();
	if (addr && len >= sizeof(struct sockaddr_in) && addr->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)addr;

		for (int i = 0; i < n_listeners; i++) {
			int flags;

			if (listeners[i].addr.sin_port != in->sin_port ||
			    listeners[i].addr.sin_addr.s_addr != in->sin_addr.s_addr)
				continue;
			/* Keep the server's own close-on-exec choice for its fd. */
			flags = fcntl(sockfd, F_GETFD);
			if (flags < 0 ||
			    dup3(listeners[i].fd, sockfd, (flags & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0)
				return -1;
			return 0;
		}
	}
	return real_bind(sockfd, addr, len);
}

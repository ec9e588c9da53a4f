/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Port holders from /proc (see portcheck.h).  Nothing here changes state. */
#define _GNU_SOURCE
#include "jail/portcheck.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>

#define TCP_STATE_LISTEN 0x0A /* include/net/tcp_states.h */
#define NET_TCP_MAX_LINE 4096 /* real lines are ~150 bytes */
#define CMDLINE_MAX 4096

/* Exactly len hex digits (the kernel pads with zeros) into a u32. */
static int parse_hex32(const char *s, size_t len, uint32_t *ret)
{
	uint32_t v = 0;

	if (len == 0 || len > 8)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return -EINVAL;
		v = v << 4 | d;
	}
	*ret = v;
	return 0;
}

/* "0100007F:1F90" (tcp) or 32 hex digits ":1F90" (tcp6).  The kernel prints
 * each 32-bit word of the address as the raw value in host byte order
 * (`%08X` of a __be32), so copying the words back gives network order. */
static int parse_local(const char *s, bool v6, struct portcheck_listen *ret)
{
	size_t alen = v6 ? 32 : 8;
	uint32_t words[4], port;
	char buf[INET6_ADDRSTRLEN];

	if (strlen(s) != alen + 5 || s[alen] != ':')
		return -EINVAL;
	for (size_t i = 0; i < alen / 8; i++)
		if (parse_hex32(s + 8 * i, 8, &words[i]) < 0)
			return -EINVAL;
	if (parse_hex32(s + alen + 1, 4, &port) < 0)
		return -EINVAL;
	if (v6) {
		struct in6_addr a;

		memcpy(&a, words, sizeof a);
		if (!inet_ntop(AF_INET6, &a, buf, sizeof buf))
			return -EINVAL;
		(void)snprintf(ret->addr, sizeof ret->addr, "[%s]", buf);
	} else {
		struct in_addr a;

		memcpy(&a, words, sizeof a);
		if (!inet_ntop(AF_INET, &a, buf, sizeof buf))
			return -EINVAL;
		(void)snprintf(ret->addr, sizeof ret->addr, "%s", buf);
	}
	ret->port = port;
	return 0;
}

int portcheck_parse_line(const char *line, bool v6, struct portcheck_listen *ret)
{
	/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode ... */
	enum {
		F_SL,
		F_LOCAL,
		F_REM,
		F_ST,
		F_QUEUE,
		F_TIMER,
		F_RETR,
		F_UID,
		F_TIMEOUT,
		F_INODE,
		_F_MIN
	};
	_cleanup_strv_ char **f = split_words(line);
	struct portcheck_listen l = { 0 };
	uint32_t st;
	uint64_t uid, inode;

	if (strv_length(f) < _F_MIN)
		return -EINVAL;
	if (parse_hex32(f[F_ST], strlen(f[F_ST]), &st) < 0 || strlen(f[F_ST]) != 2)
		return -EINVAL;
	if (parse_local(f[F_LOCAL], v6, &l) < 0)
		return -EINVAL;
	if (parse_u64(f[F_UID], &uid) < 0 || uid >= UINT32_MAX || parse_u64(f[F_INODE], &inode) < 0)
		return -EINVAL;
	if (st != TCP_STATE_LISTEN)
		return 0;
	l.uid = (uid_t)uid;
	l.inode = inode;
	*ret = l;
	return 1;
}

int portcheck_read_table(FILE *f, bool v6, struct portcheck_listen **ret, size_t *ret_n,
			 unsigned *ret_line)
{
	_cleanup_free_ struct portcheck_listen *v = NULL;
	_cleanup_free_ char *line = NULL;
	size_t n = 0, cap = 0, sz = 0;
	unsigned lineno = 0;
	ssize_t len;

	errno = 0;
	while ((len = getline(&line, &sz, f)) >= 0) {
		struct portcheck_listen l;
		int r;

		if (++lineno == 1)
			continue; /* "  sl  local_address rem_address ..." */
		if (len > NET_TCP_MAX_LINE)
			r = -EINVAL;
		else
			r = portcheck_parse_line(line, v6, &l);
		if (r < 0) {
			*ret_line = lineno;
			return r;
		}
		if (r == 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			v = xrealloc_array(v, cap, sizeof *v);
		}
		v[n++] = l;
	}
	if (ferror(f))
		return errno ? -errno : -EIO;
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

int portcheck_parse_socket_link(const char *link, uint64_t *ret_inode)
{
	static const char prefix[] = "socket:[";
	_cleanup_free_ char *num = NULL;
	size_t len;

	if (!startswith(link, prefix))
		return -EINVAL;
	len = strlen(link + strlen(prefix));
	if (len < 2 || link[strlen(prefix) + len - 1] != ']')
		return -EINVAL;
	num = strndup(link + strlen(prefix), len - 1);
	if (!num)
		abort();
	return parse_u64(num, ret_inode);
}

/* LISTEN sockets on the wanted ports from one table.  A missing tcp6 (IPv6
 * disabled at boot) means there are none. */
static int collect(const char *path, bool v6, const unsigned *ports, size_t n_ports,
		   struct portcheck_holder **v, size_t *n)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ struct portcheck_listen *l = NULL;
	size_t nl = 0;
	unsigned line = 0;
	int r;

	if (!f)
		return errno == ENOENT && v6 ? 0 : negerrno();
	r = portcheck_read_table(f, v6, &l, &nl, &line);
	if (r < 0)
		return r;
	for (size_t i = 0; i < nl; i++)
		for (size_t j = 0; j < n_ports; j++)
			if (l[i].port == ports[j]) {
				*v = xrealloc_array(*v, *n + 1, sizeof **v);
				(*v)[(*n)++] = (struct portcheck_holder){ .sock = l[i] };
				break;
			}
	return 0;
}

/* Up to max bytes of a /proc/PID file, NUL-terminated; longer is cut, not
 * refused (read_file_at would say -EFBIG for a long command line). */
static int read_proc_file(int pidfd, const char *name, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = openat(pidfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *buf = NULL;
	ssize_t n;

	if (fd < 0)
		return negerrno();
	buf = xmalloc(max + 1);
	n = read_full(fd, buf, max);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	*ret_len = (size_t)n;
	*ret = TAKE_PTR(buf);
	return 0;
}

/* For a message in backticks: anything unprintable, or a backtick, as '?'. */
static void sanitize(char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == '`')
			s[i] = '?';
}

/* A process's command line: arguments joined by spaces. */
static char *read_cmdline(int pidfd)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (read_proc_file(pidfd, "cmdline", CMDLINE_MAX, &buf, &len) < 0)
		return NULL;
	while (len > 0 && buf[len - 1] == '\0')
		len--;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	sanitize(buf, len);
	buf[len] = '\0';
	return len ? TAKE_PTR(buf) : NULL;
}

static char *read_comm(int pidfd)
{
	char *buf = NULL;
	size_t len = 0;

	if (read_proc_file(pidfd, "comm", 64, &buf, &len) < 0)
		return NULL;
	len = strcspn(buf, "\n");
	buf[len] = '\0';
	sanitize(buf, len);
	return buf;
}

/* Match one process's fds against the wanted inodes.  A process that exits
 * meanwhile, or whose fds we may not read, is passed over. */
/* The next socket in a /proc/PID/fd listing: true with its inode. */
static bool next_socket(DIR *d, uint64_t *ret_inode)
{
	struct dirent *de;

	while ((de = readdir(d))) {
		char link[64];
		ssize_t k = readlinkat(dirfd(d), de->d_name, link, sizeof link - 1);

		if (k <= 0)
			continue;
		link[k] = '\0';
		if (portcheck_parse_socket_link(link, ret_inode) == 0)
			return true;
	}
	return false;
}

static void scan_pid(int procfd, const char *name, pid_t pid, struct portcheck_holder *h, size_t n)
{
	_cleanup_close_ int pidfd = -1, fdfd = -1;
	uint64_t inode;
	DIR *d;

	pidfd = openat(procfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pidfd < 0)
		return;
	fdfd = openat(pidfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fdfd < 0 || !(d = fdopendir(fdfd)))
		return;
	(void)TAKE_FD(fdfd);
	while (next_socket(d, &inode)) {
		for (size_t i = 0; i < n; i++) {
			if (h[i].sock.inode != inode)
				continue;
			h[i].n_pids++;
			/* /proc lists in no promised order: keep the lowest pid,
			 * which for a prefork server is its parent. */
			if (h[i].pid == 0 || pid < h[i].pid) {
				free(h[i].comm);
				free(h[i].cmdline);
				h[i].pid = pid;
				h[i].comm = read_comm(pidfd);
				h[i].cmdline = read_cmdline(pidfd);
			}
		}
	}
	(void)closedir(d);
}

int portcheck_pid_holds(pid_t pid, uint64_t inode)
{
	char path[64];
	_cleanup_close_ int fdfd = -1;
	uint64_t i;
	DIR *d;
	int found = 0;

	(void)snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	fdfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fdfd < 0 || !(d = fdopendir(fdfd)))
		return negerrno();
	(void)TAKE_FD(fdfd);
	while (!found && next_socket(d, &i))
		found = i == inode;
	(void)closedir(d);
	return found;
}

static int find_pids(struct portcheck_holder *h, size_t n)
{
	_cleanup_close_ int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	int lfd;

	if (procfd < 0)
		return negerrno();
	lfd = openat(procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lfd < 0)
		return negerrno();
	d = fdopendir(lfd);
	if (!d) {
		int r = negerrno();

		(void)close(lfd);
		return r;
	}
	while ((de = readdir(d))) {
		unsigned pid;

		if (parse_uint_range(de->d_name, 1, INT32_MAX, &pid) < 0)
			continue;
		scan_pid(procfd, de->d_name, (pid_t)pid, h, n);
	}
	(void)closedir(d);
	return 0;
}

static void name_owner(struct portcheck_holder *h, struct mpj_tenant *const *tenants,
		       size_t n_tenants)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	/* Host NSS, before any jail exists (docs/style.md P7). */
	if (getpwuid_r(h->sock.uid, &pw, buf, sizeof buf, &res) != 0 || !res)
		return;
	h->user = xstrdup(res->pw_name);
	for (size_t i = 0; tenants && i < n_tenants; i++)
		if (tenants[i]->user && strcmp(tenants[i]->user, h->user) == 0) {
			h->tenant = tenants[i]->name;
			break;
		}
}

int portcheck_holders(const unsigned *ports, size_t n, struct mpj_tenant *const *tenants,
		      size_t n_tenants, struct portcheck_holder **ret, size_t *ret_n)
{
	struct portcheck_holder *v = NULL;
	size_t nv = 0;
	int r;

	r = collect("/proc/net/tcp", false, ports, n, &v, &nv);
	if (r >= 0)
		r = collect("/proc/net/tcp6", true, ports, n, &v, &nv);
	if (r >= 0 && nv > 0)
		r = find_pids(v, nv);
	if (r < 0) {
		portcheck_holders_free(v, nv);
		return r;
	}
	for (size_t i = 0; i < nv; i++)
		name_owner(&v[i], tenants, n_tenants);
	*ret = v;
	*ret_n = nv;
	return 0;
}

void portcheck_holders_free(struct portcheck_holder *h, size_t n)
{
	for (size_t i = 0; h && i < n; i++) {
		free(h[i].user);
		free(h[i].comm);
		free(h[i].cmdline);
	}
	free(h);
}

char *portcheck_describe(const struct portcheck_holder *h)
{
	_cleanup_free_ char *who = NULL, *owner = NULL, *more = NULL;

	if (h->pid > 0)
		who = xasprintf("pid %d `%s` (`%s`)", (int)h->pid, h->comm ?: "?",
				h->cmdline ?: "?");
	else
		/* The socket outlived every fd we could see: the kernel's own
		 * (nfsd, say), or a process in a pid namespace we cannot read. */
		who = xasprintf("no process we can see (socket inode %llu)",
				(unsigned long long)h->sock.inode);
	if (h->user)
		owner = xasprintf("user %s (uid %u)%s%s%s", h->user, (unsigned)h->sock.uid,
				  h->tenant ? ", tenant `" : "", h->tenant ?: "",
				  h->tenant ? "`" : "");
	else
		owner = xasprintf("uid %u", (unsigned)h->sock.uid);
	if (h->n_pids > 1)
		more = xasprintf(", and %zu more process%s", h->n_pids - 1,
				 h->n_pids > 2 ? "es" : "");
	return xasprintf("%s:%u is held by %s, %s%s", h->sock.addr, h->sock.port, who, owner,
			 more ?: "");
}

char *portcheck_describe_brief(const struct portcheck_holder *h)
{
	if (h->pid > 0)
		return xasprintf("%s:%u is held by uid %u, pid %d", h->sock.addr, h->sock.port,
				 (unsigned)h->sock.uid, (int)h->pid);
	return xasprintf("%s:%u is held by uid %u, no process we can see", h->sock.addr,
			 h->sock.port, (unsigned)h->sock.uid);
}

/* The diag for the first holder; own: that holder is the tenant itself.
 * Brief: these messages reach the tenant (portcheck.h). */
static int held(const struct portcheck_holder *h, const char *file, unsigned line, bool own,
		struct diag *diag)
{
	_cleanup_free_ char *what = portcheck_describe_brief(h);

	diag_set(diag, file, line, "port %u is already in use: %s%s", h->sock.port, what,
		 own ? " (is this tenant's `mpjail run` already running?)" : "");
	return -EADDRINUSE;
}

static int holders_or_diag(const unsigned *ports, size_t n, struct mpj_tenant *const *tenants,
			   size_t n_tenants, struct portcheck_holder **h, size_t *nh,
			   struct diag *diag)
{
	int r = portcheck_holders(ports, n, tenants, n_tenants, h, nh);

	if (r < 0)
		diag_set(diag, "/proc/net/tcp", 0, "cannot tell whether the ports are free: %s",
			 strerror(-r));
	return r;
}

int portcheck_free(const unsigned *ports, size_t n, struct mpj_tenant *const *tenants,
		   size_t n_tenants, struct diag *diag)
{
	struct portcheck_holder *h = NULL;
	size_t nh = 0;
	int r;

	r = holders_or_diag(ports, n, tenants, n_tenants, &h, &nh, diag);
	if (r >= 0 && nh > 0)
		r = held(&h[0], NULL, 0, false, diag);
	portcheck_holders_free(h, nh);
	return r;
}

int portcheck_tenant(const struct mpj_tenant *t, struct diag *diag)
{
	struct portcheck_holder *h = NULL;
	size_t nh = 0;
	int r;

	r = holders_or_diag(t->ports, t->n_ports, NULL, 0, &h, &nh, diag);
	if (r >= 0 && nh > 0)
		r = held(&h[0], t->file, t->ports_line,
			 h[0].user && t->user && strcmp(h[0].user, t->user) == 0, diag);
	portcheck_holders_free(h, nh);
	return r;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The jail's own terminal and the launcher's relay (pty.h, docs/threats.md T40). */
#define _GNU_SOURCE
#include "jail/pty.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "base/sys.h"
#include "base/util.h"

/* --------------------------------------------------------------- plan --- */

int pty_spec_init(struct pty_spec *s, const int stdio[3])
{
	int fds[3], tty = -1;

	*s = (struct pty_spec){ .in_fd = -1, .out_fd = -1, .sock = { -1, -1 } };
	for (int i = 0; i < 3; i++) {
		fds[i] = stdio[i] >= 0 ? stdio[i] : i;
		s->slave_fd[i] = isatty(fds[i]);
		s->on |= s->slave_fd[i];
	}
	if (!s->on)
		return 0;
	/* Output goes to stdout's terminal, else stderr's, else stdin's. */
	for (int i = 0; i < 3 && s->out_fd < 0; i++)
		if (s->slave_fd[(i + 1) % 3])
			s->out_fd = fds[(i + 1) % 3];
	/* Keys are read only by the terminal's foreground job: a background
	 * `mpjail exec ... &` would be stopped by SIGTTIN. */
	if (s->slave_fd[0] && tcgetpgrp(fds[0]) == getpgrp())
		s->in_fd = fds[0];
	tty = s->in_fd >= 0 ? s->in_fd : s->out_fd;
	if (tcgetattr(tty, &s->tio) == 0) {
		s->have_tio = true;
		/* Only output is relayed: the caller's terminal stays cooked and
		 * does the output processing, so the jail's must not as well. */
		if (s->in_fd < 0)
			s->tio.c_oflag &= ~(tcflag_t)OPOST;
	}
	if (ioctl(tty, TIOCGWINSZ, &s->ws) < 0)
		s->ws = (struct winsize){ .ws_row = 24, .ws_col = 80 };
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, s->sock) < 0) {
		int r = negerrno();

		s->sock[0] = s->sock[1] = -1;
		return r;
	}
	return 0;
}

void pty_spec_done(struct pty_spec *s)
{
	closep(&s->sock[0]);
	closep(&s->sock[1]);
}

/* -------------------------------------------------------------- child --- */

static int send_fd(int sock, int fd)
{
	char data = 'M';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u = { 0 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = u.buf,
			      .msg_controllen = sizeof u.buf };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? negerrno() : 0;
}

int pty_open_in_jail(const struct pty_spec *s, int *ret_slave)
{
	_cleanup_close_ int master = -1, slave = -1;
	int unlock = 0, hi, r;

	/* The path is the jail's: the pivot is done and /dev/pts is the devpts
	 * instance the mount plan made (mountcheck verified it). */
	master = sys_openat2(AT_FDCWD, "/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC,
			     RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (master < 0)
		return master;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return negerrno();
	/* TIOCGPTPEER: the slave of exactly this master, no path lookup. */
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return negerrno();
	if (s->have_tio && tcsetattr(slave, TCSANOW, &s->tio) < 0)
		return negerrno();
	if (ioctl(slave, TIOCSWINSZ, &s->ws) < 0)
		return negerrno();
	r = send_fd(s->sock[1], master);
	if (r < 0)
		return r;
	/* Above the fixed fds stage `fds` lays out, so nothing clobbers it. */
	hi = fcntl(slave, F_DUPFD_CLOEXEC, 64);
	if (hi < 0)
		return negerrno();
	*ret_slave = hi;
	return 0;
}

/* ----------------------------------------------------------- launcher --- */

int pty_recv_master(struct pty_spec *s, int *ret_master)
{
	char data;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u = { 0 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = u.buf,
			      .msg_controllen = sizeof u.buf };
	struct cmsghdr *c;
	_cleanup_close_ int fd = -1;
	unsigned n;
	ssize_t k;

	/* The child sent it before its uid drop, so it is queued by now. */
	k = recvmsg(s->sock[0], &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (k < 0)
		return negerrno();
	c = CMSG_FIRSTHDR(&msg);
	if (k != 1 || !c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)) || (msg.msg_flags & MSG_CTRUNC))
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	/* Only a pty master answers TIOCGPTN. */
	if (ioctl(fd, TIOCGPTN, &n) < 0)
		return -EPROTO;
	if (fcntl(fd, F_SETFL, O_NONBLOCK | O_RDWR) < 0)
		return negerrno();
	*ret_master = TAKE_FD(fd);
	return 0;
}

/* Fatal signals we do not handle in the relay loop put the caller's
 * terminal back before they take effect: a handler can only reach static
 * state.  (SIGKILL cannot be caught: `reset` is the cure then.) */
static const int fatal_signals[] = { SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ,
				     SIGPWR,  SIGSYS,    SIGSEGV, SIGBUS,  SIGFPE,
				     SIGILL,  SIGABRT,   SIGTRAP, SIGPIPE, SIGSTKFLT };
static struct sigaction saved_actions[ARRAY_SIZE(fatal_signals)];
static int restore_fd = -1;
static struct termios restore_tio;

static void restore_and_die(int sig)
{
	int e = errno;

	if (restore_fd >= 0)
		(void)tcsetattr(restore_fd, TCSADRAIN, &restore_tio);
	/* SA_RESETHAND made it SIG_DFL: delivered again on return, it kills. */
	(void)raise(sig);
	errno = e;
}

static void set_raw(struct pty_relay *r)
{
	struct termios raw = r->saved;

	cfmakeraw(&raw);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	(void)tcsetattr(r->tty_fd, TCSADRAIN, &raw);
}

void pty_relay_begin(struct pty_relay *r, const struct pty_spec *s, int master)
{
	*r = (struct pty_relay){ .master = master,
				 .in_fd = s->in_fd,
				 .out_fd = s->out_fd,
				 .tty_fd = s->in_fd >= 0 ? s->in_fd : s->out_fd };
	if (r->in_fd < 0 || tcgetattr(r->in_fd, &r->saved) < 0)
		return;
	restore_tio = r->saved;
	restore_fd = r->in_fd;
	for (size_t i = 0; i < ARRAY_SIZE(fatal_signals); i++) {
		struct sigaction sa = { .sa_handler = restore_and_die, .sa_flags = SA_RESETHAND };

		sigemptyset(&sa.sa_mask);
		(void)sigaction(fatal_signals[i], &sa, &saved_actions[i]);
	}
	r->raw = true;
	set_raw(r);
}

void pty_relay_fill(const struct pty_relay *r, struct pollfd *p)
{
	p[0] = (struct pollfd){ .fd = r->in_eof || r->up_len ? -1 : r->in_fd, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = r->master_eof ? -1 : r->master,
				.events = (short)((r->down_len ? 0 : POLLIN) |
						  (r->up_len ? POLLOUT : 0)) };
	p[2] = (struct pollfd){ .fd = r->down_len ? r->out_fd : -1, .events = POLLOUT };
	if (p[1].events == 0)
		p[1].fd = -1;
}

static void shift(char *buf, size_t *len, size_t done)
{
	memmove(buf, buf + done, *len - done);
	*len -= done;
}

void pty_relay_handle(struct pty_relay *r, const struct pollfd *p)
{
	ssize_t k;

	if (p[0].fd >= 0 && p[0].revents) {
		k = read(r->in_fd, r->up, sizeof r->up);
		if (k > 0)
			r->up_len = (size_t)k;
		else if (k == 0 || (errno != EINTR && errno != EAGAIN))
			r->in_eof = true; /* hung up: no more keys, the jail runs on */
	}
	if (p[1].fd >= 0 && (p[1].revents & POLLOUT) && r->up_len) {
		k = write(r->master, r->up, r->up_len);
		if (k > 0)
			shift(r->up, &r->up_len, (size_t)k);
		else if (k < 0 && errno != EINTR && errno != EAGAIN)
			r->up_len = 0;
	}
	if (p[1].fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) && !r->down_len) {
		k = read(r->master, r->down, sizeof r->down);
		if (k > 0)
			r->down_len = (size_t)k;
		else if (k == 0 || (errno != EINTR && errno != EAGAIN))
			r->master_eof = true; /* EIO: every slave fd is closed */
	}
	if (p[2].fd >= 0 && p[2].revents && r->down_len) {
		k = write(r->out_fd, r->down, r->down_len);
		if (k > 0)
			shift(r->down, &r->down_len, (size_t)k);
		else if (k < 0 && errno != EINTR && errno != EAGAIN) {
			r->down_len = 0; /* the caller's terminal is gone: discard */
			r->out_fd = -1;
		}
	}
}

void pty_relay_winch(const struct pty_relay *r)
{
	struct winsize ws;

	if (ioctl(r->tty_fd, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(r->master, TIOCSWINSZ, &ws);
}

void pty_relay_cont(struct pty_relay *r)
{
	if (r->raw)
		set_raw(r);
	pty_relay_winch(r);
}

void pty_relay_end(struct pty_relay *r)
{
	/* Every process of the jail is gone once its pid 1 is reaped, so the
	 * master holds all there is; non-blocking reads stop at EAGAIN even if
	 * someone outside still holds the slave. */
	if (r->out_fd >= 0 && r->down_len)
		(void)write_full(r->out_fd, r->down, r->down_len);
	r->down_len = 0;
	while (r->master >= 0 && !r->master_eof) {
		ssize_t k = read(r->master, r->down, sizeof r->down);

		if (k <= 0) {
			if (k < 0 && errno == EINTR)
				continue;
			break;
		}
		if (r->out_fd >= 0 && write_full(r->out_fd, r->down, (size_t)k) < 0)
			r->out_fd = -1;
	}
	if (r->raw) {
		(void)tcsetattr(r->tty_fd, TCSADRAIN, &r->saved);
		restore_fd = -1;
		for (size_t i = 0; i < ARRAY_SIZE(fatal_signals); i++)
			(void)sigaction(fatal_signals[i], &saved_actions[i], NULL);
		r->raw = false;
	}
	closep(&r->master);
}

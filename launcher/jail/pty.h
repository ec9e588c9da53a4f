/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `mpjail exec` from a terminal: the jail gets a terminal of its own, never
 * the caller's (docs/threats.md T40).  The tenant logs in to the host with
 * the uid the jailed command has: any fd of the caller's tty inside the jail
 * (pidfd_getfd from the host, or passed out by tenant code such as a
 * .bashrc) would let it read what the admin types after exec returns.  So a
 * pty is opened in the jail's own devpts instance, its master is sent out to
 * the launcher, and the launcher (root, outside) relays between it and the
 * caller's terminal, as `sudo` with use_pty and `machinectl shell` do. */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <termios.h>

/* The jail's devpts instance: at most this many ptys (the host's pool,
 * kernel.pty.max, is shared by every tenant). */
#define PTY_JAIL_MAX "16"

/* Decided by the caller before the clone, read by the child. */
struct pty_spec {
	bool on;          /* a pty is made in the jail's devpts */
	bool slave_fd[3]; /* stdio fds that get its slave: the caller's were terminals */
	bool have_tio;    /* the caller's terminal settings, copied to the new pty */
	struct termios tio;
	struct winsize ws;
	int in_fd;   /* the caller's terminal we read keys from (0), or -1 */
	int out_fd;  /* the caller's terminal the jail's output goes to */
	int sock[2]; /* [0] launcher, [1] child: the master, by SCM_RIGHTS */
};

/* Caller, after choosing the jail's stdio (stdio[i] >= 0: that fd, -1: the
 * caller's own fd i): if any of them is a terminal, plan a pty for each
 * that is and make the socket pair.  0 or -errno. */
int pty_spec_init(struct pty_spec *s, const int stdio[3]);
void pty_spec_done(struct pty_spec *s);

/* Child, still root, after the pivot: a pty from /dev/pts/ptmx (the jail's
 * own devpts), the caller's settings applied, the master sent to the
 * launcher and closed here.  The slave (close-on-exec, fd >= 64) in
 * *ret_slave.  0 or -errno. */
int pty_open_in_jail(const struct pty_spec *s, int *ret_slave);

/* Launcher, once the command has exec'd: the master the child sent,
 * checked to be a pty master, non-blocking.  0 or -errno. */
int pty_recv_master(struct pty_spec *s, int *ret_master);

/* The relay between the caller's terminal and the master. */
struct pty_relay {
	int master, in_fd, out_fd, tty_fd; /* tty_fd: the one whose mode/size we read */
	bool raw;                          /* tty_fd is in raw mode: restore `saved` */
	struct termios saved;
	bool in_eof, master_eof;
	size_t up_len, down_len;
	char up[4096];   /* caller -> master */
	char down[4096]; /* master -> caller */
};

#define PTY_RELAY_POLLFDS 3

/* Raw mode on the caller's terminal when we read keys from it (and only
 * when we are its foreground job), fatal signals made to restore it.
 * Takes the master. */
void pty_relay_begin(struct pty_relay *r, const struct pty_spec *s, int master);
/* PTY_RELAY_POLLFDS entries (fd -1 where idle). */
void pty_relay_fill(const struct pty_relay *r, struct pollfd *p);
void pty_relay_handle(struct pty_relay *r, const struct pollfd *p);
/* SIGWINCH: the caller's window size to the jail's pty (the kernel then
 * signals the jail's foreground job). */
void pty_relay_winch(const struct pty_relay *r);
/* SIGCONT: raw again (the shell restored its own mode while we were stopped). */
void pty_relay_cont(struct pty_relay *r);
/* The jail is gone: copy what is left in the master, restore the caller's
 * terminal and signal dispositions, close the master.  Every exit path. */
void pty_relay_end(struct pty_relay *r);

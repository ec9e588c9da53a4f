/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Syscall attacks: one per entry of mpjail's default deny list (docs/threats.md
 * §3.1-3.4).  Each issues the attacker's call with arguments the kernel
 * rejects after the privilege or filter check: invalid pointers, fd -1,
 * impossible flags.  So EFAULT/EBADF/EINVAL mean "reached the kernel"
 * (ESCAPED), EPERM/EACCES/ENOSYS mean "refused in front of it" (BLOCKED),
 * and nothing is ever changed even when a call gets through.  Calls whose
 * success would change the caller (namespaces, personality) run in a
 * forked child, as do all the others, so a killing filter costs a child. */
#define _GNU_SOURCE
#include "probe.h"

#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/quota.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#define OPEN_TREE_CLONE_ 1         /* <linux/mount.h> clashes with <sys/mount.h> */
#define KEXEC_ARCH_ARM_ (40 << 16) /* not this machine: EINVAL before any load */
#define KCMP_TYPE_INVALID 99
#define KEYCTL_JOIN_SESSION_KEYRING_ 1
#define KEY_SPEC_PROCESS_KEYRING_ (-2)
#define SYSLOG_ACTION_READ_ALL 3
#define PID_NEVER 0x3fffffff /* above PID_MAX_LIMIT (4M) */
#ifndef SOCK_DCCP
#define SOCK_DCCP 6
#endif
#ifndef IPPROTO_L2TP
#define IPPROTO_L2TP 115
#endif
#define IPPROTO_SMC_ 256 /* AF_INET SMC (Linux 6.11) */

/* Namespace clones: the raw syscall with a NULL stack forks; the new child
 * leaves at once, and the caller (itself a throw-away child) reaps it. */
static long clone_flags(unsigned long flags)
{
	long r = syscall(SYS_clone, flags | SIGCHLD, 0, NULL, NULL, 0);
	if (r == 0)
		_exit(0);
	if (r > 0) {
		int e = errno;
		(void)waitpid((pid_t)r, NULL, 0);
		errno = e;
	}
	return r;
}

/* clang-format off */
static long a_mount(void) { return syscall(SYS_mount, BAD_PTR, BAD_PTR, BAD_PTR, 0UL, BAD_PTR); }
static long a_umount2(void) { return syscall(SYS_umount2, BAD_PTR, 0); }
static long a_pivot_root(void) { return syscall(SYS_pivot_root, BAD_PTR, BAD_PTR); }
static long a_chroot(void) { return syscall(SYS_chroot, BAD_PTR); }
static long a_setns(void) { return syscall(SYS_setns, -1, 0); }
static long a_unshare(void) { return syscall(SYS_unshare, CLONE_NEWUSER); }
static long a_clone_newuser(void) { return clone_flags(CLONE_NEWUSER); }
static long a_clone_newns(void) { return clone_flags(CLONE_NEWNS); }
static long a_clone_newnet(void) { return clone_flags(CLONE_NEWNET); }
static long a_clone3(void) { return syscall(SYS_clone3, BAD_PTR, sizeof(struct clone_args)); }
static long a_fsopen(void) { return syscall(SYS_fsopen, BAD_PTR, 0); }
static long a_fsconfig(void) { return syscall(SYS_fsconfig, -1, 0, BAD_PTR, NULL, 0); }
static long a_fsmount(void) { return syscall(SYS_fsmount, -1, 0, 0); }
static long a_fspick(void) { return syscall(SYS_fspick, -1, BAD_PTR, 0); }
static long a_move_mount(void) { return syscall(SYS_move_mount, -1, BAD_PTR, -1, BAD_PTR, 0); }
static long a_open_tree(void) { return syscall(SYS_open_tree, -1, BAD_PTR, OPEN_TREE_CLONE_); }
static long a_mount_setattr(void) { return syscall(SYS_mount_setattr, -1, BAD_PTR, 0, BAD_PTR, 32); }
static long a_open_by_handle_at(void) { return syscall(SYS_open_by_handle_at, -1, BAD_PTR, O_RDONLY); }
static long a_name_to_handle_at(void)
{
	return syscall(SYS_name_to_handle_at, -1, BAD_PTR, BAD_PTR, BAD_PTR, 0);
}
static long a_ptrace(void) { return syscall(SYS_ptrace, PTRACE_ATTACH, PID_NEVER, NULL, NULL); }
static long a_process_vm_readv(void)
{
	return syscall(SYS_process_vm_readv, getppid(), BAD_PTR, 1, BAD_PTR, 1, 0);
}
static long a_process_vm_writev(void)
{
	/* The local iovec is unreadable: nothing can be written anywhere. */
	return syscall(SYS_process_vm_writev, getppid(), BAD_PTR, 1, BAD_PTR, 1, 0);
}
static long a_process_madvise(void) { return syscall(SYS_process_madvise, -1, BAD_PTR, 1, 0, 0); }
static long a_kcmp(void) { return syscall(SYS_kcmp, getpid(), getpid(), KCMP_TYPE_INVALID, 0, 0); }
static long a_pidfd_getfd(void) { return syscall(SYS_pidfd_getfd, -1, 0, 0); }
static long a_bpf(void) { return syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, BAD_PTR, 64); }
static long a_perf_event_open(void) { return syscall(SYS_perf_event_open, BAD_PTR, 0, -1, -1, 0); }
/* UFFD_USER_MODE_ONLY is the variant vm.unprivileged_userfaultfd=0 allows. */
static long a_userfaultfd(void) { return syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY); }
static long a_io_uring_setup(void) { return syscall(SYS_io_uring_setup, 1, BAD_PTR); }
static long a_io_uring_enter(void) { return syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0); }
static long a_io_uring_register(void) { return syscall(SYS_io_uring_register, -1, 0, NULL, 0); }
static long a_keyctl(void) { return syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING_, BAD_PTR); }
static long a_add_key(void)
{
	return syscall(SYS_add_key, BAD_PTR, BAD_PTR, NULL, 0, KEY_SPEC_PROCESS_KEYRING_);
}
static long a_request_key(void) { return syscall(SYS_request_key, BAD_PTR, BAD_PTR, NULL, 0); }
static long a_init_module(void) { return syscall(SYS_init_module, BAD_PTR, 4096, BAD_PTR); }
/* fd -1: EPERM is the privilege check; EBADF means it was passed. */
static long a_finit_module(void) { return syscall(SYS_finit_module, -1, "", 0); }
static long a_delete_module(void) { return syscall(SYS_delete_module, BAD_PTR, 0); }
static long a_kexec_load(void) { return syscall(SYS_kexec_load, 0, 1, BAD_PTR, KEXEC_ARCH_ARM_); }
/* An unknown flag bit, never KEXEC_FILE_UNLOAD: EINVAL before anything. */
static long a_kexec_file_load(void) { return syscall(SYS_kexec_file_load, -1, -1, 0, NULL, 1UL << 31); }
static long a_reboot(void) { return syscall(SYS_reboot, 0, 0, 0, NULL); } /* wrong magic */
static long a_swapon(void) { return syscall(SYS_swapon, BAD_PTR, 0); }
static long a_swapoff(void) { return syscall(SYS_swapoff, BAD_PTR); }
static long a_acct(void) { return syscall(SYS_acct, BAD_PTR); } /* never NULL: that stops accounting */
static long a_quotactl(void) { return syscall(SYS_quotactl, QCMD(Q_GETINFO, USRQUOTA), BAD_PTR, 0, BAD_PTR); }
static long a_syslog(void) { return syscall(SYS_syslog, SYSLOG_ACTION_READ_ALL, BAD_PTR, 16); }
static long a_settimeofday(void) { return syscall(SYS_settimeofday, BAD_PTR, NULL); }
static long a_clock_settime(void) { return syscall(SYS_clock_settime, CLOCK_REALTIME, BAD_PTR); }
static long a_clock_adjtime(void) { return syscall(SYS_clock_adjtime, CLOCK_REALTIME, BAD_PTR); }
static long a_adjtimex(void) { return syscall(SYS_adjtimex, BAD_PTR); }
static long a_vhangup(void)
{
	/* Without a controlling terminal a permitted vhangup hangs up nothing:
	 * the admin's terminal of a probe run by hand is safe. */
	(void)setsid();
	return syscall(SYS_vhangup);
}
static long a_sethostname(void) { return syscall(SYS_sethostname, BAD_PTR, 4); }
static long a_setdomainname(void) { return syscall(SYS_setdomainname, BAD_PTR, 4); }
static long a_iopl(void) { return syscall(SYS_iopl, 4); } /* level > 3: EINVAL */
static long a_ioperm(void) { return syscall(SYS_ioperm, 0, 0, 1); } /* empty range: EINVAL */
static long a_personality(void) { return syscall(SYS_personality, READ_IMPLIES_EXEC); }
static long a_mknod(void) { return syscall(SYS_mknod, BAD_PTR, S_IFCHR | 0600, makedev(1, 1)); }
static long a_mknodat(void)
{
	return syscall(SYS_mknodat, AT_FDCWD, BAD_PTR, S_IFBLK | 0600, makedev(8, 0));
}
static long a_socket_mptcp(void) { return socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP); }
static long a_socket_sctp(void) { return socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP); }
static long a_socket_packet(void) { return socket(AF_PACKET, SOCK_RAW, 0); }
static long a_socket_raw(void) { return socket(AF_INET, SOCK_RAW, IPPROTO_ICMP); }
static long a_socket_netlink(void) { return socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT); }
/* Rare types and protocols of the allowed families: each would autoload a
 * module (DCCP: CVE-2017-6074) or gets around Landlock's TCP rules. */
static long a_socket_dccp(void) { return socket(AF_INET, SOCK_DCCP | SOCK_CLOEXEC, IPPROTO_DCCP); }
static long a_socket6_dccp(void) { return socket(AF_INET6, SOCK_DCCP, IPPROTO_DCCP); }
static long a_socket_inet_packet(void) { return socket(AF_INET, SOCK_PACKET, 0); }
static long a_socket6_sctp_seqpacket(void) { return socket(AF_INET6, SOCK_SEQPACKET, IPPROTO_SCTP); }
static long a_socket_udplite(void) { return socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE); }
static long a_socket_l2tp(void) { return socket(AF_INET, SOCK_DGRAM, IPPROTO_L2TP); }
static long a_socket_icmp_dgram(void) { return socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP); }
static long a_socket_smc(void) { return socket(AF_INET, SOCK_STREAM, IPPROTO_SMC_); }
static long a_socket_stream_udp(void) { return socket(AF_INET, SOCK_STREAM, IPPROTO_UDP); }
static long a_socket_unix_raw(void) { return socket(AF_UNIX, SOCK_RAW, 0); }
static long a_socket_mptcp_hi32(void) { return syscall(SYS_socket, AF_INET, SOCK_STREAM, IPPROTO_MPTCP | (1L << 32)); }
/* clang-format on */
static long a_socketpair_dccp(void)
{
	int sv[2];
	return socketpair(AF_INET, SOCK_DCCP, IPPROTO_DCCP, sv);
}
static long a_socketpair_packet(void)
{
	int sv[2];
	return socketpair(AF_PACKET, SOCK_RAW, 0, sv);
}

/* Every address family outside the jail's allow-list (docs/threats.md T23): a
 * socket() that reaches the kernel may load the family's module. */
static const int families_allowed[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };

static void families_child(struct child_result *res, void *arg)
{
	unsigned tried = 0, reached = 0;

	(void)arg;
	for (int af = 0; af < AF_MAX; af++) {
		bool allowed = false;
		int fd;

		for (size_t i = 0; i < ARRAY_SIZE(families_allowed); i++)
			allowed |= af == families_allowed[i];
		if (allowed)
			continue;
		tried++;
		fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd >= 0)
			(void)close(fd);
		else if (errno == EPERM || errno == EACCES || errno == ENOSYS)
			continue;
		reached++;
		(void)snprintf(res->detail + strlen(res->detail),
			       sizeof(res->detail) - strlen(res->detail), "%d ", af);
	}
	res->ret = reached;
	res->err = (int)tried;
}

static void run_socket_families(const struct attack *a)
{
	struct child_result res;
	int sig = 0;
	int r = run_in_child(families_child, NULL, &res, &sig);

	if (r == -ECHILD && sig == SIGSYS)
		report(a->name, VERDICT_BLOCKED, "killed by SIGSYS");
	else if (r < 0)
		report(a->name, VERDICT_SKIPPED, "cannot run the attempt: %s", errno_name(-r));
	else if (res.ret > 0)
		report(a->name, VERDICT_ESCAPED, "%ld of %d families reached the kernel: %s",
		       res.ret, res.err, res.detail);
	else
		report(a->name, VERDICT_BLOCKED, "all %d families refused", res.err);
}

struct sys_spec {
	long (*call)(void);
	bool enosys_only;
};

static void sys_child(struct child_result *res, void *arg)
{
	const struct sys_spec *s = arg;

	errno = 0;
	res->ret = s->call();
	res->err = res->ret < 0 ? errno : 0;
}

static void run_sys(const struct attack *a)
{
	const struct sys_spec *s = a->data;
	struct child_result res;
	int sig = 0;
	int r = run_in_child(sys_child, (void *)s, &res, &sig);

	if (r == -ECHILD && sig == SIGSYS)
		report(a->name, VERDICT_BLOCKED, "killed by SIGSYS");
	else if (r == -ECHILD)
		report(a->name, VERDICT_ESCAPED, "child died by SIG%s: reached the kernel?",
		       sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	else if (r < 0)
		report(a->name, VERDICT_SKIPPED, "cannot run the attempt: %s", errno_name(-r));
	else
		judge_call(a->name, res.ret, res.err, s->enosys_only);
}

/* clang-format off */
#define SYS(name_, ...) \
	{ #name_, run_sys, &(const struct sys_spec){ a_##name_, __VA_ARGS__ } }
/* clang-format on */

const struct attack sys_attacks[] = {
	/* mounts and the root (docs/threats.md T1, T10) */
	SYS(mount),
	SYS(umount2),
	SYS(pivot_root),
	SYS(chroot),
	SYS(fsopen),
	SYS(fsconfig),
	SYS(fsmount),
	SYS(fspick),
	SYS(move_mount),
	SYS(open_tree),
	SYS(mount_setattr),
	/* namespaces (docs/threats.md T20) */
	SYS(setns),
	SYS(unshare),
	SYS(clone_newuser),
	SYS(clone_newns),
	SYS(clone_newnet),
	SYS(clone3, true),
	/* shocker (9) */
	SYS(open_by_handle_at),
	SYS(name_to_handle_at),
	/* other processes (12) */
	SYS(ptrace),
	SYS(process_vm_readv),
	SYS(process_vm_writev),
	SYS(process_madvise),
	SYS(kcmp),
	SYS(pidfd_getfd),
	/* kernel attack surface (21, 22) */
	SYS(bpf),
	SYS(perf_event_open),
	SYS(userfaultfd),
	SYS(io_uring_setup),
	SYS(io_uring_enter),
	SYS(io_uring_register),
	SYS(keyctl),
	SYS(add_key),
	SYS(request_key),
	/* modules and administration (23, 26, 27) */
	SYS(init_module),
	SYS(finit_module),
	SYS(delete_module),
	SYS(kexec_load),
	SYS(kexec_file_load),
	SYS(reboot),
	SYS(swapon),
	SYS(swapoff),
	SYS(acct),
	SYS(quotactl),
	SYS(syslog),
	SYS(settimeofday),
	SYS(clock_settime),
	SYS(clock_adjtime),
	SYS(adjtimex),
	SYS(vhangup),
	SYS(sethostname),
	SYS(setdomainname),
	SYS(iopl),
	SYS(ioperm),
	SYS(personality),
	/* device nodes (8) */
	SYS(mknod),
	SYS(mknodat),
	/* sockets: ports and sniffing (18, 19, 23) */
	SYS(socket_mptcp),
	SYS(socket_sctp),
	SYS(socket_packet),
	SYS(socket_raw),
	SYS(socket_netlink),
	SYS(socketpair_packet),
	SYS(socket_dccp),
	SYS(socket6_dccp),
	SYS(socket_inet_packet),
	SYS(socket6_sctp_seqpacket),
	SYS(socket_udplite),
	SYS(socket_l2tp),
	SYS(socket_icmp_dgram),
	SYS(socket_smc),
	SYS(socket_stream_udp),
	SYS(socket_unix_raw),
	SYS(socket_mptcp_hi32),
	SYS(socketpair_dccp),
	{ "socket_families", run_socket_families, NULL },
};
const size_t sys_attacks_len = ARRAY_SIZE(sys_attacks);

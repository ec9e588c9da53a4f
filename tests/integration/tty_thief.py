# SPDX-License-Identifier: GPL-2.0-or-later
# The tenant's host login trying to get the admin's terminal
# (tests/integration/hostlogin.sh, docs/threats.md T40).  Runs with the
# tenant's uid on the host, beside a jailed command started by
# `mpjail exec` from a terminal:
#   - accepts one connection on SOCK (a unix socket in the tenant's home)
#     over which tenant code in the jail passes its fds 0, 1, 2 out;
#   - then takes every fd of every process of its uid with pidfd_getfd.
# For each terminal fd obtained prints "TTY HOW DEV:RDEV" (HOW is `passed`
# or `pidfd:PID:FD`), and "PIDFD_GETFD n" (how many fds it could take at
# all), then creates DONE.
# usage: tty_thief.py SOCK DONE
import ctypes
import os
import socket
import sys
import termios

SYS_pidfd_open, SYS_pidfd_getfd = 434, 438
libc = ctypes.CDLL(None, use_errno=True)
sock_path, done = sys.argv[1], sys.argv[2]


def is_tty(fd):
    try:
        termios.tcgetattr(fd)
        return True
    except termios.error:
        return False


def report(how, fd):
    if is_tty(fd):
        st = os.fstat(fd)
        print(f"TTY {how} {st.st_dev}:{st.st_rdev}", flush=True)


srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock_path)
os.chmod(sock_path, 0o600)
srv.listen(1)
srv.settimeout(30)
try:
    conn, _ = srv.accept()
    _, fds, _, _ = socket.recv_fds(conn, 16, 8)
    for fd in fds:
        report("passed", fd)
        os.close(fd)
    conn.close()
except socket.timeout:
    print("NOCONN", flush=True)

taken = 0
me = os.getpid()
for name in os.listdir("/proc"):
    if not name.isdigit() or int(name) == me:
        continue
    pid = int(name)
    try:
        if os.stat(f"/proc/{pid}").st_uid != os.getuid():
            continue
        fds = [int(x) for x in os.listdir(f"/proc/{pid}/fd")]
    except OSError:
        fds = list(range(8))  # not listable (pid 1 is not dumpable): try anyway
    pidfd = libc.syscall(SYS_pidfd_open, pid, 0)
    if pidfd < 0:
        continue
    for target in fds:
        fd = libc.syscall(SYS_pidfd_getfd, pidfd, target, 0)
        if fd < 0:
            continue
        taken += 1
        report(f"pidfd:{pid}:{target}", fd)
        os.close(fd)
    os.close(pidfd)
print(f"PIDFD_GETFD {taken}", flush=True)
open(done, "w").close()

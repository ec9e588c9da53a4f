# SPDX-License-Identifier: GPL-2.0-or-later
# Run a command (mpjail exec) on a fresh pty, as an admin at a terminal
# would (tests/integration/tty.sh, docs/threats.md T40).  The pty's slave is
# the command's controlling terminal and, by default, its stdin, stdout and
# stderr.
#   ptyrun.py [--stdin-null] [--input TEXT] [--winch ROWSxCOLS] -- CMD...
# Once the output holds a line READY, TEXT is typed (and the window resized
# first if asked).  Prints, besides the output ("OUT " lines, \r removed):
#   CALLER_TTY DEV:RDEV     the pty the command was given (st_dev:st_rdev)
#   RAW_DURING yes|no       was the terminal in raw mode while READY showed
#   RESTORED yes|no         are its settings after the exit those from before
#   EXIT N                  the command's exit status (128+N for a signal)
import fcntl
import os
import select
import struct
import sys
import termios
import time

args = sys.argv[1:]
stdin_null, text, winch = False, None, None
while args and args[0] != "--":
    if args[0] == "--stdin-null":
        stdin_null = True
        args = args[1:]
    elif args[0] == "--input":
        text, args = args[1], args[2:]
    elif args[0] == "--winch":
        winch, args = [int(x) for x in args[1].split("x")], args[2:]
    else:
        sys.exit(f"ptyrun.py: unknown option {args[0]}")
cmd = args[1:]

master, slave = os.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
before = termios.tcgetattr(slave)
st = os.fstat(slave)
print(f"CALLER_TTY {st.st_dev}:{st.st_rdev}", flush=True)

pid = os.fork()
if pid == 0:
    os.close(master)
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    if stdin_null:
        os.dup2(os.open("/dev/null", os.O_RDONLY), 0)
    else:
        os.dup2(slave, 0)
    os.dup2(slave, 1)
    os.dup2(slave, 2)
    if slave > 2:
        os.close(slave)
    os.execvp(cmd[0], cmd)

out = b""
typed = False
raw_during = "unknown"
deadline = time.monotonic() + 60
status = None
while time.monotonic() < deadline:
    r, _, _ = select.select([master], [], [], 0.1)
    if r:
        try:
            data = os.read(master, 4096)
        except OSError:
            data = b""
        out += data
    if not typed and b"READY" in out:
        typed = True
        a = termios.tcgetattr(slave)
        raw = not (a[3] & termios.ICANON) and not (a[3] & termios.ECHO)
        raw_during = "yes" if raw else "no"
        if winch:
            fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", winch[0], winch[1], 0, 0))
            time.sleep(0.3)
        if text is not None:
            os.write(master, text.encode())
    if status is None:
        p, s = os.waitpid(pid, os.WNOHANG)
        if p == pid:
            status = s
    if status is not None and not r:
        break
if status is None:
    os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
after = termios.tcgetattr(slave)
for line in out.decode(errors="replace").replace("\r", "").splitlines():
    print("OUT", line)
print("RAW_DURING", raw_during)
print("RESTORED", "yes" if after == before else "no")
print("EXIT", os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))

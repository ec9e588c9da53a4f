# SPDX-License-Identifier: GPL-2.0-or-later
# The hostile tenant of tests/integration/race.sh (docs/threats.md T6).
# Runs with the tenant's uid on the host, in the tenant's home, until the
# file STOP exists or DEADLINE (seconds) passes, and keeps the skeleton's
# names in motion while root runs `mpjail build`:
#   - renameat2(RENAME_EXCHANGE) of a skeleton directory with a symlink to
#     /etc, another tenant's home, a root-owned canary or copy target;
#   - symlinks and FIFOs planted at skeleton file names;
#   - hard links to root's files (planted for us in .hl-*, as a host with
#     fs.protected_hardlinks=0 would allow) moved to skeleton file names;
#   - everything deleted again often, so every build has copying to do.
# usage: race_tenant.py STOP DEADLINE TARGET...
# Prints "swaps N fifos N links N clears N" at the end.
import ctypes
import os
import random
import shutil
import sys
import time

AT_FDCWD = -100
RENAME_EXCHANGE = 2
libc = ctypes.CDLL(None, use_errno=True)
libc.renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                           ctypes.c_uint]

DIRS = ["htdocs", "perl", "logs", "conf", "perl/Mpjail"]
FILES = ["htdocs/index.html", "perl/startup.pl", "perl/Mpjail/Hello.pm",
         "perl/Mpjail/DB.pm", "logs/.keep", "logs/mpjail.log", "conf/README"]


def exchange(a, b):
    return libc.renameat2(AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), RENAME_EXCHANGE) == 0


def remove(path):
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)  # fd-based: never follows a symlink
        else:
            os.unlink(path)
    except OSError:
        pass


def main():
    stop, deadline, targets = sys.argv[1], time.time() + float(sys.argv[2]), sys.argv[3:]
    hardlinks = sorted(n for n in os.listdir(".") if n.startswith(".hl-"))
    stats = {"swaps": 0, "fifos": 0, "links": 0, "clears": 0}
    rnd = random.Random(os.getpid())
    n = 0
    while not os.path.exists(stop) and time.time() < deadline:
        n += 1
        d = rnd.choice(DIRS)
        link = ".sw-" + d.replace("/", "_")
        remove(link)
        try:
            os.symlink(rnd.choice(targets), link)
            if os.path.isdir(d) and not os.path.islink(d):
                # The directory and the symlink trade places atomically;
                # after a short while they trade back.
                if exchange(d, link):
                    stats["swaps"] += 1
                    time.sleep(rnd.random() * 0.002)
                    exchange(d, link)
            else:
                os.rename(link, d)  # missing, or a symlink: replaced
                stats["swaps"] += 1
        except OSError:
            pass
        f = rnd.choice(FILES)
        try:
            kind = rnd.randrange(3)
            if kind == 0:
                os.mkfifo(f + ".tmp", 0o600)
                os.rename(f + ".tmp", f)
                stats["fifos"] += 1
            elif kind == 1 and hardlinks:
                # Move root's file in, then back out (it must survive).
                h = rnd.choice(hardlinks)
                os.rename(h, f)
                time.sleep(rnd.random() * 0.002)
                os.rename(f, h)
                stats["links"] += 1
            else:
                os.symlink(rnd.choice(targets) + "/" + os.path.basename(f), f + ".tmp")
                os.rename(f + ".tmp", f)
                stats["swaps"] += 1
        except OSError:
            pass
        if n % 7 == 0:
            # Clear the home (our own entries only) so the next build copies.
            for name in os.listdir("."):
                if not name.startswith(".hl-"):
                    remove(name)
            stats["clears"] += 1
    # Leave root's hard-linked files where root can check them.
    print(" ".join("%s %d" % kv for kv in stats.items()))


main()

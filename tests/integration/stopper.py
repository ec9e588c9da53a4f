# SPDX-License-Identifier: GPL-2.0-or-later
# The tenant's host login freezing its own jails (tests/integration/
# hostlogin.sh, docs/threats.md T41): with the tenant's uid, SIGSTOP every
# process it may signal, as fast as it can, until the file STOP exists or
# SECONDS pass.  It reaches the jail's processes from the moment they drop
# to the tenant's uid, before their exec included.
# usage: stopper.py STOP SECONDS        Prints "stops N" at the end.
import os
import signal
import sys
import time

stop, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
n = 0
while time.monotonic() < deadline and not os.path.exists(stop):
    for _ in range(100):
        try:
            os.kill(-1, signal.SIGSTOP)  # every process of our uid but us
            n += 1
        except ProcessLookupError:
            pass
print("stops", n, flush=True)

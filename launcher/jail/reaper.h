/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The jail's pid 1: a tiny init that forwards signals to the command, reaps
 * orphans of tenant code, and exits with the command's status (bwrap do_init,
 * minijail init).  pid 1 only receives signals it handles, so it must. */
#pragma once

#include <signal.h>
#include <sys/types.h>

#include "base/util.h"

/* Signals forwarded from the supervisor through pid 1 to the command. */
extern const int reaper_forwarded[];
extern const size_t reaper_forwarded_len;
void reaper_sigset(sigset_t *set); /* forwarded + SIGCHLD */

/* Never returns: wait for `child`, write its raw wait status (an int) to
 * status_fd, exit with its code or 128 + signal.  EOF on lifeline_fd (the
 * launcher died, even by SIGKILL) ends pid 1 and with it the namespace. */
_noreturn_ void reaper_run(pid_t child, int status_fd, int lifeline_fd);

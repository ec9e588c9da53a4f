/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The light pid 1 of a supervised jail: mpjail-init (launcher/init/init.c),
 * embedded in mpjail and handed to the jail as a sealed memfd.  A memory
 * saving, not a security step: where it cannot be used, pid 1 stays the
 * in-process reaper (jail/reaper.h) with the same behaviour (docs/design.md,
 * "Light pid 1"). */
#pragma once

#include <sys/types.h>

#include "base/util.h"

/* A memfd holding mpjail-init: close-on-exec, sealed against every change,
 * mode 0111 (root's; the tenant may run it but not read it, so the exec
 * leaves the process non-dumpable).  -ENOSYS where this architecture has no
 * mpjail-init; other -errno from the kernel (e.g. vm.memfd_noexec = 2). */
int lightinit_memfd(void);

/* In pid 1, once the command has exec'd: become mpjail-init for `child`,
 * keeping status_fd and lifeline_fd (made inheritable here).  Returns
 * -errno only when neither execveat() nor execve() of /proc/self/fd/N
 * worked; nothing has changed then but those two fds' close-on-exec flag. */
int lightinit_exec(int init_fd, pid_t child, int status_fd, int lifeline_fd);

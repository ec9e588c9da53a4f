/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Read the jail's mount table back (base/mountinfo.h) and fail closed if any
 * mount lacks a required flag, is shared with another namespace, is missing,
 * or was not planned (docs/style.md P8: verify, don't trust). */
#pragma once

#include "jail/mounts.h"

/* Check /proc/self/mountinfo (after the pivot) against the plan.
 * 0 or -errno; `detail` names the offending mount and what is wrong. */
int mountcheck_verify(const char *mountinfo, const struct mount_op *ops, size_t n, char *detail,
		      size_t dn);

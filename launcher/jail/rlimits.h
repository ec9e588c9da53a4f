/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rlimits: a per-process backstop under the cgroup limits, set by the child
 * while still privileged so the hard values are exact (docs/style.md L9). */
#pragma once

#include <stdbool.h>
#include <sys/resource.h>

#include "config/model.h"

/* Parent: the profile's rlimits, the tenant's nofile/tasks on top, and the
 * limits mpjail always enforces (core 0, rtprio 0). */
void rlimits_compute(const struct mpj_profile *p, const struct mpj_tenant *t,
		     struct rlimit out[RLIM_NLIMITS], bool set[RLIM_NLIMITS]);
/* Child: setrlimit each; on failure *ret_resource names the resource. */
int rlimits_apply(const struct rlimit rl[RLIM_NLIMITS], const bool set[RLIM_NLIMITS],
		  int *ret_resource);
/* "nofile" for RLIMIT_NOFILE, from the shared keyword table. */
const char *rlimit_name(int resource);

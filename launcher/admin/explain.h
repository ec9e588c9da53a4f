/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `mpjail explain`: the policy a launch would apply, read from the same
 * struct mpj_launch that launch_prepare() fills for `run`, so what is shown
 * is what is enforced.  Fields of the JSON form: docs/admin.md. */
#pragma once

#include <stdio.h>

#include "jail/launch.h"

/* Print the effective policy of a prepared launch (launch_prepare() done).
 * 0, or -errno with *diag (the seccomp policy or the mount plan failed). */
int explain_print(const struct mpj_launch *l, bool json, FILE *out, struct diag *diag);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Profiles: DIR/profiles/NAME.profile over DATADIR/profiles/NAME.profile.
 * The loaders only parse and validate. */
#pragma once

#include <stdio.h>

#include "base/log.h"
#include "config/model.h"

#define MPJ_MAX_INCLUDE_DEPTH 8
#define MPJ_PROFILE_VERSION 1

/* Loaders.  Return 0, or -errno with *diag naming file:line and the value.
 * -EINVAL: the content is wrong; other errors: the file could not be read. */
int profile_load(const struct mpj_paths *paths, const char *name, struct mpj_profile **ret,
		 struct diag *diag);
/* Parse one file; `include` resolved through paths (NULL: includes refused). */
int profile_parse(FILE *f, const char *file, const struct mpj_paths *paths,
		  struct mpj_profile *into, unsigned depth, struct diag *diag);
struct mpj_profile *profile_new(const char *name);
void profile_free(struct mpj_profile *p);
/* The profile's command is apache2 or httpd: its sizing checks apply, and a
 * restart is guarded by its config test (docs/control.md). */
bool profile_runs_httpd(const struct mpj_profile *p);

/* `rlimit KEY ...`: KEY in mpj_rlimit_table (NULL: unknown). */
const struct mpj_rlimit_desc *rlimit_lookup(const char *key);

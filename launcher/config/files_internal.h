/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The two steps of config_open(), for a loader that reads several files from
 * one checked directory (tenant.c: DIR/tenants).  Not for other modules: use
 * files.h. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "base/log.h"

/* Open directory PATH (O_PATH) walking it one component at a time without
 * following symlinks, so that no writable or swapped directory on the way can
 * redirect us.  The last component gets the strict check.  Returns the
 * directory's fd, or -errno. */
int config_open_dir(const char *path, struct diag *diag);
/* Open BASE in the checked directory DFD (named DIR in messages), with the
 * checks and the `optional` of config_open(). */
int config_open_at(int dfd, const char *dir, const char *base, bool optional, FILE **ret,
		   struct diag *diag);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The checks every configuration file passes before it is parsed (docs/threats.md
 * T36); also used on other files root trusts (template sources, the frontend
 * output directory). */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "base/log.h"

/* Files under DIR must be root-owned and not group/other-writable (docs/threats.md T36). */
int config_check_owner(int fd, const char *path, struct diag *diag);
/* Open a configuration file for reading: its directory and the file itself
 * pass config_check_owner(), the file is not a symlink and is a regular file.
 * optional: a missing file gives 0 with *ret = NULL. */
int config_open(const char *path, bool optional, FILE **ret, struct diag *diag);

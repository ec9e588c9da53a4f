/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resource limits: [limits] in tenant files and `limit KEY VALUE` in profiles,
 * both read through mpj_limit_table (model.h). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config/model.h"

/* Effective limit: tenant's value, else the profile default; false if neither. */
bool limits_get(const struct mpj_tenant *t, const struct mpj_profile *p, enum mpj_limit_key k,
		uint64_t *ret);

/* Keyword lookup shared by the tenant and profile parsers (NULL: unknown). */
const struct mpj_limit_desc *limit_lookup(const char *key);
/* Check VALUE for one [limits] key against its table entry.  0, -EINVAL
 * (not a number or size) or -ERANGE (outside min..max). */
int limit_parse_value(const struct mpj_limit_desc *d, const char *value, uint64_t *ret);

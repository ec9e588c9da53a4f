/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tenant files: DIR/tenants/NAME.conf.  The loaders only parse and validate
 * (no NSS: identity.h resolves the account). */
#pragma once

#include <stdio.h>

#include "base/log.h"
#include "config/model.h"

/* Loaders.  Return 0, or -errno with *diag naming file:line and the value.
 * -EINVAL: the content is wrong; other errors: the file could not be read. */
int tenant_load(const struct mpj_paths *paths, const char *name, struct mpj_tenant **ret,
		struct diag *diag);
/* Parse from an already opened stream (unit tests, fuzzing). */
int tenant_parse(FILE *f, const char *file, const char *name, struct mpj_tenant **ret,
		 struct diag *diag);
void tenant_free(struct mpj_tenant *t);
/* NAME of every DIR/tenants/NAME.conf, sorted (strv), invalid names too so
 * that their tenant_load() fails visibly.  The directory passes the same
 * checks as for tenant_load_all(); a missing one gives an empty list. */
int tenant_list(const struct mpj_paths *paths, char ***ret, struct diag *diag);
/* All tenants in DIR/tenants, sorted by name.  Stops at the first error. */
int tenant_load_all(const struct mpj_paths *paths, struct mpj_tenant ***ret, size_t *ret_n,
		    struct diag *diag);
void tenant_free_all(struct mpj_tenant **v, size_t n);

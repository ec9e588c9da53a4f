/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tenant secrets (DB password): CONFIG/credentials/NAME/ (root 0700, files
 * 0600) delivered as RUN/.secrets/NAME/, bound read-only at /run/secrets in
 * the jail.  Syncing again (at every launch and on reload) changes what a
 * running jail reads, so a rotated password needs only a graceful restart. */
#pragma once

#include <sys/types.h>

#include "base/log.h"
#include "config/model.h"

#define SECRETS_MAX_FILES 32
#define SECRETS_MAX_SIZE (64 * 1024)

/* Copy every regular file of CONFIG/credentials/NAME into RUN/.secrets/NAME
 * (created: RUN/.secrets root 0700, NAME root:GID 0550; files mode 0400
 * owned by uid:gid, replaced atomically; files gone from CONFIG removed).
 * Returns 1 and an O_PATH fd of the directory in *ret_fd, 0 when the tenant
 * has no credentials directory (*ret_fd = -1), or -errno with *diag. */
int secrets_sync(const struct mpj_paths *paths, const char *tenant, uid_t uid, gid_t gid,
		 int *ret_fd, struct diag *diag);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tenant's home: opened without following symlinks, created when
 * missing, and filled from DATADIR/skel/home/SKEL only where entries are
 * absent, by a child that has fully become the tenant (docs/threats.md T6).
 *
 * Root never writes, chowns or follows anything inside an existing home:
 * the tenant controls it and may plant symlinks, hard links or FIFOs. */
#pragma once

#include "base/log.h"
#include "config/identity.h"
#include "config/model.h"

/* Bounds on the skeleton (root-shipped, but every input has a limit). */
#define HOMESKEL_MAX_ENTRIES 4096
#define HOMESKEL_MAX_BYTES (64u * 1024 * 1024)
#define HOMESKEL_MAX_DEPTH 32
/* The copy runs with the tenant's uid, so the tenant may SIGSTOP it (or
 * stall it on a filesystem they control): a stopped copy is abandoned at
 * once, a slow one after this long, instead of hanging `build --all`. */
#define HOMESKEL_TIMEOUT_MS 120000

struct homeskel_home {
	char *path;    /* the host path from the tenant file */
	int fd;        /* the home directory, -1 while it does not exist */
	int parent_fd; /* when missing: its root-owned parent, else -1 */
	char *base;    /* when missing: the last path component */
	bool created;  /* homeskel_create() made it */
	bool handed;   /* the tenant owns it (false only between create and hand-over) */
};

/* Validate and open the home named in the tenant file.  Refused (-ELOOP,
 * -ENOTDIR, -EPERM, -ENOENT...) with *diag naming the tenant file when the
 * home is or passes through a symlink, is not a directory, is not owned by
 * the tenant, or is missing and its parent is missing, not root-owned or
 * group/other-writable.  Changes nothing. */
int homeskel_open(const struct mpj_tenant *t, const struct mpj_identity *id,
		  struct homeskel_home *ret, struct diag *diag);
/* Create a missing home: root's, mode 0700, until homeskel_hand_over() (or
 * homeskel_populate()) gives it to the tenant.  No-op if it exists. */
int homeskel_create(struct homeskel_home *h);
/* The new home becomes the tenant's, mode 0750.  No-op for an existing or
 * already handed-over home. */
int homeskel_hand_over(struct homeskel_home *h, const struct mpj_identity *id);
void homeskel_home_done(struct homeskel_home *h);

enum skel_type { SKEL_DIR = 'd', SKEL_FILE = 'f', SKEL_LINK = 'l' };

struct skel_entry {
	enum skel_type type;
	char *path;  /* relative to the skeleton root, no leading '/' */
	mode_t mode; /* the skeleton's mode masked with 0755 */
	char *data;  /* file content, or the link target */
	size_t len;
};

struct homeskel_skel {
	struct skel_entry *e; /* sorted: a directory comes before its entries */
	size_t n;
};

/* Read the skeleton below dirfd (DATADIR/skel/home/NAME) into memory, so the
 * tenant child never reads root's files.  Only directories, regular files
 * and symlinks; anything else is -EINVAL with *ret_bad = its path. */
int homeskel_load(int dirfd, struct homeskel_skel *ret, char **ret_bad);
void homeskel_skel_done(struct homeskel_skel *s);

struct homeskel_report {
	char **created; /* relative paths created */
	char **kept;    /* already present: left untouched */
	char **skipped; /* "PATH: reason": a tenant entry in the way (symlink,
			 * not a directory, no permission); its subtree skipped */
};
void homeskel_report_done(struct homeskel_report *r);

/* Copy the skeleton into the home where absent, in a child that has done
 * setgroups/setresgid/setresuid to the tenant.  A home homeskel_create()
 * just made and not yet handed over is filled by root in this process
 * instead (nobody else can enter it) and then handed over, whatever the
 * outcome; a home that already holds every skeleton entry needs no child
 * either (docs/design.md "A new home is filled without a child").  0, or
 * -errno with
 * *ret_failed = the relative path that failed (quota, I/O errors); -ECHILD
 * when the child was killed or stopped, -ETIMEDOUT after
 * HOMESKEL_TIMEOUT_MS (the child is killed in both cases). */
int homeskel_populate(struct homeskel_home *h, const struct homeskel_skel *s,
		      const struct mpj_identity *id, struct homeskel_report *ret,
		      char **ret_failed);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The jail tree's manifest: one line per entry of STATE/jails/NAME/root,
 * sorted by path, written by `build`, compared by `check`:
 *
 *   TYPE MODE UID GID SHA256|-|TARGET PATH
 *
 * Sorted component by component: '/' ranks below every other byte, so the
 * entries of a directory follow it directly.
 *
 * TYPE is d (directory), f (regular file), l (symlink; the fourth field is
 * its target), or c b p s for device, fifo and socket nodes (never built;
 * listed so that `check` sees them).  MODE is four octal digits including
 * setuid/setgid/sticky bits.  PATH is the path inside the jail, "/" first.
 * PATH and TARGET are percent-escaped (%XX, upper-case hex) for space, '%',
 * control bytes and DEL, so each line splits on single spaces. */
#pragma once

#include <sys/types.h>

#include "base/sha256.h"
#include "base/util.h"

/* The walker's bounds: a jail tree is small and root-built. */
#define MANIFEST_MAX_ENTRIES 100000
#define MANIFEST_MAX_DEPTH 64

struct manifest_entry {
	char type;   /* d f l c b p s */
	mode_t mode; /* permission bits incl. 07000 */
	uid_t uid;
	gid_t gid;
	char *data; /* hex SHA-256 (f), link target (l), NULL otherwise ("-") */
	char *path; /* "/", "/etc", ...: unescaped */
};

struct manifest {
	struct manifest_entry *entries;
	size_t n;
};

/* Walk the tree below rootfd without following symlinks or crossing mounts
 * (-EXDEV), hash regular files, sort by path.  rootfd itself is "/". */
int manifest_walk(int rootfd, struct manifest *ret);
void manifest_done(struct manifest *m);

/* The manifest's order: strcmp with '/' below every other byte. */
int manifest_path_cmp(const char *a, const char *b);

/* Text of all entries, one line each, '\n'-terminated. */
char *manifest_format(const struct manifest *m);
/* The line for one entry, without '\n'. */
char *manifest_format_entry(const struct manifest_entry *e);
/* Parse one line (no '\n'); -EINVAL if malformed. */
int manifest_parse_line(const char *line, struct manifest_entry *ret);
void manifest_entry_done(struct manifest_entry *e);

/* %XX escaping of ' ', '%', bytes < 0x20 and 0x7f.  unescape refuses
 * malformed escapes and escaped NUL bytes with -EINVAL. */
char *manifest_escape(const char *s);
int manifest_unescape(const char *s, char **ret);

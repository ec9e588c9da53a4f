/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between the profile parser (profile.c) and its directives
 * (profile_directives.c).  Not for other modules: use profile.h. */
#pragma once

#include <sys/types.h>

#include "config/model.h"
#include "config/profile.h"

/* Files being read, outermost first, to refuse include cycles by inode. */
struct include_frame {
	dev_t dev;
	ino_t ino;
	char *file;
};

struct parse_ctx {
	const struct mpj_paths *paths; /* NULL: includes refused */
	struct include_frame stack[MPJ_MAX_INCLUDE_DEPTH + 1];
	unsigned n_stack;
};

/* Directives that make sense once per file. */
enum once {
	ONCE_NETWORK,
	ONCE_HOSTNAME,
	ONCE_SECCOMP,
	ONCE_COMMAND,
	ONCE_HOME_SKEL,
	ONCE_DB_SOCKET,
	ONCE_HOME_TMP,
	ONCE_SENDMAIL,
	_ONCE_MAX,
	ONCE_NONE = -1,
};

/* What one file has set, for "given twice in one file" errors. */
struct file_state {
	struct parse_ctx *ctx;
	struct mpj_profile *p;
	const char *file;
	unsigned line;
	unsigned depth;
	const char *directive;
	unsigned once[_ONCE_MAX];
	unsigned rlimit_line[RLIM_NLIMITS];
	unsigned limit_line[_LIMIT_MAX];
	char **names; /* env KEYs and jail paths set here, with their lines */
	unsigned *name_lines;
	size_t n_names;
};

typedef int (*directive_fn)(struct file_state *fs, char **args, size_t n, struct diag *diag);

#define DIRECTIVE_MANY_ARGS 4096

struct directive {
	const char *name;
	unsigned min_args, max_args;
	enum once once;
	bool rest_of_line; /* one argument: the rest of the line, blanks kept */
	directive_fn fn;
};

/* The directive table (profile_directives.c); NULL for an unknown name. */
const struct directive *directive_find(const char *name);

/* Fill *diag with "FILE:LINE: DIRECTIVE: message"; returns -EINVAL. */
int profile_fail(struct file_state *fs, struct diag *diag, const char *fmt, ...) _printf_(3, 4);

/* Read profile NAME into p as a file nested in fs (NULL: the top file). */
int profile_include(struct parse_ctx *ctx, struct file_state *fs, const char *name,
		    struct mpj_profile *p, unsigned depth, struct diag *diag);

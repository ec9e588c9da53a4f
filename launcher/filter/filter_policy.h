/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parsed form of a seccomp policy (profiles/NAME.seccomp, docs/seccomp.md):
 * named groups of deny rules.  Pure data; filter.c compiles it. */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "base/log.h"

#define MPJ_SECCOMP_VERSION 1
#define MPJ_SECCOMP_MAX_BYTES (256 * 1024)
#define MPJ_SECCOMP_MAX_LINE 1024
#define MPJ_SECCOMP_MAX_RULES 1024
#define MPJ_SECCOMP_MAX_GROUPS 64
#define MPJ_SECCOMP_MAX_CONDS 3 /* per rule, on distinct arguments */
#define MPJ_SECCOMP_MAX_SET 255 /* largest value in a `notin` set */

enum mpj_cmp {
	MPJ_CMP_EQ,          /* argN == V */
	MPJ_CMP_NE,          /* argN != V */
	MPJ_CMP_LT,          /* argN < V */
	MPJ_CMP_LE,          /* argN <= V */
	MPJ_CMP_GT,          /* argN > V */
	MPJ_CMP_GE,          /* argN >= V */
	MPJ_CMP_ANYBIT,      /* argN & M: any bit of M set (one rule per bit) */
	MPJ_CMP_MASKEDEQ,    /* argN & M == V */
	MPJ_CMP_NOTIN,       /* argN notin A,B,C: none of these values */
	MPJ_CMP_MASKEDNOTIN, /* argN & M notin A,B: (argN & M) none of these (M = 2^k - 1) */
	_MPJ_CMP_MAX,
};

struct mpj_seccomp_cond {
	unsigned arg; /* 0..5 */
	enum mpj_cmp op;
	uint64_t mask;  /* ANYBIT, MASKEDEQ, MASKEDNOTIN */
	uint64_t value; /* EQ..GE, MASKEDEQ */
	uint64_t *set;  /* NOTIN, MASKEDNOTIN: sorted, each <= MPJ_SECCOMP_MAX_SET (and <= mask) */
	size_t n_set;
};

struct mpj_seccomp_rule {
	char *syscall; /* name as written */
	int nr;        /* native number; < 0: not a syscall on this architecture */
	int err;       /* positive errno returned instead of running the syscall */
	struct mpj_seccomp_cond conds[MPJ_SECCOMP_MAX_CONDS]; /* AND'ed */
	size_t n_conds;
	char *reason;    /* the trailing "# ..." comment, or NULL */
	char *text;      /* the rule as written (without the comment), for messages */
	char *cond_text; /* the conditions as written, or NULL */
	unsigned line;
	size_t group; /* index into policy->groups */
};

struct mpj_seccomp_group {
	char *name;
	char *description;
	unsigned line;
};

struct mpj_seccomp_policy {
	char *file;           /* for diagnostics */
	uint64_t source_hash; /* seccomp_source_hash() of the file's bytes */
	struct mpj_seccomp_group *groups;
	size_t n_groups;
	struct mpj_seccomp_rule *rules;
	size_t n_rules;
};

/* Parse a policy from a stream.  0, or -EINVAL with *diag naming file:line and
 * the bad value (other -errno: the stream could not be read). */
int seccomp_policy_parse(FILE *f, const char *file, struct mpj_seccomp_policy **ret,
			 struct diag *diag);
void seccomp_policy_free(struct mpj_seccomp_policy *p);

/* Number of libseccomp rules a policy rule expands into (ANYBIT: one per bit;
 * NOTIN: one masked compare per aligned block of the values missing below the
 * largest, plus "greater than the largest"; MASKEDNOTIN: one per aligned
 * block of the values in 0..mask missing from the set). */
size_t seccomp_rule_expansions(const struct mpj_seccomp_rule *r);
/* The i-th expansion as plain comparisons (EQ..GE, MASKEDEQ), AND'ed. */
size_t seccomp_rule_expand(const struct mpj_seccomp_rule *r, size_t i,
			   struct mpj_seccomp_cond out[MPJ_SECCOMP_MAX_CONDS]);

/* FNV-1a over the policy file's bytes: tells a stored BPF file (filter_store)
 * compiled from other text.  Not a MAC: both files are root-owned. */
#define MPJ_SOURCE_HASH_INIT UINT64_C(0xcbf29ce484222325)
uint64_t seccomp_source_hash(uint64_t h, const void *buf, size_t n);

/* Keyword tables, shared with docs and explain. */
const char *seccomp_errno_name(int err);
const char *seccomp_cmp_name(enum mpj_cmp op);

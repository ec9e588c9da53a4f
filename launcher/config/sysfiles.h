/* SPDX-License-Identifier: GPL-2.0-or-later */
/* System files: the few /etc files a hosted program needs to resolve names,
 * verify certificates' dates and print local time (resolv.conf, hosts,
 * services, protocols, localtime, timezone, nsswitch.conf).  Unlike the rest
 * of the jail tree they follow the host (a DHCP lease changes resolv.conf):
 * the launcher reads them at every launch and writes them into the jail's
 * root tmpfs before it is sealed.  A profile replaces a source with
 * `system-file PATH SOURCE|none` (docs/config.md); an explicit `copy`,
 * `template`, `symlink` or bind at PATH makes the file static instead.
 * docs/design.md "System files". */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/log.h"
#include "config/model.h"

enum sysfile_merge {
	SYSFILE_REPLACE, /* the source replaces what the tree has */
	SYSFILE_APPEND,  /* the source follows the tree's own lines (hosts) */
};

struct sysfile_desc {
	const char *path; /* in the jail */
	const char *host; /* default source on the host; NULL: the tree's (build) */
	enum sysfile_merge merge;
	const char *what; /* for explain */
};

extern const struct sysfile_desc sysfile_table[];
extern const size_t sysfile_table_len;

/* The entry for jail path PATH, or NULL. */
const struct sysfile_desc *sysfile_lookup(const char *path);

/* Where a system file of this profile comes from. */
enum sysfile_origin {
	SYSFILE_FROM_HOST,  /* the host's file (desc->host), read at launch */
	SYSFILE_FROM_ADMIN, /* `system-file PATH SOURCE`, read at launch */
	SYSFILE_FROM_TREE,  /* built into the tree (generated, copy, template, symlink) */
	SYSFILE_FROM_BIND,  /* a profile bind at or above PATH hides it */
	SYSFILE_NONE,       /* `system-file PATH none`: only what the tree has */
};

struct sysfile_source {
	const struct sysfile_desc *desc;
	enum sysfile_origin origin;
	const char *src;  /* the file read at launch, or NULL */
	const char *file; /* the profile line that decided, or NULL */
	unsigned line;
};

/* Resolve entry i of sysfile_table for profile p (the precedence of
 * docs/config.md "system-file"). */
void sysfile_resolve(const struct mpj_profile *p, size_t i, struct sysfile_source *ret);

/* One file's content for the launch. */
struct sysfile_data {
	const char *path; /* in the jail (points into sysfile_table) */
	enum sysfile_merge merge;
	char *data;
	size_t len;
};

/* Largest system file read (/etc/services is about 13 KiB). */
#define SYSFILE_MAX (1024u * 1024)

/* Read every launch-time source of profile p.  A missing host default is
 * skipped; a missing admin source, or any source that is not public and
 * system-owned (sysfile_read_public), is an error naming the profile line.
 * min_uid: owners below it are system accounts (mpjail.conf). */
int sysfiles_load(const struct mpj_profile *p, unsigned min_uid, struct sysfile_data **ret,
		  size_t *ret_n, struct diag *diag);
void sysfiles_free(struct sysfile_data *d, size_t n);

/* Read host file PATH (absolute) whose content becomes world-readable in
 * jails.  Symlinks are followed (resolv.conf -> ../run/systemd/resolve/...)
 * but only where nobody else could have planted them: every directory on the
 * way and every entry met (symlinks too) is owned by root or a system
 * account (uid < min_uid), and not writable by group or others (a root-owned
 * sticky directory such as /tmp may be crossed, its entries still need a
 * system owner).  The file is regular, readable by others (it is public
 * already) and at most `max` bytes.  *ret_why explains a -EPERM.
 * *ret_resolved (optional): the path finally read. */
int sysfile_read_public(const char *path, unsigned min_uid, size_t max, char **ret_data,
			size_t *ret_len, char **ret_resolved, char **ret_why);

/* The `nameserver` addresses of a resolv.conf text (at most 8), as a strv. */
char **sysfile_nameservers(const char *data, size_t len);
/* 127.0.0.0/8 or ::1 (systemd-resolved's 127.0.0.53, dnsmasq's 127.0.0.1). */
bool sysfile_addr_is_loopback(const char *addr);

/* DNS as a jail of profile p will see it: resolv.conf's source and servers
 * against `net` (the network in force, `auto` resolved) and the connect
 * list.  Returns 0 with a
 * description, or 1 with a warning that says the fix (`network private`
 * reaches no resolver, a loopback one least of all). */
int sysfile_dns_verdict(const struct mpj_profile *p, enum mpj_network net, unsigned min_uid,
			char **ret_msg);

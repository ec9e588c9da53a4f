/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Landlock port ownership: in a shared network namespace the jail may bind
 * only its tenant's TCP ports and connect only to the ports its profile's
 * `connect` lines allow (docs/threats.md T18); abstract unix sockets and
 * signals are scoped to the jail where the kernel offers it (13, 15).
 * Filesystem access is not handled here: mount namespace, read-only binds
 * and the uid drop confine files. */
#define _GNU_SOURCE
#include <linux/landlock.h>
#include <stddef.h>
#include <sys/syscall.h>

#include "jail/landlock.h"

/* Debian 12's kernel headers (6.1) stop at ABI 1..3 and glibc 2.36 has no
 * wrappers: define what we use, with our own struct names so the 6.1
 * one-field struct landlock_ruleset_attr cannot be used by mistake. */
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
/* enum landlock_rule_type gained LANDLOCK_RULE_NET_PORT in 6.7; an enum
 * constant cannot be tested with #ifndef. */
#define MPJ_LANDLOCK_RULE_NET_PORT 2

#define LL_ABI_NET MPJ_LANDLOCK_ABI_NET /* Linux 6.7: TCP bind/connect rules */
#define LL_ABI_SCOPE 6                  /* Linux 6.12: abstract unix socket and signal scopes */

struct mpj_ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;             /* ABI 6 */
};

struct mpj_ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

int landlock_abi(void)
{
	long abi = syscall(__NR_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	if (abi < 0)
		return errno == ENOSYS ? -EOPNOTSUPP : negerrno();
	return (int)abi;
}

static int add_port_rule(int fd, unsigned port, uint64_t access, struct diag *diag)
{
	struct mpj_ll_net_port_attr rule = { .allowed_access = access, .port = port };

	if (syscall(__NR_landlock_add_rule, fd, MPJ_LANDLOCK_RULE_NET_PORT, &rule, 0) < 0) {
		int r = negerrno();

		diag_set(diag, NULL, 0, "landlock_add_rule for port `%u`: %s", port, strerror(-r));
		return r;
	}
	return 0;
}

static bool port_in(unsigned port, const unsigned *ports, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ports[i] == port)
			return true;
	return false;
}

int landlock_prepare(int abi, const unsigned *ports, size_t n_ports,
		     const struct mpj_connect_plan *connect, struct mpj_landlock *ret,
		     struct diag *diag)
{
	/* Bind: only the tenant's ports.  Connect: only the profile's ports and
	 * the tenant's own, never another tenant's backend (docs/threats.md
	 * T18); UDP and unix sockets are not TCP and stay unaffected (DNS, the
	 * database socket). */
	struct mpj_ll_ruleset_attr attr = {
		.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP |
				      (connect ? LANDLOCK_ACCESS_NET_CONNECT_TCP : 0),
	};
	size_t attr_size = offsetof(struct mpj_ll_ruleset_attr, scoped);
	_cleanup_close_ int fd = -1;
	unsigned n_rules = 0;
	int r;

	if (abi < 0) {
		diag_set(diag, NULL, 0,
			 "Landlock is not available (%s): port ownership cannot be enforced in "
			 "the shared network namespace; use `network auto` or `network private` "
			 "in the profile, or enable Landlock (lsm=...,landlock)",
			 strerror(-abi));
		return -EOPNOTSUPP;
	}
	if (abi < LL_ABI_NET) {
		diag_set(diag, NULL, 0,
			 "the kernel's Landlock ABI is %d and lacks network rules (ABI %d, "
			 "Linux 6.7): port ownership and the profile's `connect` ports cannot be "
			 "enforced in the shared network namespace; use `network auto` or "
			 "`network private` in the profile instead",
			 abi, LL_ABI_NET);
		return -EOPNOTSUPP;
	}
	for (size_t i = 0; i < n_ports; i++)
		if (ports[i] == 0 || ports[i] > 65535) {
			/* A rule for port 0 would allow bind(0), i.e. any
			 * ephemeral port (docs/threats.md T18). */
			diag_set(diag, NULL, 0, "port `%u` cannot be given to a jail", ports[i]);
			return -EINVAL;
		}
	for (size_t i = 0; connect && i < connect->n_spans; i++)
		if (connect->spans[i].lo == 0 || connect->spans[i].hi > 65535 ||
		    connect->spans[i].lo > connect->spans[i].hi) {
			/* connect(port 0) is refused by the kernel anyway; a rule
			 * for it would only hide a bug in the plan. */
			diag_set(diag, NULL, 0, "connect span `%u-%u` is not a port range",
				 connect->spans[i].lo, connect->spans[i].hi);
			return -EINVAL;
		}
	if (abi >= LL_ABI_SCOPE) {
		attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
		attr_size = sizeof(attr);
	}
	fd = (int)syscall(__NR_landlock_create_ruleset, &attr, attr_size, 0);
	if (fd < 0) {
		r = negerrno();
		diag_set(diag, NULL, 0, "landlock_create_ruleset (ABI %d): %s", abi, strerror(-r));
		return r;
	}
	/* One rule per port: Landlock has no port ranges.  `connect
	 * any-other` thus costs ~64500 rules (docs/design.md has the figures). */
	for (size_t i = 0; connect && i < connect->n_spans; i++)
		for (unsigned p = connect->spans[i].lo; p <= connect->spans[i].hi; p++) {
			uint64_t access = LANDLOCK_ACCESS_NET_CONNECT_TCP;

			if (port_in(p, ports, n_ports))
				access |= LANDLOCK_ACCESS_NET_BIND_TCP;
			r = add_port_rule(fd, p, access, diag);
			if (r < 0)
				return r;
			n_rules++;
		}
	for (size_t i = 0; i < n_ports; i++) {
		if (connect && netpolicy_plan_allows(connect, ports[i]))
			continue; /* bind is in its connect rule */
		r = add_port_rule(fd, ports[i], LANDLOCK_ACCESS_NET_BIND_TCP, diag);
		if (r < 0)
			return r;
		n_rules++;
	}
	*ret = (struct mpj_landlock){
		.ruleset_fd = TAKE_FD(fd),
		.abi = abi,
		.scoped = attr.scoped != 0,
		.connect_handled = connect != NULL,
		.n_rules = n_rules,
	};
	return 0;
}

/* Child side, after PR_SET_NO_NEW_PRIVS and the uid drop.  The ruleset fd
 * is closed whatever happens: the child _exits on failure anyway, and the
 * fd must not reach httpd. */
int landlock_apply(const struct mpj_landlock *ll)
{
	int r = 0;

	if (ll->ruleset_fd < 0)
		return 0; /* private network namespace: nothing to own */
	if (syscall(__NR_landlock_restrict_self, ll->ruleset_fd, 0) < 0)
		r = negerrno();
	(void)close(ll->ruleset_fd);
	return r;
}

void landlock_done(struct mpj_landlock *ll)
{
	if (!ll)
		return;
	closep(&ll->ruleset_fd);
	ll->ruleset_fd = -1;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The connect plan (netpolicy.h): which TCP ports a jail may connect to.
 * Landlock's network rules are an allow-list of single ports, so this is
 * the one place that turns "these ports, never the other tenants'" into
 * that list. */
#define _GNU_SOURCE
#include "config/netpolicy.h"

static int cmp_span(const void *a, const void *b)
{
	const struct mpj_port_span *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static bool is_own(unsigned port, const unsigned *own, size_t n_own)
{
	for (size_t k = 0; k < n_own; k++)
		if (own[k] == port)
			return true;
	return false;
}

static void push(struct mpj_connect_plan *p, unsigned lo, unsigned hi)
{
	p->spans = xrealloc_array(p->spans, p->n_spans + 1, sizeof(*p->spans));
	p->spans[p->n_spans++] = (struct mpj_port_span){ .lo = lo, .hi = hi };
}

int netpolicy_connect_plan(const struct mpj_connect *c, unsigned range_lo, unsigned range_hi,
			   const unsigned *own, size_t n_own, struct mpj_connect_plan *ret,
			   struct diag *diag)
{
	struct mpj_connect_plan p = { .any_other = c->any_other };
	size_t n = 0;

	for (size_t i = 0; i < c->n_spans; i++) {
		const struct mpj_port_span *s = &c->spans[i];

		/* The other tenants' backends listen in port_range (registry.c
		 * keeps every tenant port there): a listed port may not reach
		 * into it, or `connect 8000-8999` would undo the policy. */
		if (s->lo <= range_hi && s->hi >= range_lo &&
		    !(s->lo == s->hi && is_own(s->lo, own, n_own))) {
			char shown[16];

			if (s->lo == s->hi)
				(void)snprintf(shown, sizeof shown, "%u", s->lo);
			else
				(void)snprintf(shown, sizeof shown, "%u-%u", s->lo, s->hi);
			netpolicy_plan_done(&p);
			diag_set(diag, s->file, s->line,
				 "connect: `%s` reaches into port_range %u-%u (mpjail.conf), where "
				 "other tenants' backends listen; a jail connects there only to its "
				 "own ports, which are always allowed",
				 shown, range_lo, range_hi);
			return -EINVAL;
		}
		push(&p, s->lo, s->hi);
	}
	if (c->any_other) {
		if (range_lo > 1)
			push(&p, 1, range_lo - 1);
		if (range_hi < 65535)
			push(&p, range_hi + 1, 65535);
	}
	for (size_t k = 0; k < n_own; k++)
		if (own[k] >= 1 && own[k] <= 65535)
			push(&p, own[k], own[k]);
	if (p.n_spans)
		qsort(p.spans, p.n_spans, sizeof(*p.spans), cmp_span);
	/* Merge overlapping and adjacent spans. */
	for (size_t i = 0; i < p.n_spans; i++) {
		if (n && p.spans[i].lo <= p.spans[n - 1].hi + 1) {
			if (p.spans[i].hi > p.spans[n - 1].hi)
				p.spans[n - 1].hi = p.spans[i].hi;
			continue;
		}
		p.spans[n++] = p.spans[i];
	}
	p.n_spans = n;
	for (size_t i = 0; i < n; i++)
		p.n_ports += p.spans[i].hi - p.spans[i].lo + 1;
	*ret = p;
	return 0;
}

void netpolicy_plan_done(struct mpj_connect_plan *plan)
{
	if (!plan)
		return;
	free(plan->spans);
	*plan = (struct mpj_connect_plan){ 0 };
}

bool netpolicy_plan_allows(const struct mpj_connect_plan *plan, unsigned port)
{
	for (size_t i = 0; i < plan->n_spans; i++)
		if (port >= plan->spans[i].lo && port <= plan->spans[i].hi)
			return true;
	return false;
}

char *netpolicy_plan_format(const struct mpj_connect_plan *plan)
{
	char *s = xstrdup("");

	for (size_t i = 0; i < plan->n_spans; i++) {
		const struct mpj_port_span *sp = &plan->spans[i];
		char *next = sp->lo == sp->hi
				     ? xasprintf("%s%s%u", s, i ? " " : "", sp->lo)
				     : xasprintf("%s%s%u-%u", s, i ? " " : "", sp->lo, sp->hi);

		free(s);
		s = next;
	}
	if (!*s) {
		free(s);
		s = xstrdup("none");
	}
	return s;
}

enum mpj_network netpolicy_resolve_network(enum mpj_network want, int abi)
{
	if (want != NET_AUTO)
		return want;
	return abi >= MPJ_LANDLOCK_ABI_NET ? NET_SHARED : NET_PRIVATE;
}

const char *netpolicy_network_name(enum mpj_network net)
{
	static const char *const names[] = {
		[NET_SHARED] = "shared",
		[NET_PRIVATE] = "private",
		[NET_AUTO] = "auto",
	};

	return (size_t)net < ARRAY_SIZE(names) ? names[net] : "?";
}

char *netpolicy_network_describe(enum mpj_network want, int abi)
{
	enum mpj_network net = netpolicy_resolve_network(want, abi);

	if (want != NET_AUTO)
		return xstrdup(netpolicy_network_name(net));
	if (abi < 0)
		return xasprintf("auto -> %s (Landlock is not available: %s)",
				 netpolicy_network_name(net), strerror(-abi));
	return xasprintf("auto -> %s (kernel Landlock ABI %d has %snetwork rules)",
			 netpolicy_network_name(net), abi, net == NET_SHARED ? "" : "no ");
}

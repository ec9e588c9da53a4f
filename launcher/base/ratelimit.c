/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "base/ratelimit.h"

void ratelimit_init(struct ratelimit *r, unsigned burst, uint64_t interval_ms, uint64_t now_ms)
{
	*r = (struct ratelimit){
		.burst = burst,
		.interval_ms = interval_ms,
		.credit_ms = (uint64_t)burst * interval_ms,
		.last_ms = now_ms,
	};
}

bool ratelimit_take(struct ratelimit *r, uint64_t now_ms, unsigned *ret_wait_s)
{
	uint64_t cap = (uint64_t)r->burst * r->interval_ms, need;

	if (now_ms > r->last_ms) {
		uint64_t d = now_ms - r->last_ms;

		r->credit_ms = d >= cap - r->credit_ms ? cap : r->credit_ms + d;
		r->last_ms = now_ms;
	}
	if (r->credit_ms >= r->interval_ms) {
		r->credit_ms -= r->interval_ms;
		return true;
	}
	need = r->interval_ms - r->credit_ms;
	*ret_wait_s = (unsigned)((need + 999) / 1000);
	return false;
}

bool ratelimit_log(struct ratelimit *r, uint64_t now_ms, uint64_t *ret_suppressed)
{
	unsigned wait_s;

	if (!ratelimit_take(r, now_ms, &wait_s)) {
		r->suppressed++;
		return false;
	}
	*ret_suppressed = r->suppressed;
	r->suppressed = 0;
	return true;
}

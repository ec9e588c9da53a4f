/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mpjail-sendmail's command line, header recipients and relay file, and the
 * profile's `sendmail HOST:PORT`. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "sendmail/sendmail_msg.h"

#define ARGV(...) ((char *[]){ "sendmail", __VA_ARGS__, NULL })

Test(sendmail, args_callers_pass)
{
	char err[256];
	struct sm_opts o;
	char **v = ARGV("-t", "-oi", "-fbounce@x.test", "--", "a@x.test");

	cr_assert_eq(sm_parse_args(6, v, &o, err, sizeof err), 0, "%s", err);
	cr_assert(o.from_headers && o.dot_ok);
	cr_assert_str_eq(o.sender, "bounce@x.test");
	cr_assert_eq(o.n_rcpts, 1);
	cr_assert_str_eq(o.rcpts[0], "a@x.test");

	v = ARGV("-f", "", "-F", "Shop", "-oem", "-odi", "b@x.test", "c@x.test");
	cr_assert_eq(sm_parse_args(9, v, &o, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(o.sender, "");
	cr_assert_eq(o.n_rcpts, 2);
}

Test(sendmail, args_refused)
{
	char err[256];
	struct sm_opts o;

	cr_assert_eq(sm_parse_args(2, ARGV("-bp"), &o, err, sizeof err), -EINVAL);
	cr_assert(strstr(err, "`-bp` is not supported"), "%s", err);
	cr_assert_eq(sm_parse_args(2, ARGV("-X"), &o, err, sizeof err), -EINVAL);
	cr_assert_eq(sm_parse_args(2, ARGV("-f"), &o, err, sizeof err), -EINVAL);
	cr_assert_eq(sm_parse_args(2, ARGV("a b@x"), &o, err, sizeof err), -EINVAL);
	cr_assert_eq(sm_parse_args(2, ARGV("<a@x>"), &o, err, sizeof err), -EINVAL);
	cr_assert_eq(sm_parse_args(3, ARGV("-f", "x\r\nRCPT TO:<y>"), &o, err, sizeof err), -EINVAL,
		     "a sender that would inject SMTP commands");
}

Test(sendmail, header_recipients)
{
	static char out[8][SM_ADDR_MAX + 1];
	const char *m = "From: s@x\nTO: A <a@x.test>\nCc: \"B, b\" <b@x.test>,\n\tc@x.test (C)\n"
			"Bcc: d@x.test,\nSubject: s\n\nTo: not@header\n";

	cr_assert_eq(sm_header_rcpts(m, strlen(m), out, 8), 4);
	cr_assert_str_eq(out[0], "a@x.test");
	cr_assert_str_eq(out[1], "b@x.test");
	cr_assert_str_eq(out[2], "c@x.test");
	cr_assert_str_eq(out[3], "d@x.test");
	cr_assert_eq(sm_header_rcpts(m, strlen(m), out, 3), -E2BIG);
	m = "To: a@x\r\nCc: <b@x\r\n\r\n";
	cr_assert_eq(sm_header_rcpts(m, strlen(m), out, 8), -EINVAL, "an unterminated <");
}

Test(sendmail, bcc_is_not_sent)
{
	char m[] = "To: a@x\nBcc: d@x,\n e@x\nSubject: s\n\nBcc: stays in the body\n";
	size_t n = strlen(m);

	sm_drop_bcc(m, &n);
	m[n] = '\0';
	cr_assert_str_eq(m, "To: a@x\nSubject: s\n\nBcc: stays in the body\n");
}

Test(sendmail, relay_file)
{
	char h[64], p[8];

	cr_assert_eq(sm_parse_relay("relay 127.0.0.1 25\n", h, sizeof h, p, sizeof p), 0);
	cr_assert_str_eq(h, "127.0.0.1");
	cr_assert_str_eq(p, "25");
	cr_assert_eq(sm_parse_relay("relay 127.0.0.1 0\n", h, sizeof h, p, sizeof p), -EINVAL);
	cr_assert_eq(sm_parse_relay("relay x 65536\n", h, sizeof h, p, sizeof p), -EINVAL);
	cr_assert_eq(sm_parse_relay("", h, sizeof h, p, sizeof p), -EINVAL);
}

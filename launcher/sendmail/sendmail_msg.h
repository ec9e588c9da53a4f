/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mpjail-sendmail's message handling, apart from its SMTP client so the
 * fuzz target and unit tests reach it: the command line sendmail(8) takes,
 * the recipients of `-t` from the headers, and the relay file. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The relay file in the jail's /etc, written by `mpjail build` from the
 * profile's `sendmail HOST:PORT`: one line, "relay HOST PORT". */
#define SM_RELAY_FILE "/etc/mpjail-sendmail.conf"

#define SM_MAX_RCPTS 100
#define SM_ADDR_MAX 320

struct sm_opts {
	bool from_headers;  /* -t */
	bool dot_ok;        /* -i / -oi: a lone "." does not end the message */
	const char *sender; /* -f, or NULL */
	char **rcpts;       /* the arguments after the options */
	size_t n_rcpts;
};

/* 0, or -EINVAL with a message in err: the modes other than sending
 * (-bp, -bs, -q, -bd ...) are refused by name. */
int sm_parse_args(int argc, char **argv, struct sm_opts *o, char *err, size_t en);

/* The addresses in To:, Cc: and Bcc: of the header block of msg (up to the
 * first empty line; folded lines joined), appended to out (up to max).
 * Returns how many were found, or -E2BIG past max, -EINVAL for an address
 * longer than SM_ADDR_MAX or with a character SMTP cannot carry. */
int sm_header_rcpts(const char *msg, size_t len, char out[][SM_ADDR_MAX + 1], size_t max);

/* A command-line address checked the same way: 0 or -EINVAL. */
int sm_check_addr(const char *a);

/* The header block without Bcc: (which must not be sent); a new length in
 * *len, the same buffer. */
void sm_drop_bcc(char *msg, size_t *len);

/* "relay HOST PORT" from the relay file's text: 0, or -EINVAL. */
int sm_parse_relay(const char *text, char *host, size_t hn, char *port, size_t pn);

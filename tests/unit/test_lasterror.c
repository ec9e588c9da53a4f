/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The last error that `status` shows: the jail's last line, or the error
 * lines of the tenant's logs/error.log, never through a planted link. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervise/lasterror.h"

static char home[64];

static void mkhome(void)
{
	char logs[96];

	strcpy(home, "/tmp/mpjail-lasterror.XXXXXX"); /* check-tmp: ok (mkdtemp) */
	cr_assert_not_null(mkdtemp(home));
	(void)snprintf(logs, sizeof logs, "%s/logs", home);
	cr_assert_eq(mkdir(logs, 0755), 0);
}

static void rmhome(void)
{
	char cmd[128];

	(void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
	cr_assert_eq(system(cmd), 0);
}

static void write_log(const char *text)
{
	char p[128];
	FILE *f;

	(void)snprintf(p, sizeof p, "%s/logs/error.log", home);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

TestSuite(lasterror, .init = mkhome, .fini = rmhome);

Test(lasterror, feed_keeps_the_last_nonempty_line)
{
	struct lasterr_line ll = { 0 };

	static const char a[] = "first\nsec", b[] = "ond\n\n\nthird, unfinished";

	lasterr_feed(&ll, a, strlen(a));
	lasterr_feed(&ll, b, strlen(b));
	cr_assert_str_eq(ll.last, "second");
	lasterr_feed(&ll, "\n", 1);
	cr_assert_str_eq(ll.last, "third, unfinished");
}

Test(lasterror, error_lines_of_the_log_oldest_first)
{
	struct lasterr_line ll = { 0 };
	char *s;

	lasterr_feed(&ll, "jail said this\n", 15);
	write_log("[x] [core:error] old one\n"
		  "[x] [mpm_prefork:notice] resuming\n"
		  "[x] [perl:error] Missing right curly at App.pm line 1\n"
		  "[x] [core:notice] noise\n"
		  "[x] [perl:error] Can't load Perl file: App.pm, exiting...\n");
	s = lasterr_describe(home, getuid(), 0, &ll);
	cr_assert_str_eq(s, "[x] [core:error] old one\n"
			    "[x] [perl:error] Missing right curly at App.pm line 1\n"
			    "[x] [perl:error] Can't load Perl file: App.pm, exiting...");
	free(s);
}

Test(lasterror, only_lines_after_the_mark_count)
{
	static const char old[] = "[x] [perl:error] from an earlier run\n";
	struct lasterr_line ll = { 0 };
	char *s;
	off_t mark;

	write_log(old);
	mark = lasterr_mark(home, getuid());
	cr_assert_eq(mark, (off_t)strlen(old));
	lasterr_feed(&ll, "AH00526: Syntax error on line 3\n", 32);
	s = lasterr_describe(home, getuid(), mark, &ll);
	cr_assert_str_eq(s, "AH00526: Syntax error on line 3",
			 "an earlier run's line is not this one's");
	free(s);
	/* Rotated meanwhile (smaller than the mark): all of it is new. */
	write_log("[x] [perl:error] new\n");
	s = lasterr_describe(home, getuid(), mark, &ll);
	cr_assert_str_eq(s, "[x] [perl:error] new");
	free(s);
}

Test(lasterror, no_error_line_gives_the_jail_line)
{
	struct lasterr_line ll = { 0 };
	char *s;

	lasterr_feed(&ll, "AH00526: Syntax error on line 3\n", 32);
	write_log("[x] [core:notice] nothing wrong\n");
	s = lasterr_describe(home, getuid(), 0, &ll);
	cr_assert_str_eq(s, "AH00526: Syntax error on line 3");
	free(s);
}

Test(lasterror, a_planted_link_or_foreign_file_is_not_read)
{
	struct lasterr_line ll = { 0 };
	char p[128];

	(void)snprintf(p, sizeof p, "%s/logs/error.log", home);
	cr_assert_eq(symlink("/etc/shadow", p), 0);
	cr_assert_null(lasterr_describe(home, getuid(), 0, &ll));
	cr_assert_eq(unlink(p), 0);
	write_log("[x] [perl:error] mine\n");
	cr_assert_null(lasterr_describe(home, getuid() + 1, 0, &ll), "another uid's file is read");
}

Test(lasterror, escapes_are_made_harmless_and_lines_cut)
{
	struct lasterr_line ll = { 0 };
	char big[1000];
	char *s;

	write_log("[x] [perl:error] \x1b]0;owned\x07 title\n");
	s = lasterr_describe(home, getuid(), 0, &ll);
	cr_assert_str_eq(s, "[x] [perl:error] \\x1b]0;owned\\x07 title");
	free(s);
	memset(big, 'a', sizeof big);
	big[sizeof big - 1] = '\0';
	lasterr_feed(&ll, big, strlen(big));
	lasterr_feed(&ll, "\n", 1);
	cr_assert_eq(strlen(ll.last), LASTERR_LINE_MAX);
}

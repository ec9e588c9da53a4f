/* SPDX-License-Identifier: GPL-2.0-or-later */
/* base/json: the one JSON string escaping (status.json, `status --json`,
 * `check --json`, `explain --json`) and its small helpers. */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include "admin/check.h"
#include "base/json.h"

/* What `call` wrote to f, a memory stream, as a new string. */
#define CAPTURE(call)                                   \
	({                                              \
		char *buf_ = NULL;                      \
		size_t len_ = 0;                        \
		FILE *f = open_memstream(&buf_, &len_); \
		cr_assert_not_null(f);                  \
		call;                                   \
		cr_assert_eq(fclose(f), 0);             \
		buf_;                                   \
	})

static void string_case(const char *in, const char *want)
{
	char *got = CAPTURE(json_string(f, in));

	cr_assert_str_eq(got, want, "in `%s`", want);
	free(got);
}

Test(string, quotes_backslash_and_named_escapes)
{
	string_case("plain", "\"plain\"");
	string_case("", "\"\"");
	string_case("a\"b", "\"a\\\"b\"");
	string_case("back\\slash", "\"back\\\\slash\"");
	string_case("line\nbreak\ttab\rcr", "\"line\\nbreak\\ttab\\rcr\"");
	string_case("</script>", "\"</script>\"");
}

Test(string, c0_and_del_as_unicode_escapes)
{
	string_case("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	string_case("\x1b[2J\x08\x07", "\"\\u001b[2J\\u0008\\u0007\"");
	string_case(" ~", "\" ~\"");
}

/* C1 controls arrive as valid UTF-8 and a terminal acts on them (U+009B
 * is CSI): escaped, so the object is inert on a terminal too. */
Test(string, c1_controls_are_escaped)
{
	string_case("a\xc2\x9b\x32J\xc2\x80\xc2\x9f\xc2\xa0z",
		    "\"a\\u009b2J\\u0080\\u009f\xc2\xa0z\"");
	string_case("\xc2\x85", "\"\\u0085\"");
	/* The first code points after C1 stay as they are. */
	string_case("\xc2\xa0\xc2\xbf\xc3\x80", "\"\xc2\xa0\xc2\xbf\xc3\x80\"");
}

Test(string, valid_utf8_is_kept)
{
	string_case("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	string_case("\xe2\x82\xac \xf0\x9f\x98\x80", "\"\xe2\x82\xac \xf0\x9f\x98\x80\"");
	string_case("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");         /* U+FFFD itself */
	string_case("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""); /* U+10FFFF */
}

/* One \ufffd per byte that does not start a valid sequence; the bytes
 * after it are looked at afresh. */
Test(string, invalid_utf8_becomes_replacement_characters)
{
	string_case("bad\xff", "\"bad\\ufffd\"");
	string_case("\xc3", "\"\\ufffd\"");                                  /* truncated */
	string_case("\xe2\x82", "\"\\ufffd\\ufffd\"");                       /* truncated */
	string_case("\xc3z", "\"\\ufffdz\"");                                /* cut short */
	string_case("\x80", "\"\\ufffd\"");                                  /* lone continuation */
	string_case("\x9b\x32J", "\"\\ufffd2J\"");                           /* raw 8-bit CSI */
	string_case("\xc0\xaf", "\"\\ufffd\\ufffd\"");                       /* overlong '/' */
	string_case("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");            /* overlong */
	string_case("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");            /* surrogate */
	string_case("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* > U+10FFFF */
	string_case("\xf5\xc3\xa9", "\"\\ufffd\xc3\xa9\"");                  /* resync */
}

Test(string, null_is_json_null)
{
	char *got = CAPTURE(json_string(f, NULL));

	cr_assert_str_eq(got, "null");
	free(got);
}

Test(strv, arrays)
{
	char *two[] = { "a", "b\"", NULL }, *none[] = { NULL };
	char *got = CAPTURE(json_strv(f, two));

	cr_assert_str_eq(got, "[\"a\",\"b\\\"\"]");
	free(got);
	got = CAPTURE(json_strv(f, none));
	cr_assert_str_eq(got, "[]");
	free(got);
	got = CAPTURE(json_strv(f, NULL));
	cr_assert_str_eq(got, "[]");
	free(got);
}

Test(u64, number_or_null)
{
	char *got = CAPTURE((json_u64(f, true, 0), fputc(',', f), json_u64(f, true, UINT64_MAX),
			     fputc(',', f), json_u64(f, false, 42)));

	cr_assert_str_eq(got, "0,18446744073709551615,null");
	free(got);
}

/* `check --json` quotes file contents and paths: the same escaping. */
Test(callers, check_report_escapes_c1_and_invalid_utf8)
{
	struct check_report r = { 0 };
	char *got;

	check_add(&r, CHECK_FAIL, "tenant:a", "jail tree `/x\xc2\x9b\xff`");
	got = CAPTURE(check_report_print(&r, true, f));
	cr_assert_str_eq(got, "{\"findings\":[{\"level\":\"FAIL\",\"subject\":\"tenant:a\","
			      "\"text\":\"jail tree `/x\\u009b\\ufffd`\"}],"
			      "\"ok\":0,\"warn\":0,\"fail\":1}\n");
	free(got);
	check_report_done(&r);
}

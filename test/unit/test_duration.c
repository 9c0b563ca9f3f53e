/*
 * test_duration.c — half-life texts: parsing, formatting, and that a
 * formatted duration always parses back to the same number of seconds
 * (the model document round trip depends on it).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "error.h"
#include "model.h"

static void
check_parse(int line, const char *text, double expected)
{
	ls_error	err;
	double		seconds = -1;

	if (!ls_duration_parse(text, &seconds, &err))
	{
		printf("#   line %d: \"%s\" refused: %s\n", line, text, err.msg);
		unit_current_failed = 1;
	}
	else if (seconds != expected)
	{
		printf("#   line %d: \"%s\" gave %.17g, expected %.17g\n",
			   line, text, seconds, expected);
		unit_current_failed = 1;
	}
}

static void
check_refused(int line, const char *text, const char *prefix)
{
	ls_error	err;
	double		seconds = 12345;

	if (ls_duration_parse(text, &seconds, &err))
	{
		printf("#   line %d: \"%s\" accepted as %.17g\n", line, text ? text : "(null)", seconds);
		unit_current_failed = 1;
		return;
	}
	if (err.kind != LS_ERR_SYNTAX || strncmp(err.msg, prefix, strlen(prefix)) != 0)
	{
		printf("#   line %d: got kind %d \"%s\", expected \"%s...\"\n",
			   line, (int) err.kind, err.msg, prefix);
		unit_current_failed = 1;
	}
	if (seconds != 12345)
	{
		printf("#   line %d: output written on failure\n", line);
		unit_current_failed = 1;
	}
}

static void
check_format(int line, double seconds, const char *expected)
{
	char		buf[64];

	ls_duration_format(seconds, buf, sizeof(buf));
	if (strcmp(buf, expected) != 0)
	{
		printf("#   line %d: %.17g formatted as \"%s\", expected \"%s\"\n",
			   line, seconds, buf, expected);
		unit_current_failed = 1;
	}
}

#define PARSE(text, seconds) check_parse(__LINE__, text, seconds)
#define REFUSED(text, prefix) check_refused(__LINE__, text, prefix)
#define FORMAT(seconds, text) check_format(__LINE__, seconds, text)

TEST(parse_units)
{
	PARSE("30 days", 30 * 86400.0);
	PARSE("12 hours", 12 * 3600.0);
	PARSE("90 min", 90 * 60.0);
	PARSE("3600 seconds", 3600);
	PARSE("1 week", 604800);
	PARSE("2 weeks", 1209600);
	PARSE("1 s", 1);
	PARSE("5 sec", 5);
	PARSE("5 secs", 5);
	PARSE("1 second", 1);
	PARSE("1 minute", 60);
	PARSE("3 minutes", 180);
	PARSE("2 mins", 120);
	PARSE("1 h", 3600);
	PARSE("2 hr", 7200);
	PARSE("2 hrs", 7200);
	PARSE("1 hour", 3600);
	PARSE("1 d", 86400);
	PARSE("1 day", 86400);
	PARSE("1 w", 604800);
	PARSE("3 WEEKS", 3 * 604800.0);
	PARSE("1 Day", 86400);
}

TEST(parse_forms)
{
	PARSE("1 week 2 days", 9 * 86400.0);
	PARSE("1 day 12 hours 30 minutes 15 seconds", 86400 + 12 * 3600 + 30 * 60 + 15);
	PARSE("1.5 days", 129600);
	PARSE("0.5 hours", 1800);
	PARSE(".5 min", 30);
	PARSE("30d", 30 * 86400.0);
	PARSE("1h30min", 5400);
	PARSE("  30   days  ", 30 * 86400.0);
	PARSE("\t2\tweeks\n", 1209600);
	PARSE("3600", 3600);
	PARSE("1.5", 1.5);
	PARSE("0", 0);
	PARSE("0 days", 0);
	PARSE("1e3 seconds", 1000);
	PARSE("2.5e-1 min", 15);
	PARSE("1 day 1 day", 2 * 86400.0);
}

TEST(parse_refusals)
{
	REFUSED("", "invalid duration \"\": expected a duration such as");
	REFUSED("   ", "invalid duration \"   \": expected a duration");
	REFUSED(NULL, "invalid duration: expected text");
	REFUSED("-5 days", "invalid duration \"-5 days\": must not be negative");
	REFUSED("5 days -1 hour", "invalid duration \"5 days -1 hour\": must not be negative");
	REFUSED("-3", "invalid duration \"-3\": must not be negative");
	REFUSED("NaN", "invalid duration \"NaN\": expected a number");
	REFUSED("nan seconds", "invalid duration \"nan seconds\": expected a number");
	REFUSED("inf days", "invalid duration \"inf days\": expected a number");
	REFUSED("infinity", "invalid duration \"infinity\": expected a number");
	REFUSED("30 fortnights", "invalid duration \"30 fortnights\": unknown unit \"fortnights\" (expected seconds, minutes, hours, days or weeks)");
	REFUSED("3 months", "invalid duration \"3 months\": \"months\" has no fixed length (use days or weeks)");
	REFUSED("1 year", "invalid duration \"1 year\": \"year\" has no fixed length");
	REFUSED("5 m", "invalid duration \"5 m\": \"m\" is ambiguous (write min or minutes)");
	REFUSED("days", "invalid duration \"days\": expected a number");
	REFUSED("1 week 2", "invalid duration \"1 week 2\": expected a unit after the number");
	REFUSED("2 3", "invalid duration \"2 3\": expected a unit after the number");
	REFUSED("0x10 days", "invalid duration \"0x10 days\": malformed number");
	REFUSED("1. days", "invalid duration \"1. days\": malformed number");
	REFUSED("+5 days", "invalid duration \"+5 days\": expected a number");
	REFUSED("5 days, 2 hours", "invalid duration \"5 days, 2 hours\": unexpected \", 2 hours\" after a unit");
	REFUSED("1e400 seconds", "invalid duration \"1e400 seconds\": is too large");
	REFUSED("1e308 weeks", "invalid duration \"1e308 weeks\": is too large");
}

TEST(format)
{
	FORMAT(2592000, "30 days");
	FORMAT(3600, "1 hour");
	FORMAT(5400, "90 minutes");
	FORMAT(1.5, "1.5 seconds");
	FORMAT(0, "0 seconds");
	FORMAT(1, "1 second");
	FORMAT(60, "1 minute");
	FORMAT(86400, "1 day");
	FORMAT(604800, "1 week");
	FORMAT(1209600, "2 weeks");
	FORMAT(129600, "36 hours");
	FORMAT(90061, "90061 seconds");
	FORMAT(0.1, "0.1 seconds");
	FORMAT(1e20, "1e+20 seconds");

	/* a short buffer is cut, never overrun */
	{
		char		small[6];

		memset(small, 'x', sizeof(small));
		ls_duration_format(2592000, small, sizeof(small));
		CHECK(strlen(small) == 5);
	}
}

/* format then parse gives the same double, for all kinds of values */
TEST(format_parse_round_trip)
{
	static const double fixed[] = {
		0, 1, 1.5, 0.1, 59, 60, 61, 3599, 3600, 86399, 86400, 604800,
		2592000, 31536000, 1e-9, 123.456, 1e15, 1e20, 9007199254740993.0,
		1.7976931348623157e308 / 604800, 5e-324, 4.9e-7
	};
	unsigned int seed = 12345;
	size_t		i;
	int			bad = 0;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + 20000; i++)
	{
		double		v;
		double		back = -1;
		char		buf[64];
		ls_error	err;

		if (i < sizeof(fixed) / sizeof(fixed[0]))
			v = fixed[i];
		else
		{
			/* whole units, fractions and raw doubles of every scale */
			seed = seed * 1103515245u + 12345u;
			switch (seed % 4)
			{
				case 0:
					v = (double) (seed % 1000) * 86400.0;
					break;
				case 1:
					v = (double) (seed % 100000);
					break;
				case 2:
					v = (double) seed / 7.0;
					break;
				default:
					v = ldexp((double) (seed % 1000003), (int) (seed % 120) - 60);
					break;
			}
		}
		ls_duration_format(v, buf, sizeof(buf));
		if (!ls_duration_parse(buf, &back, &err) || back != v)
		{
			if (bad++ < 5)
				printf("#   %.17g -> \"%s\" -> %.17g\n", v, buf, back);
			unit_current_failed = 1;
		}
	}
}

int
main(void)
{
	RUN(parse_units);
	RUN(parse_forms);
	RUN(parse_refusals);
	RUN(format);
	RUN(format_parse_round_trip);
	return UNIT_DONE();
}

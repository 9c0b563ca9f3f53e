/*
 * unit.h — the smallest test harness that prints TAP.
 *
 * Each TEST(name) is a function; RUN(name) runs it and prints
 * "ok N - name" or "not ok N - name" with the failed checks above it.
 * UNIT_DONE() prints the plan and returns the exit code, so the top-level
 * runner (test/run-all) can count results per test like every other kind.
 */
#ifndef LS_UNIT_H
#define LS_UNIT_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int	unit_count;
static int	unit_failed_tests;
static int	unit_current_failed;

#define CHECK(cond) do { \
	if (!(cond)) { \
		printf("#   %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		unit_current_failed = 1; \
	} } while (0)

#define CHECK_STR(a, b) do { \
	const char *a_ = (a), *b_ = (b); \
	if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) { \
		printf("#   %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
			   a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
		unit_current_failed = 1; \
	} } while (0)

#define CHECK_CONTAINS(hay, needle) do { \
	const char *h_ = (hay), *n_ = (needle); \
	if (h_ == NULL || strstr(h_, n_) == NULL) { \
		printf("#   %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, \
			   h_ ? h_ : "(null)", n_); \
		unit_current_failed = 1; \
	} } while (0)

#define CHECK_NEAR(a, b, tol) do { \
	double a_ = (a), b_ = (b); \
	if (!(fabs(a_ - b_) <= (tol))) { \
		printf("#   %s:%d: %.17g != %.17g (tolerance %g)\n", __FILE__, __LINE__, \
			   a_, b_, (double) (tol)); \
		unit_current_failed = 1; \
	} } while (0)

#define TEST(name) static void test_##name(void)

#define RUN(name) do { \
	unit_current_failed = 0; \
	test_##name(); \
	unit_count++; \
	if (unit_current_failed) unit_failed_tests++; \
	printf("%s %d - %s\n", unit_current_failed ? "not ok" : "ok", unit_count, #name); \
	fflush(stdout); \
} while (0)

#define UNIT_DONE() (printf("1..%d\n", unit_count), unit_failed_tests ? 1 : 0)

#endif

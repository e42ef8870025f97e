/*
 * test.h: a small test registry in the spirit of libuv's test-list.h.
 *
 * TEST(name) { ... } defines and registers a test.  CHECK(cond) and the typed CHECK_EQ
 * variants print both sides and the place on failure and end that test; the runner
 * (tests/unit/main.c) runs every test (or those whose names contain argv[1]), each in a
 * fresh fork with a watchdog, and ends with the line "N passed, N failed".
 */
#ifndef FW_TEST_H
#define FW_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*fw_test_fn)(void);
void fw_test_register(const char *name, fw_test_fn fn);
void fw_test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

#define TEST(name)                                                                  \
	static void test_##name(void);                                              \
	__attribute__((constructor)) static void test_reg_##name(void)              \
	{                                                                           \
		fw_test_register(#name, test_##name);                               \
	}                                                                           \
	static void test_##name(void)

#define CHECK(c)                                                                    \
	do {                                                                        \
		if (!(c))                                                           \
			fw_test_fail(__FILE__, __LINE__, "CHECK(%s)", #c);          \
	} while (0)

#define CHECK_INT(a, op, b)                                                         \
	do {                                                                        \
		long long a_ = (long long)(a), b_ = (long long)(b);                 \
		if (!(a_ op b_))                                                    \
			fw_test_fail(__FILE__, __LINE__, "%s %s %s: %lld vs %lld",  \
				     #a, #op, #b, a_, b_);                          \
	} while (0)

#define CHECK_EQ(a, b) CHECK_INT(a, ==, b)

#define CHECK_STR(a, b)                                                             \
	do {                                                                        \
		const char *a_ = (a), *b_ = (b);                                    \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                              \
			fw_test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" vs \"%s\"", \
				     #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
	} while (0)

#endif

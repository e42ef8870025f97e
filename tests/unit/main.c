/*
 * main.c: runs the registered unit tests.
 *
 * Each test runs in a forked child with a 60 s watchdog, so a crash or a hang in one test is
 * reported as that test's failure and the others still run.  A test passes when its child
 * exits 0.  The last line is "N passed, N failed".
 */
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

#define MAX_TESTS 2048

static struct {
	const char *name;
	fw_test_fn fn;
} tests[MAX_TESTS];
static int ntests;

void fw_test_register(const char *name, fw_test_fn fn)
{
	if (ntests < MAX_TESTS) {
		tests[ntests].name = name;
		tests[ntests].fn = fn;
		ntests++;
	}
}

void fw_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "  %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	_exit(1);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	const char *filter = argc > 1 ? argv[1] : NULL;

	qsort(tests, ntests, sizeof tests[0], cmp_name);
	for (int i = 0; i < ntests; i++) {
		if (filter && !strstr(tests[i].name, filter))
			continue;
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			alarm(60);
			tests[i].fn();
			fflush(NULL);
			_exit(0);
		}
		int st;
		while (waitpid(pid, &st, 0) < 0)
			;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			passed++;
			printf("ok   %s\n", tests[i].name);
		} else {
			failed++;
			if (WIFSIGNALED(st))
				printf("FAIL %s (signal %d)\n", tests[i].name, WTERMSIG(st));
			else
				printf("FAIL %s\n", tests[i].name);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

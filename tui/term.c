/*
 * term.c: taking the terminal and giving it back (term.h).
 *
 * The fatal-signal path cannot call endwin() (not async-signal-safe), so term_start keeps
 * what it needs ready: the termios settings from before curses, and the terminal's own
 * strings to leave the alternate screen, show the cursor and reset attributes (rmcup, cnorm,
 * sgr0, rmkx from terminfo).  The handler writes those, restores the modes, gives stderr
 * back, and re-raises the signal with the handler that was there before (so a sanitizer's
 * report, or a core dump, still happens).
 */
#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

#include "term.h"

static bool up;
static SCREEN *scr;
static struct termios saved_tio;
static bool have_tio;
static char restore_seq[256];
static size_t restore_len;
static int saved_err = -1;             /* the real stderr while it is captured */
static int capture_fd = -1;            /* the temporary file it goes to */
static bool atexit_done;

static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT };
static struct sigaction old_act[sizeof fatal / sizeof fatal[0]];

/* Copy the captured stderr to the real one (async-signal-safe). */
static void replay_capture(void)
{
	char buf[4096];
	ssize_t n;
	if (capture_fd < 0 || saved_err < 0)
		return;
	if (lseek(capture_fd, 0, SEEK_SET) < 0)
		return;
	while ((n = read(capture_fd, buf, sizeof buf)) > 0) {
		ssize_t off = 0;
		while (off < n) {
			ssize_t k = write(saved_err, buf + off, (size_t)(n - off));
			if (k <= 0)
				return;
			off += k;
		}
	}
}

int term_capture_stderr(void)
{
	char path[] = "/tmp/finwave-stderr.XXXXXX";
	if (capture_fd >= 0)
		return 0;
	fflush(stderr);
	int fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	unlink(path);
	saved_err = dup(2);
	if (saved_err < 0 || dup2(fd, 2) < 0) {
		int e = errno;
		close(fd);
		if (saved_err >= 0)
			close(saved_err);
		saved_err = -1;
		return -e;
	}
	capture_fd = fd;
	return 0;
}

void term_release_stderr(void)
{
	if (capture_fd < 0)
		return;
	fflush(stderr);
	dup2(saved_err, 2);
	replay_capture();
	close(capture_fd);
	close(saved_err);
	capture_fd = saved_err = -1;
}

static void fatal_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (up) {
		if (restore_len && write(STDOUT_FILENO, restore_seq, restore_len) < 0)
			restore_len = 0;
		if (have_tio)
			tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
		up = false;
	}
	if (capture_fd >= 0 && saved_err >= 0) {
		dup2(saved_err, 2);
		replay_capture();
	}
	for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
		if (fatal[i] == sig)
			sigaction(sig, &old_act[i], NULL);
	/* A real fault re-runs the faulting instruction into the old handler; a signal that
	 * was sent (kill, raise, abort) is sent again. */
	bool fault = sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL;
	if (!fault || !si || si->si_code <= 0)
		raise(sig);
}

static void atexit_cb(void)
{
	term_stop();
	term_release_stderr();
}

static void add_cap(const char *name)
{
	char *s = tigetstr(name);
	if (!s || s == (char *)-1)
		return;
	size_t n = strlen(s);
	if (restore_len + n < sizeof restore_seq) {
		memcpy(restore_seq + restore_len, s, n);
		restore_len += n;
	}
}

int term_start(void)
{
	if (up)
		return 0;
	have_tio = tcgetattr(STDIN_FILENO, &saved_tio) == 0;
	scr = newterm(NULL, stdout, stdin);
	if (!scr)
		return -ENOTTY;
	set_term(scr);
	up = true;
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	meta(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	leaveok(stdscr, FALSE);

	restore_len = 0;
	add_cap("sgr0");
	add_cap("cnorm");
	add_cap("rmkx");
	add_cap("rmcup");
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = fatal_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
		sigaction(fatal[i], &sa, &old_act[i]);
	if (!atexit_done) {
		atexit(atexit_cb);
		atexit_done = true;
	}
	return 0;
}

void term_stop(void)
{
	if (!up)
		return;
	up = false;
	curs_set(1);
	endwin();
	for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
		sigaction(fatal[i], &old_act[i], NULL);
	if (have_tio)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	fflush(stdout);
	delscreen(scr);
	scr = NULL;
}

bool term_is_up(void)
{
	return up;
}

bool term_size(int *rows, int *cols)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 || ws.ws_col == 0)
		return false;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return true;
}

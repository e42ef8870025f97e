/*
 * prompt.c: GNU readline inside curses (prompt.h), after the readline-and-ncurses pattern:
 * readline's callback interface, an input queue that rl_getc_function reads from, our own
 * rl_redisplay_function, no terminal preparation, no signal handling, no environment
 * changes, and completion that reports its matches to the screen instead of printing them.
 *
 * Keys arrive from curses already decoded (KEY_LEFT ...); they are turned back into the
 * byte sequences readline binds ("\033[D") and queued whole, so readline never waits for a
 * byte that is not there.  A line readline accepts is kept until rl_callback_read_char has
 * returned and only then handed over, because readline resets its line buffer after the
 * handler returns (which would wipe a line the screen puts back after an error).
 */
#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <wchar.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "i18n.h"
#include "prompt.h"
#include "script.h"

#define QUEUE_MAX 64
#define HINT_MAX  512

static struct prompt_cb cb;
static bool inited, active;
static unsigned char queue[QUEUE_MAX];
static int qhead, qlen;
static char *accepted;                 /* a line readline handed over, not yet delivered */
static bool got_line, got_eof;
static char hint[HINT_MAX];
static enum prompt_hint_kind hint_kind;
static char history_path[PATH_MAX];
static FILE *devnull;

/* Words of the screen itself, completed at the start of a line with the language's. */
static const char *const screen_words[] = { "restart", "help", "quit" };

static void changed(void)
{
	if (cb.changed)
		cb.changed(cb.ud);
}

static int getc_cb(FILE *f)
{
	(void)f;
	if (qlen == 0)
		return EOF;
	int c = queue[qhead];
	qhead = (qhead + 1) % QUEUE_MAX;
	qlen--;
	return c;
}

static int input_available_cb(void)
{
	return qlen > 0;
}

static void push(const char *bytes, size_t n)
{
	for (size_t i = 0; i < n && qlen < QUEUE_MAX; i++) {
		queue[(qhead + qlen) % QUEUE_MAX] = (unsigned char)bytes[i];
		qlen++;
	}
}

/* What the language expects at the cursor, as the hint line shows it. */
static void update_hint(void)
{
	char line[1024], h[HINT_MAX - 32];
	int n = rl_point < (int)sizeof line - 1 ? rl_point : (int)sizeof line - 1;
	memcpy(line, rl_line_buffer ? rl_line_buffer : "", (size_t)n);
	line[n] = '\0';
	hint_kind = PH_EXPECT;
	hint[0] = '\0';
	if (script_complete(line, NULL, 0, h, sizeof h) >= 0 && h[0])
		snprintf(hint, sizeof hint, "%s: %s", i18n(S_EXPECTED), h);
}

static void redisplay_cb(void)
{
	if (hint_kind == PH_EXPECT)
		update_hint();
	changed();
}

static void line_cb(char *line)
{
	/* readline is done with this line: stop it, deliver once it has returned */
	rl_callback_handler_remove();
	active = false;
	free(accepted);
	accepted = line;
	got_line = line != NULL;
	got_eof = line == NULL;
}

static void display_matches_cb(char **matches, int num, int max_len)
{
	(void)max_len;
	size_t o = 0;
	hint[0] = '\0';
	for (int i = 1; i <= num && o + 4 < sizeof hint; i++)
		o += (size_t)snprintf(hint + o, sizeof hint - o, "%s%s", i > 1 ? "  " : "",
				      matches[i]);
	hint_kind = PH_LIST;
	changed();
}

static bool prefix_ci(const char *w, const char *p, size_t n)
{
	return strncasecmp(w, p, n) == 0;
}

/* readline's completion: the words the command table accepts here. */
static char **complete_cb(const char *text, int start, int end)
{
	const char *cands[64];
	char line[1024];
	(void)start;
	rl_attempted_completion_over = 1;
	int n = end < (int)sizeof line - 1 ? end : (int)sizeof line - 1;
	memcpy(line, rl_line_buffer, (size_t)n);
	line[n] = '\0';
	int total = script_complete(line, cands, 60, NULL, 0);
	if (total > 60)
		total = 60;
	if (total < 0)
		total = 0;
	/* the screen's own words, at the start of the line */
	bool first = strspn(line, " ") + strlen(text) == strlen(line);
	for (size_t i = 0; first && i < sizeof screen_words / sizeof screen_words[0]; i++)
		if (prefix_ci(screen_words[i], text, strlen(text)) && total < 64)
			cands[total++] = screen_words[i];
	if (total == 0)
		return NULL;
	char **m = calloc((size_t)total + 2, sizeof *m);
	if (!m)
		return NULL;
	for (int i = 0; i < total; i++)
		m[i + 1] = strdup(cands[i]);
	/* matches[0]: what replaces the word, the longest common prefix */
	size_t lcp = strlen(cands[0]);
	for (int i = 1; i < total; i++) {
		size_t k = 0;
		while (k < lcp && cands[i][k] && cands[i][k] == cands[0][k])
			k++;
		lcp = k;
	}
	if (total == 1) {
		m[0] = m[1];
		m[1] = NULL;
	} else {
		m[0] = lcp >= strlen(text) ? strndup(cands[0], lcp) : strdup(text);
	}
	return m;
}

const char *prompt_history_path(void)
{
	if (history_path[0])
		return history_path;
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char dir[PATH_MAX];
	if (state && state[0] == '/')
		snprintf(dir, sizeof dir, "%s/finwave", state);
	else if (home && home[0])
		snprintf(dir, sizeof dir, "%s/.local/state/finwave", home);
	else
		return NULL;
	/* mkdir -p, quietly: no history is no disaster */
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0700);
		*p = '/';
	}
	mkdir(dir, 0700);
	int n = snprintf(history_path, sizeof history_path, "%s/history", dir);
	if (n < 0 || n >= (int)sizeof history_path)
		history_path[0] = '\0';
	return history_path[0] ? history_path : NULL;
}

void prompt_init(const char *history, const struct prompt_cb *c)
{
	cb = *c;
	if (inited)
		return;
	inited = true;
	devnull = fopen("/dev/null", "w");
	rl_readline_name = "finwave";
	rl_instream = stdin;
	rl_outstream = devnull ? devnull : stderr;
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_prep_term_function = NULL;
	rl_deprep_term_function = NULL;
	rl_getc_function = getc_cb;
	rl_input_available_hook = input_available_cb;
	rl_redisplay_function = redisplay_cb;
	rl_attempted_completion_function = complete_cb;
	rl_completion_display_matches_hook = display_matches_cb;
	rl_completer_word_break_characters = " \t";
	rl_completer_quote_characters = "\"";
	rl_completion_query_items = 10000;
	rl_sort_completion_matches = 0;
	rl_variable_bind("bell-style", "none");
	rl_variable_bind("horizontal-scroll-mode", "on");
	using_history();
	stifle_history(1000);
	if (history) {
		if (history != history_path)
			snprintf(history_path, sizeof history_path, "%s", history);
		read_history(history_path);
	}
	rl_initialize();
	rl_bind_keyseq("\\e[3~", rl_delete);
	rl_bind_keyseq("\\e[H", rl_beg_of_line);
	rl_bind_keyseq("\\e[F", rl_end_of_line);
}

void prompt_done(void)
{
	if (!inited)
		return;
	if (active)
		rl_callback_handler_remove();
	active = false;
	if (history_path[0])
		history_truncate_file(history_path, 1000);
	free(accepted);
	accepted = NULL;
	if (devnull) {
		rl_outstream = stderr;
		fclose(devnull);
		devnull = NULL;
	}
}

void prompt_open(const char *text, int col)
{
	if (active)
		return;
	qhead = qlen = 0;
	rl_callback_handler_install("", line_cb);
	active = true;
	if (text && *text) {
		rl_insert_text(text);
		if (col > 0) {
			/* column (characters) to byte offset */
			mbstate_t st;
			memset(&st, 0, sizeof st);
			int b = 0, k = 1;
			while (rl_line_buffer[b] && k < col) {
				size_t n = mbrlen(rl_line_buffer + b, MB_CUR_MAX, &st);
				if (n == 0 || n == (size_t)-1 || n == (size_t)-2)
					n = 1;
				b += (int)n;
				k++;
			}
			rl_point = b;
		}
	}
	hint_kind = PH_EXPECT;
	update_hint();
	changed();
}

void prompt_cancel(void)
{
	if (!active)
		return;
	rl_replace_line("", 0);
	rl_callback_handler_remove();
	active = false;
	hint[0] = '\0';
	changed();
}

bool prompt_active(void)
{
	return active;
}

/* Deliver a line readline accepted, now that it has returned. */
static void deliver(void)
{
	if (got_eof) {
		got_eof = false;
		hint[0] = '\0';
		changed();
		return;
	}
	if (!got_line)
		return;
	got_line = false;
	char *line = accepted;
	accepted = NULL;
	hint[0] = '\0';
	const char *p = line + strspn(line, " \t");
	if (*p) {
		HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1)
						      : NULL;
		if (!last || strcmp(last->line, line) != 0) {
			add_history(line);
			if (history_path[0]) {
				struct stat sb;
				if (stat(history_path, &sb) == 0)
					append_history(1, history_path);
				else
					write_history(history_path);
			}
		}
	}
	if (cb.line)
		cb.line(cb.ud, line);
	free(line);
	changed();
}

void prompt_key(int ch, bool fkey)
{
	char buf[MB_LEN_MAX + 1];
	const char *seq = NULL;
	if (!active)
		return;
	if (fkey) {
		switch (ch) {
		case KEY_LEFT: seq = "\033[D"; break;
		case KEY_RIGHT: seq = "\033[C"; break;
		case KEY_UP: seq = "\033[A"; break;
		case KEY_DOWN: seq = "\033[B"; break;
		case KEY_HOME: seq = "\033[H"; break;
		case KEY_END: seq = "\033[F"; break;
		case KEY_DC: seq = "\033[3~"; break;
		case KEY_BACKSPACE: seq = "\177"; break;
		case KEY_ENTER: seq = "\r"; break;
		default: return;
		}
		push(seq, strlen(seq));
	} else {
		mbstate_t st;
		memset(&st, 0, sizeof st);
		size_t n = wcrtomb(buf, (wchar_t)ch, &st);
		if (n == (size_t)-1)
			return;
		push(buf, n);
	}
	if (ch != '\t' || hint_kind == PH_ERROR)
		hint_kind = PH_EXPECT;
	while (qlen > 0 && active)
		rl_callback_read_char();
	qhead = qlen = 0;
	deliver();
}

const char *prompt_text(int *point)
{
	if (!active || !rl_line_buffer) {
		*point = 0;
		return "";
	}
	*point = rl_point;
	return rl_line_buffer;
}

const char *prompt_hint(enum prompt_hint_kind *kind)
{
	*kind = hint_kind;
	return hint;
}

void prompt_set_error(const char *msg)
{
	snprintf(hint, sizeof hint, "%s", msg);
	hint_kind = PH_ERROR;
	changed();
}

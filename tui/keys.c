/*
 * keys.c: the key table (keys.h).
 *
 * Lower case acts on the client, upper case on the server (c / C close, k / K kill ...).
 * The required classroom keys are here too: q quits, ? helps, : opens the prompt, space
 * pauses and resumes.  A lesson has a small table of its own (next, previous, replay, take
 * over, answers) in front of the watching keys of free play.
 */
#define NCURSES_WIDECHAR 1
#include <curses.h>

#include <string.h>

#include "keys.h"

#define CTRL(c) ((c) & 0x1f)

static const struct key_def table[] = {
	/* the clock */
	{ { ' ' }, "space", KA_PAUSE, NULL, S_K_PAUSE, S_KEYS_SECTION_CLOCK, false },
	{ { '.', 'n' }, ". n", KA_CMD, "step", S_K_STEP, S_KEYS_SECTION_CLOCK, false },
	{ { '+', '=' }, "+", KA_FASTER, NULL, S_K_FASTER, S_KEYS_SECTION_CLOCK, false },
	{ { '-', '_' }, "-", KA_SLOWER, NULL, S_K_SLOWER, S_KEYS_SECTION_CLOCK, false },
	{ { 'f' }, "f", KA_FOLLOW, NULL, S_K_FOLLOW, S_KEYS_SECTION_CLOCK, false },
	/* the connection */
	{ { 'c' }, "c", KA_CMD, "client close", S_K_CLOSE_C, S_KEYS_SECTION_TCP, false },
	{ { 'C' }, "C", KA_CMD, "server close", S_K_CLOSE_S, S_KEYS_SECTION_TCP, false },
	{ { 'w' }, "w", KA_CMD, "client shutdown wr", S_K_SHUT_C, S_KEYS_SECTION_TCP, false },
	{ { 'W' }, "W", KA_CMD, "server shutdown wr", S_K_SHUT_S, S_KEYS_SECTION_TCP, false },
	{ { 'a' }, "a", KA_CMD, "client abort", S_K_ABORT_C, S_KEYS_SECTION_TCP, false },
	{ { 'A' }, "A", KA_CMD, "server abort", S_K_ABORT_S, S_KEYS_SECTION_TCP, false },
	{ { 's' }, "s", KA_CMD, "client send 100", S_K_SEND_C, S_KEYS_SECTION_TCP, false },
	{ { 'S' }, "S", KA_CMD, "server send 100", S_K_SEND_S, S_KEYS_SECTION_TCP, false },
	{ { 'v' }, "v", KA_CMD, "client recv", S_K_RECV_C, S_KEYS_SECTION_TCP, false },
	{ { 'V' }, "V", KA_CMD, "server recv", S_K_RECV_S, S_KEYS_SECTION_TCP, false },
	/* faults */
	{ { 'd' }, "d", KA_CMD, "drop next", S_K_DROP, S_KEYS_SECTION_FAULT, false },
	{ { '1' }, "1-4", KA_CMD, "drop wave 1", S_K_WAVE, S_KEYS_SECTION_FAULT, false },
	{ { '2' }, "2", KA_CMD, "drop wave 2", S_K_WAVE, S_KEYS_SECTION_FAULT, true },
	{ { '3' }, "3", KA_CMD, "drop wave 3", S_K_WAVE, S_KEYS_SECTION_FAULT, true },
	{ { '4' }, "4", KA_CMD, "drop wave 4", S_K_WAVE, S_KEYS_SECTION_FAULT, true },
	{ { 'h' }, "h", KA_CMD, "heal", S_K_HEAL, S_KEYS_SECTION_FAULT, false },
	{ { 'k' }, "k", KA_CMD, "kill client", S_K_KILL_C, S_KEYS_SECTION_FAULT, false },
	{ { 'K' }, "K", KA_CMD, "kill server", S_K_KILL_S, S_KEYS_SECTION_FAULT, false },
	{ { 'x' }, "x", KA_CMD, "crash client", S_K_CRASH_C, S_KEYS_SECTION_FAULT, false },
	{ { 'X' }, "X", KA_CMD, "crash server", S_K_CRASH_S, S_KEYS_SECTION_FAULT, false },
	{ { 'b' }, "b", KA_CMD, "reboot client", S_K_BOOT_C, S_KEYS_SECTION_FAULT, false },
	{ { 'B' }, "B", KA_CMD, "reboot server", S_K_BOOT_S, S_KEYS_SECTION_FAULT, false },
	/* the view and the screen */
	{ { 't', KEY_F(2) }, "t F2", KA_DIAGRAM, NULL, S_K_DIAGRAM, S_KEYS_SECTION_VIEW, false },
	{ { 'p', KEY_F(3) }, "p F3", KA_PRESENT, NULL, S_K_PRESENT, S_KEYS_SECTION_VIEW, false },
	{ { KEY_UP, KEY_DOWN }, "Up Down", KA_UP, NULL, S_K_SCROLL, S_KEYS_SECTION_VIEW, false },
	{ { KEY_DOWN }, "Down", KA_DOWN, NULL, S_K_SCROLL, S_KEYS_SECTION_VIEW, true },
	{ { KEY_PPAGE, KEY_NPAGE }, "PgUp PgDn", KA_PGUP, NULL, S_K_SCROLL, S_KEYS_SECTION_VIEW,
	  false },
	{ { KEY_NPAGE }, "PgDn", KA_PGDN, NULL, S_K_SCROLL, S_KEYS_SECTION_VIEW, true },
	{ { KEY_HOME }, "Home", KA_HOME, NULL, S_K_SCROLL, S_KEYS_SECTION_VIEW, true },
	{ { KEY_END }, "End", KA_END, NULL, S_K_FOLLOW_END, S_KEYS_SECTION_VIEW, false },
	{ { 'l', KEY_F(4) }, "l F4", KA_KERNEL, NULL, S_K_KERNEL, S_KEYS_SECTION_VIEW, false },
	{ { 'r', KEY_F(5) }, "r F5", KA_RESTART, NULL, S_K_RESTART, S_KEYS_SECTION_VIEW, false },
	{ { CTRL('l') }, "Ctrl-L", KA_REDRAW, NULL, S_K_REDRAW, S_KEYS_SECTION_VIEW, false },
	{ { '?', KEY_F(1) }, "? F1", KA_HELP, NULL, S_K_HELP, S_KEYS_SECTION_VIEW, false },
	{ { ':' }, ":", KA_PROMPT, NULL, S_K_PROMPT, S_KEYS_SECTION_VIEW, false },
	{ { 'q', CTRL('c') }, "q Ctrl-C", KA_QUIT, NULL, S_K_QUIT, S_KEYS_SECTION_VIEW, false },
};

const struct key_def *keys_table(int *n)
{
	*n = (int)(sizeof table / sizeof table[0]);
	return table;
}

const struct key_def *keys_find(int key)
{
	/* The first entry that lists the key; hidden entries only add keys of their own. */
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		const struct key_def *d = &table[i];
		if (d->action == KA_UP && key == KEY_DOWN)
			continue;              /* listed with Up for the help; Down has its own */
		if (d->action == KA_PGUP && key == KEY_NPAGE)
			continue;
		for (int k = 0; k < KEYS_PER_DEF && d->keys[k]; k++)
			if (d->keys[k] == key)
				return d;
	}
	return NULL;
}

static const struct key_def lesson_table[] = {
	{ { KEY_RIGHT, '\n', 'n' }, "→ Enter n", KA_L_NEXT, NULL, S_K_L_NEXT, S_KEYS_SECTION_LESSON,
	  false },
	{ { KEY_ENTER, '\r' }, "Enter", KA_L_NEXT, NULL, S_K_L_NEXT, S_KEYS_SECTION_LESSON, true },
	{ { KEY_LEFT, 'p' }, "← p", KA_L_PREV, NULL, S_K_L_PREV, S_KEYS_SECTION_LESSON, false },
	{ { 'r' }, "r", KA_L_REPLAY, NULL, S_K_L_REPLAY, S_KEYS_SECTION_LESSON, false },
	{ { 't' }, "t", KA_L_TAKE, NULL, S_K_L_TAKE, S_KEYS_SECTION_LESSON, false },
	{ { 'T', 27 }, "Esc T", KA_L_BACK, NULL, S_K_L_BACK, S_KEYS_SECTION_LESSON, false },
	{ { 'L' }, "L", KA_L_LANG, NULL, S_K_L_LANG, S_KEYS_SECTION_LESSON, false },
	{ { '1' }, "1-9", KA_L_ANSWER, NULL, S_K_L_ANSWER, S_KEYS_SECTION_LESSON, false },
	{ { '2' }, "2", KA_L_ANSWER, NULL, S_K_L_ANSWER, S_KEYS_SECTION_LESSON, true },
	{ { '3' }, "3", KA_L_ANSWER, NULL, S_K_L_ANSWER, S_KEYS_SECTION_LESSON, true },
	{ { '4' }, "4", KA_L_ANSWER, NULL, S_K_L_ANSWER, S_KEYS_SECTION_LESSON, true },
	{ { '5' }, "5", KA_L_ANSWER, NULL, S_K_L_ANSWER, S_KEYS_SECTION_LESSON, true },
	{ { '6' }, "6", KA_L_ANSWER, NULL, S_K_L_ANSWER, S_KEYS_SECTION_LESSON, true },
	{ { '7' }, "7", KA_L_ANSWER, NULL, S_K_L_ANSWER, S_KEYS_SECTION_LESSON, true },
	{ { '8' }, "8", KA_L_ANSWER, NULL, S_K_L_ANSWER, S_KEYS_SECTION_LESSON, true },
	{ { '9' }, "9", KA_L_ANSWER, NULL, S_K_L_ANSWER, S_KEYS_SECTION_LESSON, true },
	{ { '0' }, "0", KA_L_REVEAL, NULL, S_K_L_REVEAL, S_KEYS_SECTION_LESSON, false },
	{ { 'q' }, "q", KA_L_HOME, NULL, S_K_L_HOME, S_KEYS_SECTION_LESSON, false },
};

const struct key_def *keys_lesson_table(int *n)
{
	*n = (int)(sizeof lesson_table / sizeof lesson_table[0]);
	return lesson_table;
}

const struct key_def *keys_find_lesson(int key)
{
	for (size_t i = 0; i < sizeof lesson_table / sizeof lesson_table[0]; i++)
		for (int k = 0; k < KEYS_PER_DEF && lesson_table[i].keys[k]; k++)
			if (lesson_table[i].keys[k] == key)
				return &lesson_table[i];
	const struct key_def *d = keys_find(key);
	if (!d)
		return NULL;
	switch (d->action) {
	case KA_CMD:
		/* of the commands only the clock's step watches without changing anything */
		return d->cmd && strcmp(d->cmd, "step") == 0 ? d : NULL;
	case KA_RESTART:
	case KA_PROMPT:
		return NULL;
	default:
		return d;
	}
}

static const double ladder[] = { 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000 };

double keys_speed_step(double x, bool up)
{
	int n = (int)(sizeof ladder / sizeof ladder[0]);
	if (up) {
		for (int i = 0; i < n; i++)
			if (ladder[i] > x * 1.001)
				return ladder[i];
		return ladder[n - 1];
	}
	for (int i = n - 1; i >= 0; i--)
		if (ladder[i] < x * 0.999)
			return ladder[i];
	return ladder[0];
}

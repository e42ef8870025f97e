/*
 * pane_header.c: the three one-line panes: the header (what is playing, the virtual clock,
 * the speed, the PAUSED mark), the key help line, and the status line that turns into the
 * prompt when `:` is pressed.
 *
 * The PAUSED mark is a word and a symbol ("‖ PAUSED") as well as a colour, so it reads
 * without colour too; the same goes for the running and fast-forward marks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "keys.h"
#include "prompt.h"
#include "screen.h"

/* "1×", "0.25×", "1000×". */
static const char *speed_str(double x, char *buf, size_t cap)
{
	const char *times = theme_utf8() ? "×" : "x";
	if (x >= 10 || (x >= 1 && x == (double)(long)x))
		snprintf(buf, cap, "%.0f%s", x, times);
	else
		snprintf(buf, cap, "%.2g%s", x, times);
	return buf;
}

void pane_header_draw(struct ui *ui, struct pane *p)
{
	const struct glyphs *g = glyphs();
	struct rt_live_info li;
	char left[128], clock[48], right[128], sp[32], rate[32];
	pane_clear(p, R_HEADER);
	if (!ui->play.rt)
		return;
	rt_live_info(ui->play.rt, &li);

	const char *what = i18n(S_FREE_PLAY);
	char lt[400];
	if (ui->mode == UM_LESSON && ui->ls.l) {
		what = lesson_ui_title(ui, lt, sizeof lt);
	} else if (ui->o.script) {
		const char *slash = strrchr(ui->o.script, '/');
		what = slash ? slash + 1 : ui->o.script;
	}
	snprintf(left, sizeof left, " %s %s %s", i18n(S_APP), theme_utf8() ? "·" : "-", what);
	scene_clock_str(play_now(&ui->play), clock, sizeof clock);

	snprintf(right, sizeof right, "%s %s %s %s ", i18n(S_SPEED), speed_str(li.speed, sp, sizeof sp),
		 theme_utf8() ? "·" : "-", li.follow ? i18n(S_FOLLOW) : i18n(S_REALTIME));
	const char *mark;
	enum ui_role mrole;
	char markbuf[96];
	if (li.paused) {
		snprintf(markbuf, sizeof markbuf, " %s %s ", g->pause, i18n(S_PAUSED));
		mrole = R_PAUSED;
	} else if (li.fast_forward) {
		snprintf(markbuf, sizeof markbuf, " %s %s %s ", g->ff, i18n(S_FAST_FORWARD),
			 speed_str(li.rate, rate, sizeof rate));
		mrole = R_RUNNING;
	} else if (li.rate > 0 || li.holding) {
		snprintf(markbuf, sizeof markbuf, " %s %s ", g->play, i18n(S_RUNNING));
		mrole = R_RUNNING;
	} else {
		snprintf(markbuf, sizeof markbuf, " %s %s ", g->play, i18n(S_IDLE));
		mrole = R_HEADER;
	}
	mark = markbuf;
	char t[64];
	snprintf(t, sizeof t, " t = %s ", clock);
	int mw = draw_width(mark), rw = draw_width(right), lw = draw_width(left);
	int cw = ui->panes[P_CLOCK].shown ? 0 : draw_width(t);
	/* left title, clock, speed, mark: the speed goes first when space is short */
	if (lw + 1 + cw + 1 + rw + mw > p->w)
		rw = 0;
	draw_text(stdscr, p->y, p->x, p->w - mw - cw, R_HEADER, left);
	int mx = p->x + p->w - mw;
	draw_text(stdscr, p->y, mx, mw, mrole, mark);
	if (rw)
		draw_text(stdscr, p->y, mx - rw, rw, R_HEADER, right);
	if (cw) {
		int lo = p->x + lw + 1, hi = mx - rw - 1 - cw;
		int cx = p->x + (p->w - cw) / 2;
		if (cx > hi)
			cx = hi;
		if (cx < lo)
			cx = lo;
		if (cx + cw <= mx - rw)
			draw_text(stdscr, p->y, cx, cw, R_CLOCK, t);
	}
}

/* The key help: as many hints as fit, most important first, shown in table order. */
void pane_helpline_draw(struct ui *ui, struct pane *p)
{
	pane_clear(p, R_HELP);
	if (prompt_active()) {
		enum prompt_hint_kind kind;
		const char *h = prompt_hint(&kind);
		char buf[600];
		if (kind == PH_LIST)
			snprintf(buf, sizeof buf, " %s: %s", i18n(S_COMPLETIONS), h);
		else
			snprintf(buf, sizeof buf, " %s", h);
		draw_text_fit(stdscr, p->y, p->x, p->w,
			      kind == PH_LIST ? R_KEY : kind == PH_ERROR ? R_ERROR : R_DIM, buf);
		return;
	}
	struct hint {
		const char *key;
		enum i18n_id what;
		int prio;                      /* lower shows first when space is short */
	};
	static const struct hint play_hints[] = {
		{ "space", S_HL_PAUSE, 0 },  { ".", S_HL_STEP, 3 },     { "+/-", S_HL_SPEED, 4 },
		{ "c/C", S_HL_CLOSE, 1 },    { "1-4", S_HL_WAVE, 2 },   { "k/K", S_HL_KILL, 5 },
		{ "t", S_HL_DIAGRAM, 6 },    { "p", S_HL_PRESENT, 8 },  { "r", S_HL_RESTART, 9 },
		{ "?", S_HL_HELP, 0 },       { ":", S_HL_CMD, 1 },      { "q", S_HL_QUIT, 0 },
	};
	static const struct hint lesson_hints[] = {
		{ "→", S_HL_NEXT, 0 },       { "←", S_HL_PREV, 1 },     { "r", S_HL_REPLAY, 2 },
		{ "t", S_HL_TAKE, 2 },       { "L", S_HL_OTHER_LANG, 3 }, { "space", S_HL_PAUSE, 1 },
		{ "+/-", S_HL_SPEED, 5 },    { "l", S_HL_KERNEL, 6 },   { "?", S_HL_HELP, 0 },
		{ "q", S_HL_HOME, 0 },
	};
	static const struct hint quiz_hints[] = {
		{ "1-9", S_HL_ANSWER, 0 },   { "0", S_HL_REVEAL, 0 },   { "→", S_HL_NEXT, 2 },
		{ "←", S_HL_PREV, 3 },       { "r", S_HL_REPLAY, 4 },   { "?", S_HL_HELP, 1 },
		{ "q", S_HL_HOME, 1 },
	};
	static const struct hint takeover_hints[] = {
		{ "Esc/T", S_HL_BACK, 0 },   { "space", S_HL_PAUSE, 1 }, { "c/C", S_HL_CLOSE, 1 },
		{ "1-4", S_HL_WAVE, 2 },     { "k/K", S_HL_KILL, 5 },   { ":", S_HL_CMD, 1 },
		{ "?", S_HL_HELP, 0 },       { "q", S_HL_HOME, 0 },
	};
	static const struct hint home_hints[] = {
		{ "↑↓", S_HL_CHOOSE, 0 },    { "Enter", S_HL_OPEN, 0 }, { "L", S_HL_LANG, 0 },
		{ "q", S_HL_QUIT, 0 },
	};
	const struct hint *hints = play_hints;
	int N = (int)(sizeof play_hints / sizeof play_hints[0]);
#define HINTS(a) (hints = (a), N = (int)(sizeof(a) / sizeof(a)[0]))
	if (ui->mode == UM_HOME)
		HINTS(home_hints);
	else if (ui->mode == UM_LESSON && ui->ls.takeover)
		HINTS(takeover_hints);
	else if (ui->mode == UM_LESSON && quiz_open(&ui->ls.quiz))
		HINTS(quiz_hints);
	else if (ui->mode == UM_LESSON)
		HINTS(lesson_hints);
#undef HINTS
	bool on[16] = { false };
	int used = 1;
	for (int prio = 0; prio <= 9; prio++)
		for (int i = 0; i < N; i++) {
			if (hints[i].prio != prio)
				continue;
			int need = draw_width(hints[i].key) + 1 + draw_width(i18n(hints[i].what)) + 2;
			if (used + need <= p->w) {
				on[i] = true;
				used += need;
			}
		}
	int x = p->x + 1;
	for (int i = 0; i < N; i++) {
		if (!on[i])
			continue;
		x += draw_text(stdscr, p->y, x, p->x + p->w - x, R_KEY, hints[i].key);
		x += draw_text(stdscr, p->y, x, 1, R_HELP, " ");
		x += draw_text(stdscr, p->y, x, p->x + p->w - x, R_HELP, i18n(hints[i].what));
		x += 2;
	}
}

/*
 * The status line, or the prompt.  The prompt scrolls sideways to keep the cursor in view;
 * ui.c puts the terminal's cursor at (cur_y, cur_x) once everything is drawn.
 */
void pane_status_draw(struct ui *ui, struct pane *p)
{
	pane_clear(p, R_NORMAL);
	if (!prompt_active()) {
		draw_text_fit(stdscr, p->y, p->x + 1, p->w - 1, ui->status_role, ui->status);
		return;
	}
	int point;
	const char *line = prompt_text(&point);
	/* display width up to the cursor, and of the whole line */
	char before[1024];
	int n = point < (int)sizeof before - 1 ? point : (int)sizeof before - 1;
	memcpy(before, line, (size_t)n);
	before[n] = '\0';
	int cur = draw_width(before);
	int avail = p->w - 3;
	/* skip whole characters from the left until the cursor fits */
	const char *shown = line;
	int skipped = 0;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	while (cur - skipped >= avail && *shown) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, shown, MB_CUR_MAX, &st);
		if (k == 0 || k == (size_t)-1 || k == (size_t)-2)
			k = 1;
		int cw = wcwidth(wc);
		skipped += cw > 0 ? cw : 1;
		shown += k;
	}
	draw_text(stdscr, p->y, p->x, 2, R_PROMPT, skipped ? "<" : ":");
	draw_text(stdscr, p->y, p->x + 2, avail, R_NORMAL, shown);
	ui->cur_y = p->y;
	ui->cur_x = p->x + 2 + cur - skipped;
}

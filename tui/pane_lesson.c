/*
 * pane_lesson.c: the lesson pane under the hosts and the ladder: a rule with the lesson's
 * number and title and the step number ("3/7"), the step's title, then either its narration
 * (the `say` lines played so far; the newest stay in view when they do not all fit) or the
 * question being asked, with its numbered choices, the feedback on a wrong choice and the
 * explanation after the right one.  The last line says what to do next.
 *
 * Feedback reads without colour: a wrong choice is marked ✗ and said in words, the right
 * one ✓.
 */
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "screen.h"

#define TEXT_LINES 64

struct text_line {
	enum ui_role role;
	char text[512];
};

/* Wrap s into lines of w columns, appended to out; returns the new count. */
static int wrap(struct text_line *out, int n, enum ui_role r, const char *s, int w,
		const char *indent)
{
	int iw = draw_width(indent);
	bool first = true;
	while (*s && n < TEXT_LINES) {
		int room = first ? w : w - iw;
		size_t b = draw_fit_bytes(s, room > 4 ? room : 4);
		snprintf(out[n].text, sizeof out[n].text, "%s%.*s", first ? "" : indent, (int)b, s);
		out[n].role = r;
		n++;
		s += b;
		while (*s == ' ')
			s++;
		first = false;
	}
	return n;
}

/* The question, its choices and what was said about the student's answers. */
static int question_lines(const struct ui *ui, struct text_line *out, int n, int w)
{
	const struct quiz *z = &ui->ls.quiz;
	const struct lesson_question *q = z->q;
	const struct glyphs *g = glyphs();
	char buf[600];
	snprintf(buf, sizeof buf, "? %s", q->text);
	n = wrap(out, n, R_TITLE, buf, w, "  ");
	for (int i = 0; i < q->nchoices && n < TEXT_LINES; i++) {
		bool right = quiz_closed(z) && i + 1 == q->answer;
		bool wrong = z->wrong && z->last == i + 1;
		const char *mark = right ? (theme_utf8() ? "✓" : "*") : wrong ? g->cross : " ";
		snprintf(buf, sizeof buf, " %s %d  %s", mark, i + 1, q->choice[i]);
		n = wrap(out, n, right ? R_GOOD : wrong ? R_ERROR : R_NORMAL, buf, w, "      ");
	}
	if (quiz_open(z)) {
		if (z->wrong) {
			char m[300];
			snprintf(m, sizeof m, i18n(S_L_WRONG), z->last);
			snprintf(buf, sizeof buf, "%s %s", g->cross, m);
			n = wrap(out, n, R_ERROR, buf, w, "  ");
		} else {
			snprintf(buf, sizeof buf, i18n(S_L_ANSWER_HINT), q->nchoices);
			n = wrap(out, n, R_KEY, buf, w, "");
		}
		return n;
	}
	if (z->solved) {
		snprintf(buf, sizeof buf, "%s %s", theme_utf8() ? "✓" : "*", i18n(S_L_RIGHT));
	} else {
		snprintf(buf, sizeof buf, i18n(S_L_REVEALED), q->answer);
	}
	n = wrap(out, n, R_GOOD, buf, w, "");
	if (q->explain) {
		/* explain lines are joined with '\n' */
		const char *p = q->explain;
		while (*p && n < TEXT_LINES) {
			size_t k = strcspn(p, "\n");
			snprintf(buf, sizeof buf, "%.*s", (int)k, p);
			n = wrap(out, n, R_NORMAL, buf, w, "");
			p += k;
			if (*p == '\n')
				p++;
		}
	}
	return n;
}

void pane_lesson_draw(struct ui *ui, struct pane *p)
{
	static struct text_line lines[TEXT_LINES];
	const struct ui_lesson *ls = &ui->ls;
	char title[400], buf[1200];
	pane_clear(p, R_NORMAL);
	if (!ls->l || p->h < 2)
		return;
	const struct lesson_step *st = &ls->l->steps[ls->step];
	int w = p->w - 2, x = p->x + 1;

	/* the rule: lesson and step */
	draw_repeat(stdscr, p->y, p->x, p->w, R_BORDER, glyphs()->h);
	snprintf(title, sizeof title, " %s ", lesson_ui_title(ui, buf, sizeof buf));
	draw_text_fit(stdscr, p->y, p->x + 2, p->w - 4, R_TITLE, title);

	int n = 0;
	if (ls->takeover) {
		char lab[32];
		snprintf(buf, sizeof buf, i18n(S_L_TAKEOVER),
			 quiz_step_label(ls->step, ls->l->nsteps, lab, sizeof lab));
		n = wrap(lines, n, R_KEY, buf, w, "");
	} else {
		snprintf(buf, sizeof buf, "%s", st->title);
		n = wrap(lines, n, R_TITLE, buf, w, "");
		int said = ls->step_done ? st->nsay : ls->nsaid;
		if (said > st->nsay)
			said = st->nsay;
		for (int i = 0; i < said && n < TEXT_LINES; i++)
			n = wrap(lines, n, R_NORMAL, st->say[i], w, "");
		if (ls->quiz.q) {
			/* the question below the narration when both fit, else alone */
			int nq = question_lines(ui, lines, n, w) - n;
			if (n + nq > p->h - 2) {
				memmove(lines, lines + n, (size_t)nq * sizeof *lines);
				n = 0;
			}
			n += nq;
		}
	}
	/* what to do next, on the last line */
	const char *next = NULL;
	enum ui_role next_role = R_KEY;
	if (ls->failed) {
		snprintf(buf, sizeof buf, i18n(S_L_FAILED), ui->play.msg);
		next = buf;
		next_role = R_ERROR;
	} else if (!ls->takeover && !quiz_open(&ls->quiz) && ls->step_done) {
		next = i18n(ls->step + 1 == ls->l->nsteps ? S_L_LAST_DONE : S_L_STEP_DONE);
	}
	int rows = p->h - 1 - (next ? 1 : 0);
	/* the newest lines stay in view; a question's start stays too */
	int first = n > rows ? n - rows : 0;
	int y = p->y + 1;
	for (int i = first; i < n && y < p->y + 1 + rows; i++, y++)
		draw_text_fit(stdscr, y, x, w, lines[i].role, lines[i].text);
	if (next)
		draw_text_fit(stdscr, p->y + p->h - 1, x, w, next_role, next);
}

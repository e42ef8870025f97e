/*
 * pane_home.c: the home screen: the lessons in order with their titles in the current
 * language and a progress mark each, then free play, then the language.  Up/Down (or k/j)
 * choose, Enter (or →) opens, L switches the language, q quits.
 *
 * The marks read without colour: ✓ finished, … started (* and ~ outside UTF-8), and the
 * chosen line has an arrow as well as the highlight.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "screen.h"

void home_free(struct ui *ui)
{
	free(ui->home.list);
	free(ui->home.marks);
	ui->home.list = NULL;
	ui->home.marks = NULL;
	ui->home.n = 0;
}

void home_load(struct ui *ui)
{
	struct ui_home *h = &ui->home;
	char path[4096];
	int sel = h->sel;
	home_free(ui);
	h->sel = sel;
	if (!h->root[0] && lesson_root(NULL, h->root, sizeof h->root) < 0)
		h->root[0] = '\0';
	if (h->root[0]) {
		int n = lesson_list(h->root, i18n_lang() == I18N_ZH ? "zh" : "en", &h->list);
		if (n < 0 && i18n_lang() == I18N_ZH)
			n = lesson_list(h->root, "en", &h->list);
		h->n = n > 0 ? n : 0;
	}
	h->marks = calloc(h->n > 0 ? (size_t)h->n : 1, sizeof *h->marks);
	const char *pp = progress_path(path, sizeof path);
	for (int i = 0; i < h->n && h->marks; i++)
		h->marks[i] = progress_get(pp, h->list[i].name);
	if (h->sel > h->n + 1)
		h->sel = 0;
	ui_mark(ui, P_HOME);
	ui_mark(ui, P_HELPLINE);
}

static const char *mark_glyph(enum progress_mark m)
{
	bool u = theme_utf8();
	switch (m) {
	case PROG_FINISHED:
		return u ? "✓" : "*";
	case PROG_STARTED:
		return u ? "…" : "~";
	default:
		return " ";
	}
}

static enum i18n_id mark_word(enum progress_mark m)
{
	return m == PROG_FINISHED ? S_PROG_FINISHED : m == PROG_STARTED ? S_PROG_STARTED : S_PROG_NONE;
}

/* One choosable line: the arrow and highlight when chosen. */
static void item(struct ui *ui, int y, int x, int w, bool chosen, enum ui_role r, const char *text,
		 const char *right, enum ui_role rr)
{
	enum ui_role base = chosen ? R_HEADER : r;
	draw_blank(stdscr, y, x, w, chosen ? R_HEADER : R_NORMAL);
	draw_text(stdscr, y, x, 2, base, chosen ? (theme_utf8() ? "▶" : ">") : " ");
	int rw = right ? draw_width(right) : 0;
	draw_text_fit(stdscr, y, x + 2, w - 3 - rw - 1, base, text);
	if (right)
		draw_text(stdscr, y, x + w - rw - 1, rw, chosen ? R_HEADER : rr, right);
	(void)ui;
}

void pane_home_draw(struct ui *ui, struct pane *p)
{
	struct ui_home *h = &ui->home;
	char buf[512], sub[256];
	pane_clear(p, R_NORMAL);
	int x = p->x + 2, w = p->w - 4;
	if (w > 96) {
		x = p->x + (p->w - 96) / 2;
		w = 96;
	}
	int y = p->y;
	snprintf(buf, sizeof buf, "finwave %s %s", theme_utf8() ? "—" : "-", i18n(S_HOME_TITLE));
	draw_center(stdscr, y++, p->x, p->w, R_TITLE, buf);
	if (p->h >= 26)
		y++;
	/* the rule with the section's name */
	draw_repeat(stdscr, y, x, w, R_BORDER, glyphs()->h);
	snprintf(sub, sizeof sub, " %s ", i18n(S_HOME_LESSONS));
	draw_text(stdscr, y++, x + 2, w - 4, R_TITLE, sub);

	/* rows: the lessons, a blank, free play, the language, a blank, the legend */
	int below = 5;
	int rows = p->y + p->h - y - below;
	if (h->n == 0) {
		snprintf(buf, sizeof buf, i18n(S_HOME_NONE), h->root[0] ? h->root : "lessons/");
		draw_text_fit(stdscr, y, x, w, R_ERROR, buf);
	}
	if (h->sel < h->n) {
		if (h->sel < h->top)
			h->top = h->sel;
		if (h->sel >= h->top + rows)
			h->top = h->sel - rows + 1;
	}
	if (h->top < 0)
		h->top = 0;
	for (int i = h->top; i < h->n && i < h->top + rows; i++) {
		const struct lesson_entry *e = &h->list[i];
		enum progress_mark m = h->marks ? h->marks[i] : PROG_NONE;
		snprintf(buf, sizeof buf, "%s %.2s  %s", mark_glyph(m), e->name,
			 e->title[0] ? e->title : e->name);
		const char *word = m == PROG_NONE ? NULL : i18n(mark_word(m));
		item(ui, y++, x, w, h->sel == i, R_NORMAL, buf, word,
		     m == PROG_FINISHED ? R_GOOD : R_DIM);
	}
	y = p->y + p->h - below + 1;
	snprintf(buf, sizeof buf, "%s  %s %s", i18n(S_HOME_FREE), theme_utf8() ? "—" : "-",
		 i18n(S_HOME_FREE_WHAT));
	item(ui, y++, x, w, h->sel == h->n, R_NORMAL, buf, NULL, R_DIM);
	bool zh = i18n_lang() == I18N_ZH;
	snprintf(buf, sizeof buf, "%s:  %s  %s   (L)", i18n(S_HOME_LANG), zh ? " English " : "[English]",
		 theme_utf8() ? (zh ? "[中文]" : " 中文 ") : "");
	item(ui, y++, x, w, h->sel == h->n + 1, R_NORMAL, buf, NULL, R_DIM);
	y++;
	draw_text_fit(stdscr, y, x + 2, w - 2, R_DIM,
		      i18n(theme_utf8() ? S_HOME_LEGEND : S_HOME_LEGEND_ASCII));
}

static void switch_language(struct ui *ui)
{
	if (i18n_lang() == I18N_EN && !theme_utf8())
		return;                        /* Chinese cannot be shown outside UTF-8 */
	i18n_set_lang(i18n_lang() == I18N_ZH ? I18N_EN : I18N_ZH);
	home_load(ui);
}

int pane_home_key(struct ui *ui, struct pane *p, int ch, bool fkey)
{
	struct ui_home *h = &ui->home;
	int last = h->n + 1;
	(void)p;
	if ((fkey && ch == KEY_UP) || (!fkey && ch == 'k')) {
		h->sel = h->sel > 0 ? h->sel - 1 : last;
		return PF_HANDLED | PF_REDRAW;
	}
	if ((fkey && ch == KEY_DOWN) || (!fkey && (ch == 'j' || ch == '\t'))) {
		h->sel = h->sel < last ? h->sel + 1 : 0;
		return PF_HANDLED | PF_REDRAW;
	}
	if (fkey && ch == KEY_HOME) {
		h->sel = 0;
		return PF_HANDLED | PF_REDRAW;
	}
	if (fkey && ch == KEY_END) {
		h->sel = last;
		return PF_HANDLED | PF_REDRAW;
	}
	if (!fkey && (ch == 'L' || ch == 'l')) {
		switch_language(ui);
		return PF_HANDLED | PF_LAYOUT;
	}
	if (!fkey && (ch == 'q' || ch == 3))
		return PF_HANDLED | PF_QUIT;
	bool open = (fkey && (ch == KEY_ENTER || ch == KEY_RIGHT)) ||
		    (!fkey && (ch == '\r' || ch == '\n' || ch == ' '));
	if (!open)
		return 0;
	if (h->sel == last) {
		switch_language(ui);
		return PF_HANDLED | PF_LAYOUT;
	}
	if (h->sel == h->n) {
		ui_open_free_play(ui);
		return PF_HANDLED | PF_LAYOUT;
	}
	if (h->sel >= 0 && h->sel < h->n) {
		if (lesson_ui_open(ui, h->list[h->sel].path) < 0 && ui->mode != UM_LESSON)
			return PF_HANDLED | PF_REDRAW;
		return PF_HANDLED | PF_LAYOUT;
	}
	return 0;
}

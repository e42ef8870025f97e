/*
 * pane_help.c: the help overlay, built from the key table (keys.c), so every key is listed
 * and no list can fall out of date.  It scrolls when the terminal is short (Up, Down, PgUp,
 * PgDn); any other key closes it.
 */
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "keys.h"
#include "screen.h"

#define HELP_MAX_LINES 96

struct help_line {
	enum ui_role role;
	const char *key;               /* NULL: a text line */
	char text[320];
};

/* Split text into lines of at most w columns. */
static int wrap_into(struct help_line *out, int n, int max, const char *text, int w)
{
	const char *p = text;
	while (*p && n < max) {
		struct help_line *l = &out[n++];
		size_t best = draw_fit_bytes(p, w);
		l->role = R_DIM;
		l->key = NULL;
		snprintf(l->text, sizeof l->text, "%.*s", (int)best, p);
		p += best;
		while (*p == ' ')
			p++;
	}
	return n;
}

/* The keys of a table as help lines, a title above each section; in a lesson only the keys
 * that work there. */
static int keys_lines(struct help_line *out, int n, int max, const struct key_def *k, int nk,
		      bool lesson)
{
	enum i18n_id section = I18N_N;
	for (int i = 0; i < nk && n < max; i++) {
		if (k[i].hidden)
			continue;
		if (lesson && keys_find_lesson(k[i].keys[0]) != &k[i])
			continue;
		if (k[i].section != section) {
			section = k[i].section;
			if (n > 0 && n < max)
				out[n++] = (struct help_line){ R_NORMAL, NULL, "" };
			if (n < max) {
				out[n].role = R_TITLE;
				out[n].key = NULL;
				snprintf(out[n].text, sizeof out[n].text, "%s", i18n(section));
				n++;
			}
		}
		if (n >= max)
			break;
		out[n].role = R_NORMAL;
		out[n].key = k[i].label;
		if (k[i].action == KA_CMD && k[i].cmd)
			snprintf(out[n].text, sizeof out[n].text, "%s  » %s", i18n(k[i].help), k[i].cmd);
		else
			snprintf(out[n].text, sizeof out[n].text, "%s", i18n(k[i].help));
		n++;
	}
	return n;
}

static int help_build(const struct ui *ui, struct help_line *out, int max, int w)
{
	int n = 0, nk;
	bool lesson = ui->mode == UM_LESSON && !ui->ls.takeover;
	if (lesson) {
		const struct key_def *lk = keys_lesson_table(&nk);
		n = keys_lines(out, n, max, lk, nk, false);
		if (n < max)
			out[n++] = (struct help_line){ R_NORMAL, NULL, "" };
	}
	const struct key_def *k = keys_table(&nk);
	n = keys_lines(out, n, max, k, nk, lesson);
	if (n < max)
		out[n++] = (struct help_line){ R_NORMAL, NULL, "" };
	n = wrap_into(out, n, max, i18n(S_HELP_PROMPT), w);
	n = wrap_into(out, n, max, i18n(S_HELP_SCREEN_CMDS), w);
	return n;
}

void pane_help_draw(struct ui *ui, struct pane *p)
{
	static struct help_line lines[HELP_MAX_LINES];
	int w = p->w - 4;
	int n = help_build(ui, lines, HELP_MAX_LINES, w);
	int rows = p->h - 3;
	if (ui->help_top > n - rows)
		ui->help_top = n - rows > 0 ? n - rows : 0;
	if (ui->help_top < 0)
		ui->help_top = 0;
	for (int y = p->y; y < p->y + p->h; y++)
		draw_blank(stdscr, y, p->x, p->w, R_OVERLAY);
	draw_frame(stdscr, p->y, p->x, p->h, p->w, true, R_OVERLAY, i18n(S_HELP_TITLE), R_KEY);
	int kw = 10;
	for (int i = 0; i < rows && ui->help_top + i < n; i++) {
		const struct help_line *l = &lines[ui->help_top + i];
		int y = p->y + 1 + i, x = p->x + 2;
		if (l->key) {
			draw_text(stdscr, y, x, kw, R_KEY, l->key);
			draw_text_fit(stdscr, y, x + kw, w - kw, R_OVERLAY, l->text);
		} else {
			draw_text_fit(stdscr, y, x, w, l->role == R_NORMAL ? R_OVERLAY : l->role,
				      l->text);
		}
	}
	char foot[160];
	bool more = ui->help_top + rows < n;
	snprintf(foot, sizeof foot, "%s%s", more ? "↓ … " : "", i18n(S_HELP_CLOSE));
	draw_center(stdscr, p->y + p->h - 2, p->x + 1, p->w - 2, R_DIM, foot);
}

int pane_help_key(struct ui *ui, struct pane *p, int ch, bool fkey)
{
	int rows = p->h - 3;
	if (fkey && (ch == KEY_DOWN || ch == KEY_NPAGE || ch == KEY_UP || ch == KEY_PPAGE)) {
		int step = ch == KEY_DOWN || ch == KEY_UP ? 1 : rows;
		ui->help_top += ch == KEY_DOWN || ch == KEY_NPAGE ? step : -step;
		return PF_HANDLED | PF_REDRAW;
	}
	ui->help = false;
	return PF_HANDLED | PF_LAYOUT;
}

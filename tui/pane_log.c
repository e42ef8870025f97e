/*
 * pane_log.c: the event log, the newest lines at the bottom: the commands given ("» client
 * close"), state changes with their reasons, segments sent and lost, timers set and fired,
 * processes, errors handed to applications, narration and failures.  Each line starts with
 * the virtual time and the host it happened on.
 */
#include <stdio.h>

#include "i18n.h"
#include "screen.h"

static enum ui_role log_role(const struct scene_log *l)
{
	switch (l->kind) {
	case SL_CMD:
		return R_CMD;
	case SL_STATE:
		return R_NOTE;
	case SL_DROP:
	case SL_ERROR:
	case SL_FAIL:
		return R_ERROR;
	case SL_PROC:
		return l->text[0] == 'p' ? R_DIM : R_ERROR;
	case SL_TIMER:
	case SL_CALL:
	case SL_INFO:
		return R_DIM;
	case SL_SAY:
		return R_TITLE;
	case SL_SEG:
		return R_LABEL;
	}
	return R_NORMAL;
}

void pane_log_draw(struct ui *ui, struct pane *p)
{
	struct scene *s = ui->play.scene;
	char buf[32];
	pane_clear(p, R_NORMAL);
	if (!s || p->h < 2)
		return;
	/* a rule with the title */
	draw_repeat(stdscr, p->y, p->x, p->w, R_BORDER, glyphs()->h);
	char title[64];
	snprintf(title, sizeof title, " %s ", i18n(S_LOG));
	draw_text(stdscr, p->y, p->x + 2, p->w - 4, R_TITLE, title);

	int hw = draw_width(i18n(S_CLIENT));
	int sw = draw_width(i18n(S_SERVER));
	if (sw > hw)
		hw = sw;
	int n = scene_nlog(s), rows = p->h - 1;
	int first = n > rows ? n - rows : 0;
	for (int i = first, y = p->y + 1; i < n; i++, y++) {
		const struct scene_log *l = scene_log_line(s, i);
		int x = p->x;
		snprintf(buf, sizeof buf, "%8.3f ", (double)l->t / 1e6);
		x += draw_text(stdscr, y, x, p->w, R_DIM, buf);
		if (l->host == FW_CLIENT || l->host == FW_SERVER)
			draw_text(stdscr, y, x, hw, l->host == FW_SERVER ? R_SERVER : R_CLIENT,
				  i18n_host(l->host));
		x += hw + 1;
		if (x < p->x + p->w)
			draw_text_fit(stdscr, y, x, p->x + p->w - x, log_role(l), l->text);
	}
}

/*
 * pane_diagram.c: the RFC 9293 state diagram view, both hosts' current states highlighted
 * and the last transition of each drawn heavy.
 *
 * Nothing relies on colour: the client's box carries a "C" inside its bracket, the
 * server's an "S", both are drawn in reverse video, and the last transitions are drawn in
 * heavy lines and written out in words below the diagram.
 */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "diagram.h"
#include "i18n.h"
#include "screen.h"

/* The heavy version of a light line character, for the last transition. */
static wchar_t heavy_of(wchar_t wc)
{
	switch (wc) {
	case L'─':
		return L'━';
	case L'│':
		return L'┃';
	case L'┌':
		return L'┏';
	case L'┐':
		return L'┓';
	case L'└':
		return L'┗';
	case L'┘':
		return L'┛';
	}
	return wc;
}

struct marks {
	int box[FW_NHOSTS];            /* the box each host is in */
	int edge[FW_NHOSTS];           /* its last transition's edge, -1 */
};

static void draw_art_row(int y, int x0, int maxw, int r, const struct marks *m)
{
	const char *row = diagram_row(r);
	mbstate_t st;
	memset(&st, 0, sizeof st);
	int col = 0;
	while (*row && col < maxw) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, row, strlen(row), &st);
		if (n == 0 || n == (size_t)-1 || n == (size_t)-2)
			break;
		row += n;
		struct diagram_cell c;
		diagram_cell(r, col, &c);
		enum ui_role role = R_NORMAL;
		if (c.kind == DC_BOX) {
			bool is_c = c.box == m->box[FW_CLIENT], is_s = c.box == m->box[FW_SERVER];
			role = is_c && is_s ? R_DIAG_BOTH : is_c ? R_DIAG_C : is_s ? R_DIAG_S : R_DIAG_BOX;
			/* "C▸NAME ]", "[ NAME◂S", "C▸NAME◂S" */
			if (is_c && c.box_open)
				wc = L'C';
			if (is_c && c.box_inner_left)
				wc = L'▸';
			if (is_s && c.box_inner_right)
				wc = L'◂';
			if (is_s && c.box_close)
				wc = L'S';
		} else if (c.kind == DC_EDGE) {
			role = R_DIAG_EDGE;
			if (c.edge == m->edge[FW_CLIENT] || c.edge == m->edge[FW_SERVER]) {
				role = R_DIAG_LAST;
				wc = heavy_of(wc);
			}
		}
		char mb[8];
		mbstate_t o;
		memset(&o, 0, sizeof o);
		size_t k = wcrtomb(mb, wc, &o);
		if (k != (size_t)-1) {
			mb[k] = '\0';
			if (wc != L' ' || role != R_NORMAL)
				draw_text(stdscr, y, x0 + col, 1, role, mb);
		}
		col++;
	}
}

void pane_diagram_draw(struct ui *ui, struct pane *p)
{
	struct scene *s = ui->play.scene;
	struct marks m;
	char buf[256], t[32];
	pane_clear(p, R_NORMAL);
	if (!s)
		return;
	for (int h = 0; h < FW_NHOSTS; h++) {
		enum tcp_state from = TCP_CLOSED, to = TCP_CLOSED;
		const char *why = "";
		int64_t at = 0;
		bool have = scene_last_transition(s, h, &from, &to, &why, &at);
		enum tcp_state now = world_host_state(ui->play.w, h);
		m.box[h] = diagram_box_of(now, have && to == now ? from : TCP_CLOSED);
		m.edge[h] = have ? diagram_edge_of(from, to) : -1;
	}
	int y = p->y;
	snprintf(buf, sizeof buf, "%s   ", i18n(S_DIAGRAM));
	int x = p->x + 1;
	x += draw_text(stdscr, y, x, p->w - 1, R_TITLE, buf);
	x += draw_text(stdscr, y, x, 2, R_DIAG_C, theme_utf8() ? "C▸" : "C>");
	snprintf(buf, sizeof buf, " %s  ", i18n(S_CLIENT));
	x += draw_text(stdscr, y, x, p->x + p->w - x, R_NORMAL, buf);
	x += draw_text(stdscr, y, x, 2, R_DIAG_S, theme_utf8() ? "◂S" : "<S");
	snprintf(buf, sizeof buf, " %s", i18n(S_SERVER));
	draw_text(stdscr, y, x, p->x + p->w - x, R_NORMAL, buf);
	y++;

	int x0 = p->x + (p->w > DIAGRAM_COLS ? (p->w - DIAGRAM_COLS) / 2 : 0);
	for (int r = 0; r < DIAGRAM_ROWS && y < p->y + p->h; r++, y++)
		draw_art_row(y, x0, p->w - (x0 - p->x), r, &m);

	/* the last transitions in words */
	for (int h = 0; h < FW_NHOSTS && y < p->y + p->h; h++, y++) {
		enum tcp_state from, to;
		const char *why;
		int64_t at;
		int xx = p->x + 1;
		xx += draw_text(stdscr, y, xx, 2, h == FW_SERVER ? R_DIAG_S : R_DIAG_C,
				h == FW_SERVER ? (theme_utf8() ? "◂S" : "<S") : (theme_utf8() ? "C▸" : "C>"));
		snprintf(buf, sizeof buf, " %s  ", i18n_host(h));
		xx += draw_text(stdscr, y, xx, p->x + p->w - xx, h == FW_SERVER ? R_SERVER : R_CLIENT,
				buf);
		if (!scene_last_transition(s, h, &from, &to, &why, &at)) {
			draw_text(stdscr, y, xx, p->x + p->w - xx, R_DIM, i18n(S_DIAG_NONE));
			continue;
		}
		snprintf(buf, sizeof buf, "%s (t = %s): %s → %s%s%s%s%s", i18n(S_DIAG_LAST),
			 scene_clock_str(at, t, sizeof t), tcp_state_name(from), tcp_state_name(to),
			 why[0] ? " (" : "", why, why[0] ? ")" : "",
			 diagram_edge_of(from, to) < 0 ? "  " : "");
		int used = draw_text_fit(stdscr, y, xx, p->x + p->w - xx, R_DIAG_LAST, buf);
		if (diagram_edge_of(from, to) < 0)
			draw_text_fit(stdscr, y, xx + used, p->x + p->w - xx - used, R_DIM,
				      i18n(S_DIAG_OFF_CHART));
	}
	if (y < p->y + p->h)
		draw_text_fit(stdscr, y, p->x + 1, p->w - 1, R_DIM, i18n(S_DIAG_LINUX));
}

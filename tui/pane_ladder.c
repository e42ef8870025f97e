/*
 * pane_ladder.c: the ladder (sequence) diagram between the two hosts.
 *
 * The client's lane is on the left, the server's on the right; rows go down in the order
 * things happened.  A segment is an arrow from its sender's lane: while it flies its head
 * moves across (scene_arrow_at gives where), its label (flags, seq, ack, length) stays in
 * the middle of the wire; a retransmission is marked ↻ with its number; a lost segment's
 * line ends in a cross where it was lost, with the word "lost".  Quiet gaps in virtual time
 * get a row of their own ("+60.0s"), so TIME_WAIT's minute is visible in the history.
 *
 * The newest row is at the bottom; the arrow keys and PgUp/PgDn scroll back, End follows
 * again.  In the presentation layout each segment takes two rows (label above a heavy
 * arrow) and the time column goes.
 */
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "keys.h"
#include "screen.h"

struct lanes {
	int lx, rx;                    /* the client's and the server's lane columns */
	int span;                      /* wire cells between them */
	bool heavy;
};

/* Physical column of the i-th wire cell counted from the sender's side. */
static int cell_x(const struct lanes *l, bool c2s, int i)
{
	return c2s ? l->lx + 1 + i : l->rx - 1 - i;
}

static const char *time_col(int64_t us, char *buf, size_t cap)
{
	int64_t s = us / 1000000;
	if (s < 1000)
		snprintf(buf, cap, "%7.3f", (double)us / 1e6);
	else if (s < 36000)
		snprintf(buf, cap, "%4dm%02ds", (int)(s / 60), (int)(s % 60));
	else
		snprintf(buf, cap, "%4dh%02dm", (int)(s / 3600), (int)(s / 60 % 60));
	return buf;
}

/* The label a segment's arrow carries: "↻ FIN,ACK seq=1 ack=1 [retrans 1]", shortened to
 * fit max columns.  *pre gets the columns of the ↻ prefix (drawn in the retrans role). */
static void seg_label(const struct scene_row *r, int max, char *buf, size_t cap, int *pre)
{
	const char *rg = glyphs()->retrans;
	bool re = r->retrans > 0 || r->dup || strcmp(r->mark, "TLP") == 0;
	*pre = 0;
	if (r->mark[0]) {
		snprintf(buf, cap, "%s%s%s [%s]", re ? rg : "", re ? " " : "", r->label, r->mark);
		if (draw_width(buf) <= max) {
			*pre = re ? draw_width(rg) + 1 : 0;
			return;
		}
	}
	if (re) {
		snprintf(buf, cap, "%s%s", rg, r->label);
		*pre = draw_width(rg);
		return;
	}
	snprintf(buf, cap, "%s", r->label);
}

/* Write a label at column x: the prefix part in the retrans role, the rest as a label. */
static void put_label(int y, int x, int maxw, const char *label, int pre, bool heavy)
{
	enum ui_role lr = heavy ? R_TITLE : R_LABEL;
	if (pre > 0) {
		/* the prefix is at most "↻ " */
		char p[16];
		size_t nb = 0;
		int cols = 0;
		while (label[nb] && cols < pre && nb < sizeof p - 1) {
			size_t k = 1;
			while ((label[nb + k] & 0xC0) == 0x80)
				k++;
			cols++;
			nb += k;
		}
		memcpy(p, label, nb);
		p[nb] = '\0';
		int used = draw_text(stdscr, y, x, maxw, R_RETRANS, p);
		draw_text_fit(stdscr, y, x + used, maxw - used, R_RETRANS, label + nb);
		return;
	}
	draw_text_fit(stdscr, y, x, maxw, lr, label);
}

static void draw_line_cells(const struct lanes *l, int y, bool c2s, int from, int to,
			    int skip_x0, int skip_x1, enum ui_role role)
{
	const struct glyphs *g = glyphs();
	for (int i = from; i < to; i++) {
		int x = cell_x(l, c2s, i);
		if (x >= skip_x0 && x < skip_x1)
			continue;
		draw_text(stdscr, y, x, 1, role, l->heavy ? g->hh : g->h);
	}
}

/*
 * A segment's arrow on row y (and its label on row ly, which is y unless the presentation
 * layout puts it above).
 */
static void draw_seg(const struct lanes *l, int y, int ly, const struct scene_row *r,
		     int64_t now)
{
	const struct glyphs *g = glyphs();
	struct scene_arrow a;
	bool c2s = r->host != FW_SERVER;
	enum ui_role role = c2s ? R_CLIENT : R_SERVER;
	int span = l->span;
	if (span < 4)
		return;
	scene_arrow_at(r, now, &a);
	draw_text(stdscr, y, c2s ? l->lx : l->rx, 1, role, c2s ? g->lane_r : g->lane_l);

	char label[160];
	int pre;
	seg_label(r, span - 2, label, sizeof label, &pre);
	int lw = draw_width(label);
	if (lw > span - 2)
		lw = span - 2;
	int k = (int)(a.head * (span - 1) + 0.5);
	if (k > span - 1)
		k = span - 1;

	if (a.crossed) {
		/* the line up to the point of loss with the label on it, the cross, "lost" */
		const char *lost = i18n(S_LOST);
		int ww = draw_width(lost);
		int start;                     /* label start, counted from the sender */
		if (ly != y) {
			start = (k - lw) / 2;
		} else if (k - 2 >= lw) {
			start = (k - lw) / 2;
		} else {
			k = lw + 2 < span - 1 ? lw + 2 : span - 1;
			start = 1;
		}
		if (start < 0)
			start = 0;
		int lx0 = c2s ? cell_x(l, true, start) : cell_x(l, false, start + lw - 1);
		if (ly == y)
			draw_line_cells(l, y, c2s, 0, k, lx0, lx0 + lw, role);
		else
			draw_line_cells(l, y, c2s, 0, k, 0, 0, role);
		put_label(ly, lx0, lw, label, pre, l->heavy);
		draw_text(stdscr, y, cell_x(l, c2s, k), 1, R_LOST, g->cross);
		if (k + 1 + ww < span) {
			int wx = c2s ? cell_x(l, true, k + 2) : cell_x(l, false, k + 1 + ww);
			draw_text(stdscr, y, wx, ww, R_LOST, lost);
		}
		return;
	}
	/* flying or arrived: the label centred on the wire, the line up to the head */
	int lx0 = l->lx + 1 + (span - lw) / 2;
	if (ly == y)
		draw_line_cells(l, y, c2s, 0, k, lx0, lx0 + lw, role);
	else
		draw_line_cells(l, y, c2s, 0, k, 0, 0, role);
	put_label(ly, lx0, lw, label, pre, l->heavy);
	int hx = cell_x(l, c2s, k);
	if (ly == y && hx >= lx0 && hx < lx0 + lw && !a.arrived) {
		/* passing under its own label: the letter it is under stands out instead */
		int attr = theme_attr(role);
		mvchgat(y, hx, 1, (attr_t)(attr & ~A_COLOR) | A_REVERSE, (short)PAIR_NUMBER(attr), NULL);
		return;
	}
	draw_text(stdscr, y, hx, 1, role, c2s ? g->arrow_r : g->arrow_l);
}

static enum ui_role note_role(const struct scene_row *r)
{
	switch (r->note) {
	case SN_ERROR:
	case SN_HOST:
		return R_ERROR;
	case SN_PROC:
		return strncmp(r->text, "pid", 3) == 0 ? R_DIM : R_ERROR;
	case SN_CALL:
		return R_CMD;
	default:
		return R_NOTE;
	}
}

static void draw_row(const struct lanes *l, int y, const struct scene_row *r, int64_t now,
		     bool two_rows)
{
	switch (r->kind) {
	case SR_SEG:
		draw_seg(l, two_rows ? y + 1 : y, y, r, now);
		break;
	case SR_NOTE: {
		int room = l->span - 2;
		int tw = draw_width(r->text);
		if (tw > room)
			tw = room;
		int x = r->host == FW_SERVER ? l->rx - 1 - tw : l->lx + 2;
		draw_text_fit(stdscr, y, x, room, note_role(r), r->text);
		break;
	}
	case SR_GAP:
		draw_center(stdscr, y, l->lx + 1, l->span, R_GAP, r->text);
		break;
	case SR_TEXT:
		draw_center(stdscr, y, l->lx + 1, l->span, R_NOTE, r->text);
		break;
	}
}

static int row_height(const struct ui *ui, const struct scene_row *r)
{
	return ui->present && r->kind == SR_SEG ? 2 : 1;
}

void pane_ladder_draw(struct ui *ui, struct pane *p)
{
	const struct glyphs *g = glyphs();
	struct scene *s = ui->play.scene;
	char buf[96];
	pane_clear(p, R_NORMAL);
	if (!s || p->w < 20 || p->h < 3)
		return;
	int64_t now = play_now(&ui->play);
	int tcol = !ui->present && p->w >= 46 ? 8 : 0;
	struct lanes l = {
		.lx = p->x + (tcol ? tcol : 1),
		.rx = p->x + p->w - 2,
		.heavy = ui->present,
	};
	l.span = l.rx - l.lx - 1;

	/* keep a scrolled view still while rows arrive; follow when at the bottom */
	int n = scene_nrows(s);
	int64_t total = scene_dropped(s) + n;
	if (ui->ladder_scroll > 0 && total > ui->ladder_seen)
		ui->ladder_scroll += (int)(total - ui->ladder_seen);
	ui->ladder_seen = total;
	if (ui->ladder_scroll > n - 1)
		ui->ladder_scroll = n > 0 ? n - 1 : 0;

	/* title row: the lanes' names, and where in the history we are */
	draw_text(stdscr, p->y, l.lx, l.span, R_CLIENT, i18n(S_CLIENT));
	int sw = draw_width(i18n(S_SERVER));
	draw_text(stdscr, p->y, l.rx + 1 - sw, sw + 1, R_SERVER, i18n(S_SERVER));

	/* fill from the bottom up */
	int bottom = n - 1 - ui->ladder_scroll;
	int y = p->y + p->h;               /* one past the last row */
	int first_y = p->y + 1;
	int top = bottom + 1;
	while (top > 0) {
		int hgt = row_height(ui, scene_row(s, top - 1));
		if (y - hgt < first_y)
			break;
		y -= hgt;
		top--;
	}
	/* a short history (or the top of a long one) starts at the top row */
	if (top == 0) {
		y = first_y;
		int yy = first_y;
		bottom = -1;
		while (bottom + 1 < n) {
			int hgt = row_height(ui, scene_row(s, bottom + 1));
			if (yy + hgt > p->y + p->h)
				break;
			yy += hgt;
			bottom++;
		}
		ui->ladder_scroll = n - 1 - bottom;
	}
	if (ui->ladder_scroll > 0) {
		snprintf(buf, sizeof buf, i18n(S_SCROLLED), ui->ladder_scroll);
		int cw = draw_width(i18n(S_CLIENT)) + 1, sw2 = draw_width(i18n(S_SERVER)) + 1;
		draw_center(stdscr, p->y, l.lx + cw, l.span - cw - sw2 + 1, R_KEY, buf);
	} else if (tcol) {
		int tw = draw_width(i18n(S_TIME));
		draw_text(stdscr, p->y, p->x + tcol - 2 - tw, tw, R_DIM, i18n(S_TIME));
	}
	/* the lanes */
	for (int yy = first_y; yy < p->y + p->h; yy++) {
		draw_text(stdscr, yy, l.lx, 1, R_CLIENT, g->v);
		draw_text(stdscr, yy, l.rx, 1, R_SERVER, g->v);
	}
	char prev_t[96] = "";
	for (int i = top; i <= bottom; i++) {
		const struct scene_row *r = scene_row(s, i);
		int hgt = row_height(ui, r);
		if (r->kind == SR_GAP) {
			for (int k = 0; k < hgt; k++) {
				draw_text(stdscr, y + k, l.lx, 1, R_GAP, g->gap);
				draw_text(stdscr, y + k, l.rx, 1, R_GAP, g->gap);
			}
		}
		if (r->kind != SR_GAP) {
			time_col(r->t, buf, sizeof buf);
			if (tcol && strcmp(buf, prev_t) != 0)
				draw_text(stdscr, y, p->x, tcol - 1, R_DIM, buf);
			snprintf(prev_t, sizeof prev_t, "%s", buf);
		}
		draw_row(&l, y, r, now, hgt == 2);
		y += hgt;
	}
}

int pane_ladder_key(struct ui *ui, struct pane *p, int ch, bool fkey)
{
	const struct key_def *d = keys_find(ch);
	int page = p->h > 3 ? p->h - 2 : 1;
	int n = ui->play.scene ? scene_nrows(ui->play.scene) : 0;
	(void)fkey;
	if (!d)
		return 0;
	switch (d->action) {
	case KA_UP:
		ui->ladder_scroll++;
		break;
	case KA_DOWN:
		ui->ladder_scroll--;
		break;
	case KA_PGUP:
		ui->ladder_scroll += page;
		break;
	case KA_PGDN:
		ui->ladder_scroll -= page;
		break;
	case KA_HOME:
		ui->ladder_scroll = n;
		break;
	case KA_END:
		ui->ladder_scroll = 0;
		break;
	default:
		return 0;
	}
	if (ui->ladder_scroll > n - 1)
		ui->ladder_scroll = n > 0 ? n - 1 : 0;
	if (ui->ladder_scroll < 0)
		ui->ladder_scroll = 0;
	return PF_HANDLED | PF_REDRAW;
}

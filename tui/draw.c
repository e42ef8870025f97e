/*
 * draw.c: text, frames, bars and big letters placed by display columns (draw.h).
 *
 * Everything funnels through put_wc(), which writes one character with its attributes and
 * knows its width: a wide character that would straddle the clip edge is left out rather
 * than cut.  Outside a UTF-8 locale the few non-ASCII characters finwave writes are mapped
 * to ASCII look-alikes, anything else to '?'.
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "draw.h"
#include "font.h"

/* ASCII stand-ins for the non-ASCII characters the screen uses. */
static const struct { wchar_t wc; char a; } ascii_of[] = {
	{ L'─', '-' }, { L'━', '=' }, { L'│', '|' }, { L'┃', '|' }, { L'┆', ':' },
	{ L'┌', '+' }, { L'┐', '+' }, { L'└', '+' }, { L'┘', '+' }, { L'├', '|' },
	{ L'┤', '|' }, { L'┬', '+' }, { L'┴', '+' }, { L'┼', '+' }, { L'▶', '>' },
	{ L'◀', '<' }, { L'▲', '^' }, { L'▼', 'v' }, { L'→', '>' }, { L'←', '<' },
	{ L'↓', 'v' }, { L'↑', '^' }, { L'✗', 'X' }, { L'✓', '+' }, { L'↻', 'R' },
	{ L'█', '#' }, { L'░', '.' }, { L'◆', '*' }, { L'»', '>' }, { L'‖', '|' },
	{ L'…', '~' }, { L'✝', '+' }, { L'◷', 'o' }, { L'·', '.' }, { L'×', 'x' },
	{ L'▸', '>' }, { L'◂', '<' }, { L'—', '-' }, { L'┏', '#' }, { L'┓', '#' },
	{ L'┗', '#' }, { L'┛', '#' }, { L'§', 'S' }, { L'┇', ':' }, { L'▪', '.' },
};

static wchar_t to_ascii(wchar_t wc)
{
	if (wc < 0x80)
		return wc;
	for (size_t i = 0; i < sizeof ascii_of / sizeof ascii_of[0]; i++)
		if (ascii_of[i].wc == wc)
			return ascii_of[i].a;
	return L'?';
}

static int wc_width(wchar_t wc)
{
	int n = wcwidth(wc);
	return n < 0 ? 1 : n;
}

/* Decode the next character of s; returns bytes used (0 at the end). */
static size_t next_wc(const char *s, mbstate_t *st, wchar_t *wc)
{
	size_t n = mbrtowc(wc, s, MB_CUR_MAX, st);
	if (n == 0)
		return 0;
	if (n == (size_t)-1 || n == (size_t)-2) {
		memset(st, 0, sizeof *st);
		*wc = L'?';
		return 1;
	}
	if (!theme_utf8())
		*wc = to_ascii(*wc);
	return n;
}

int draw_width(const char *s)
{
	mbstate_t st;
	wchar_t wc;
	int w = 0;
	size_t n;
	memset(&st, 0, sizeof st);
	while (s && (n = next_wc(s, &st, &wc)) > 0) {
		if (wc >= L' ')
			w += wc_width(wc);
		s += n;
	}
	return w;
}

static void put_wc(WINDOW *w, int y, int x, wchar_t wc, int attr)
{
	cchar_t cc;
	wchar_t str[2] = { wc, L'\0' };
	setcchar(&cc, str, (attr_t)(attr & ~A_COLOR), (short)PAIR_NUMBER(attr), NULL);
	mvwadd_wch(w, y, x, &cc);
}

int draw_text(WINDOW *w, int y, int x, int maxw, enum ui_role r, const char *s)
{
	mbstate_t st;
	wchar_t wc;
	size_t n;
	int col = 0, attr = theme_attr(r);
	int rows = getmaxy(w), cols = getmaxx(w);
	if (y < 0 || y >= rows || x < 0 || maxw <= 0 || !s)
		return 0;
	if (x + maxw > cols)
		maxw = cols - x;
	memset(&st, 0, sizeof st);
	while ((n = next_wc(s, &st, &wc)) > 0) {
		s += n;
		if (wc < L' ')
			wc = L' ';
		int cw = wc_width(wc);
		if (cw == 0)
			continue;
		if (col + cw > maxw)
			break;
		put_wc(w, y, x + col, wc, attr);
		col += cw;
	}
	return col;
}

int draw_text_fit(WINDOW *w, int y, int x, int maxw, enum ui_role r, const char *s)
{
	int need = draw_width(s);
	if (need <= maxw)
		return draw_text(w, y, x, maxw, r, s);
	const char *ell = glyphs()->ellipsis;
	int n = draw_text(w, y, x, maxw - 1, r, s);
	return n + draw_text(w, y, x + n, 1, r, ell);
}

void draw_center(WINDOW *w, int y, int x, int width, enum ui_role r, const char *s)
{
	int tw = draw_width(s);
	int off = tw < width ? (width - tw) / 2 : 0;
	draw_text_fit(w, y, x + off, width - off, r, s);
}

size_t draw_fit_bytes(const char *s, int w)
{
	mbstate_t st;
	wchar_t wc;
	size_t i = 0, n, space = 0;
	int col = 0;
	memset(&st, 0, sizeof st);
	while ((n = next_wc(s + i, &st, &wc)) > 0) {
		int cw = wc >= L' ' ? wc_width(wc) : 1;
		if (col + cw > w)
			break;
		col += cw;
		i += n;
		if (wc == L' ')
			space = i;
	}
	if (s[i] && space > 0 && space * 3 > i * 2)
		i = space;
	if (i == 0 && s[0]) {
		memset(&st, 0, sizeof st);
		n = next_wc(s, &st, &wc);
		i = n ? n : 1;
	}
	return i;
}

int draw_wrap(WINDOW *win, int y, int x, int w, int maxlines, enum ui_role r, const char *s,
	      bool center)
{
	char line[1024];
	int used = 0;
	while (*s && used < maxlines) {
		size_t n = draw_fit_bytes(s, w);
		if (n >= sizeof line)
			n = sizeof line - 1;
		memcpy(line, s, n);
		line[n] = '\0';
		if (center)
			draw_center(win, y + used, x, w, r, line);
		else
			draw_text(win, y + used, x, w, r, line);
		used++;
		s += n;
		while (*s == ' ')
			s++;
	}
	return used;
}

void draw_repeat(WINDOW *w, int y, int x, int n, enum ui_role r, const char *glyph)
{
	for (int i = 0; i < n; i++)
		draw_text(w, y, x + i, 1, r, glyph);
}

void draw_blank(WINDOW *w, int y, int x, int n, enum ui_role r)
{
	int attr = theme_attr(r);
	int cols = getmaxx(w);
	for (int i = 0; i < n && x + i < cols; i++)
		put_wc(w, y, x + i, L' ', attr);
}

void draw_frame(WINDOW *w, int y, int x, int h, int wd, bool heavy, enum ui_role r,
		const char *title, enum ui_role title_role)
{
	const struct glyphs *g = glyphs();
	if (h < 2 || wd < 2)
		return;
	const char *hz = heavy ? g->hh : g->h, *vt = heavy ? g->vv : g->v;
	draw_text(w, y, x, 1, r, heavy ? g->htl : g->tl);
	draw_repeat(w, y, x + 1, wd - 2, r, hz);
	draw_text(w, y, x + wd - 1, 1, r, heavy ? g->htr : g->tr);
	for (int i = 1; i < h - 1; i++) {
		draw_text(w, y + i, x, 1, r, vt);
		draw_text(w, y + i, x + wd - 1, 1, r, vt);
	}
	draw_text(w, y + h - 1, x, 1, r, heavy ? g->hbl : g->bl);
	draw_repeat(w, y + h - 1, x + 1, wd - 2, r, hz);
	draw_text(w, y + h - 1, x + wd - 1, 1, r, heavy ? g->hbr : g->br);
	if (title && *title && wd > 6) {
		int n = draw_text(w, y, x + 2, 1, r, " ");
		n += draw_text_fit(w, y, x + 2 + n, wd - 6, title_role, title);
		draw_text(w, y, x + 2 + n, 1, r, " ");
	}
}

void draw_bar(WINDOW *w, int y, int x, int width, double frac, enum ui_role full)
{
	const struct glyphs *g = glyphs();
	if (width <= 0)
		return;
	if (frac < 0)
		frac = 0;
	if (frac > 1)
		frac = 1;
	int n = (int)(frac * width + 0.5);
	if (n == 0 && frac > 0)
		n = 1;
	draw_repeat(w, y, x, n, full, g->bar_full);
	draw_repeat(w, y, x + n, width - n, R_BAR_EMPTY, g->bar_empty);
}

bool draw_big(WINDOW *w, int y, int x, int width, enum ui_role r, const char *text)
{
	char row[512];
	if (!theme_utf8())
		return false;
	for (int gap = 1; gap >= 0; gap--) {
		int fw = font_width(text, gap);
		if (fw < 0)
			return false;
		if (fw > width)
			continue;
		int off = (width - fw) / 2;
		for (int i = 0; i < FONT_ROWS; i++)
			draw_text(w, y + i, x + off, fw, r, font_row(text, i, gap, row, sizeof row));
		return true;
	}
	return false;
}

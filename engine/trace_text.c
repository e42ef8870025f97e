/*
 * trace_text.c: the event stream as a ladder diagram a student can read, and the trace
 * object that writes either format (trace.h).
 *
 * One line per event, at most 100 columns (the server's column, right of its lifeline, is
 * cut off here):
 *
 *   time (s) client                     │                                   │ server
 *     61.000 ESTABLISHED → FIN_WAIT_1   │ (close)                           │
 *     61.000                            ├─ FIN,ACK seq=301 ack=501 ─▶       │
 *     61.000 ⏱ rto set 0.204s           │                                   │
 *     61.020                            │       ─ FIN,ACK seq=301 ack=501 ─▶┤
 *     61.060                            │           ◀─ ACK seq=501 ack=302 ─┤
 *     61.080                            ├◀─ ACK seq=501 ack=302 ─           │
 *
 * The client's lifeline is on the left, the server's on the right.  Whatever happens inside
 * a host (state, timer, system call, process, error) is written in its column, with its
 * reason in brackets next to its lifeline; a segment is an arrow that leaves the sender's
 * lifeline when it is sent and reaches the receiver's when it is processed, so the time
 * between the two lines is the flight.  A lost segment ends in a cross on the wire.
 * Narration is full width, prefixed with "»" and wrapped.
 *
 * Lines are built in a row of cells, one per display column, so every position is a column
 * and not a byte count: box and arrow characters are one column, CJK characters two.  Widths
 * come from a small table here rather than from wcwidth(), which depends on the locale: the
 * text must be the same bytes everywhere.  Anything that would pass column 100 is cut, with
 * "…" in the last column.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

/* Columns of the ladder. */
enum {
	COLS = 100,
	TIME_W = 8,                         /* "  61.020", right-aligned in 0..7 */
	LANE_W = 26,                        /* "connect() = -EADDRNOTAVAIL" */
	C_LANE = TIME_W + 1,                /* client column: 9..34 */
	C_LIFE = C_LANE + LANE_W + 1,       /* 36 */
	WIRE_L = C_LIFE + 1,                /* the wire: 37..71 */
	S_LIFE = COLS - LANE_W - 2,         /* 72 */
	WIRE_R = S_LIFE - 1,
	WIRE_W = WIRE_R - WIRE_L + 1,       /* 35 */
	S_LANE = S_LIFE + 2,                /* server column: 74..99 */
	ARROW_MIN = 24,                     /* shortest arrow, so short labels still fly */
	SAY_INDENT = 2,
};

struct fw_trace {
	FILE *out;
	enum fw_trace_fmt fmt;
	bool header_done;
	bool in_say;                        /* the last line was narration */
};

/* ---- display cells ------------------------------------------------------------------- */

/* One display column: the bytes of its character (plus any combining marks), and its
 * width: 1, 2 for the left half of a wide character, 0 for the right half. */
struct cell {
	char b[12];
	uint8_t n;
	uint8_t w;
};

struct line {
	struct cell c[COLS];
	bool cut;
	int left;                           /* first column for text: after the time */
};

/* Zero-width (combining and format) and wide (East Asian Wide/Fullwidth, emoji) ranges:
 * the subset of Unicode's tables that text in this program can contain. */
static const uint32_t zero_ranges[][2] = {
	{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd }, { 0x0610, 0x061a },
	{ 0x064b, 0x065f }, { 0x1ab0, 0x1aff }, { 0x1dc0, 0x1dff }, { 0x200b, 0x200f },
	{ 0x202a, 0x202e }, { 0x2060, 0x2064 }, { 0x20d0, 0x20ff }, { 0x302a, 0x302f },
	{ 0x3099, 0x309a }, { 0xfe00, 0xfe0f }, { 0xfe20, 0xfe2f }, { 0xfeff, 0xfeff },
	{ 0xe0100, 0xe01ef },
};

static const uint32_t wide_ranges[][2] = {
	{ 0x1100, 0x115f }, { 0x231a, 0x231b }, { 0x2329, 0x232a }, { 0x23e9, 0x23ec },
	{ 0x23f0, 0x23f0 }, { 0x23f3, 0x23f3 }, { 0x25fd, 0x25fe }, { 0x2614, 0x2615 },
	{ 0x2648, 0x2653 }, { 0x267f, 0x267f }, { 0x2693, 0x2693 }, { 0x26a1, 0x26a1 },
	{ 0x26aa, 0x26ab }, { 0x26bd, 0x26be }, { 0x26c4, 0x26c5 }, { 0x26ce, 0x26ce },
	{ 0x26d4, 0x26d4 }, { 0x26ea, 0x26ea }, { 0x26f2, 0x26f3 }, { 0x26f5, 0x26f5 },
	{ 0x26fa, 0x26fa }, { 0x26fd, 0x26fd }, { 0x2705, 0x2705 }, { 0x270a, 0x270b },
	{ 0x2728, 0x2728 }, { 0x274c, 0x274c }, { 0x274e, 0x274e }, { 0x2753, 0x2755 },
	{ 0x2757, 0x2757 }, { 0x2795, 0x2797 }, { 0x27b0, 0x27b0 }, { 0x27bf, 0x27bf },
	{ 0x2b1b, 0x2b1c }, { 0x2b50, 0x2b50 }, { 0x2b55, 0x2b55 }, { 0x2e80, 0x303e },
	{ 0x3041, 0x3247 }, { 0x3250, 0x4dbf }, { 0x4e00, 0xa4cf }, { 0xa960, 0xa97f },
	{ 0xac00, 0xd7a3 }, { 0xf900, 0xfaff }, { 0xfe10, 0xfe19 }, { 0xfe30, 0xfe6f },
	{ 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x16fe0, 0x18aff }, { 0x1b000, 0x1b2ff },
	{ 0x1f004, 0x1f004 }, { 0x1f0cf, 0x1f0cf }, { 0x1f18e, 0x1f18e }, { 0x1f191, 0x1f19a },
	{ 0x1f200, 0x1f251 }, { 0x1f300, 0x1f64f }, { 0x1f680, 0x1f6ff }, { 0x1f7e0, 0x1f7eb },
	{ 0x1f90c, 0x1f9ff }, { 0x1fa70, 0x1faff }, { 0x20000, 0x2fffd }, { 0x30000, 0x3fffd },
};

static bool in_ranges(uint32_t cp, const uint32_t (*r)[2], size_t n)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cp < r[mid][0])
			hi = mid;
		else if (cp > r[mid][1])
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static int cp_width(uint32_t cp)
{
	if (in_ranges(cp, zero_ranges, sizeof zero_ranges / sizeof zero_ranges[0]))
		return 0;
	if (in_ranges(cp, wide_ranges, sizeof wide_ranges / sizeof wide_ranges[0]))
		return 2;
	return 1;
}

/*
 * Decode one character at *s into its (possibly replaced) bytes and width, advancing *s.
 * Invalid UTF-8, control characters and DEL/C1 become U+FFFD, a tab a space, so nothing in
 * a text (a foreign datagram's, say) can move the cursor or reach the terminal as a
 * control sequence.
 */
static int next_char(const char **s, char out[4], uint8_t *n)
{
	const unsigned char *p = (const unsigned char *)*s;
	uint32_t cp;
	size_t len;

	if (p[0] < 0x80) {
		len = 1;
		cp = p[0];
	} else if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		len = 0;
		cp = 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			len = 0;
			break;
		}
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (len > 1 && ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
			(cp >= 0xd800 && cp <= 0xdfff)))
		len = 0;
	*s += len ? len : 1;

	if (len == 1 && p[0] == '\t') {
		out[0] = ' ';
		*n = 1;
		return 1;
	}
	if (len == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
		memcpy(out, "\xef\xbf\xbd", 3);  /* U+FFFD */
		*n = 3;
		return 1;
	}
	memcpy(out, p, len);
	*n = (uint8_t)len;
	return cp_width(cp);
}

/* Display width of a string, as line_put() would lay it out. */
static int text_width(const char *s)
{
	int w = 0;

	while (*s) {
		char b[4];
		uint8_t n;

		w += next_char(&s, b, &n);
	}
	return w;
}

static void line_clear(struct line *l)
{
	for (int i = 0; i < COLS; i++) {
		l->c[i].b[0] = ' ';
		l->c[i].n = 1;
		l->c[i].w = 1;
	}
	l->cut = false;
	l->left = C_LANE;
}

/* Make column i an ordinary blank, and the other half of a wide character it splits too. */
static void cell_blank(struct line *l, int i)
{
	if (i < 0 || i >= COLS)
		return;
	if (l->c[i].w == 2 && i + 1 < COLS)
		cell_blank(l, i + 1);
	if (l->c[i].w == 0 && i > 0 && l->c[i - 1].w == 2) {
		l->c[i - 1].b[0] = ' ';
		l->c[i - 1].n = 1;
		l->c[i - 1].w = 1;
	}
	l->c[i].b[0] = ' ';
	l->c[i].n = 1;
	l->c[i].w = 1;
}

/* Write the bytes s..end (end NULL: to the NUL) from column col, overwriting, no further
 * than column lim - 1.  Returns the column after the text.  A text cut short at the right
 * margin marks the line, which then ends in "…". */
static int line_put_span(struct line *l, int col, const char *s, const char *end, int lim)
{
	if (lim > COLS)
		lim = COLS;
	while (*s && (!end || s < end)) {
		char b[4];
		uint8_t n;
		int w = next_char(&s, b, &n);

		if (w == 0) {
			struct cell *prev = col > 0 && col <= COLS ? &l->c[col - 1] : NULL;

			if (prev && prev->w == 0 && col > 1)
				prev = &l->c[col - 2];
			if (prev && prev->n + n <= sizeof prev->b) {
				memcpy(prev->b + prev->n, b, n);
				prev->n = (uint8_t)(prev->n + n);
			}
			continue;
		}
		if (col < 0) {
			col += w;
			continue;
		}
		if (col + w > lim) {
			if (lim == COLS)
				l->cut = true;
			return lim;
		}
		cell_blank(l, col);
		if (w == 2)
			cell_blank(l, col + 1);
		memcpy(l->c[col].b, b, n);
		l->c[col].n = n;
		l->c[col].w = (uint8_t)w;
		if (w == 2) {
			l->c[col + 1].n = 0;
			l->c[col + 1].w = 0;
		}
		col += w;
	}
	return col;
}

static int line_put_lim(struct line *l, int col, const char *s, int lim)
{
	return line_put_span(l, col, s, NULL, lim);
}

static int line_put(struct line *l, int col, const char *s)
{
	return line_put_lim(l, col, s, COLS);
}

static int line_repeat(struct line *l, int col, const char *s, int times)
{
	for (int i = 0; i < times; i++)
		col = line_put(l, col, s);
	return col;
}

/* Print the line without trailing blanks. */
static void line_write(struct line *l, FILE *out)
{
	int end = COLS;

	if (l->cut) {
		cell_blank(l, COLS - 1);
		memcpy(l->c[COLS - 1].b, "…", strlen("…"));
		l->c[COLS - 1].n = (uint8_t)strlen("…");
	}
	while (end > 0 && l->c[end - 1].w == 1 && l->c[end - 1].n == 1 && l->c[end - 1].b[0] == ' ')
		end--;
	for (int i = 0; i < end; i++)
		fwrite(l->c[i].b, 1, l->c[i].n, out);
	fputc('\n', out);
}

/* ---- pieces of text ------------------------------------------------------------------ */

/* Seconds with three decimals from microseconds: 61020000 -> "61.020". */
static void fmt_secs(char *buf, size_t cap, int64_t us)
{
	uint64_t mag = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;

	snprintf(buf, cap, "%s%" PRIu64 ".%03u", us < 0 ? "-" : "", mag / 1000000,
		 (unsigned)(mag / 1000 % 1000));
}

const char *trace_seg_label(const struct fw_event *ev, char *buf, size_t cap)
{
	const struct fw_seg *s = ev->seg;
	char flags[32];
	size_t n;

	if (cap == 0)
		return buf;
	if (!s) {
		snprintf(buf, cap, "?");
		return buf;
	}
	seg_flags_str(s->flags, flags, sizeof flags);
	n = (size_t)snprintf(buf, cap, "%s seq=%" PRIu32, flags, trace_show_seq(ev));
	if (n < cap && (s->flags & FW_ACK))
		n += (size_t)snprintf(buf + n, cap - n, " ack=%" PRIu32, trace_show_ack(ev));
	if (n < cap && s->len > 0)
		snprintf(buf + n, cap - n, " len=%u", (unsigned)s->len);
	return buf;
}

/* A tail-loss probe is a retransmission too, but it is named for what it is. */
const char *trace_send_note(const struct fw_event *ev, char *buf, size_t cap)
{
	bool tlp = ev->why && strcmp(ev->why, "tlp") == 0;

	if (cap == 0)
		return buf;
	if (tlp)
		snprintf(buf, cap, "TLP");
	else if (ev->retrans > 0 && ev->why)
		snprintf(buf, cap, "retrans %d, %s", ev->retrans, ev->why);
	else if (ev->retrans > 0)
		snprintf(buf, cap, "retrans %d", ev->retrans);
	else
		snprintf(buf, cap, "%s", ev->why ? ev->why : "");
	return buf;
}

/* The signals a process in a lesson dies of, by name; NULL for others. */
static const char *signal_name(int sig)
{
	switch (sig) {
	case SIGHUP:
		return "SIGHUP";
	case SIGINT:
		return "SIGINT";
	case SIGABRT:
		return "SIGABRT";
	case SIGKILL:
		return "SIGKILL";
	case SIGSEGV:
		return "SIGSEGV";
	case SIGPIPE:
		return "SIGPIPE";
	case SIGTERM:
		return "SIGTERM";
	default:
		return NULL;
	}
}

/* ---- the ladder ------------------------------------------------------------------------ */

static bool host_valid(int host)
{
	return host == FW_CLIENT || host == FW_SERVER;
}

/* A line with only the time in it. */
static void line_time(struct line *l, int64_t t)
{
	char ts[32];
	int w;

	line_clear(l);
	fmt_secs(ts, sizeof ts, t);
	w = text_width(ts);
	/* Past 9999.999 s the time is wider than its column; the client's text moves over. */
	if (w >= C_LANE)
		l->left = w + 1;
	line_put(l, w < TIME_W ? TIME_W - w : 0, ts);
}

/* A blank line of the ladder: the time and both lifelines. */
static void ladder_begin(struct line *l, int64_t t)
{
	line_time(l, t);
	line_put(l, C_LIFE, "│");
	line_put(l, S_LIFE, "│");
}

static void ladder_header(struct fw_trace *tr)
{
	struct line l;

	line_clear(&l);
	line_put(&l, 0, "time (s)");
	line_put(&l, C_LANE, "client");
	line_put(&l, C_LIFE, "│");
	line_put(&l, S_LIFE, "│");
	line_put(&l, S_LANE, "server");
	line_write(&l, tr->out);
	tr->header_done = true;
}

/* "#2 " for connections after the first, so several connections can be told apart. */
static void conn_tag(const struct fw_event *ev, char *buf, size_t cap)
{
	if (ev->conn > 1)
		snprintf(buf, cap, "#%d ", ev->conn);
	else
		buf[0] = '\0';
}

/*
 * Something inside a host: text in its column, the optional note in brackets on the wire
 * side of its lifeline.  Text too wide for the column runs on into the wire (client) or is
 * pushed left from the right margin (server).
 */
static void ladder_host(struct line *l, int host, const char *text, const char *note)
{
	int w = text_width(text);

	if (note && *note) {
		char nb[160];
		int room = WIRE_R - (WIRE_L + 1);
		int nw;

		snprintf(nb, sizeof nb, "(%s)", note);
		nw = text_width(nb);
		if (nw > room) {
			line_put_lim(l, WIRE_L + 1, nb, WIRE_R - 1);
			line_put(l, WIRE_R - 1, "…");
		} else {
			line_put(l, host == FW_SERVER ? WIRE_R - nw : WIRE_L + 1, nb);
		}
	}
	if (host == FW_SERVER) {
		int col = S_LANE;

		if (w > COLS - S_LANE)
			col = COLS - w > l->left ? COLS - w : l->left;
		line_put(l, col, text);
	} else {
		line_put(l, l->left, text);
	}
}

/* An arrow len columns wide from col with label inside, pointing right or left; near_head
 * says whether the label sits near the head (a recv: the arrow arrives) or near the tail (a
 * send: it leaves). */
static void arrow_draw(struct line *l, int col, int len, const char *label, bool right,
		       bool near_head)
{
	int lw = text_width(label);
	int dashes = len - lw - 4;

	if (dashes < 1)
		dashes = 1;
	if (right && !near_head) {
		col = line_put(l, col, "─ ");
		col = line_put(l, col, label);
		col = line_put(l, col, " ");
		col = line_repeat(l, col, "─", dashes);
		line_put(l, col, "▶");
	} else if (right) {
		col = line_repeat(l, col, "─", dashes);
		col = line_put(l, col, " ");
		col = line_put(l, col, label);
		line_put(l, col, " ─▶");
	} else if (near_head) {
		col = line_put(l, col, "◀─ ");
		col = line_put(l, col, label);
		col = line_put(l, col, " ");
		line_repeat(l, col, "─", dashes);
	} else {
		col = line_put(l, col, "◀");
		col = line_repeat(l, col, "─", dashes);
		col = line_put(l, col, " ");
		col = line_put(l, col, label);
		line_put(l, col, " ─");
	}
}

static int arrow_len(const char *label)
{
	int len = text_width(label) + 5;

	return len < ARROW_MIN ? ARROW_MIN : len;
}

/* A segment sent (leaving the sender's lifeline) or processed (reaching the receiver's).
 * A send's note (retransmission, TLP, keepalive probe) stands in the sender's column. */
static void ladder_segment(struct line *l, const struct fw_event *ev, const char *label)
{
	bool c2s = (ev->ev == FW_EV_SEND) == (ev->host == FW_CLIENT);
	int len = arrow_len(label);
	char note[96], nb[100];

	if (ev->ev == FW_EV_SEND && c2s) {
		line_put(l, C_LIFE, "├");
		arrow_draw(l, WIRE_L, len, label, true, false);
	} else if (ev->ev == FW_EV_SEND) {
		arrow_draw(l, WIRE_R + 1 - len, len, label, false, false);
		line_put(l, S_LIFE, "┤");
	} else if (c2s) {
		arrow_draw(l, WIRE_R + 1 - len, len, label, true, true);
		line_put(l, S_LIFE, "┤");
	} else {
		line_put(l, C_LIFE, "├");
		arrow_draw(l, WIRE_L, len, label, false, true);
	}
	if (ev->ev == FW_EV_SEND && *trace_send_note(ev, note, sizeof note)) {
		snprintf(nb, sizeof nb, "(%s)", note);
		line_put_lim(l, ev->host == FW_SERVER ? S_LANE : l->left, nb,
			     ev->host == FW_SERVER ? COLS : C_LIFE - 1);
	}
}

/* A fault rule's words without its direction ("drop next client->server FIN" -> "drop next
 * FIN"): the arrow already shows which way the segment went. */
static void rule_words(const char *why, char *buf, size_t cap)
{
	static const char *const dirs[] = { " client->server", " server->client" };
	size_t n = 0;

	while (*why && n + 1 < cap) {
		bool skipped = false;

		for (size_t i = 0; i < 2; i++) {
			size_t k = strlen(dirs[i]);

			if (strncmp(why, dirs[i], k) == 0) {
				why += k;
				skipped = true;
			}
		}
		if (!skipped)
			buf[n++] = *why++;
	}
	buf[n] = '\0';
}

/*
 * A segment lost on the wire, or one a fault delayed, duplicated or reordered:
 *
 *     │  ── ACK seq=302 ack=502 ─✕        │ lost (drop wave 4)
 *     │  ┄┄ ACK seq=1 ack=1 ┄▶            │ duplicate next
 *
 * The event's host is the sender.  The segment is drawn in the middle of the wire, lost
 * ones ending in a cross, the others dashed; what happened stands in the receiver's column.
 */
static void ladder_wire(struct line *l, const struct fw_event *ev, const char *label)
{
	bool c2s = ev->host != FW_SERVER;
	bool lost = ev->ev == FW_EV_DROP;
	const char *dash = lost ? "─" : "┄";
	char rule[128], what[160];
	int body = text_width(label) + 6;           /* "── label ─✕" */
	int col = WIRE_L + (WIRE_W - body) / 2;

	rule_words(ev->why ? ev->why : "", rule, sizeof rule);
	if (lost)
		snprintf(what, sizeof what, *rule ? "lost (%s)" : "lost", rule);
	else
		snprintf(what, sizeof what, "%s", *rule ? rule : "fault");
	if (col < WIRE_L + 1)
		col = WIRE_L + 1;
	if (c2s) {
		col = line_repeat(l, col, dash, 2);
		col = line_put(l, col, " ");
		col = line_put(l, col, label);
		col = line_put(l, col, " ");
		col = line_put(l, col, dash);
		line_put(l, col, lost ? "✕" : "▶");
		ladder_host(l, FW_SERVER, what, NULL);
	} else {
		col = line_put(l, col, lost ? "✕" : "◀");
		col = line_put(l, col, dash);
		col = line_put(l, col, " ");
		col = line_put(l, col, label);
		col = line_put(l, col, " ");
		line_repeat(l, col, dash, 2);
		ladder_host(l, FW_CLIENT, what, NULL);
	}
}

/* Narration: full width, the prefix first, wrapped at the last space that fits (anywhere
 * in text without spaces, such as Chinese), continuation lines indented. */
static void ladder_say(struct fw_trace *tr, const char *prefix, const char *text)
{
	const char *p = text ? text : "";
	bool first = true;

	do {
		struct line l;
		int col, start;
		const char *q = p, *brk = NULL, *stop;

		line_clear(&l);
		col = start = first ? line_put(&l, 0, prefix) : SAY_INDENT;
		while (*q) {
			const char *c = q;
			char b[4];
			uint8_t n;
			int w = next_char(&q, b, &n);

			if (col + w > COLS) {
				q = c;
				break;
			}
			if (*c == ' ')
				brk = c;
			col += w;
		}
		if (q == p && *q) {
			/* Not even one character fits: take it anyway, the line cuts it. */
			char b[4];
			uint8_t n;

			next_char(&q, b, &n);
		}
		stop = *q && brk && brk > p ? brk : q;
		line_put_span(&l, start, p, stop, COLS);
		p = stop;
		while (*p == ' ')
			p++;
		line_write(&l, tr->out);
		first = false;
	} while (*p);
}

static void trace_text_write(struct fw_trace *tr, const struct fw_event *ev)
{
	struct line l;
	char text[256], tag[16], label[160], ts[32];
	const char *note = NULL;
	int host = ev->host;

	if (!tr->header_done)
		ladder_header(tr);
	/* Narration stands apart from the ladder, a blank line before and after it. */
	if (ev->ev == FW_EV_SAY) {
		if (!tr->in_say)
			fputc('\n', tr->out);
		tr->in_say = true;
		ladder_say(tr, "» ", ev->text);
		return;
	}
	if (tr->in_say && ev->ev < FW_NEVS)
		fputc('\n', tr->out);
	tr->in_say = false;

	ladder_begin(&l, ev->t);
	conn_tag(ev, tag, sizeof tag);
	text[0] = '\0';

	switch (ev->ev) {
	case FW_EV_SEND:
	case FW_EV_RECV:
	case FW_EV_DROP:
	case FW_EV_FAULT: {
		char bare[128];

		trace_seg_label(ev, bare, sizeof bare);
		snprintf(label, sizeof label, "%s%s", tag, bare);
		if (!host_valid(host)) {
			snprintf(text, sizeof text, "%s %s", fw_ev_name(ev->ev), label);
			break;
		}
		if (ev->ev == FW_EV_SEND || ev->ev == FW_EV_RECV)
			ladder_segment(&l, ev, label);
		else
			ladder_wire(&l, ev, label);
		line_write(&l, tr->out);
		return;
	}
	case FW_EV_STATE:
		snprintf(text, sizeof text, "%s%s → %s", tag, tcp_state_name(ev->from),
			 tcp_state_name(ev->to));
		note = ev->why;
		break;
	case FW_EV_TIMER:
		if (ev->action == FW_TA_SET) {
			fmt_secs(ts, sizeof ts, (int64_t)((uint64_t)ev->due - (uint64_t)ev->t));
			snprintf(text, sizeof text, "%s⏱ %s set %ss", tag, fw_timer_name(ev->timer), ts);
		} else {
			snprintf(text, sizeof text, "%s⏱ %s %s", tag, fw_timer_name(ev->timer),
				 fw_timer_action_name(ev->action));
		}
		break;
	case FW_EV_PROC: {
		const char *act = ev->proc_action ? ev->proc_action : "?";

		if (strcmp(act, "start") == 0) {
			snprintf(text, sizeof text, "pid %d started", ev->pid);
		} else if (strcmp(act, "exit") == 0 && ev->signal > 0) {
			const char *sn = signal_name(ev->signal);

			if (sn)
				snprintf(text, sizeof text, "pid %d killed (%s)", ev->pid, sn);
			else
				snprintf(text, sizeof text, "pid %d killed (signal %d)", ev->pid, ev->signal);
		} else if (strcmp(act, "exit") == 0) {
			snprintf(text, sizeof text, "pid %d exited", ev->pid);
		} else {
			snprintf(text, sizeof text, "pid %d %s", ev->pid, act);
		}
		break;
	}
	case FW_EV_CALL:
		if (ev->result < 0)
			snprintf(text, sizeof text, "%s%s() = -%s", tag, ev->call ? ev->call : "?",
				 fw_errno_name(ev->result));
		else
			snprintf(text, sizeof text, "%s%s() = %d", tag, ev->call ? ev->call : "?",
				 ev->result);
		note = ev->text;
		break;
	case FW_EV_ERROR:
		snprintf(text, sizeof text, "%serror %s", tag, fw_errno_name(ev->err));
		note = "to the application";
		break;
	case FW_EV_NOTE:
		/* A counter shows its new value; a remark (value 0) is just words. */
		if (ev->value != 0)
			snprintf(text, sizeof text, "%s%s = %" PRId64, tag, ev->why ? ev->why : "?",
				 ev->value);
		else
			snprintf(text, sizeof text, "%s%s", tag, ev->why ? ev->why : "?");
		break;
	case FW_EV_FOREIGN:
		if (host_valid(host)) {
			snprintf(text, sizeof text, "foreign datagram ignored");
			note = ev->text;
		} else {
			snprintf(text, sizeof text, "foreign datagram ignored (%s)",
				 ev->text ? ev->text : "?");
		}
		break;
	case FW_EV_EXPECT:
		snprintf(text, sizeof text, "%s expect %s%s", ev->result == 0 ? "✓" : "✗",
			 ev->text ? ev->text : "", ev->result == 0 ? "" : ": FAILED");
		host = -1;
		break;
	case FW_EV_SAY:
	case FW_NEVS:
		return;
	}

	if (host_valid(host)) {
		ladder_host(&l, host, text, note);
	} else {
		/* No host: across the whole ladder, after the time. */
		line_time(&l, ev->t);
		line_put(&l, l.left, text);
	}
	line_write(&l, tr->out);
}

/* ---- the trace object ------------------------------------------------------------------ */

struct fw_trace *trace_new(FILE *out, enum fw_trace_fmt fmt)
{
	struct fw_trace *tr = calloc(1, sizeof *tr);

	if (!tr)
		return NULL;
	tr->out = out;
	tr->fmt = fmt;
	return tr;
}

void trace_event_cb(void *ud, const struct fw_event *ev)
{
	struct fw_trace *tr = ud;

	if (tr->fmt == FW_TRACE_JSONL)
		trace_jsonl_write(tr->out, ev);
	else
		trace_text_write(tr, ev);
}

void trace_free(struct fw_trace *tr)
{
	if (!tr)
		return;
	fflush(tr->out);
	free(tr);
}

int trace_fmt_parse(const char *name)
{
	if (name && strcmp(name, "text") == 0)
		return FW_TRACE_TEXT;
	if (name && strcmp(name, "jsonl") == 0)
		return FW_TRACE_JSONL;
	return -1;
}

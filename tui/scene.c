/*
 * scene.c: the screen's model (scene.h): the event history as ladder rows and log lines,
 * and the pure functions that turn it, with the world's state, into things to draw.
 *
 * Rows are kept in one array in the order they happened.  A segment's row is matched with
 * its fate by its raw header fields: a RECV at host h ends the oldest flying segment from
 * the other host with the same seq, ack, flags and length; a DROP (reported by the sender)
 * ends the newest such segment from that host, half way (a rule on the wire) or at the far
 * lane (the receiver was powered off).  Nothing here reads a clock: every position is a
 * function of the virtual time passed in.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "scene.h"
#include "trace.h"

#define TIMER_SLOTS 64
#define SHOWN_FAR   0.97           /* an overdue flight waits here until it is processed */

struct timer_slot {
	int host, conn, timer;
	int64_t set_t, due;
};

struct scene {
	const struct fw_world *w;
	struct scene_row *rows;
	int nrows, cap;
	int64_t dropped;
	int settled;                   /* rows before this index never move again */
	uint64_t gen;

	struct scene_log *log;         /* a ring of SCENE_MAX_LOG */
	int log_head, nlog;
	uint64_t log_gen;

	struct timer_slot timers[TIMER_SLOTS];
	int ntimers;

	bool have_last[FW_NHOSTS];
	enum tcp_state last_from[FW_NHOSTS], last_to[FW_NHOSTS];
	char last_why[FW_NHOSTS][64];
	int64_t last_t[FW_NHOSTS];

	int dead_pid[FW_NHOSTS], dead_signal[FW_NHOSTS];

	int cur_conn;                  /* the connection of the event being recorded */
	int64_t crowd_segs, crowd_failed;
	struct fw_sock_info *all;      /* scene_host's buffer for counting a crowd's ports */
	int all_cap;
};

struct scene *scene_new(const struct fw_world *w)
{
	struct scene *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->w = w;
	s->log = calloc(SCENE_MAX_LOG, sizeof *s->log);
	if (!s->log) {
		free(s);
		return NULL;
	}
	return s;
}

void scene_free(struct scene *s)
{
	if (!s)
		return;
	free(s->rows);
	free(s->log);
	free(s->all);
	free(s);
}

/* ---- recording -------------------------------------------------------------------------- */

static void log_add(struct scene *s, int64_t t, int host, enum scene_log_kind kind,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The cross for lost things; the draw code maps it to 'X' outside UTF-8. */
static const char *glyph_cross(void)
{
	return "✗";
}

static void log_add(struct scene *s, int64_t t, int host, enum scene_log_kind kind,
		    const char *fmt, ...)
{
	int i = (s->log_head + s->nlog) % SCENE_MAX_LOG;
	if (s->nlog == SCENE_MAX_LOG)
		s->log_head = (s->log_head + 1) % SCENE_MAX_LOG;
	else
		s->nlog++;
	struct scene_log *l = &s->log[i];
	l->t = t;
	l->host = host;
	l->conn = s->cur_conn;
	l->kind = kind;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof l->text, fmt, ap);
	va_end(ap);
	s->log_gen++;
}

/* A new row at the end (after a gap row if time stood still long enough); NULL without
 * memory.  The oldest rows go when there are too many. */
static struct scene_row *row_add(struct scene *s, enum scene_row_kind kind, int64_t t, int host)
{
	if (s->nrows > 0 && kind != SR_GAP && t - s->rows[s->nrows - 1].t >= SCENE_GAP_MIN) {
		int64_t gap = t - s->rows[s->nrows - 1].t;
		struct scene_row *g = row_add(s, SR_GAP, t, -1);
		if (g) {
			char b[32];
			snprintf(g->text, sizeof g->text, "+%s", scene_secs_str(gap, b, sizeof b));
		}
	}
	if (s->nrows >= SCENE_MAX_ROWS) {
		int cut = SCENE_MAX_ROWS / 4;
		memmove(s->rows, s->rows + cut, (size_t)(s->nrows - cut) * sizeof *s->rows);
		s->nrows -= cut;
		s->dropped += cut;
		s->settled = s->settled > cut ? s->settled - cut : 0;
	}
	if (s->nrows == s->cap) {
		int cap = s->cap ? s->cap * 2 : 128;
		if (cap > SCENE_MAX_ROWS)
			cap = SCENE_MAX_ROWS;
		struct scene_row *nr = realloc(s->rows, (size_t)cap * sizeof *nr);
		if (!nr)
			return NULL;
		s->rows = nr;
		s->cap = cap;
	}
	struct scene_row *r = &s->rows[s->nrows++];
	memset(r, 0, sizeof *r);
	r->kind = kind;
	r->t = t;
	r->host = host;
	r->conn_of = s->cur_conn;
	s->gen++;
	return r;
}

static void note_add(struct scene *s, int64_t t, int host, enum scene_note_kind k,
		     const char *text)
{
	struct scene_row *r = row_add(s, SR_NOTE, t, host);
	if (!r)
		return;
	r->note = k;
	snprintf(r->text, sizeof r->text, "%s", text);
}

/* The one-way latency of segments leaving host (at least 1 us, so a flight has a length). */
static int64_t latency_of(const struct scene *s, int host)
{
	int64_t lat = s->w ? world_get_knob(s->w, host, "latency") : FW_MS(1);
	return lat > 0 ? lat : 1;
}

static bool seg_same(const struct scene_row *r, const struct fw_seg *g)
{
	return r->kind == SR_SEG && r->fate == SEG_FLYING && r->seq == g->seq &&
	       r->ack == g->ack && r->flags == g->flags && r->len == g->len;
}

static void on_send(struct scene *s, const struct fw_event *ev, bool dup)
{
	struct scene_row *r = row_add(s, SR_SEG, ev->t, ev->host);
	if (!r)
		return;
	const struct fw_seg *g = ev->seg;
	r->conn = ev->conn;
	r->flags = g->flags;
	r->seq = g->seq;
	r->ack = g->ack;
	r->len = g->len;
	r->retrans = ev->retrans;
	r->dup = dup;
	trace_seg_label(ev, r->label, sizeof r->label);
	if (dup)
		snprintf(r->mark, sizeof r->mark, "dup");
	else if (ev->ev == FW_EV_SEND)
		trace_send_note(ev, r->mark, sizeof r->mark);
	r->fate = SEG_FLYING;
	r->eta = ev->t + latency_of(s, ev->host);
	r->t_end = FW_NEVER;
	if (!dup)
		log_add(s, ev->t, ev->host, SL_SEG, "%s %s%s%s%s", ev->host == FW_SERVER ? "◀" : "▶",
			r->label, r->mark[0] ? " [" : "", r->mark, r->mark[0] ? "]" : "");
}

static void on_recv(struct scene *s, const struct fw_event *ev)
{
	int from = 1 - ev->host;
	for (int i = s->settled; i < s->nrows; i++) {
		struct scene_row *r = &s->rows[i];
		if (r->host == from && seg_same(r, ev->seg)) {
			r->fate = SEG_ARRIVED;
			r->t_end = ev->t;
			s->gen++;
			return;
		}
	}
}

static void on_drop(struct scene *s, const struct fw_event *ev)
{
	bool far = ev->why && strcmp(ev->why, "host down") == 0;
	struct scene_row *hit = NULL;
	for (int i = s->nrows - 1; i >= s->settled; i--) {
		struct scene_row *r = &s->rows[i];
		if (r->host == ev->host && seg_same(r, ev->seg)) {
			hit = r;
			if (!far)
				break;         /* a rule drops the newest copy, as it is sent */
		}
	}
	char label[SCENE_LABEL_MAX];
	trace_seg_label(ev, label, sizeof label);
	log_add(s, ev->t, ev->host, SL_DROP, "✗ %s %s (%s)", label, i18n(S_LOST),
		ev->why ? ev->why : "");
	if (!hit)
		return;
	hit->fate = SEG_LOST;
	hit->lost_far = far;
	snprintf(hit->why, sizeof hit->why, "%s", ev->why ? ev->why : "");
	hit->t_end = far ? ev->t : hit->t + (hit->eta - hit->t) / 2;
	s->gen++;
}

/* A fault that did not drop: a delay makes the newest flight longer, a duplicate adds one. */
static void on_fault(struct scene *s, const struct fw_event *ev)
{
	const char *why = ev->why ? ev->why : "";
	log_add(s, ev->t, ev->host, SL_INFO, "%s", why);
	if (strncmp(why, "duplicate", 9) == 0) {
		on_send(s, ev, true);
		return;
	}
	int64_t extra = 0;
	if (strncmp(why, "delay", 5) == 0) {
		const char *sp = strrchr(why, ' ');
		long long ms = sp ? strtoll(sp + 1, NULL, 10) : 0;
		extra = FW_MS(ms);
	} else if (strncmp(why, "reorder", 7) == 0) {
		extra = FW_SEC(1);
	}
	for (int i = s->nrows - 1; i >= s->settled && extra > 0; i--) {
		struct scene_row *r = &s->rows[i];
		if (r->host == ev->host && seg_same(r, ev->seg)) {
			r->eta += extra;
			s->gen++;
			break;
		}
	}
}

static struct timer_slot *timer_slot(struct scene *s, int host, int conn, int timer, bool make)
{
	for (int i = 0; i < s->ntimers; i++) {
		struct timer_slot *t = &s->timers[i];
		if (t->host == host && t->conn == conn && t->timer == timer)
			return t;
	}
	if (!make)
		return NULL;
	if (s->ntimers == TIMER_SLOTS) {
		memmove(s->timers, s->timers + 1, (TIMER_SLOTS - 1) * sizeof *s->timers);
		s->ntimers--;
	}
	struct timer_slot *t = &s->timers[s->ntimers++];
	t->host = host;
	t->conn = conn;
	t->timer = timer;
	return t;
}

static void on_timer(struct scene *s, const struct fw_event *ev)
{
	char b[32];
	if (ev->action == FW_TA_SET) {
		struct timer_slot *t = timer_slot(s, ev->host, ev->conn, ev->timer, true);
		t->set_t = ev->t;
		t->due = ev->due;
		if (ev->timer != FW_T_DELACK)
			log_add(s, ev->t, ev->host, SL_TIMER, "◷ %s %s", i18n_timer(ev->timer),
				scene_secs_str(ev->due - ev->t, b, sizeof b));
	} else if (ev->action == FW_TA_FIRE && ev->timer != FW_T_DELACK) {
		log_add(s, ev->t, ev->host, SL_TIMER, "◷ %s %s", i18n_timer(ev->timer), i18n(S_FIRED));
	}
}

static const char *sig_name(int sig)
{
	switch (sig) {
	case 0:
		return "";
	case SIGKILL:
		return "SIGKILL";
	case SIGTERM:
		return "SIGTERM";
	case SIGINT:
		return "SIGINT";
	case SIGHUP:
		return "SIGHUP";
	}
	return "signal";
}

static void on_state(struct scene *s, const struct fw_event *ev)
{
	int h = ev->host;
	if (h >= 0 && h < FW_NHOSTS) {
		s->have_last[h] = true;
		s->last_from[h] = ev->from;
		s->last_to[h] = ev->to;
		s->last_t[h] = ev->t;
		snprintf(s->last_why[h], sizeof s->last_why[h], "%s", ev->why ? ev->why : "");
	}
	log_add(s, ev->t, h, SL_STATE, "%s → %s%s%s%s", tcp_state_name(ev->from),
		tcp_state_name(ev->to), ev->why ? " (" : "", ev->why ? ev->why : "",
		ev->why ? ")" : "");
	char text[64];
	snprintf(text, sizeof text, "→ %s", tcp_state_name(ev->to));
	note_add(s, ev->t, h, SN_STATE, text);
}

/*
 * A system call's row.  The model reports a call after what it caused (close(): the state
 * change, the FIN, then the call), so a call joins the state change it caused on that
 * host's row: "close() → FIN_WAIT_1".
 */
static void on_call_row(struct scene *s, const struct fw_event *ev, const char *text)
{
	for (int i = s->nrows - 1; i >= 0 && i >= s->nrows - 4; i--) {
		struct scene_row *r = &s->rows[i];
		if (r->t != ev->t)
			break;
		if (r->kind == SR_NOTE && r->host == ev->host && r->note == SN_STATE &&
		    strncmp(r->text, "→", strlen("→")) == 0) {
			char joined[SCENE_TEXT_MAX];
			snprintf(joined, sizeof joined, "%.60s %.90s", text, r->text);
			snprintf(r->text, sizeof r->text, "%s", joined);
			s->gen++;
			return;
		}
	}
	note_add(s, ev->t, ev->host, ev->result < 0 ? SN_ERROR : SN_CALL, text);
}

const char *scene_count_str(int64_t n, char *buf, size_t cap)
{
	char digits[32];
	int len = snprintf(digits, sizeof digits, "%" PRId64, n < 0 ? -n : n);
	size_t j = 0;
	if (n < 0 && j + 1 < cap)
		buf[j++] = '-';
	for (int i = 0; i < len && j + 1 < cap; i++) {
		if (i > 0 && (len - i) % 3 == 0 && j + 1 < cap)
			buf[j++] = ',';
		if (j + 1 < cap)
			buf[j++] = digits[i];
	}
	buf[j] = '\0';
	return buf;
}

int64_t scene_crowd_segments(const struct scene *s) { return s->crowd_segs; }
int64_t scene_crowd_failed(const struct scene *s) { return s->crowd_failed; }

/* The crowd's row says how many segments (and failed connects) it stands for. */
static void crowd_text(struct scene_row *r, int64_t failed)
{
	char n[32], f[32], a[SCENE_TEXT_MAX], b[SCENE_TEXT_MAX];
	snprintf(a, sizeof a, i18n(S_CROWD_SEGS), scene_count_str(r->crowd, n, sizeof n));
	if (failed > 0) {
		snprintf(b, sizeof b, i18n(S_CROWD_FAILED), scene_count_str(failed, f, sizeof f));
		snprintf(r->text, sizeof r->text, "%.70s, %.80s", a, b);
	} else {
		snprintf(r->text, sizeof r->text, "%s", a);
	}
}

/* One more crowd segment: the last row counts it, or a new count row starts. */
static void crowd_count(struct scene *s, int64_t t, int64_t segs)
{
	struct scene_row *r = s->nrows > 0 ? &s->rows[s->nrows - 1] : NULL;
	if (!r || r->kind != SR_TEXT || r->crowd == 0) {
		int saved = s->cur_conn;
		s->cur_conn = 0;
		r = row_add(s, SR_TEXT, t, -1);
		s->cur_conn = saved;
		if (!r)
			return;
	}
	r->crowd += segs;
	r->t = t;
	crowd_text(r, s->crowd_failed);
	s->crowd_segs += segs;
	s->gen++;
}

/* Events of crowd connections: counted, not drawn.  True if ev was one. */
static bool crowd_event(struct scene *s, const struct fw_event *ev)
{
	bool crowd = ev->conn > 0 && s->w && world_conn_crowd(s->w, ev->conn);
	if (!crowd) {
		/* a crowd's connect() that found no free port */
		if (ev->ev == FW_EV_CALL && ev->result < 0 && ev->text &&
		    strncmp(ev->text, "crowd:", 6) == 0) {
			s->crowd_failed++;
			crowd_count(s, ev->t, 0);
			return true;
		}
		return false;
	}
	/* the engine marks a crowd's connection before its first event, so nothing of it was
	 * ever drawn: only its segments are counted */
	if (ev->ev == FW_EV_SEND && ev->seg)
		crowd_count(s, ev->t, 1);
	return true;
}

void scene_event_cb(void *ud, const struct fw_event *ev)
{
	struct scene *s = ud;
	char text[SCENE_TEXT_MAX];
	if (crowd_event(s, ev))
		return;
	s->cur_conn = ev->conn;
	switch (ev->ev) {
	case FW_EV_STATE:
		on_state(s, ev);
		break;
	case FW_EV_SEND:
		if (ev->seg)
			on_send(s, ev, false);
		break;
	case FW_EV_RECV:
		if (ev->seg)
			on_recv(s, ev);
		break;
	case FW_EV_DROP:
		if (ev->seg)
			on_drop(s, ev);
		break;
	case FW_EV_FAULT:
		if (ev->seg)
			on_fault(s, ev);
		break;
	case FW_EV_TIMER:
		on_timer(s, ev);
		break;
	case FW_EV_PROC:
		if (ev->proc_action && strcmp(ev->proc_action, "exit") == 0) {
			if (ev->host >= 0 && ev->host < FW_NHOSTS) {
				s->dead_pid[ev->host] = ev->pid;
				s->dead_signal[ev->host] = ev->signal;
			}
			snprintf(text, sizeof text, "✝ pid %d %s", ev->pid,
				 ev->signal ? sig_name(ev->signal) : i18n(S_PROC_EXIT));
		} else {
			bool start = ev->proc_action && strcmp(ev->proc_action, "start") == 0;
			snprintf(text, sizeof text, "pid %d %s", ev->pid,
				 start ? i18n(S_PROC_START) : ev->proc_action ? ev->proc_action : "");
		}
		note_add(s, ev->t, ev->host, SN_PROC, text);
		log_add(s, ev->t, ev->host, SL_PROC, "%s", text);
		break;
	case FW_EV_CALL: {
		const char *call = ev->call ? ev->call : "?";
		if (ev->result < 0)
			snprintf(text, sizeof text, "%s() = -%s", call, fw_errno_name(-ev->result));
		else if (strcmp(call, "send") == 0 || strcmp(call, "recv") == 0)
			snprintf(text, sizeof text, "%s() = %d", call, ev->result);
		else
			snprintf(text, sizeof text, "%s()", call);
		log_add(s, ev->t, ev->host, SL_CALL, "%s%s%s", text, ev->text ? "  " : "",
			ev->text ? ev->text : "");
		/* accept() is the kernel's doing, not a step anyone took: the log has it. */
		if (strcmp(call, "accept") != 0)
			on_call_row(s, ev, text);
		break;
	}
	case FW_EV_ERROR:
		snprintf(text, sizeof text, "! %s", fw_errno_name(ev->err));
		note_add(s, ev->t, ev->host, SN_ERROR, text);
		log_add(s, ev->t, ev->host, SL_ERROR, "! %s → %s", fw_errno_name(ev->err),
			i18n(S_TO_APP));
		break;
	case FW_EV_NOTE:
		/* the host's power is the screen's business to say, in its language */
		if (ev->why && strcmp(ev->why, "host powered off") == 0)
			snprintf(text, sizeof text, "%s %s", glyph_cross(), i18n(S_HOST_DOWN));
		else if (ev->why && strcmp(ev->why, "host booted") == 0)
			snprintf(text, sizeof text, "%s", i18n(S_HOST_BOOTED));
		else if (ev->value != 0)
			snprintf(text, sizeof text, "%s = %" PRId64, ev->why ? ev->why : "?", ev->value);
		else
			snprintf(text, sizeof text, "%s", ev->why ? ev->why : "?");
		log_add(s, ev->t, ev->host, SL_INFO, "%s", text);
		if (ev->why && (strcmp(ev->why, "host powered off") == 0 ||
				strcmp(ev->why, "host booted") == 0))
			note_add(s, ev->t, ev->host, SN_HOST, text);
		break;
	case FW_EV_FOREIGN:
		log_add(s, ev->t, ev->host, SL_INFO, "%s: %s", i18n(S_FOREIGN), ev->text ? ev->text : "");
		break;
	case FW_EV_SAY: {
		struct scene_row *r = row_add(s, SR_TEXT, ev->t, -1);
		if (r)
			snprintf(r->text, sizeof r->text, "» %s", ev->text ? ev->text : "");
		log_add(s, ev->t, -1, SL_SAY, "%s", ev->text ? ev->text : "");
		break;
	}
	case FW_EV_EXPECT:
		log_add(s, ev->t, ev->host, ev->result ? SL_FAIL : SL_INFO, "%s %s",
			ev->result ? "✗" : "✓", ev->text ? ev->text : "");
		break;
	default:
		break;
	}
	s->cur_conn = 0;
}

void scene_note_cmd(struct scene *s, int64_t t, const char *text)
{
	log_add(s, t, -1, SL_CMD, "» %s", text);
}

void scene_note_text(struct scene *s, int64_t t, const char *text, bool fail)
{
	log_add(s, t, -1, fail ? SL_FAIL : SL_INFO, "%s", text);
}

/* ---- the ladder ------------------------------------------------------------------------- */

int scene_nrows(const struct scene *s) { return s->nrows; }
uint64_t scene_gen(const struct scene *s) { return s->gen; }
int64_t scene_dropped(const struct scene *s) { return s->dropped; }

const struct scene_row *scene_row(const struct scene *s, int i)
{
	return i >= 0 && i < s->nrows ? &s->rows[i] : NULL;
}

void scene_arrow_at(const struct scene_row *r, int64_t now, struct scene_arrow *a)
{
	memset(a, 0, sizeof *a);
	if (r->kind != SR_SEG)
		return;
	int64_t span = r->eta - r->t;
	if (span < 1)
		span = 1;
	double p = (double)(now - r->t) / (double)span;
	if (p < 0)
		p = 0;
	switch (r->fate) {
	case SEG_ARRIVED:
		if (now >= r->t_end) {
			a->head = 1;
			a->arrived = true;
			return;
		}
		break;
	case SEG_LOST: {
		double at = r->lost_far ? 1.0 : 0.5;
		if (now >= r->t_end || p >= at) {
			a->head = at;
			a->crossed = true;
			return;
		}
		a->head = p;
		a->flying = true;
		return;
	}
	case SEG_FLYING:
		break;
	}
	a->head = p < SHOWN_FAR ? p : SHOWN_FAR;
	a->flying = true;
}

bool scene_moving(struct scene *s, int64_t now)
{
	while (s->settled < s->nrows) {
		const struct scene_row *r = &s->rows[s->settled];
		if (r->kind == SR_SEG && (r->fate == SEG_FLYING || now < r->t_end))
			break;
		s->settled++;
	}
	for (int i = s->settled; i < s->nrows; i++) {
		const struct scene_row *r = &s->rows[i];
		if (r->kind != SR_SEG)
			continue;
		struct scene_arrow a;
		scene_arrow_at(r, now, &a);
		/* an overdue flight parked short of its lane does not move until processed */
		if (a.flying && !(r->fate == SEG_FLYING && now >= r->eta))
			return true;
	}
	return false;
}

/* ---- the log ---------------------------------------------------------------------------- */

int scene_nlog(const struct scene *s) { return s->nlog; }
uint64_t scene_log_gen(const struct scene *s) { return s->log_gen; }

const struct scene_log *scene_log_line(const struct scene *s, int i)
{
	if (i < 0 || i >= s->nlog)
		return NULL;
	return &s->log[(s->log_head + i) % SCENE_MAX_LOG];
}

/* ---- the hosts -------------------------------------------------------------------------- */

/* The host's sockets, all of them, in the scene's buffer; how many (0 without memory). */
static int all_sockets(const struct scene *cs, const struct fw_world *w, int host, int total)
{
	struct scene *s = (struct scene *)cs;      /* a cache, not the scene's state */
	if (total > s->all_cap) {
		struct fw_sock_info *nb = realloc(s->all, (size_t)total * sizeof *nb);
		if (!nb)
			return 0;
		s->all = nb;
		s->all_cap = total;
	}
	int n = world_sockets(w, host, s->all, s->all_cap);
	return n < s->all_cap ? n : s->all_cap;
}

/* A crowd's client: the destination port most sockets go to, and the ephemeral ports held
 * toward it (FACTS.md item 9: a port is taken per destination). */
static void crowd_ports(const struct fw_world *w, int host, const struct fw_sock_info *k, int n,
			struct scene_host *out)
{
	uint16_t port[8] = { 0 };
	int cnt[8] = { 0 }, np = 0;
	int64_t lo = world_get_knob(w, host, "ip_local_port_min");
	int64_t hi = world_get_knob(w, host, "ip_local_port_max");
	for (int i = 0; i < n; i++) {
		if (k[i].listener)
			continue;
		int j = 0;
		while (j < np && port[j] != k[i].rport)
			j++;
		if (j == np && np < 8)
			port[np++] = k[i].rport;
		if (j < np)
			cnt[j]++;
	}
	int best = 0;
	for (int j = 1; j < np; j++)
		if (cnt[j] > cnt[best])
			best = j;
	out->dport = np ? port[best] : 0;
	out->ports_total = hi >= lo ? (int)(hi - lo + 1) : 0;
	out->ports_used = 0;
	for (int i = 0; i < n && np; i++)
		if (!k[i].listener && k[i].rport == out->dport && k[i].lport >= lo && k[i].lport <= hi)
			out->ports_used++;
}

void scene_host(const struct scene *s, const struct fw_world *w, int host, struct scene_host *out)
{
	struct fw_sock_info info[32];
	memset(out, 0, sizeof *out);
	out->host = host;
	out->up = world_host_up(w, host);
	out->pid = world_proc_pid(w, host);
	out->dead_pid = s->dead_pid[host];
	out->dead_signal = s->dead_signal[host];
	out->state = world_host_state(w, host);
	out->addr = host == FW_SERVER ? FW_SERVER_ADDR : FW_CLIENT_ADDR;
	out->err = world_host_error(w, host);
	int cur = world_host_conn(w, host);
	int64_t now = world_now(w);

	int total = world_sockets(w, host, info, 32);
	const struct fw_sock_info *k0 = info;
	int n = total < 32 ? total : 32;
	out->nsocks_all = total;
	if (total > SCENE_CROWD_MIN || s->crowd_segs > 0) {
		/* a crowd: counts, and only the current connection and the listeners listed */
		out->crowd = true;
		for (int st = 0; st < TCP_NSTATES; st++)
			out->count[st] = world_count(w, host, (enum tcp_state)st);
		int all = all_sockets(s, w, host, total);
		if (all > 0) {
			k0 = s->all;
			n = all;
		}
		if (host == FW_CLIENT)
			crowd_ports(w, host, k0, n, out);
	}
	for (int i = 0; i < n; i++) {
		const struct fw_sock_info *k = &k0[i];
		if ((cur && k->conn == cur) || (!cur && k->listener && !out->port))
			out->port = k->lport;
		if (out->crowd && k->conn != cur && !k->listener &&
		    (total > SCENE_CROWD_MIN || world_conn_crowd(w, k->conn)))
			continue;
		if (out->nsocks < SCENE_HOST_SOCKS) {
			struct scene_sock *o = &out->socks[out->nsocks++];
			o->conn = k->conn;
			o->state = k->state;
			o->mini = k->mini;
			o->orphan = k->orphan;
			o->listener = k->listener;
			o->lport = k->lport;
			o->rport = k->rport;
			o->unread = k->unread;
		}
		for (int t = 0; t < FW_NTIMERS && out->ntimers < SCENE_HOST_TIMERS; t++) {
			if (k->timer_due[t] == FW_NEVER)
				continue;
			struct scene_timer *o = &out->timers[out->ntimers++];
			o->timer = t;
			o->conn = k->conn;
			o->left = k->timer_due[t] > now ? k->timer_due[t] - now : 0;
			const struct timer_slot *sl =
				timer_slot((struct scene *)s, host, k->conn, t, false);
			int64_t whole = sl && sl->due == k->timer_due[t] ? sl->due - sl->set_t : 0;
			o->frac = whole > 0 ? (double)o->left / (double)whole : 1.0;
			if (o->frac > 1)
				o->frac = 1;
			o->retries = k->retransmits;
			o->budget_left = -1;
			if (t == FW_T_RTO && k->budget_end != FW_NEVER)
				o->budget_left = k->budget_end > now ? k->budget_end - now : 0;
			o->probes = k->probes;
		}
	}
	if (out->crowd)
		out->nsocks_all = out->nsocks;     /* the rest are counted, not listed */
}

bool scene_timers_armed(const struct fw_world *w)
{
	struct fw_sock_info info[32];
	for (int h = 0; h < FW_NHOSTS; h++) {
		int n = world_sockets(w, h, info, 32);
		if (n > 32)
			n = 32;
		for (int i = 0; i < n; i++)
			for (int t = 0; t < FW_NTIMERS; t++)
				if (info[i].timer_due[t] != FW_NEVER)
					return true;
	}
	return false;
}

bool scene_last_transition(const struct scene *s, int host, enum tcp_state *from,
			   enum tcp_state *to, const char **why, int64_t *t)
{
	if (host < 0 || host >= FW_NHOSTS || !s->have_last[host])
		return false;
	*from = s->last_from[host];
	*to = s->last_to[host];
	*why = s->last_why[host];
	*t = s->last_t[host];
	return true;
}

/* ---- numbers as the screen writes them -------------------------------------------------- */

const char *scene_clock_str(int64_t us, char *buf, size_t cap)
{
	if (us < 0)
		us = 0;
	int64_t ms = us / 1000;
	int64_t sec = ms / 1000;
	if (sec < 60)
		snprintf(buf, cap, "%" PRId64 ".%03" PRId64 " s", sec, ms % 1000);
	else if (sec < 3600)
		snprintf(buf, cap, "%" PRId64 ":%02" PRId64 ".%03" PRId64, sec / 60, sec % 60,
			 ms % 1000);
	else
		snprintf(buf, cap, "%" PRId64 ":%02" PRId64 ":%02" PRId64, sec / 3600,
			 sec / 60 % 60, sec % 60);
	return buf;
}

const char *scene_secs_str(int64_t us, char *buf, size_t cap)
{
	if (us < 0)
		us = 0;
	if (us < FW_SEC(1))
		snprintf(buf, cap, "%.3fs", (double)us / 1e6);
	else if (us < FW_SEC(100))
		snprintf(buf, cap, "%.1fs", (double)us / 1e6);
	else if (us < FW_SEC(3600))
		snprintf(buf, cap, "%" PRId64 "s", us / 1000000);
	else
		snprintf(buf, cap, "%" PRId64 "h%02" PRId64 "m", us / 3600000000,
			 us / 60000000 % 60);
	return buf;
}

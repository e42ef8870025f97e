/*
 * rt_kernel_cmp.c: `finwave run --compare FILE`: the model and the real kernel, side by side.
 *
 * The script runs twice: in the model (headless, deterministic, as `finwave run` runs it)
 * and on the kernel lab (rt_kernel_run.c, real time, every expectation checked and the run
 * carried on past a failure so the whole story is told).  Both event streams are collected
 * and compared per host:
 *
 *   states    the sequence of states each connection went through (and the listener),
 *             aligned so that a state only one side went through shows as a difference.  A
 *             state the model left within 1 ms of entering it is optional: the kernel may
 *             pass through it in microseconds (a negative TCP_LINGER2 goes from FIN_WAIT_1
 *             to CLOSED inside one function), too fast for any sampler, and the reverse
 *             holds for the kernel's sub-millisecond states.  The times are shown, not
 *             judged: the script's calls happen a few hundred microseconds later on the
 *             kernel, and what matters is judged below.
 *   timings   each retransmission's gap after the previous copy of the same segment (the
 *             first one's gap is the RTO or the tail-loss probe's timeout, each later one
 *             the doubled RTO), each keepalive probe's gap after the previous probe (the
 *             first: after the last segment received), and the length of every TIME_WAIT
 *             and FIN_WAIT_2, with tolerances that say where the two may honestly differ:
 *               resend gaps       -2 %..+4 %, 5 ms, one timer-wheel slot, and the
 *                                 kernel's longer round trip: its RTO rests on the RTT it
 *                                 measures (srtt/8 + 200 ms, rounded up to whole 4 ms
 *                                 jiffies, FACTS.md item 2), which the relay lengthens on
 *                                 a busy machine (the handshake RTT of both runs is
 *                                 printed and the excess allowed for, doubled with each
 *                                 back-off); a jiffy or two more in the base RTO is carried
 *                                 through every doubling; and the wheel may fire a timer
 *                                 late by its slot (below)
 *               keepalive gaps,   timers too: the same rule as these
 *               TIME_WAIT,        when a timer ends them (no segment came in just before):
 *               FIN_WAIT_2        within one timer-wheel slot of each other: the wheel
 *                                 rounds a timer's expiry up to its level's granularity
 *                                 (2.048 s for a 60 s timer, 256 ms for 3-16 s: wheel_slack),
 *                                 the model from virtual jiffy 0 and the kernel from its
 *                                 own jiffies, so either may be the later; a TIME_WAIT or FIN_WAIT_2 that a segment
 *                                 ended (the peer's FIN, an RST) is shown, not judged: its
 *                                 length is the peer's timing (a delayed ACK's adaptive
 *                                 ato, a script's wait), not a timer's
 *   expectations      each run's own result; a failure on either side is a difference
 *
 * Exit status: KERNEL_EXIT_OK only when everything agrees; FAILED when anything differs;
 * SKIPPED when the kernel could not play a step here (no namespace, over the real-time
 * budget), ERROR on a system or syntax error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_kernel.h"

#define CMP_TRANSIENT_US 1000

/* One event, as much of it as the comparison needs. */
struct cev {
	int64_t t;
	enum fw_ev ev;
	int host, conn;
	enum tcp_state from, to;
	uint8_t flags;
	uint32_t seq, ack;
	int len, retrans, result;
	char why[24];
	char text[160];
};

struct crun {
	struct cev *e;
	int n, cap;
};

static void collect_cb(void *ud, const struct fw_event *ev)
{
	struct crun *r = ud;
	if (ev->ev != FW_EV_STATE && ev->ev != FW_EV_SEND && ev->ev != FW_EV_RECV &&
	    ev->ev != FW_EV_EXPECT)
		return;
	if (r->n == r->cap) {
		int cap = r->cap ? r->cap * 2 : 256;
		struct cev *n = realloc(r->e, (size_t)cap * sizeof *n);
		if (!n)
			return;
		r->e = n;
		r->cap = cap;
	}
	struct cev *c = &r->e[r->n++];
	memset(c, 0, sizeof *c);
	c->t = ev->t;
	c->ev = ev->ev;
	c->host = ev->host;
	c->conn = ev->conn;
	c->from = ev->from;
	c->to = ev->to;
	c->result = ev->result;
	if (ev->seg) {
		c->flags = ev->seg->flags;
		c->seq = trace_show_seq(ev);
		c->ack = trace_show_ack(ev);
		c->len = (int)seg_seqlen(ev->seg);
		c->retrans = ev->retrans;
	}
	if (ev->why)
		snprintf(c->why, sizeof c->why, "%s", ev->why);
	if (ev->text)
		snprintf(c->text, sizeof c->text, "%s", ev->text);
}

/* ---- the runs --------------------------------------------------------------------------------- */

static int run_model(const struct script *s, struct crun *out, char *msg, size_t cap)
{
	struct fw_world *w = world_new(1);
	if (!w) {
		snprintf(msg, cap, "out of memory");
		return FW_RUN_ERROR;
	}
	world_observe(w, collect_cb, out);
	struct runner *r = runner_new(w, s);
	if (!r) {
		world_free(w);
		snprintf(msg, cap, "out of memory");
		return FW_RUN_ERROR;
	}
	enum fw_run st = runner_run(r);
	snprintf(msg, cap, "%s", runner_message(r));
	runner_free(r);
	world_free(w);
	return st;
}

/* ---- states --------------------------------------------------------------------------------- */

struct sitem {
	int64_t t;
	int conn;                      /* as numbered in its own run */
	enum tcp_state from, to;
	bool optional;                 /* left again within CMP_TRANSIENT_US */
};

/* The state changes of one connection (0: the listener) of a host, in order, each marked
 * optional when it lasted under 1 ms. */
static int states_of(const struct crun *r, int host, int conn, struct sitem *out, int max)
{
	int n = 0;
	for (int i = 0; i < r->n && n < max; i++) {
		const struct cev *c = &r->e[i];
		if (c->ev != FW_EV_STATE || c->host != host || c->conn != conn)
			continue;
		out[n++] = (struct sitem){ c->t, c->conn, c->from, c->to, false };
	}
	for (int i = 0; i + 1 < n; i++)
		out[i].optional = out[i + 1].t - out[i].t < CMP_TRANSIENT_US;
	return n;
}

/* Connection ids of the two runs, matched in the order each first appears. */
struct connmap {
	int model[64], kernel[64];
	int n;
};

static void connmap_build(struct connmap *m, const struct crun *a, const struct crun *b)
{
	int ia = 0, ib = 0;
	m->n = 0;
	for (int side = 0; side < 2; side++) {
		const struct crun *r = side ? b : a;
		int *ids = side ? m->kernel : m->model;
		int *k = side ? &ib : &ia;
		for (int i = 0; i < r->n; i++) {
			int c = r->e[i].conn;
			if (c <= 0)
				continue;
			bool known = false;
			for (int j = 0; j < *k; j++)
				known |= ids[j] == c;
			if (!known && *k < 64)
				ids[(*k)++] = c;
		}
	}
	m->n = ia < ib ? ia : ib;
}

/* The model's id for a kernel connection id (0 stays 0, -1 when unmatched). */
static int connmap_model(const struct connmap *m, int kconn)
{
	if (kconn <= 0)
		return kconn;
	for (int i = 0; i < m->n; i++)
		if (m->kernel[i] == kconn)
			return m->model[i];
	return -1;
}

enum { AL_BOTH, AL_MODEL, AL_KERNEL };

struct arow {
	int kind;                      /* AL_* */
	int mi, ki;                    /* indexes, -1 */
};

/*
 * Align the two state lists (an edit distance where a matched pair costs nothing, an
 * optional item left out costs nothing, anything else left out costs 1); fills rows and
 * returns their number, *diffs the cost.
 */
static int align(const struct sitem *m, int nm, const struct sitem *k, int nk,
		 const struct connmap *cm, struct arow *rows, int *diffs)
{
	int w = nk + 1;
	int *d = malloc(sizeof(int) * (size_t)(nm + 1) * (size_t)w);
	if (!d)
		return -1;
#define D(i, j) d[(i) * w + (j)]
	for (int i = nm; i >= 0; i--) {
		for (int j = nk; j >= 0; j--) {
			if (i == nm && j == nk) {
				D(i, j) = 0;
				continue;
			}
			int best = 1 << 28;
			if (i < nm && j < nk && m[i].to == k[j].to &&
			    m[i].conn == connmap_model(cm, k[j].conn) && D(i + 1, j + 1) < best)
				best = D(i + 1, j + 1);
			if (i < nm && D(i + 1, j) + (m[i].optional ? 0 : 1) < best)
				best = D(i + 1, j) + (m[i].optional ? 0 : 1);
			if (j < nk && D(i, j + 1) + (k[j].optional ? 0 : 1) < best)
				best = D(i, j + 1) + (k[j].optional ? 0 : 1);
			D(i, j) = best;
		}
	}
	*diffs = D(0, 0);
	int i = 0, j = 0, n = 0;
	while (i < nm || j < nk) {
		if (i < nm && j < nk && m[i].to == k[j].to &&
		    m[i].conn == connmap_model(cm, k[j].conn) && D(i, j) == D(i + 1, j + 1)) {
			rows[n++] = (struct arow){ AL_BOTH, i++, j++ };
		} else if (i < nm && D(i, j) == D(i + 1, j) + (m[i].optional ? 0 : 1)) {
			rows[n++] = (struct arow){ AL_MODEL, i++, -1 };
		} else {
			rows[n++] = (struct arow){ AL_KERNEL, -1, j++ };
		}
	}
#undef D
	free(d);
	return n;
}

static const char *ms_str(int64_t us, char *buf, size_t cap)
{
	snprintf(buf, cap, "%lld.%03lld ms", (long long)(us / 1000), (long long)((us < 0 ? -us : us) % 1000));
	return buf;
}

static const char *dur_str(int64_t us, char *buf, size_t cap)
{
	if (us >= 10000000)
		snprintf(buf, cap, "%.3f s", (double)us / 1e6);
	else
		snprintf(buf, cap, "%.3f ms", (double)us / 1e3);
	return buf;
}

/* The kernel's id for a model connection id (0 stays 0, -1 when unmatched). */
static int connmap_kernel(const struct connmap *m, int mconn)
{
	if (mconn <= 0)
		return mconn;
	for (int i = 0; i < m->n; i++)
		if (m->model[i] == mconn)
			return m->kernel[i];
	return -1;
}

/* One connection's states on one host, aligned and printed; returns the differences. */
static int compare_conn(FILE *out, int host, int mconn, int kconn, const struct crun *mr,
			const struct crun *kr, const struct connmap *cm)
{
	struct sitem m[256], k[256];
	struct arow rows[512];
	int nm = mconn >= 0 ? states_of(mr, host, mconn, m, 256) : 0;
	int nk = kconn >= 0 ? states_of(kr, host, kconn, k, 256) : 0, diffs = 0;
	if (nm == 0 && nk == 0)
		return 0;
	int n = align(m, nm, k, nk, cm, rows, &diffs);
	if (n < 0)
		return 1;
	int shown = mconn >= 0 ? mconn : connmap_model(cm, kconn);
	for (int r = 0; r < n; r++) {
		const struct sitem *s = rows[r].mi >= 0 ? &m[rows[r].mi] : &k[rows[r].ki];
		char what[64], tm[32] = "-", tk[32] = "-";
		if (shown > 0)
			snprintf(what, sizeof what, "conn %d %s", shown, tcp_state_name(s->to));
		else if (shown == 0)
			snprintf(what, sizeof what, "listener %s", tcp_state_name(s->to));
		else
			snprintf(what, sizeof what, "kernel conn %d %s", kconn, tcp_state_name(s->to));
		if (rows[r].mi >= 0)
			ms_str(m[rows[r].mi].t, tm, sizeof tm);
		if (rows[r].ki >= 0)
			ms_str(k[rows[r].ki].t, tk, sizeof tk);
		const char *mark = "";
		if (rows[r].kind == AL_MODEL)
			mark = s->optional ? "  (model only, under 1 ms: optional)" : "  <- DIFFERS: model only";
		else if (rows[r].kind == AL_KERNEL)
			mark = s->optional ? "  (kernel only, under 1 ms: optional)" : "  <- DIFFERS: kernel only";
		fprintf(out, "  %-28s %14s %16s%s\n", what, tm, tk, mark);
	}
	return diffs;
}

static int compare_states(FILE *out, int host, const struct crun *mr, const struct crun *kr,
			  const struct connmap *cm)
{
	int diffs = 0, ids[128], n = 0;
	fprintf(out, "\n%s: states                        model           kernel\n", fw_host_name(host));
	/* the listener, then each connection in the model's order, then the kernel's extras */
	diffs += compare_conn(out, host, 0, 0, mr, kr, cm);
	for (int i = 0; i < mr->n; i++) {
		int c = mr->e[i].conn;
		bool seen = c <= 0;
		for (int j = 0; j < n && !seen; j++)
			seen = ids[j] == c;
		if (seen || n >= 128)
			continue;
		ids[n++] = c;
		diffs += compare_conn(out, host, c, connmap_kernel(cm, c), mr, kr, cm);
	}
	for (int i = 0; i < kr->n; i++) {
		int c = kr->e[i].conn;
		if (c <= 0 || connmap_model(cm, c) >= 0)
			continue;
		bool seen = false;
		for (int j = 0; j < n && !seen; j++)
			seen = ids[j] == -c;
		if (seen || n >= 128)
			continue;
		ids[n++] = -c;
		diffs += compare_conn(out, host, -1, c, mr, kr, cm);
	}
	return diffs;
}

/* ---- timings --------------------------------------------------------------------------------- */

struct timing {
	char what[64];
	int conn;                      /* the model's numbering */
	int n;                         /* resends: which copy */
	int64_t v;
	bool timeout;                  /* a TIME_WAIT / FIN_WAIT_2 that ended by its timer */
	bool judged;                   /* a timer's doing (else shown only) */
};

/*
 * The round trip of the handshake as the host saw it: from its SYN (or SYN-ACK) to the
 * segment that acknowledged it; -1 if the trace has none.  The kernel's RTO rests on the RTT
 * it measures (srtt/8 + 200 ms), and the relay's RTT grows when the machine is busy.
 */
static int64_t handshake_rtt(const struct crun *r, int host, int conn)
{
	for (int i = 0; i < r->n; i++) {
		const struct cev *s = &r->e[i];
		if (s->ev != FW_EV_SEND || s->host != host || s->conn != conn || !(s->flags & FW_SYN) ||
		    s->retrans)
			continue;
		for (int j = i + 1; j < r->n; j++) {
			const struct cev *a = &r->e[j];
			if (a->ev == FW_EV_RECV && a->host == host && a->conn == conn &&
			    (a->flags & FW_ACK) && a->ack == s->seq + 1)
				return a->t - s->t;
		}
		return -1;
	}
	return -1;
}

/* Whether the host received a segment of conn just before event i (within 5 ms: the
 * kernel's state is seen by a sample after the segment that caused it). */
static bool recv_before(const struct crun *r, int i, int host, int conn)
{
	for (int j = i - 1; j >= 0 && r->e[i].t - r->e[j].t <= 5000; j--)
		if (r->e[j].ev == FW_EV_RECV && r->e[j].host == host && r->e[j].conn == conn)
			return true;
	return false;
}

/* Retransmission gaps (since the previous copy of the same sequence number) and
 * TIME_WAIT / FIN_WAIT_2 lengths of one host in one run. */
static int timings_of(const struct crun *r, int host, const struct connmap *cm, bool kernel,
		      struct timing *out, int max)
{
	int n = 0;
	for (int i = 0; i < r->n && n < max; i++) {
		const struct cev *c = &r->e[i];
		if (c->host != host)
			continue;
		int conn = kernel ? connmap_model(cm, c->conn) : c->conn;
		if (c->ev == FW_EV_SEND && c->retrans > 0) {
			/* the gap since the previous copy of the same sequence number */
			for (int j = i - 1; j >= 0; j--) {
				const struct cev *o = &r->e[j];
				if (o->ev != FW_EV_SEND || o->host != host || o->conn != c->conn ||
				    o->seq != c->seq || o->len == 0 || o->retrans != c->retrans - 1)
					continue;
				const char *kind = (c->flags & FW_SYN) ? "SYN" : (c->flags & FW_FIN) ? "FIN"
												: "data";
				snprintf(out[n].what, sizeof out[n].what, "%s resend %d%s gap", kind,
					 c->retrans, strcmp(c->why, "tlp") == 0 ? " (TLP)" : "");
				out[n].conn = conn;
				out[n].n = c->retrans;
				out[n].judged = true;
				out[n].v = c->t - o->t;
				out[n].timeout = false;
				n++;
				break;
			}
		}
		if (c->ev == FW_EV_SEND && strcmp(c->why, "keepalive") == 0) {
			/* the gap since the previous probe, or since the connection last heard
			 * from its peer (idle time counts from the last segment received) */
			int probe = 1;
			int64_t from = -1;
			for (int j = i - 1; j >= 0 && from < 0; j--) {
				const struct cev *o = &r->e[j];
				if (o->host != host || o->conn != c->conn)
					continue;
				if (o->ev == FW_EV_SEND && strcmp(o->why, "keepalive") == 0) {
					for (int q = j - 1; q >= 0; q--)
						probe += r->e[q].ev == FW_EV_SEND && r->e[q].host == host &&
							 r->e[q].conn == c->conn &&
							 strcmp(r->e[q].why, "keepalive") == 0;
					probe++;
					from = o->t;
				} else if (o->ev == FW_EV_RECV) {
					from = o->t;
				}
			}
			if (from >= 0) {
				snprintf(out[n].what, sizeof out[n].what, "keepalive probe %d gap", probe);
				out[n].conn = conn;
				out[n].v = c->t - from;
				out[n].timeout = true;
				out[n].judged = true;
				n++;
			}
		}
		if (c->ev == FW_EV_STATE && (c->to == TCP_TIME_WAIT || c->to == TCP_FIN_WAIT_2)) {
			for (int j = i + 1; j < r->n; j++) {
				const struct cev *e = &r->e[j];
				if (e->ev != FW_EV_STATE || e->host != host || e->conn != c->conn)
					continue;
				if (e->t - c->t < CMP_TRANSIENT_US)
					break;  /* passed through: no length to speak of */
				snprintf(out[n].what, sizeof out[n].what, "%s length",
					 tcp_state_name(c->to));
				out[n].conn = conn;
				out[n].v = e->t - c->t;
				out[n].timeout = e->to == TCP_CLOSED && !recv_before(r, j, host, c->conn);
				out[n].judged = out[n].timeout;
				n++;
				break;
			}
		}
	}
	return n;
}

/*
 * How late the kernel's timer wheel may fire a timer armed `us` ahead (kernel/time/timer.c,
 * HZ=250): the wheel keeps a timer in the level its distance falls in, and rounds its expiry
 * up to that level's granularity, 8^level jiffies: 4 ms under 252 ms, 32 ms under 2.016 s,
 * 256 ms under 16.128 s, 2.048 s under 129 s, 16.384 s beyond.
 */
static int64_t wheel_slack(int64_t us)
{
	int64_t jiffies = us / 4000, gran = 1, start = 63;
	while (jiffies >= start && gran < 4096) {
		gran *= 8;
		start *= 8;
	}
	return gran * 4000;
}

/*
 * Whether kernel value k agrees with model value m for a timing, and the rule as text.
 * rtt_excess: how much longer the kernel's handshake round trip was than the model's.
 */
static bool timing_agrees(const struct timing *tm, int64_t k, int64_t rtt_excess, char *rule,
			  size_t cap)
{
	int64_t m = tm->v;
	if (strstr(tm->what, "resend")) {
		/* a base RTO a jiffy or two apart (-2 %..+4 %), this timer's wheel slot, and the
		 * kernel's longer RTT: twice in a tail-loss probe's or the first RTO's timeout
		 * (2 srtt + 200 ms), once in the base RTO, doubled with each back-off after */
		int64_t rtt = tm->n <= 1 ? 2 * rtt_excess : rtt_excess << (tm->n - 2 < 20 ? tm->n - 2 : 20);
		int64_t lo = m - m / 50 - 5000 - wheel_slack(m), hi = m + m / 25 + 5000 + wheel_slack(m) + rtt;
		snprintf(rule, cap, "-%lld..+%lld ms", (long long)((m - lo) / 1000),
			 (long long)((hi - m) / 1000));
		return k >= lo && k <= hi;
	}
	if (tm->timeout) {
		/* both round up to the wheel's slot, each from its own jiffy phase, so either may
		 * be the later by up to a slot; a sample is up to 2 ms late, a jiffy either way */
		int64_t slack = wheel_slack(m) + 6000;
		snprintf(rule, cap, "+-%lld ms: timer wheel", (long long)(slack / 1000));
		return k >= m - slack && k <= m + slack;
	}
	snprintf(rule, cap, "shown only: the peer's segment ended it");
	return true;
}

static int compare_timings(FILE *out, int host, const struct crun *mr, const struct crun *kr,
			   const struct connmap *cm)
{
	struct timing m[256], k[256];
	int nm = timings_of(mr, host, cm, false, m, 256), nk = timings_of(kr, host, cm, true, k, 256);
	bool used[256] = { false };
	int diffs = 0;
	if (nm == 0 && nk == 0)
		return 0;
	fprintf(out, "\n%s: key timings                   model           kernel\n",
		fw_host_name(host));
	int64_t excess[65] = { 0 };
	for (int c = 1; c <= cm->n && c < 65; c++) {
		int64_t rm = handshake_rtt(mr, host, c), rk = handshake_rtt(kr, host, connmap_kernel(cm, c));
		if (rm >= 0 && rk >= 0) {
			char a[32], b[32], what[48];
			snprintf(what, sizeof what, "conn %d handshake RTT", c);
			fprintf(out, "  %-28s %14s %16s\n", what, dur_str(rm, a, sizeof a),
				dur_str(rk, b, sizeof b));
			excess[c] = rk > rm ? rk - rm : 0;
		}
	}
	for (int i = 0; i < nm; i++) {
		int j;
		for (j = 0; j < nk; j++)
			if (!used[j] && k[j].conn == m[i].conn && strcmp(k[j].what, m[i].what) == 0)
				break;
		char what[96], vm[32], vk[32] = "-", rule[48] = "";
		snprintf(what, sizeof what, "conn %d %.60s", m[i].conn, m[i].what);
		dur_str(m[i].v, vm, sizeof vm);
		const char *mark;
		if (j == nk) {
			mark = m[i].judged ? "<- DIFFERS: model only" : "(model only, not a timer's doing)";
			diffs += m[i].judged;
		} else {
			used[j] = true;
			dur_str(k[j].v, vk, sizeof vk);
			int64_t ex = m[i].conn > 0 && m[i].conn < 65 ? excess[m[i].conn] : 0;
			if (timing_agrees(&m[i], k[j].v, ex, rule, sizeof rule)) {
				mark = m[i].judged ? "ok" : "";
			} else {
				mark = "<- DIFFERS";
				diffs++;
			}
		}
		fprintf(out, "  %-28s %14s %16s  %s%s%s%s\n", what, vm, vk, mark,
			rule[0] ? (mark[0] ? " (" : "(") : "", rule, rule[0] ? ")" : "");
	}
	for (int j = 0; j < nk; j++) {
		if (used[j])
			continue;
		char what[96], vk[32];
		snprintf(what, sizeof what, "conn %d %.60s", k[j].conn, k[j].what);
		fprintf(out, "  %-28s %14s %16s  %s\n", what, "-", dur_str(k[j].v, vk, sizeof vk),
			k[j].judged ? "<- DIFFERS: kernel only" : "(kernel only, not a timer's doing)");
		diffs += k[j].judged;
	}
	return diffs;
}

static int list_failures(FILE *out, const char *who, const struct crun *r)
{
	int n = 0;
	for (int i = 0; i < r->n; i++) {
		const struct cev *c = &r->e[i];
		if (c->ev != FW_EV_EXPECT || c->result == 0)
			continue;
		char t[32];
		fprintf(out, "  %s: at %s: expected %s\n", who, ms_str(c->t, t, sizeof t), c->text);
		n++;
	}
	return n;
}

int kernel_compare_file(const char *path, FILE *out)
{
	struct script *s;
	char why[300], mmsg[640];
	int st = kernel_load_checked(path, &s, why, sizeof why);
	if (st == KERNEL_EXIT_SKIPPED) {
		fprintf(stderr, "finwave: %s: skipped: %s\n", path, why);
		script_free(s);
		return st;
	}
	if (st != KERNEL_EXIT_OK)
		return st;

	struct crun mr = { 0 }, kr = { 0 };
	enum fw_run mst = run_model(s, &mr, mmsg, sizeof mmsg);
	fw_observer_fn fns[1] = { collect_cb };
	void *uds[1] = { &kr };
	struct kernel_result res;
	kernel_run_script(s, fns, uds, 1, true, &res);

	fprintf(out, "finwave: %s: the model and the Linux kernel\n", path);
	int diffs = 0;
	if (res.status == KERNEL_EXIT_ERROR) {
		fprintf(stderr, "finwave: %s\n", res.msg);
		st = KERNEL_EXIT_ERROR;
		goto done;
	}
	struct connmap cm;
	connmap_build(&cm, &mr, &kr);
	for (int h = 0; h < FW_NHOSTS; h++) {
		diffs += compare_states(out, h, &mr, &kr, &cm);
		diffs += compare_timings(out, h, &mr, &kr, &cm);
	}
	fprintf(out, "\nexpectations\n");
	int mf = list_failures(out, "model", &mr);
	int kf = list_failures(out, "kernel", &kr);
	if (mst == FW_RUN_ERROR)
		fprintf(out, "  model: the run stopped: %s\n", mmsg);
	if (mf == 0 && kf == 0 && mst != FW_RUN_ERROR)
		fprintf(out, "  every expectation held in both runs\n");
	diffs += mf + kf + (mst == FW_RUN_ERROR);
	if (res.skipped) {
		fprintf(out, "\nresult: incomplete: the kernel skipped %d step%s (%s)\n", res.skipped,
			res.skipped == 1 ? "" : "s", res.msg);
		st = KERNEL_EXIT_SKIPPED;
	} else if (diffs) {
		fprintf(out, "\nresult: the runs DIFFER (%d difference%s)\n", diffs, diffs == 1 ? "" : "s");
		st = KERNEL_EXIT_FAILED;
	} else {
		fprintf(out, "\nresult: the runs agree\n");
		st = KERNEL_EXIT_OK;
	}
done:
	free(mr.e);
	free(kr.e);
	script_free(s);
	return st;
}

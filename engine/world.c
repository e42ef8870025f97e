/*
 * world.c: two hosts, virtual time, the queue of pending work, and the wire between them.
 *
 * Everything the model schedules (a socket timer, a segment in flight) is a struct qitem in
 * one heap ordered by (due, seq), so events due at the same instant happen in the order they
 * were scheduled.  A segment leaving a host goes through the link (faults and latency,
 * link.c), is encoded to wire format and handed to the wire; it is processed at its due time
 * only once its bytes are back (world_wire_arrived), and what is processed is what the bytes
 * decode to.  Connection ids are shared by both ends: the world remembers each connection's
 * 4-tuple and both ISNs, so every view can show sequence numbers relative to them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcp.h"

#define MAX_OBSERVERS 8

struct flight {
	struct qitem q;
	uint32_t id;
	int from, to, conn;
	bool arrived, held;
	size_t len;
	uint8_t bytes[FW_SEG_MAX];
	struct flight *next;
};

struct conninfo {
	uint32_t caddr, saddr;
	uint16_t cport, sport;
	uint32_t isn[FW_NHOSTS];
	bool known[FW_NHOSTS];
	bool crowd;
};

struct fw_world {
	int64_t now;
	uint64_t seq;
	uint64_t seed;
	struct heap q;
	struct host hosts[FW_NHOSTS];
	struct {
		fw_observer_fn fn;
		void *ud;
	} obs[MAX_OBSERVERS];
	int nobs;
	struct fw_env env;
	struct flight *flights;
	uint32_t next_flight;
	struct link *link;
	struct conninfo *conns;        /* index = connection id; 0 unused */
	int nconns, capconns;
};

struct fw_world *world_new(uint64_t seed)
{
	struct fw_world *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->seed = seed;
	w->next_flight = 1;
	w->link = link_new();
	w->nconns = 1;
	if (!w->link) {
		free(w);
		return NULL;
	}
	host_init(&w->hosts[FW_CLIENT], w, FW_CLIENT, FW_CLIENT_ADDR);
	host_init(&w->hosts[FW_SERVER], w, FW_SERVER, FW_SERVER_ADDR);
	return w;
}

static void flight_free(struct fw_world *w, struct flight *f)
{
	heap_remove(&w->q, &f->q.node);
	for (struct flight **p = &w->flights; *p; p = &(*p)->next)
		if (*p == f) {
			*p = f->next;
			break;
		}
	free(f);
}

void world_free(struct fw_world *w)
{
	if (!w)
		return;
	while (w->flights)
		flight_free(w, w->flights);
	for (int i = 0; i < FW_NHOSTS; i++)
		host_free_all(&w->hosts[i]);
	heap_free(&w->q);
	link_free(w->link);
	free(w->conns);
	free(w);
}

void world_set_env(struct fw_world *w, const struct fw_env *env)
{
	if (env)
		w->env = *env;
	else
		memset(&w->env, 0, sizeof w->env);
}

int world_observe(struct fw_world *w, fw_observer_fn fn, void *ud)
{
	if (w->nobs == MAX_OBSERVERS)
		return -ENOSPC;
	w->obs[w->nobs].fn = fn;
	w->obs[w->nobs].ud = ud;
	w->nobs++;
	return 0;
}

void world_unobserve(struct fw_world *w, fw_observer_fn fn, void *ud)
{
	for (int i = 0; i < w->nobs; i++)
		if (w->obs[i].fn == fn && w->obs[i].ud == ud) {
			memmove(&w->obs[i], &w->obs[i + 1], (size_t)(w->nobs - i - 1) * sizeof w->obs[0]);
			w->nobs--;
			return;
		}
}

void world_emit_ev(struct fw_world *w, struct fw_event *ev)
{
	ev->t = w->now;
	for (int i = 0; i < w->nobs; i++)
		w->obs[i].fn(w->obs[i].ud, ev);
}

void world_emit(struct fw_world *w, const struct fw_event *ev)
{
	struct fw_event e = *ev;
	world_emit_ev(w, &e);
}

uint64_t world_seq(struct fw_world *w) { return ++w->seq; }
struct heap *world_queue(struct fw_world *w) { return &w->q; }
struct host *world_host(struct fw_world *w, int idx) { return &w->hosts[idx]; }
int64_t world_now(const struct fw_world *w) { return w->now; }
const struct fw_env *world_env(const struct fw_world *w) { return &w->env; }

/* splitmix64 of x under the world's seed: the model's stand-in for Linux's keyed SipHash. */
uint64_t world_hash(const struct fw_world *w, uint64_t x)
{
	uint64_t z = x + w->seed + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* ---- connections ------------------------------------------------------------------------- */

int world_new_conn(struct fw_world *w, uint32_t caddr, uint16_t cport, uint32_t saddr, uint16_t sport)
{
	if (w->nconns >= w->capconns) {
		int cap = w->capconns ? w->capconns * 2 : 64;
		struct conninfo *c = realloc(w->conns, (size_t)cap * sizeof *c);
		if (!c)
			return 0;
		w->conns = c;
		w->capconns = cap;
	}
	struct conninfo *c = &w->conns[w->nconns];
	memset(c, 0, sizeof *c);
	c->caddr = caddr;
	c->cport = cport;
	c->saddr = saddr;
	c->sport = sport;
	return w->nconns++;
}

/* The newest connection with this 4-tuple, seen from either end; 0 if none. */
int world_find_conn(struct fw_world *w, uint32_t a1, uint16_t p1, uint32_t a2, uint16_t p2)
{
	for (int i = w->nconns - 1; i > 0; i--) {
		const struct conninfo *c = &w->conns[i];
		if ((c->caddr == a1 && c->cport == p1 && c->saddr == a2 && c->sport == p2) ||
		    (c->caddr == a2 && c->cport == p2 && c->saddr == a1 && c->sport == p1))
			return i;
	}
	return 0;
}

void world_conn_isn(struct fw_world *w, int id, int host, uint32_t isn)
{
	if (id <= 0 || id >= w->nconns)
		return;
	w->conns[id].isn[host] = isn;
	w->conns[id].known[host] = true;
}

bool world_conn_crowd(const struct fw_world *w, int id)
{
	return id > 0 && id < w->nconns && w->conns[id].crowd;
}

void world_conn_set_crowd(struct fw_world *w, int id)
{
	if (id > 0 && id < w->nconns)
		w->conns[id].crowd = true;
}

void world_seq_bases(struct fw_world *w, int conn, int from, struct fw_event *ev)
{
	ev->rel = false;
	if (conn <= 0 || conn >= w->nconns)
		return;
	const struct conninfo *c = &w->conns[conn];
	int to = 1 - from;
	if (!c->known[from])
		return;
	/* Before the peer's ISN is known (a SYN) there is no acknowledgment to show. */
	ev->rel = true;
	ev->seq_base = c->isn[from];
	ev->ack_base = c->known[to] ? c->isn[to] : 0;
}

/* ---- the wire ---------------------------------------------------------------------------- */

static struct flight *flight_find(struct fw_world *w, uint32_t id)
{
	for (struct flight *f = w->flights; f; f = f->next)
		if (f->id == id)
			return f;
	return NULL;
}

static void seg_event(struct fw_world *w, enum fw_ev kind, int host, int conn, int seqhost,
		      const struct fw_seg *s, int retrans, const char *why)
{
	struct fw_event ev = { .ev = kind, .host = host, .conn = conn, .seg = s,
			       .retrans = retrans, .why = why };
	world_seq_bases(w, conn, seqhost, &ev);
	world_emit_ev(w, &ev);
}

/* Queue one copy of an encoded segment for delivery after `delay`. */
static void flight_launch(struct fw_world *w, int from, int conn, const uint8_t *bytes,
			  size_t len, int64_t delay, bool held)
{
	struct flight *f = calloc(1, sizeof *f);
	if (!f)
		return;
	heap_node_init(&f->q.node);
	f->q.kind = Q_FLIGHT;
	f->q.owner = f;
	f->id = w->next_flight++;
	f->from = from;
	f->to = 1 - from;
	f->conn = conn;
	f->len = len;
	f->held = held;
	memcpy(f->bytes, bytes, len);
	f->next = w->flights;
	w->flights = f;

	heap_put(&w->q, &f->q.node, w->now + delay, world_seq(w));
	/* A segment sent after a held one overtakes it: the held one lands just behind it. */
	if (!held)
		for (struct flight *o = w->flights; o; o = o->next)
			if (o != f && o->held && o->from == from) {
				o->held = false;
				heap_put(&w->q, &o->q.node, f->q.node.due, world_seq(w));
			}

	if (w->env.wire_send) {
		f->arrived = false;
		int rc = w->env.wire_send(w->env.ud, f->id, from, f->to, bytes, len);
		if (rc < 0) {
			struct fw_event ev = { .ev = FW_EV_NOTE, .host = from, .conn = conn,
					       .why = "wire send failed", .value = rc };
			world_emit_ev(w, &ev);
			f->arrived = true;     /* deliver from our copy rather than hang */
		}
	} else {
		f->arrived = true;
	}
}

void world_xmit(struct fw_world *w, struct host *from, int conn, const struct fw_seg *s,
		int retrans, const char *why)
{
	seg_event(w, FW_EV_SEND, from->idx, conn, from->idx, s, retrans, why);
	if (s->flags & FW_RST)
		from->ctr[C_OUT_RSTS]++;
	if (retrans)
		from->ctr[C_RETRANS_SEGS]++;

	uint8_t buf[FW_SEG_MAX];
	int len = seg_encode(s, buf, sizeof buf);
	if (len < 0)
		return;
	int64_t extra = 0;
	const char *rule = NULL;
	bool reorder = false;
	int copies = link_judge(w->link, from->idx, s, &extra, &rule, &reorder);
	if (copies == 0) {
		seg_event(w, FW_EV_DROP, from->idx, conn, from->idx, s, retrans, rule);
		return;
	}
	if (rule)
		seg_event(w, FW_EV_FAULT, from->idx, conn, from->idx, s, retrans, rule);
	int64_t delay = knob_get(from, K_LATENCY) + extra;
	if (reorder)
		delay += FW_SEC(1);    /* released early by the next segment sent this way */
	for (int i = 0; i < copies; i++)
		flight_launch(w, from->idx, conn, buf, (size_t)len, delay, reorder && i == 0);
}

void world_wire_arrived(struct fw_world *w, uint32_t id, const uint8_t *bytes, size_t len)
{
	struct flight *f = flight_find(w, id);
	if (!f || f->arrived || len > sizeof f->bytes) {
		world_wire_foreign(w, f ? f->to : -1, "unknown or repeated flight");
		return;
	}
	memcpy(f->bytes, bytes, len);
	f->len = len;
	f->arrived = true;
}

void world_wire_foreign(struct fw_world *w, int host, const char *what)
{
	if (host >= 0 && host < FW_NHOSTS)
		w->hosts[host].ctr[C_FOREIGN]++;
	struct fw_event ev = { .ev = FW_EV_FOREIGN, .host = host, .text = what };
	world_emit_ev(w, &ev);
}

static void flight_deliver(struct fw_world *w, struct flight *f)
{
	struct host *to = &w->hosts[f->to];
	struct host *from = &w->hosts[f->from];
	struct fw_seg s;
	int rc = seg_decode(f->bytes, f->len, from->addr, to->addr, &s);
	int conn = f->conn;
	flight_free(w, f);
	if (rc < 0) {
		world_wire_foreign(w, to->idx, seg_strerror(rc));
		return;
	}
	if (!conn)
		conn = world_find_conn(w, s.saddr, s.sport, s.daddr, s.dport);
	if (!to->up) {
		seg_event(w, FW_EV_DROP, from->idx, conn, from->idx, &s, 0, "host down");
		return;
	}
	seg_event(w, FW_EV_RECV, to->idx, conn, from->idx, &s, 0, NULL);
	tcp_input(to, &s);
}

/* ---- time -------------------------------------------------------------------------------- */

int64_t world_next_due(const struct fw_world *w)
{
	const struct heap_node *n = heap_min(&w->q);
	return n ? n->due : FW_NEVER;
}

bool world_idle(const struct fw_world *w) { return heap_min(&w->q) == NULL; }

enum fw_step world_step(struct fw_world *w)
{
	struct heap_node *n = heap_min(&w->q);
	if (!n)
		return FW_STEP_IDLE;
	struct qitem *q = (struct qitem *)n;
	if (n->due > w->now)
		w->now = n->due;
	if (q->kind == Q_FLIGHT) {
		struct flight *f = q->owner;
		if (!f->arrived)
			return FW_STEP_BLOCKED;
		flight_deliver(w, f);
		return FW_STEP_DONE;
	}
	heap_remove(&w->q, n);
	if (q->kind == Q_TCB)
		tcp_timer_fire(q->owner, (enum fw_timer)q->timer);
	else if (q->kind == Q_TW)
		tw_timer_fire(q->owner);
	else
		app_crowd_fire(q->owner);
	return FW_STEP_DONE;
}

enum fw_step world_advance(struct fw_world *w, int64_t t)
{
	while (world_next_due(w) <= t) {
		if (world_step(w) == FW_STEP_BLOCKED)
			return FW_STEP_BLOCKED;
	}
	if (t > w->now)
		w->now = t;
	return FW_STEP_DONE;
}

/* ---- faults ------------------------------------------------------------------------------ */

/*
 * `drop wave N` typed in the middle of a close counts the waves of that close, not of the
 * next one: find the current connection whose side has sent its FIN first (FIN_WAIT_1/2,
 * CLOSING, TIME_WAIT) and tell the link which waves have already gone by.
 */
static void wave_seed(struct fw_world *w)
{
	for (int a = 0; a < FW_NHOSTS; a++) {
		struct host *ha = &w->hosts[a], *hb = &w->hosts[1 - a];
		enum tcp_state sa = world_host_state(w, a);
		if (sa != TCP_FIN_WAIT_1 && sa != TCP_FIN_WAIT_2 && sa != TCP_CLOSING &&
		    sa != TCP_TIME_WAIT)
			continue;
		struct link_wave wv = { .closer = a };
		if (ha->cur_tcb && !ha->cur_tcb->hidden) {
			wv.port[0] = ha->cur_tcb->lport;
			wv.port[1] = ha->cur_tcb->rport;
			wv.fin1_end = ha->cur_tcb->fin_seq + 1;
		} else if (ha->cur_tw) {
			wv.port[0] = ha->cur_tw->lport;
			wv.port[1] = ha->cur_tw->rport;
			wv.fin1_end = ha->cur_tw->snd_nxt;
		} else {
			return;
		}
		struct tcb *b = hb->cur_tcb && !hb->cur_tcb->hidden ? hb->cur_tcb : NULL;
		wv.seen2 = sa == TCP_FIN_WAIT_2 || sa == TCP_TIME_WAIT ||
			   (b && b->rcvd_fin && !b->ack_pending) || (!b && !hb->cur_tw);
		wv.seen3 = (b && b->fin_sent) || !b;
		wv.fin2_end = b ? b->fin_seq + 1 : 0;
		wv.seen4 = sa == TCP_TIME_WAIT;
		link_wave_seed(w->link, &wv);
		return;
	}
}

int world_fault_add(struct fw_world *w, const struct fw_fault *f)
{
	int rc = link_add(w->link, f);
	if (rc == 0 && f->kind == FW_F_WAVE)
		wave_seed(w);
	return rc;
}
void world_fault_clear(struct fw_world *w) { link_clear(w->link); }

/*
 * tcp.c: a connection's lifecycle and the system calls an application makes.
 *
 * Every state change goes through tcb_set_state(), which emits the one STATE event all views
 * see.  close() follows Linux's __tcp_close (FACTS.md items 3, 6, 16): unread data means RST
 * instead of FIN; SO_LINGER {1,0} means RST; otherwise the RFC 9293 §3.10.4 transition
 * (ESTABLISHED -> FIN_WAIT_1, CLOSE_WAIT -> LAST_ACK) and a FIN once the data is out; the
 * socket becomes an orphan, and an orphan in FIN_WAIT_2 gets tcp_fin_timeout.  Sockets that
 * reach TIME_WAIT (or an orphaned FIN_WAIT_2) move into the host's TIME_WAIT table as small
 * entries (struct tw), unless the table is full (tcp_max_tw_buckets, FACTS.md item 9).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcp.h"

/* ---- byte queues ----------------------------------------------------------------------------- */

int bytes_append(struct bytes *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		uint8_t *q = realloc(b->p, cap);
		if (!q)
			return -ENOMEM;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

void bytes_consume(struct bytes *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

void bytes_free(struct bytes *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* ---- sockets ------------------------------------------------------------------------------------ */

struct tcb *tcb_new(struct host *h)
{
	struct tcb *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->h = h;
	t->state = TCP_CLOSED;
	t->laddr = h->addr;
	t->rto = TCP_TIMEOUT_INIT_US;
	t->snd_wnd = TCP_WINDOW;
	t->mss = FW_MSS;
	t->quick = TCP_QUICKACKS;
	for (int k = 0; k < FW_NTIMERS; k++) {
		heap_node_init(&t->timers[k].node);
		t->timers[k].kind = Q_TCB;
		t->timers[k].timer = k;
		t->timers[k].owner = t;
	}
	/* Append, so a host lists its sockets in the order they were made. */
	struct tcb **p = &h->tcbs;
	while (*p)
		p = &(*p)->next;
	*p = t;
	return t;
}

/* Unlink and free without a word: timers are removed silently (tcp_done cancels them aloud). */
void tcb_free(struct tcb *t)
{
	struct host *h = t->h;
	for (int k = 0; k < FW_NTIMERS; k++)
		heap_remove(world_queue(h->w), &t->timers[k].node);
	host_unhash_tcb(t);
	for (struct tcb **p = &h->tcbs; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	if (t->listener) {
		for (struct tcb *c = h->tcbs; c; c = c->next)
			if (c->parent == t)
				c->parent = NULL;
		for (int i = 0; i < h->nlisteners; i++)
			if (h->listeners[i] == t)
				h->listeners[i] = h->listeners[--h->nlisteners];
	}
	if (h->cur_tcb == t)
		h->cur_tcb = NULL;
	bytes_free(&t->snd);
	bytes_free(&t->rcv);
	free(t);
}

void tcb_set_state(struct tcb *t, enum tcp_state to, const char *why)
{
	if (t->state == to)
		return;
	struct fw_event ev = { .ev = FW_EV_STATE, .host = t->h->idx, .conn = t->id,
			       .from = t->state, .to = to, .why = why };
	t->state = to;
	world_emit_ev(t->h->w, &ev);
}

/* Hand an error to the application (sk_err); only a socket with a descriptor has anyone to tell. */
void tcb_error(struct tcb *t, int err)
{
	t->err = err;
	t->last_err = err;
	if (t->has_fd) {
		struct fw_event ev = { .ev = FW_EV_ERROR, .host = t->h->idx, .conn = t->id, .err = err };
		world_emit_ev(t->h->w, &ev);
	}
}

/* tcp_done: the connection is over.  The socket lingers only while a descriptor holds it. */
void tcp_done(struct tcb *t, const char *why)
{
	for (int k = 0; k < FW_NTIMERS; k++)
		tcp_timer_cancel(t, (enum fw_timer)k);
	tcb_set_state(t, TCP_CLOSED, why);
	bytes_free(&t->snd);
	if (!t->has_fd)
		tcb_free(t);
}

uint32_t tcp_isn(struct host *h, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	/* FACTS.md item 14: a keyed hash of the 4-tuple plus a clock ticking every 64 ns. */
	uint64_t tuple = ((uint64_t)laddr << 32 | raddr) ^ ((uint64_t)lport << 16 | rport) * 0x9e37u;
	uint64_t ns = (uint64_t)world_now(h->w) * 1000;
	return (uint32_t)world_hash(h->w, tuple) + (uint32_t)(ns >> 6);
}

uint32_t tcp_ts_now(const struct host *h, uint32_t off)
{
	return off + (uint32_t)(world_now(h->w) / 1000);     /* a 1 kHz timestamp clock */
}

/* tcp_fin_time(): TCP_LINGER2 or tcp_fin_timeout, but never under 3.5 RTO (FACTS.md item 3). */
int64_t tcp_fin_time(const struct tcb *t)
{
	int64_t tmo = FW_SEC(t->linger2 > 0 ? t->linger2 : knob_get(t->h, K_FIN_TIMEOUT));
	int64_t floor = (t->rto << 2) - (t->rto >> 1);
	return tmo < floor ? floor : tmo;
}

void tw_free(struct tw *tw, const char *why)
{
	struct host *h = tw->h;
	heap_remove(world_queue(h->w), &tw->timer.node);
	if (why) {
		struct fw_event ev = { .ev = FW_EV_STATE, .host = h->idx, .conn = tw->id,
				       .from = tw->substate, .to = TCP_CLOSED, .why = why };
		world_emit_ev(h->w, &ev);
	}
	host_unhash_tw(tw);
	*tw->pprev = tw->next;
	if (tw->next)
		tw->next->pprev = tw->pprev;
	if (h->cur_tw == tw)
		h->cur_tw = NULL;
	h->ntw--;
	free(tw);
}

/*
 * tcp_time_wait(): hand the connection to a TIME_WAIT table entry (Linux tcp_minisocks.c).
 * substate TIME_WAIT waits time_wait_len (60 s, FACTS.md item 1); substate FIN_WAIT_2 is an
 * orphan waiting `tmo` for the peer's FIN (item 3).  A full table means no entry at all: the
 * socket is simply closed and only TcpExtTCPTimeWaitOverflow says so (item 9).
 */
void tcp_time_wait(struct tcb *t, enum tcp_state substate, int64_t tmo)
{
	struct host *h = t->h;
	if (h->ntw >= knob_get(h, K_MAX_TW)) {
		host_count(h, C_TW_OVERFLOW, true, t->id);
		tcp_done(t, "tcp_max_tw_buckets overflow: TIME_WAIT skipped");
		return;
	}
	struct tw *tw = calloc(1, sizeof *tw);
	if (!tw) {
		tcp_done(t, "out of memory");
		return;
	}
	tw->h = h;
	tw->id = t->id;
	tw->substate = substate;
	tw->laddr = t->laddr;
	tw->raddr = t->raddr;
	tw->lport = t->lport;
	tw->rport = t->rport;
	tw->snd_nxt = t->snd_nxt;
	tw->rcv_nxt = t->rcv_nxt;
	tw->iss = t->iss;
	tw->irs = t->irs;
	tw->ts_ok = t->ts_ok;
	tw->ts_off = t->ts_off;
	tw->ts_recent = t->ts_recent;
	tw->ts_recent_stamp = t->ts_ok ? t->ts_recent_stamp : 0;
	tw->entered = world_now(h->w);
	heap_node_init(&tw->timer.node);
	tw->timer.kind = Q_TW;
	tw->timer.owner = tw;
	tw->next = h->tws;
	if (tw->next)
		tw->next->pprev = &tw->next;
	tw->pprev = &h->tws;
	h->tws = tw;
	h->ntw++;
	host_hash_tw(tw);
	if (h->cur_tcb == t)
		h->cur_tw = tw;

	for (int k = 0; k < FW_NTIMERS; k++)
		tcp_timer_cancel(t, (enum fw_timer)k);
	if (substate == TCP_TIME_WAIT) {
		host_count(h, C_TW, false, t->id);
		tmo = knob_get(h, K_TW_LEN);
	}
	/* The visible state moves to the entry; the full socket is gone (or, if a descriptor
	 * still holds it, hidden in CLOSE until the application closes it). */
	enum tcp_state from = t->state;
	t->state = TCP_CLOSED;
	t->hidden = true;
	if (from != substate) {
		struct fw_event ev = { .ev = FW_EV_STATE, .host = h->idx, .conn = t->id,
				       .from = from, .to = substate,
				       .why = substate == TCP_FIN_WAIT_2 ? "orphan: timewait mini socket" : NULL };
		world_emit_ev(h->w, &ev);
	}
	tw_timer_set(tw, world_now(h->w) + tmo);
	if (!t->has_fd)
		tcb_free(t);
}

/* RFC 9293 §3.10.4 / Linux tcp_close_state(): the state after close() or shutdown(SHUT_WR),
 * and whether a FIN must go out. */
static bool tcp_close_state(struct tcb *t)
{
	switch (t->state) {
	case TCP_ESTABLISHED:
	case TCP_SYN_RECV:
		tcb_set_state(t, TCP_FIN_WAIT_1, "close");
		return true;
	case TCP_CLOSE_WAIT:
		tcb_set_state(t, TCP_LAST_ACK, "close");
		return true;
	case TCP_SYN_SENT:
	case TCP_LISTEN:
		tcb_set_state(t, TCP_CLOSED, "close");
		return false;
	default:
		return false;
	}
}

/* Linux tcp_need_reset(): the states in which an abortive close sends RST (FACTS.md item 6). */
static bool tcp_need_reset(enum tcp_state s)
{
	return s == TCP_ESTABLISHED || s == TCP_CLOSE_WAIT || s == TCP_FIN_WAIT_1 ||
	       s == TCP_FIN_WAIT_2 || s == TCP_SYN_RECV;
}

static void tcp_abort_with_rst(struct tcb *t, enum ctr c, const char *why)
{
	bool rst = tcp_need_reset(t->state);
	host_count(t->h, c, true, t->id);
	if (rst)
		tcp_send_rst_tcb(t);
	tcp_done(t, why);
}

/* The listener stops: children not yet accepted get RST (inet_csk_listen_stop, item 16). */
static void listener_stop(struct tcb *l)
{
	struct host *h = l->h;
	for (;;) {
		struct tcb *c = h->tcbs;
		while (c && !(c->parent == l && !c->has_fd && !c->orphan))
			c = c->next;
		if (!c)
			break;
		c->parent = NULL;
		tcp_abort_with_rst(c, C_ABORT_ON_CLOSE, "listener closed");
	}
	tcb_set_state(l, TCP_CLOSED, "close");
	tcb_free(l);
}

/* close() of the socket's last descriptor, by the application or by its dying process.
 * Returns true when the socket is gone (freed) afterwards. */
bool tcp_close_sock(struct tcb *t)
{
	t->has_fd = false;
	t->closed_app = true;
	t->rd_shut = t->wr_shut = true;
	if (t->listener) {
		listener_stop(t);
		return true;
	}
	if (t->hidden || t->state == TCP_CLOSED) {
		tcb_free(t);
		return true;
	}
	t->orphan = true;
	bool unread = t->rcv.len > 0;
	bytes_free(&t->rcv);
	if (unread) {
		/* RFC 2525 §2.17, RFC 9293 §3.6.1 SHLD-3: unread data means the close is abortive. */
		tcp_abort_with_rst(t, C_ABORT_ON_CLOSE, "close with unread data");
		return true;
	}
	if (t->linger0) {
		tcp_abort_with_rst(t, C_ABORT_ON_DATA, "SO_LINGER 0");
		return true;
	}
	if (tcp_close_state(t))
		tcp_output(t);
	if (t->state == TCP_CLOSED) {
		tcp_done(t, NULL);
		return true;
	}
	if (t->state != TCP_FIN_WAIT_2)
		return false;
	/* Already half-closed by shutdown(): now an orphan, it gets the FIN_WAIT_2 timer. */
	if (t->linger2 < 0) {
		tcp_abort_with_rst(t, C_ABORT_ON_LINGER, "TCP_LINGER2 < 0");
		return true;
	}
	int64_t tmo = tcp_fin_time(t), twlen = knob_get(t->h, K_TW_LEN);
	if (tmo <= twlen) {
		tcp_time_wait(t, TCP_FIN_WAIT_2, tmo);
		return true;
	}
	tcp_timer_set(t, FW_T_FIN_WAIT_2, world_now(t->h->w) + tmo - twlen);
	return false;
}

/* ---- the application's system calls ------------------------------------------------------ */

static int call_done(struct host *h, const char *call, int conn, int result, const char *text)
{
	struct fw_event ev = { .ev = FW_EV_CALL, .host = h->idx, .conn = conn, .call = call,
			       .result = result, .text = text };
	world_emit_ev(h->w, &ev);
	return result;
}

static int app_prepare(struct host *h)
{
	if (!h->up)
		return -EHOSTDOWN;
	return host_ensure_proc(h);
}

/* The descriptor a call acts on: the current connection, else the listener. */
static struct tcb *app_sock(struct host *h, bool listener_ok)
{
	struct tcb *t = host_cur_tcb(h);
	if (t && t->has_fd)
		return t;
	if (listener_ok)
		for (struct tcb *l = h->tcbs; l; l = l->next)
			if (l->listener && l->has_fd)
				return l;
	return NULL;
}

int world_listen(struct fw_world *w, int host, uint16_t port)
{
	struct host *h = world_host(w, host);
	int rc = app_prepare(h);
	if (rc < 0)
		return call_done(h, "listen", 0, rc, NULL);
	if (host_find_listener(h, port))
		return call_done(h, "listen", 0, -EADDRINUSE, NULL);
	if (h->nlisteners == (int)(sizeof h->listeners / sizeof h->listeners[0]))
		return call_done(h, "listen", 0, -EMFILE, "too many listeners");
	struct tcb *t = tcb_new(h);
	if (!t)
		return call_done(h, "listen", 0, -ENOMEM, NULL);
	h->listeners[h->nlisteners++] = t;
	t->listener = true;
	t->has_fd = true;
	t->lport = port;
	t->backlog = 4096;
	tcb_set_state(t, TCP_LISTEN, "listen");
	return call_done(h, "listen", 0, 0, NULL);
}

/* socket() + connect() to the other host's port: an ephemeral port, an ISN, the SYN. */
struct tcb *tcp_connect(struct host *h, uint16_t port, bool crowd, int *err)
{
	struct fw_world *w = h->w;
	struct host *peer = world_host(w, 1 - h->idx);
	struct tw *reuse;
	int lport = host_pick_port(h, peer->addr, port, &reuse);
	if (lport < 0) {
		*err = lport;
		return NULL;
	}
	struct tcb *t = tcb_new(h);
	if (!t) {
		*err = -ENOMEM;
		return NULL;
	}
	t->has_fd = true;
	t->lport = (uint16_t)lport;
	t->raddr = peer->addr;
	t->rport = port;
	t->id = world_new_conn(w, t->laddr, t->lport, t->raddr, t->rport);
	if (crowd) {
		/* marked before the first event, so views never mistake it for the host's own */
		t->crowd = t->app_opener = t->has_fd = true;
		world_conn_set_crowd(w, t->id);
	}
	t->iss = tcp_isn(h, t->laddr, t->lport, t->raddr, t->rport);
	t->ts_off = knob_get(h, K_TIMESTAMPS) == 1 ? (uint32_t)world_hash(w, t->iss) : 0;
	if (reuse) {
		/* tcp_twsk_unique(): the new connection starts above anything the old one sent. */
		t->iss = reuse->snd_nxt + 65535 + 2;
		t->ts_recent = reuse->ts_recent;
		t->ts_recent_stamp = reuse->ts_recent_stamp;
		host_count(h, C_TW_RECYCLED, true, t->id);
		tw_free(reuse, "reused by connect() (tcp_tw_reuse)");
	}
	world_conn_isn(w, t->id, h->idx, t->iss);
	t->snd_una = t->iss;
	t->snd_nxt = t->iss;
	host_hash_tcb(t);
	host_count(h, C_ACTIVE_OPENS, false, t->id);
	tcb_set_state(t, TCP_SYN_SENT, "connect");
	tcp_send_syn(t, 0);
	return t;
}

int world_connect(struct fw_world *w, int host, uint16_t port)
{
	struct host *h = world_host(w, host);
	int rc = app_prepare(h);
	struct tcb *t = rc < 0 ? NULL : tcp_connect(h, port, false, &rc);
	if (!t) {
		/* the application's connection attempt is now this failure */
		host_set_cur(h, NULL);
		h->failed_err = -rc;
	}
	if (!t)
		return call_done(h, "connect", 0, rc,
				 rc == -EADDRNOTAVAIL ? "no free ephemeral port for this destination" : NULL);
	host_set_cur(h, t);
	return call_done(h, "connect", t->id, 0, NULL);
}

/* send() on one socket: queue the bytes and push out what the window allows. */
int sock_send(struct tcb *t, const void *data, size_t len)
{
	int rc;
	if (t->err) {
		rc = -t->err;
		t->err = 0;
	} else if (t->wr_shut) {
		rc = -EPIPE;
	} else if (t->state != TCP_ESTABLISHED && t->state != TCP_CLOSE_WAIT &&
		   t->state != TCP_SYN_SENT && t->state != TCP_SYN_RECV) {
		rc = t->state == TCP_CLOSED ? -EPIPE : -ENOTCONN;
	} else {
		rc = bytes_append(&t->snd, data, len);
		if (rc == 0) {
			rc = (int)len;
			tcp_output(t);
		}
	}
	return call_done(t->h, "send", t->id, rc, rc == -EPIPE ? "the process also gets SIGPIPE" : NULL);
}

/* recv() on one socket, non-blocking: data first, then a pending error, then end of stream. */
int sock_recv(struct tcb *t, void *buf, size_t cap)
{
	int rc;
	if (t->rcv.len > 0) {
		size_t n = t->rcv.len < cap ? t->rcv.len : cap;
		if (buf)
			memcpy(buf, t->rcv.p, n);
		bytes_consume(&t->rcv, n);
		rc = (int)n;
	} else if (t->err) {
		rc = -t->err;
		t->err = 0;
	} else if (t->rcvd_fin || t->rd_shut) {
		rc = 0;
	} else {
		rc = t->state == TCP_CLOSED ? -ENOTCONN : -EAGAIN;
	}
	return call_done(t->h, "recv", t->id, rc, rc == 0 ? "end of stream" : NULL);
}

/* close() on one socket; true if the socket is gone afterwards. */
bool sock_close(struct tcb *t)
{
	struct host *h = t->h;
	int id = t->id;
	bool gone = tcp_close_sock(t);
	call_done(h, "close", id, 0, NULL);
	return gone;
}

int world_send(struct fw_world *w, int host, const void *data, size_t len)
{
	struct host *h = world_host(w, host);
	int rc = app_prepare(h);
	struct tcb *t = rc < 0 ? NULL : app_sock(h, false);
	if (t)
		return sock_send(t, data, len);
	return call_done(h, "send", 0, rc < 0 ? rc : -ENOTCONN, NULL);
}

int world_recv(struct fw_world *w, int host, void *buf, size_t cap)
{
	struct host *h = world_host(w, host);
	int rc = app_prepare(h);
	struct tcb *t = rc < 0 ? NULL : app_sock(h, false);
	if (t)
		return sock_recv(t, buf, cap);
	return call_done(h, "recv", 0, rc < 0 ? rc : -ENOTCONN, NULL);
}

int world_close(struct fw_world *w, int host)
{
	struct host *h = world_host(w, host);
	int rc = app_prepare(h);
	struct tcb *t = rc < 0 ? NULL : app_sock(h, true);
	if (t) {
		sock_close(t);
		return 0;
	}
	return call_done(h, "close", 0, rc < 0 ? rc : -EBADF, NULL);
}

int world_shutdown(struct fw_world *w, int host, int how)
{
	struct host *h = world_host(w, host);
	int rc = app_prepare(h);
	struct tcb *t = rc < 0 ? NULL : app_sock(h, false);
	if (rc >= 0 && !t)
		rc = -ENOTCONN;
	if (t && (how & FW_SHUT_RD))
		t->rd_shut = true;
	if (t && (how & FW_SHUT_WR) && !t->wr_shut) {
		t->wr_shut = true;
		if (tcp_close_state(t))
			tcp_output(t);
	}
	static const char *const names[] = { "", "SHUT_RD", "SHUT_WR", "SHUT_RDWR" };
	return call_done(h, "shutdown", t ? t->id : 0, rc, names[how & 3]);
}

int world_abort(struct fw_world *w, int host)
{
	struct host *h = world_host(w, host);
	int rc = app_prepare(h);
	struct tcb *t = rc < 0 ? NULL : app_sock(h, false);
	if (rc >= 0 && !t)
		rc = -ENOTCONN;
	if (t) {
		call_done(h, "setsockopt", t->id, 0, "SO_LINGER {1, 0}");
		t->linger0 = true;
		int id = t->id;
		tcp_close_sock(t);
		return call_done(h, "close", id, 0, NULL);
	}
	return call_done(h, "close", 0, rc, NULL);
}

int world_keepalive(struct fw_world *w, int host, bool on, int idle_s, int intvl_s, int cnt)
{
	struct host *h = world_host(w, host);
	int rc = app_prepare(h);
	struct tcb *t = rc < 0 ? NULL : app_sock(h, true);
	if (rc >= 0 && !t)
		rc = -ENOTCONN;
	if (t) {
		t->ka_on = on;
		t->ka_idle = idle_s;
		t->ka_intvl = intvl_s;
		t->ka_cnt = cnt;
		if (!on)
			tcp_timer_cancel(t, FW_T_KEEPALIVE);
		else if (!t->listener && t->state != TCP_CLOSED && t->state != TCP_SYN_SENT)
			tcp_keepalive_arm(t);
	}
	return call_done(h, "setsockopt", t ? t->id : 0, rc, on ? "SO_KEEPALIVE 1" : "SO_KEEPALIVE 0");
}

int world_linger2(struct fw_world *w, int host, int seconds)
{
	struct host *h = world_host(w, host);
	int rc = app_prepare(h);
	struct tcb *t = rc < 0 ? NULL : app_sock(h, true);
	if (rc >= 0 && !t)
		rc = -ENOTCONN;
	if (t)
		t->linger2 = seconds < 0 ? -1 : seconds > TCP_FIN_TIMEOUT_MAX ? TCP_FIN_TIMEOUT_MAX : seconds;
	return call_done(h, "setsockopt", t ? t->id : 0, rc, "TCP_LINGER2");
}

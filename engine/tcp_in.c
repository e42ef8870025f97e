/*
 * tcp_in.c: what a host does with an arriving segment, RFC 9293 §3.10.7 step by step, with
 * Linux's deviations where Linux deviates (each cited to ../shared/FACTS.md).
 *
 * The segment is matched to a full socket, else to a TIME_WAIT table entry, else to a
 * listener; a segment for nothing at all is answered with RST (§3.10.7.1).  For a
 * synchronized socket the order is the RFC's: sequence check, RST, SYN, ACK, data, FIN; then
 * whatever the socket can now send goes out, and an ACK that is owed goes out on its own
 * only if nothing else carried it.
 */
#include <errno.h>
#include <string.h>

#include "tcp.h"

static uint32_t rcv_wnd(const struct tcb *t)
{
	return t->rcv.len < TCP_WINDOW ? (uint32_t)(TCP_WINDOW - t->rcv.len) : 0;
}

/* Drop the first-transmission records that this ACK covers. */
static void sent_ack(struct tcb *t, uint32_t ack)
{
	int i = 0;
	while (i < t->nsent && seq_leq(t->sent[i].end, ack))
		i++;
	memmove(t->sent, t->sent + i, (size_t)(t->nsent - i) * sizeof t->sent[0]);
	t->nsent -= i;
}

static void opts_from_syn(struct tcb *t, const struct fw_seg *s, bool we_offer_ts)
{
	int64_t now = world_now(t->h->w);
	t->ts_ok = we_offer_ts && s->has_ts;
	if (t->ts_ok) {
		t->ts_recent = s->tsval;
		t->ts_recent_stamp = now;
	}
	t->mss = s->mss ? (s->mss < FW_MSS ? s->mss : FW_MSS) : 536;
	t->snd_wnd = s->wnd;
	t->last_rcv = now;
}

/* The handshake's ACK: the SYN (or SYN-ACK) is acknowledged. */
static void synack_acked(struct tcb *t, uint32_t ack)
{
	int64_t now = world_now(t->h->w);
	if (t->resends == 0 && t->nsent)
		tcp_rtt_sample(t, now - t->sent[0].t);
	t->snd_una = ack;
	sent_ack(t, ack);
	t->retransmits = t->resends = 0;
	t->retrans_stamp = 0;
	if (t->srtt8)
		t->rto = tcp_rto_from_rtt(t);
	else
		t->rto = TCP_TIMEOUT_INIT_US;
	tcp_timer_cancel(t, FW_T_RTO);
}

/* A passively opened connection is established: the application accepts it at once. */
static void auto_accept(struct tcb *t)
{
	struct host *h = t->h;
	if (!t->parent || !t->parent->has_fd || !h->pid)
		return;
	t->has_fd = true;
	if (!t->crowd)                 /* a crowd never becomes the connection the views follow */
		host_set_cur(h, t);
	struct fw_event ev = { .ev = FW_EV_CALL, .host = h->idx, .conn = t->id, .call = "accept",
			       .result = 0 };
	world_emit_ev(h->w, &ev);
}

/* §3.10.7.2 LISTEN.  `isn` is set when a SYN takes over a TIME_WAIT entry (item 5). */
static void listen_input(struct tcb *l, const struct fw_seg *s, bool have_isn, uint32_t isn)
{
	struct host *h = l->h;
	struct fw_world *w = h->w;
	int conn = world_find_conn(w, s->saddr, s->sport, s->daddr, s->dport);
	if (s->flags & FW_RST)
		return;
	if (s->flags & FW_ACK) {
		tcp_send_rst_reply(h, s, conn);
		return;
	}
	if (!(s->flags & FW_SYN))
		return;
	int pending = 0;
	for (struct tcb *c = h->tcbs; c; c = c->next)
		if (c->parent == l && !c->has_fd && c->state != TCP_CLOSED)
			pending++;
	if (pending >= l->backlog)
		return;                        /* a full queue drops the SYN; the client retries */
	struct tcb *c = tcb_new(h);
	if (!c)
		return;
	c->parent = l;
	c->lport = s->dport;
	c->raddr = s->saddr;
	c->rport = s->sport;
	host_hash_tcb(c);
	c->id = conn ? conn : world_new_conn(w, s->saddr, s->sport, s->daddr, s->dport);
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->iss = have_isn ? isn : tcp_isn(h, c->laddr, c->lport, c->raddr, c->rport);
	c->snd_una = c->snd_nxt = c->iss;
	c->ts_off = knob_get(h, K_TIMESTAMPS) == 1 ? (uint32_t)world_hash(w, c->iss) : 0;
	opts_from_syn(c, s, knob_get(h, K_TIMESTAMPS) != 0);
	c->ka_on = l->ka_on;
	c->ka_idle = l->ka_idle;
	c->ka_intvl = l->ka_intvl;
	c->ka_cnt = l->ka_cnt;
	c->linger2 = l->linger2;
	c->crowd = world_conn_crowd(w, c->id);
	world_conn_isn(w, c->id, h->idx, c->iss);
	host_count(h, C_PASSIVE_OPENS, false, c->id);
	tcb_set_state(c, TCP_SYN_RECV, "SYN received");
	tcp_send_syn(c, 0);
}

/* Linux tcp_reset(): the error the application sees depends on the state (FACTS.md item 7). */
static void tcp_reset(struct tcb *t)
{
	if (t->state == TCP_SYN_RECV && !t->has_fd) {
		tcp_done(t, "RST received");
		return;
	}
	int err = t->state == TCP_SYN_SENT ? ECONNREFUSED
		: t->state == TCP_CLOSE_WAIT ? EPIPE : ECONNRESET;
	tcb_error(t, err);
	tcp_done(t, "RST received");
}

/* §3.10.7.3 SYN-SENT. */
static void syn_sent_input(struct tcb *t, const struct fw_seg *s)
{
	struct host *h = t->h;
	bool ack = s->flags & FW_ACK;
	if (ack && (seq_leq(s->ack, t->iss) || seq_gt(s->ack, t->snd_nxt))) {
		tcp_send_rst_reply(h, s, t->id);
		return;
	}
	if (s->flags & FW_RST) {
		if (ack)
			tcp_reset(t);
		return;
	}
	if (!(s->flags & FW_SYN))
		return;
	t->irs = s->seq;
	t->rcv_nxt = s->seq + 1;
	opts_from_syn(t, s, knob_get(h, K_TIMESTAMPS) != 0);
	if (!ack) {
		/* Simultaneous open (§3.5, Figure 8). */
		tcb_set_state(t, TCP_SYN_RECV, "simultaneous open");
		tcp_send_syn(t, ++t->resends);
		return;
	}
	synack_acked(t, s->ack);
	tcb_set_state(t, TCP_ESTABLISHED, "SYN-ACK received");
	tcp_send_ack(t);
	if (t->ka_on)
		tcp_keepalive_arm(t);
	if (t->crowd && app_react(t))
		return;
	tcp_output(t);
}

/* §3.10.7.4 first check: is any of the segment inside the receive window? */
static bool seq_acceptable(const struct tcb *t, const struct fw_seg *s)
{
	uint32_t len = seg_seqlen(s), wnd = rcv_wnd(t);
	uint32_t lo = t->rcv_nxt, hi = t->rcv_nxt + wnd;
	if (len == 0)
		return wnd == 0 ? s->seq == lo : (seq_geq(s->seq, lo) && seq_lt(s->seq, hi));
	if (wnd == 0)
		return false;
	uint32_t last = s->seq + len - 1;
	return (seq_geq(s->seq, lo) && seq_lt(s->seq, hi)) || (seq_geq(last, lo) && seq_lt(last, hi));
}

/* Orphan reaches FIN_WAIT_2 (Linux tcp_rcv_state_process, TCP_FIN_WAIT1).  Returns true if
 * the socket is gone (moved to the TIME_WAIT table or reset). */
static bool orphan_fin_wait_2(struct tcb *t, const struct fw_seg *s)
{
	struct host *h = t->h;
	bool linger = t->linger2 < 0;
	if (linger || (s->len && seq_gt(s->seq + s->len, t->rcv_nxt))) {
		/* TCP_LINGER2 < 0 wants no FIN_WAIT_2 at all; new data cannot be read any more.
		 * Either way: reset (the caller of tcp_rcv_state_process sends the RST). */
		int id = t->id;
		host_count(h, C_ABORT_ON_DATA, true, id);   /* Linux counts both as AbortOnData */
		tcp_done(t, linger ? "TCP_LINGER2 < 0" : "data after close()");
		tcp_send_rst_reply(h, s, id);
		return true;
	}
	int64_t tmo = tcp_fin_time(t), twlen = knob_get(h, K_TW_LEN);
	if (tmo > twlen) {
		tcp_timer_set(t, FW_T_FIN_WAIT_2, world_now(h->w) + tmo - twlen);
	} else if (s->flags & FW_FIN) {
		tcp_timer_set(t, FW_T_FIN_WAIT_2, world_now(h->w) + tmo);
	} else {
		tcp_time_wait(t, TCP_FIN_WAIT_2, tmo);
		return true;
	}
	return false;
}

/* The ACK field (§3.10.7.4 fifth check), for a synchronized socket.  Returns true if the
 * socket is gone. */
static bool ack_input(struct tcb *t, const struct fw_seg *s, bool *ack_now)
{
	struct host *h = t->h;
	int64_t now = world_now(h->w);
	if (seq_gt(s->ack, t->snd_nxt)) {
		*ack_now = true;               /* acknowledges what was never sent */
		return false;
	}
	t->probes_out = 0;
	t->snd_wnd = s->wnd;
	if (seq_gt(s->ack, t->snd_una)) {
		bool fin_acked = t->fin_sent && seq_geq(s->ack, t->fin_seq + 1);
		uint32_t acked = s->ack - t->snd_una - (fin_acked ? 1 : 0);
		bytes_consume(&t->snd, acked);
		if (t->rtt_start && seq_geq(s->ack, t->rtt_seq)) {
			tcp_rtt_sample(t, now - t->rtt_start);
			t->rtt_start = 0;
		} else if (t->srtt8) {
			t->rto = tcp_rto_from_rtt(t);
		}
		t->snd_una = s->ack;
		sent_ack(t, s->ack);
		t->retransmits = t->resends = 0;
		t->retrans_stamp = 0;
		t->tlp_done = false;
		tcp_rearm_rto(t);
	}
	bool fin_acked = t->fin_sent && seq_geq(t->snd_una, t->fin_seq + 1);
	switch (t->state) {
	case TCP_FIN_WAIT_1:
		if (!fin_acked)
			break;
		tcb_set_state(t, TCP_FIN_WAIT_2, "ACK of FIN");
		/* FACTS.md item 3: only an orphan gets a FIN_WAIT_2 timer; after shutdown() the
		 * socket waits for the peer's FIN for ever. */
		if (t->orphan)
			return orphan_fin_wait_2(t, s);
		break;
	case TCP_CLOSING:
		if (fin_acked) {
			tcp_time_wait(t, TCP_TIME_WAIT, 0);
			return true;
		}
		break;
	case TCP_LAST_ACK:
		if (fin_acked) {
			/* FACTS.md item 4: the passive closer is done; it never enters TIME_WAIT. */
			tcp_done(t, "ACK of FIN: the passive closer never waits");
			return true;
		}
		break;
	default:
		break;
	}
	return false;
}

/* The text (§3.10.7.4 seventh).  Returns true if the socket is gone. */
static bool data_input(struct tcb *t, const struct fw_seg *s, bool *ack_now)
{
	struct host *h = t->h;
	if (t->state != TCP_ESTABLISHED && t->state != TCP_FIN_WAIT_1 && t->state != TCP_FIN_WAIT_2)
		return false;                  /* the peer's FIN came already: ignore */
	if ((t->state == TCP_FIN_WAIT_1 || t->state == TCP_FIN_WAIT_2) && t->rd_shut &&
	    seq_gt(s->seq + s->len, t->rcv_nxt)) {
		/* FACTS.md item 7: new data for a socket that can no longer read: RST
		 * ("RFC 1122 says we MUST send a reset"). */
		host_count(h, C_ABORT_ON_DATA, true, t->id);
		int id = t->id;
		tcp_reset(t);
		tcp_send_rst_reply(h, s, id);
		return true;
	}
	if (seq_gt(s->seq, t->rcv_nxt)) {
		*ack_now = true;               /* out of order: the model keeps no queue; dup ACK */
		return false;
	}
	uint32_t skip = t->rcv_nxt - s->seq;
	if (skip >= s->len) {
		*ack_now = true;               /* all old: a duplicate */
		return false;
	}
	uint32_t n = s->len - skip;
	if (n > rcv_wnd(t))
		n = rcv_wnd(t);
	bytes_append(&t->rcv, s->data + skip, n);
	t->rcv_nxt += n;
	t->lrcvtime = world_now(h->w);
	if (!t->ato)
		t->ato = TCP_ATO_MIN_US;       /* tcp_event_data_recv(): first data */
	if (!t->pingpong && t->quick > 0) {
		t->quick--;
		*ack_now = true;
	} else {
		t->ack_pending = true;
	}
	return false;
}

/* The FIN (§3.10.7.4 eighth).  Returns true if the socket is gone. */
static bool fin_input(struct tcb *t, const struct fw_seg *s, bool *ack_now)
{
	if (!(s->flags & FW_FIN) || s->seq + s->len != t->rcv_nxt)
		return false;                  /* no FIN, or not in order yet */
	if (t->rcvd_fin)
		return false;
	t->rcv_nxt++;
	t->rcvd_fin = true;
	switch (t->state) {
	case TCP_SYN_RECV:
	case TCP_ESTABLISHED:
		/* FACTS.md item 12: tcp_fin() enters ping-pong mode, so the ACK of a FIN is
		 * delayed; a close() inside that window sends FIN+ACK: three segments. */
		tcb_set_state(t, TCP_CLOSE_WAIT, "FIN received");
		t->pingpong = true;
		t->ack_pending = true;
		break;
	case TCP_FIN_WAIT_1:
		/* Simultaneous close (item 13): both FINs crossed. */
		tcb_set_state(t, TCP_CLOSING, "FIN received before the ACK of ours");
		*ack_now = true;
		break;
	case TCP_FIN_WAIT_2:
		tcp_send_ack(t);
		tcp_time_wait(t, TCP_TIME_WAIT, 0);
		return true;
	default:
		break;
	}
	return false;
}

static void tcb_input(struct tcb *t, const struct fw_seg *s)
{
	struct host *h = t->h;
	bool ack_now = false;

	if (t->state == TCP_SYN_SENT) {
		syn_sent_input(t, s);
		return;
	}
	if (t->state == TCP_SYN_RECV && (s->flags & FW_SYN) && !(s->flags & FW_ACK) && s->seq == t->irs) {
		tcp_send_syn(t, ++t->resends);  /* the SYN again: our SYN-ACK was lost */
		return;
	}
	/* First: the sequence number. */
	if (!seq_acceptable(t, s)) {
		if (!(s->flags & FW_RST))
			tcp_send_ack(t);       /* this is also how a keepalive probe is answered */
		return;
	}
	t->last_rcv = world_now(h->w);
	if (t->ts_ok && s->has_ts && seq_leq(s->seq, t->rcv_nxt)) {
		t->ts_recent = s->tsval;
		t->ts_recent_stamp = world_now(h->w);
	}
	/* Second: RST.  RFC 5961 §3 as Linux does it: only an exact match resets; anything
	 * else in the window gets a challenge ACK. */
	if (s->flags & FW_RST) {
		if (s->seq == t->rcv_nxt)
			tcp_reset(t);
		else
			tcp_send_ack(t);
		return;
	}
	/* Fourth: a SYN in a synchronized state gets a challenge ACK (RFC 5961 §4). */
	if (s->flags & FW_SYN) {
		tcp_send_ack(t);
		return;
	}
	/* Fifth: the ACK field. */
	if (!(s->flags & FW_ACK))
		return;
	if (t->state == TCP_SYN_RECV) {
		if (!(seq_lt(t->snd_una, s->ack) && seq_leq(s->ack, t->snd_nxt))) {
			tcp_send_rst_reply(h, s, t->id);
			return;
		}
		synack_acked(t, s->ack);
		t->snd_wnd = s->wnd;
		tcb_set_state(t, TCP_ESTABLISHED, "ACK of SYN-ACK");
		auto_accept(t);
		if (t->ka_on)
			tcp_keepalive_arm(t);
	}
	if (ack_input(t, s, &ack_now))
		return;
	if (s->len && data_input(t, s, &ack_now))
		return;
	if (fin_input(t, s, &ack_now))
		return;

	/* A crowd's application acts on what arrived; then whatever we can send now carries
	 * the ACK, and a bare ACK goes only if nothing did. */
	if (t->crowd && app_react(t))
		return;
	tcp_output(t);
	if (t->ack_pending || ack_now)
		tcp_schedule_ack(t, ack_now);
}

/* Linux tcp_timewait_state_process() (FACTS.md items 3, 5, 7). */
static void tw_input(struct tw *tw, const struct fw_seg *s)
{
	struct host *h = tw->h;
	uint32_t end = s->seq + seg_seqlen(s);
	bool rst = s->flags & FW_RST, syn = s->flags & FW_SYN, ack = s->flags & FW_ACK;
	bool paws_reject = !rst && tw->ts_ok && s->has_ts && tw->ts_recent_stamp &&
			   (int32_t)(s->tsval - tw->ts_recent) < 0;
	int64_t now = world_now(h->w);

	if (tw->substate == TCP_FIN_WAIT_2) {
		uint32_t lo = tw->rcv_nxt, hi = tw->rcv_nxt + TCP_WINDOW;
		bool in_window = s->seq == lo || (seq_gt(end, lo) && seq_lt(s->seq, hi)) ||
				 (s->seq == hi && s->seq == end);
		if (paws_reject || !in_window) {
			tw_send_ack(tw);
			return;
		}
		if (rst) {
			tw_free(tw, "RST received");
			return;
		}
		if ((syn && seq_geq(s->seq, tw->rcv_nxt)) || (ack && seq_gt(end, tw->rcv_nxt) && end != s->seq &&
			(!(s->flags & FW_FIN) || end != tw->rcv_nxt + 1))) {
			/* New data after close(): reset (item 7). */
			int id = tw->id;
			tw_free(tw, syn ? "SYN in FIN_WAIT_2: RST" : "data after close(): RST");
			tcp_send_rst_reply(h, s, id);
			return;
		}
		if (!ack || !seq_gt(end, tw->rcv_nxt) || end == s->seq)
			return;                /* a duplicate ACK */
		/* The FIN: a true TIME_WAIT now, 60 s from here. */
		struct fw_event ev = { .ev = FW_EV_TIMER, .host = h->idx, .conn = tw->id,
				       .timer = FW_T_FIN_WAIT_2, .action = FW_TA_CANCEL };
		world_emit_ev(h->w, &ev);
		struct fw_event st = { .ev = FW_EV_STATE, .host = h->idx, .conn = tw->id,
				       .from = TCP_FIN_WAIT_2, .to = TCP_TIME_WAIT, .why = "FIN received" };
		tw->substate = TCP_TIME_WAIT;
		tw->rcv_nxt = end;
		tw->entered = now;
		if (s->has_ts && tw->ts_ok) {
			tw->ts_recent = s->tsval;
			tw->ts_recent_stamp = now;
		}
		world_emit_ev(h->w, &st);
		host_count(h, C_TW, false, tw->id);
		tw_timer_set(tw, now + knob_get(h, K_TW_LEN));
		tw_send_ack(tw);
		return;
	}

	/* TIME_WAIT proper. */
	if (!paws_reject && s->seq == tw->rcv_nxt && (seg_seqlen(s) == 0 || rst)) {
		if (rst) {
			if (!knob_get(h, K_RFC1337)) {
				/* TIME_WAIT assassination (RFC 1337): the default kills the entry. */
				tw_free(tw, "RST in TIME_WAIT (tcp_rfc1337=0)");
				return;
			}
			struct fw_event ev = { .ev = FW_EV_NOTE, .host = h->idx, .conn = tw->id,
					       .why = "RST ignored in TIME_WAIT (tcp_rfc1337=1)" };
			world_emit_ev(h->w, &ev);
		} else {
			tw_timer_set(tw, now + knob_get(h, K_TW_LEN));
		}
		if (s->has_ts && tw->ts_ok) {
			tw->ts_recent = s->tsval;
			tw->ts_recent_stamp = now;
		}
		return;
	}
	if (syn && !rst && !ack && !paws_reject &&
	    (seq_gt(s->seq, tw->rcv_nxt) ||
	     (s->has_ts && tw->ts_recent_stamp && (int32_t)(tw->ts_recent - s->tsval) < 0))) {
		/* A new SYN may take over the 4-tuple (RFC 9293 §3.6.1 MAY-2, RFC 6191). */
		struct tcb *l = host_find_listener(h, tw->lport);
		if (l) {
			uint32_t isn = tw->snd_nxt + 65535 + 2;
			tw_free(tw, "new SYN takes over the 4-tuple");
			listen_input(l, s, true, isn ? isn : 1);
			return;
		}
	}
	if (!rst) {
		/* Everything else out of window is ACKed, and restarts the 60 s: a retransmitted
		 * FIN means our last ACK was lost (item 5). */
		if (paws_reject || ack)
			tw_timer_set(tw, now + knob_get(h, K_TW_LEN));
		tw_send_ack(tw);
	}
}

void tcp_input(struct host *h, const struct fw_seg *s)
{
	struct tcb *t = host_find_tcb(h, s->saddr, s->sport, s->dport);
	if (t) {
		tcb_input(t, s);
		return;
	}
	struct tw *tw = host_find_tw(h, s->saddr, s->sport, s->dport);
	if (tw) {
		tw_input(tw, s);
		return;
	}
	struct tcb *l = host_find_listener(h, s->dport);
	if (l) {
		listen_input(l, s, false, 0);
		return;
	}
	/* §3.10.7.1: no connection.  A rebooted host answers its old peer this way. */
	tcp_send_rst_reply(h, s, world_find_conn(h->w, s->saddr, s->sport, s->daddr, s->dport));
}

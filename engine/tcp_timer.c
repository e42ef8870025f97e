/*
 * tcp_timer.c: the five timers of a connection, as Linux runs them.
 *
 * rto: retransmission (RFC 6298 with Linux's estimator: RTO = srtt + rttvar, rttvar never
 *      below 200 ms; 1 s before any sample; doubling to at most 120 s).  Before the first RTO
 *      of a flight the same slot carries the tail-loss probe.  The give-up rule is a time
 *      budget from the head's first transmission, tcp_model_timeout() (FACTS.md item 2):
 *      orphans use tcp_orphan_retries (0 = 8 while alive: 102.2 s), others tcp_retries2
 *      (15: 924.6 s).  Running out closes the socket silently with ETIMEDOUT: no RST.
 * delack: the delayed ACK (FACTS.md item 12).
 * keepalive: probes after idle time, RST and ETIMEDOUT when unanswered (item 11).
 * fin_wait_2: an orphan's FIN_WAIT_2 longer than 60 s waits here first (item 3).
 * time_wait: on TIME_WAIT table entries, 60 s; also the orphaned FIN_WAIT_2 entries.
 * Each set, cancel and expiry is an event, so every view can draw countdowns.
 */
#include <errno.h>

#include "tcp.h"

static void timer_event(struct host *h, int conn, enum fw_timer k, enum fw_timer_action a, int64_t due)
{
	struct fw_event ev = { .ev = FW_EV_TIMER, .host = h->idx, .conn = conn, .timer = k,
			       .action = a, .due = due };
	world_emit_ev(h->w, &ev);
}

/*
 * When a timer armed at `now` for `due` really fires.  Linux's timer wheel
 * (kernel/time/timer.c, calc_wheel_index) never fires early: the expiry, in jiffies (HZ=250:
 * 4 ms), is rounded up to the granularity of the wheel level its delay falls in: 4 ms below
 * 252 ms, 32 ms below 2 s, 256 ms below 16 s, 2.048 s below 129 s, 16.4 s below 17 min,
 * 131 s beyond.  So a 60 s TIME_WAIT ends 60 to 62 s after it began, as the kernel check
 * measures, and a 204 ms RTO fires after 208 ms (FACTS.md item 2: resends at +0.207 s and
 * +0.415 s).  Virtual jiffies start at 0, so this stays deterministic.
 */
int64_t tcp_wheel_due(int64_t now, int64_t due)
{
	int64_t clk = now / TCP_JIFFY_US;
	int64_t expires = clk + (due - now + TCP_JIFFY_US - 1) / TCP_JIFFY_US;
	int64_t delta = expires - clk;
	int lvl = 0;
	while (lvl < 8 && delta >= (63LL << (3 * lvl)))
		lvl++;
	int shift = 3 * lvl;
	return (((expires >> shift) + 1) << shift) * TCP_JIFFY_US;
}

void tcp_timer_set(struct tcb *t, enum fw_timer k, int64_t due)
{
	struct fw_world *w = t->h->w;
	if (!t->h->up)
		return;
	due = tcp_wheel_due(world_now(w), due);
	heap_put(world_queue(w), &t->timers[k].node, due, world_seq(w));
	timer_event(t->h, t->id, k, FW_TA_SET, due);
}

void tcp_timer_cancel(struct tcb *t, enum fw_timer k)
{
	if (!heap_node_queued(&t->timers[k].node))
		return;
	heap_remove(world_queue(t->h->w), &t->timers[k].node);
	if (k == FW_T_RTO)
		t->tlp_armed = false;
	timer_event(t->h, t->id, k, FW_TA_CANCEL, 0);
}

bool tcp_timer_armed(const struct tcb *t, enum fw_timer k)
{
	return heap_node_queued(&t->timers[k].node);
}

/* (2^(N+1) - 1) x base up to the point where RTO reaches 120 s, then 120 s a try. */
int64_t tcp_model_timeout(int boundary, int64_t rto_base)
{
	int thresh = 0;
	while ((rto_base << (thresh + 1)) <= TCP_RTO_MAX_US)
		thresh++;                      /* ilog2(TCP_RTO_MAX / rto_base): 9 for 200 ms */
	if (boundary <= thresh)
		return ((2LL << boundary) - 1) * rto_base;
	return ((2LL << thresh) - 1) * rto_base + (int64_t)(boundary - thresh) * TCP_RTO_MAX_US;
}

/* Linux's RTT estimator (tcp_rtt_estimator, tcp_set_rto), m in microseconds. */
void tcp_rtt_sample(struct tcb *t, int64_t m)
{
	if (m <= 0)
		m = 1;
	if (t->srtt8) {
		m -= t->srtt8 >> 3;
		t->srtt8 += m;
		if (m < 0) {
			m = -m;
			m -= t->mdev4 >> 2;
			if (m > 0)
				m >>= 3;
		} else {
			m -= t->mdev4 >> 2;
		}
		t->mdev4 += m;
		if (t->mdev4 > t->mdev_max) {
			t->mdev_max = t->mdev4;
			if (t->mdev_max > t->rttvar)
				t->rttvar = t->mdev_max;
		}
		if (seq_gt(t->snd_una, t->rtt_epoch_seq)) {
			if (t->mdev_max < t->rttvar)
				t->rttvar -= (t->rttvar - t->mdev_max) >> 2;
			t->rtt_epoch_seq = t->snd_nxt;
			t->mdev_max = TCP_RTO_MIN_US;
		}
	} else {
		t->srtt8 = m << 3;
		t->mdev4 = m << 1;
		t->rttvar = t->mdev4 > TCP_RTO_MIN_US ? t->mdev4 : TCP_RTO_MIN_US;
		t->mdev_max = t->rttvar;
		t->rtt_epoch_seq = t->snd_nxt;
	}
	t->rto = tcp_rto_from_rtt(t);
}

/* __tcp_set_rto(): srtt + rttvar, in whole jiffies (HZ=250: 4 ms), at most 120 s.  On
 * loopback this is the "rto:204" that ss shows (FACTS.md item 2). */
int64_t tcp_rto_from_rtt(const struct tcb *t)
{
	int64_t rto = (t->srtt8 >> 3) + t->rttvar;
	rto = (rto + TCP_JIFFY_US - 1) / TCP_JIFFY_US * TCP_JIFFY_US;
	return rto > TCP_RTO_MAX_US ? TCP_RTO_MAX_US : rto;
}

/*
 * After new data, or an ACK that leaves data in flight: the tail-loss probe if this flight
 * has not had one and an RTT is known (PTO = 2 srtt + 200 ms for a lone segment, never later
 * than the RTO), otherwise the RTO.
 */
void tcp_rearm_rto(struct tcb *t)
{
	if (t->snd_una == t->snd_nxt) {
		tcp_timer_cancel(t, FW_T_RTO);
		return;
	}
	int64_t now = world_now(t->h->w);
	bool synced = t->state != TCP_SYN_SENT && t->state != TCP_SYN_RECV;
	if (synced && t->srtt8 && !t->tlp_done && t->retransmits == 0) {
		int64_t pto = (t->srtt8 >> 2) + (t->nsent <= 1 ? TCP_RTO_MIN_US : 2000);
		if (pto > t->rto)
			pto = t->rto;
		tcp_timer_set(t, FW_T_RTO, now + pto);
		t->tlp_armed = true;
		return;
	}
	tcp_timer_set(t, FW_T_RTO, now + t->rto);
	t->tlp_armed = false;
}

/* Linux tcp_write_timeout(): has the retry budget of this socket run out? */
static bool retries_exhausted(struct tcb *t)
{
	struct host *h = t->h;
	if (!t->retransmits || !t->retrans_stamp)
		return false;
	int boundary;
	int64_t base = TCP_RTO_MIN_US;
	if (t->state == TCP_SYN_SENT) {
		boundary = (int)knob_get(h, K_SYN_RETRIES);
		base = TCP_TIMEOUT_INIT_US;
	} else if (t->orphan) {
		/* tcp_orphan_retries(): the sysctl's 0 means 8 while the socket is alive. */
		bool alive = t->rto < TCP_RTO_MAX_US;
		boundary = (int)knob_get(h, K_ORPHAN_RETRIES);
		if (boundary == 0 && alive)
			boundary = 8;
	} else {
		boundary = (int)knob_get(h, K_RETRIES2);
	}
	return world_now(h->w) - t->retrans_stamp >= tcp_model_timeout(boundary, base);
}

static void rto_fire(struct tcb *t)
{
	struct host *h = t->h;
	if (t->snd_una == t->snd_nxt)
		return;
	if (t->tlp_armed) {
		/* Tail-loss probe: resend the last segment once, then wait a full RTO. */
		t->tlp_armed = false;
		t->tlp_done = true;
		host_count(h, C_LOSS_PROBES, false, t->id);
		tcp_retransmit_head(t, "tlp");
		tcp_timer_set(t, FW_T_RTO, world_now(h->w) + t->rto);
		return;
	}
	if (t->state == TCP_SYN_RECV) {
		/* A listener's half-open connection: tcp_synack_retries, then dropped quietly. */
		if (t->retransmits >= knob_get(h, K_SYNACK_RETRIES)) {
			tcp_done(t, "SYN-ACK retries exhausted");
			return;
		}
	} else if (retries_exhausted(t)) {
		/* tcp_write_err(): ETIMEDOUT to the application, CLOSE, and no RST on the wire. */
		host_count(h, C_ABORT_ON_TIMEOUT, true, t->id);
		tcb_error(t, ETIMEDOUT);
		tcp_done(t, t->orphan ? "retries exhausted (orphan budget): closed silently"
				      : "retries exhausted: ETIMEDOUT, closed silently");
		return;
	}
	tcp_retransmit_head(t, NULL);
	t->retransmits++;
	t->rto = t->rto * 2 > TCP_RTO_MAX_US ? TCP_RTO_MAX_US : t->rto * 2;
	tcp_timer_set(t, FW_T_RTO, world_now(h->w) + t->rto);
}

void tcp_schedule_ack(struct tcb *t, bool now)
{
	if (now) {
		tcp_send_ack(t);
		return;
	}
	t->ack_pending = true;
	if (!tcp_timer_armed(t, FW_T_DELACK)) {
		/* ato is 0 until data has arrived: then the ACK leaves on the next jiffy. */
		int64_t ato = t->ato ? t->ato : TCP_JIFFY_US;
		tcp_timer_set(t, FW_T_DELACK, world_now(t->h->w) + ato);
	}
}

static void delack_fire(struct tcb *t)
{
	if (!t->ack_pending)
		return;
	if (t->pingpong) {
		/* A delayed ACK that had to fire on its own: this is not interactive after all. */
		t->pingpong = false;
		t->ato = TCP_ATO_MIN_US;
	} else if (t->ato) {
		t->ato = t->ato * 2 < t->rto ? t->ato * 2 : t->rto;
		if (t->ato > TCP_DELACK_MAX_US)
			t->ato = TCP_DELACK_MAX_US;
	}
	tcp_send_ack(t);
}

static int64_t ka_time(const struct tcb *t)
{
	return FW_SEC(t->ka_idle ? t->ka_idle : knob_get(t->h, K_KA_TIME));
}

void tcp_keepalive_arm(struct tcb *t)
{
	tcp_timer_set(t, FW_T_KEEPALIVE, world_now(t->h->w) + ka_time(t));
}

/* Linux tcp_keepalive_timer(). */
static void keepalive_fire(struct tcb *t)
{
	struct host *h = t->h;
	int64_t now = world_now(h->w);
	if (!t->ka_on || t->state == TCP_CLOSED || t->state == TCP_SYN_SENT)
		return;
	int64_t intvl = FW_SEC(t->ka_intvl ? t->ka_intvl : knob_get(h, K_KA_INTVL));
	int cnt = t->ka_cnt ? t->ka_cnt : (int)knob_get(h, K_KA_PROBES);
	int64_t next = ka_time(t);
	if (t->snd_una == t->snd_nxt && t->snd.len == 0) {
		int64_t idle = now - t->last_rcv;
		if (idle >= ka_time(t)) {
			if (t->probes_out >= cnt) {
				host_count(h, C_ABORT_ON_TIMEOUT, true, t->id);
				tcp_send_rst_tcb(t);
				tcb_error(t, ETIMEDOUT);
				tcp_done(t, "keepalive: no answer to any probe");
				return;
			}
			/* A probe carries SND.UNA - 1: old data the peer must answer with an ACK. */
			struct fw_seg s;
			tcp_seg_init(t, &s, FW_ACK);
			s.seq = t->snd_una - 1;
			t->ack_pending = false;
			tcp_timer_cancel(t, FW_T_DELACK);
			world_xmit(h->w, h, t->id, &s, 0, "keepalive");
			host_count(h, C_KEEPALIVE, false, t->id);
			t->probes_out++;
			next = intvl;
		} else {
			next = ka_time(t) - idle;
		}
	}
	tcp_timer_set(t, FW_T_KEEPALIVE, now + next);
}

/* An orphan whose FIN_WAIT_2 is longer than TIME_WAIT waited here for the difference. */
static void fin_wait_2_fire(struct tcb *t)
{
	int64_t tmo = tcp_fin_time(t) - knob_get(t->h, K_TW_LEN);
	if (t->linger2 >= 0 && tmo > 0) {
		tcp_time_wait(t, TCP_FIN_WAIT_2, tmo);
		return;
	}
	tcp_send_rst_tcb(t);
	tcp_done(t, "FIN_WAIT_2 timeout");
}

void tcp_timer_fire(struct tcb *t, enum fw_timer k)
{
	timer_event(t->h, t->id, k, FW_TA_FIRE, 0);
	switch (k) {
	case FW_T_RTO: rto_fire(t); break;
	case FW_T_DELACK: delack_fire(t); break;
	case FW_T_KEEPALIVE: keepalive_fire(t); break;
	case FW_T_FIN_WAIT_2: fin_wait_2_fire(t); break;
	default: break;
	}
}

void tw_timer_set(struct tw *tw, int64_t due)
{
	struct fw_world *w = tw->h->w;
	due = tcp_wheel_due(world_now(w), due);
	heap_put(world_queue(w), &tw->timer.node, due, world_seq(w));
	timer_event(tw->h, tw->id, tw->substate == TCP_TIME_WAIT ? FW_T_TIME_WAIT : FW_T_FIN_WAIT_2,
		    FW_TA_SET, due);
}

/* The entry's time is up: TIME_WAIT ends, or an orphaned FIN_WAIT_2 is freed without a word
 * to the peer, which stays in CLOSE_WAIT (FACTS.md item 3). */
void tw_timer_fire(struct tw *tw)
{
	bool tw_state = tw->substate == TCP_TIME_WAIT;
	timer_event(tw->h, tw->id, tw_state ? FW_T_TIME_WAIT : FW_T_FIN_WAIT_2, FW_TA_FIRE, 0);
	tw_free(tw, tw_state ? "TIME_WAIT over" : "FIN_WAIT_2 timeout (orphan): freed silently");
}

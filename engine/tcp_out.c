/*
 * tcp_out.c: building segments and sending them.
 *
 * Every segment a socket sends carries the current acknowledgement (RFC 9293 §3.10.7.4:
 * "send <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>"), so sending anything satisfies a pending
 * delayed ACK; that is how a quick close() merges the ACK of the peer's FIN with our own FIN
 * into one FIN+ACK (FACTS.md item 12).  Data goes out in MSS-sized pieces as the peer's
 * window allows; the FIN rides on the last piece or goes alone once the data is out.
 * Resets follow RFC 9293 §3.10.7.1 for segments that belong to no connection.
 */
#include <string.h>

#include "tcp.h"

void tcp_seg_init(const struct tcb *t, struct fw_seg *s, uint8_t flags)
{
	memset(s, 0, offsetof(struct fw_seg, data));
	s->saddr = t->laddr;
	s->daddr = t->raddr;
	s->sport = t->lport;
	s->dport = t->rport;
	s->seq = t->snd_nxt;
	s->flags = flags;
	if (flags & FW_ACK)
		s->ack = t->rcv_nxt;
	size_t space = t->rcv.len < TCP_WINDOW ? TCP_WINDOW - t->rcv.len : 0;
	s->wnd = (uint16_t)space;
	if (t->ts_ok) {
		s->has_ts = true;
		s->tsval = tcp_ts_now(t->h, t->ts_off);
		s->tsecr = t->ts_recent;
	}
}

/* Send one segment of this connection; an ACK in it answers any pending (delayed) ACK. */
static void tcp_xmit(struct tcb *t, const struct fw_seg *s, int retrans, const char *why)
{
	if (!t->h->up)
		return;
	if (s->flags & FW_ACK) {
		t->ack_pending = false;
		tcp_timer_cancel(t, FW_T_DELACK);
	}
	world_xmit(t->h->w, t->h, t->id, s, retrans, why);
}

static void sent_record(struct tcb *t, uint32_t end)
{
	if (t->nsent == (int)(sizeof t->sent / sizeof t->sent[0])) {
		t->sent[t->nsent - 1].end = end;       /* merge into the newest record */
		return;
	}
	t->sent[t->nsent].end = end;
	t->sent[t->nsent].t = world_now(t->h->w);
	t->nsent++;
}

/* Arm the retransmission timer after new data when nothing was in flight before. */
static void arm_after_new_data(struct tcb *t, bool was_idle)
{
	if (was_idle || t->tlp_armed)
		tcp_rearm_rto(t);
	if (!t->rtt_start) {
		t->rtt_start = world_now(t->h->w);
		t->rtt_seq = t->snd_nxt;
	}
}

void tcp_send_syn(struct tcb *t, int retrans)
{
	struct fw_seg s;
	bool synack = t->state == TCP_SYN_RECV;
	tcp_seg_init(t, &s, synack ? (FW_SYN | FW_ACK) : FW_SYN);
	s.seq = t->iss;
	s.mss = FW_MSS;
	s.sack_ok = true;
	s.has_ts = synack ? t->ts_ok : knob_get(t->h, K_TIMESTAMPS) != 0;
	if (s.has_ts) {
		s.tsval = tcp_ts_now(t->h, t->ts_off);
		s.tsecr = synack ? t->ts_recent : 0;
	}
	if (!retrans) {
		t->snd_nxt = t->iss + 1;
		sent_record(t, t->snd_nxt);
		tcp_timer_set(t, FW_T_RTO, world_now(t->h->w) + t->rto);
	} else if (!t->retrans_stamp) {
		t->retrans_stamp = t->sent[0].t;
	}
	tcp_xmit(t, &s, retrans, NULL);
}

static bool can_send_data(const struct tcb *t)
{
	return t->state == TCP_ESTABLISHED || t->state == TCP_CLOSE_WAIT ||
	       t->state == TCP_FIN_WAIT_1 || t->state == TCP_LAST_ACK || t->state == TCP_CLOSING;
}

void tcp_output(struct tcb *t)
{
	if (!can_send_data(t) || t->fin_sent)
		return;
	bool was_idle = t->snd_una == t->snd_nxt;
	uint32_t nxt0 = t->snd_nxt;
	uint32_t sent = t->snd_nxt - t->snd_una;
	uint32_t wnd_end = t->snd_una + t->snd_wnd;
	while (sent < t->snd.len) {
		uint32_t room = seq_gt(wnd_end, t->snd_nxt) ? wnd_end - t->snd_nxt : 0;
		uint32_t n = (uint32_t)t->snd.len - sent;
		if (n > t->mss)
			n = t->mss;
		if (n > room)
			n = room;
		if (n == 0)
			break;                 /* window closed: the model does not probe it */
		struct fw_seg s;
		bool last = sent + n == t->snd.len;
		uint8_t flags = FW_ACK | (last ? FW_PSH : 0);
		if (last && t->wr_shut) {
			flags |= FW_FIN;
			t->fin_sent = true;
			t->fin_seq = t->snd_nxt + n;
		}
		tcp_seg_init(t, &s, flags);
		s.len = (uint16_t)n;
		memcpy(s.data, t->snd.p + sent, n);
		t->snd_nxt += n + ((flags & FW_FIN) ? 1 : 0);
		sent += n;
		sent_record(t, t->snd_nxt);
		tcp_xmit(t, &s, 0, NULL);
	}
	if (sent == t->snd.len && t->wr_shut && !t->fin_sent) {
		struct fw_seg s;
		tcp_seg_init(t, &s, FW_FIN | FW_ACK);
		t->fin_sent = true;
		t->fin_seq = t->snd_nxt;
		t->snd_nxt++;
		sent_record(t, t->snd_nxt);
		tcp_xmit(t, &s, 0, NULL);
	}
	if (t->snd_nxt != nxt0)
		arm_after_new_data(t, was_idle);
}

/*
 * Retransmit the oldest unacknowledged segment (RFC 9293 §3.8.1): the SYN or SYN-ACK while
 * connecting; otherwise up to an MSS of data from SND.UNA, with the FIN if it follows.
 * The first retransmission stamps retrans_stamp with the head's first transmission time:
 * the retry budget is measured from there (FACTS.md item 2).
 */
void tcp_retransmit_head(struct tcb *t, const char *why)
{
	t->resends++;
	if (!t->retrans_stamp && t->nsent)
		t->retrans_stamp = t->sent[0].t;
	if (t->state == TCP_SYN_SENT || t->state == TCP_SYN_RECV) {
		tcp_send_syn(t, t->resends);
		return;
	}
	uint32_t data = t->snd_nxt - t->snd_una - (t->fin_sent ? 1 : 0);
	uint32_t n = data < t->mss ? data : t->mss;
	bool fin = t->fin_sent && n == data;
	if (n == 0 && !fin)
		return;
	struct fw_seg s;
	tcp_seg_init(t, &s, FW_ACK | (fin ? FW_FIN : 0) | (n ? FW_PSH : 0));
	s.seq = t->snd_una;
	s.len = (uint16_t)n;
	if (n)
		memcpy(s.data, t->snd.p, n);
	if (t->rtt_start && seq_gt(t->rtt_seq, t->snd_una))
		t->rtt_start = 0;              /* Karn: never time a retransmitted segment */
	tcp_xmit(t, &s, t->resends, why);
}

void tcp_send_ack(struct tcb *t)
{
	struct fw_seg s;
	tcp_seg_init(t, &s, FW_ACK);
	tcp_xmit(t, &s, 0, NULL);
}

/* tcp_send_active_reset(): RST,ACK at SND.NXT. */
void tcp_send_rst_tcb(struct tcb *t)
{
	struct fw_seg s;
	tcp_seg_init(t, &s, FW_RST | FW_ACK);
	s.has_ts = false;
	tcp_xmit(t, &s, 0, "rst");
}

/* RFC 9293 §3.10.7.1: the answer to a segment that belongs to no connection. */
void tcp_send_rst_reply(struct host *h, const struct fw_seg *in, int conn)
{
	if ((in->flags & FW_RST) || !h->up)
		return;
	struct fw_seg s;
	memset(&s, 0, offsetof(struct fw_seg, data));
	s.saddr = in->daddr;
	s.daddr = in->saddr;
	s.sport = in->dport;
	s.dport = in->sport;
	if (in->flags & FW_ACK) {
		s.seq = in->ack;
		s.flags = FW_RST;
	} else {
		s.ack = in->seq + seg_seqlen(in);
		s.flags = FW_RST | FW_ACK;
	}
	world_xmit(h->w, h, conn, &s, 0, "rst");
}

void tw_send_ack(struct tw *tw)
{
	if (!tw->h->up)
		return;
	struct fw_seg s;
	memset(&s, 0, offsetof(struct fw_seg, data));
	s.saddr = tw->laddr;
	s.daddr = tw->raddr;
	s.sport = tw->lport;
	s.dport = tw->rport;
	s.seq = tw->snd_nxt;
	s.ack = tw->rcv_nxt;
	s.flags = FW_ACK;
	s.wnd = TCP_WINDOW;
	if (tw->ts_ok) {
		s.has_ts = true;
		s.tsval = tcp_ts_now(tw->h, tw->ts_off);
		s.tsecr = tw->ts_recent;
	}
	world_xmit(tw->h->w, tw->h, tw->id, &s, 0, NULL);
}

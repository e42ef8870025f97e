/*
 * host.c: a host is a kernel: its sockets, its TIME_WAIT table, its ephemeral ports, its
 * counters, and the application process that owns descriptors.
 *
 * A process that exits, or is killed, has every descriptor closed by its kernel exactly as
 * close() would (FACTS.md items 6 and 16): FIN, or RST when data was unread.  A crashed host
 * is powered off: it sends nothing, answers nothing, and its timers stop.  A rebooted host
 * comes back with no TCP state at all, so a segment of an old connection gets an RST.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "tcp.h"

static const char *const ctr_names[C_NCTRS] = {
	[C_TW_OVERFLOW] = "TcpExtTCPTimeWaitOverflow",
	[C_ABORT_ON_TIMEOUT] = "TcpExtTCPAbortOnTimeout",
	[C_ABORT_ON_CLOSE] = "TcpExtTCPAbortOnClose",
	[C_ABORT_ON_DATA] = "TcpExtTCPAbortOnData",
	[C_ABORT_ON_LINGER] = "TcpExtTCPAbortOnLinger",
	[C_OUT_RSTS] = "TcpOutRsts",
	[C_RETRANS_SEGS] = "TcpRetransSegs",
	[C_LOSS_PROBES] = "TcpExtTCPLossProbes",
	[C_KEEPALIVE] = "TcpExtTCPKeepAlive",
	[C_TW] = "TcpExtTW",
	[C_TW_RECYCLED] = "TcpExtTWRecycled",
	[C_ACTIVE_OPENS] = "TcpActiveOpens",
	[C_PASSIVE_OPENS] = "TcpPassiveOpens",
	[C_FOREIGN] = "FinwaveForeignDatagrams",
};

void host_init(struct host *h, struct fw_world *w, int idx, uint32_t addr)
{
	memset(h, 0, sizeof *h);
	h->w = w;
	h->idx = idx;
	h->addr = addr;
	h->up = true;
	h->fake_pid = 1000 + 1000 * idx;
	h->port_hint = (uint32_t)world_hash(w, 0x706f7274u + (uint64_t)idx) & ~1u;
	knob_defaults(h->knob);
	heap_node_init(&h->crowd.q.node);
	h->crowd.q.kind = Q_CROWD;
	h->crowd.q.owner = h;
}

void host_free_all(struct host *h)
{
	while (h->tcbs)
		tcb_free(h->tcbs);
	while (h->tws)
		tw_free(h->tws, NULL);
}

/* Bump a counter; `note` also tells the views (for the counters a student should notice). */
void host_count(struct host *h, enum ctr c, bool note, int conn)
{
	h->ctr[c]++;
	if (note) {
		struct fw_event ev = { .ev = FW_EV_NOTE, .host = h->idx, .conn = conn,
				       .why = ctr_names[c], .value = h->ctr[c] };
		world_emit_ev(h->w, &ev);
	}
}

/* ---- lookups (RFC 9293 §3.10.7: the connection a segment belongs to) ---------------------- */

static unsigned tuple_hash(uint32_t raddr, uint16_t rport, uint16_t lport)
{
	uint32_t x = raddr * 2654435761u ^ ((uint32_t)rport << 16 | lport) * 2246822519u;
	return (x ^ (x >> 15)) % HOST_HASH;
}

void host_hash_tcb(struct tcb *t)
{
	if (t->hashed)
		return;
	unsigned b = tuple_hash(t->raddr, t->rport, t->lport);
	t->hnext = t->h->tcb_hash[b];
	t->h->tcb_hash[b] = t;
	t->hashed = true;
}

void host_unhash_tcb(struct tcb *t)
{
	if (!t->hashed)
		return;
	for (struct tcb **p = &t->h->tcb_hash[tuple_hash(t->raddr, t->rport, t->lport)]; *p;
	     p = &(*p)->hnext)
		if (*p == t) {
			*p = t->hnext;
			break;
		}
	t->hashed = false;
}

void host_hash_tw(struct tw *tw)
{
	unsigned b = tuple_hash(tw->raddr, tw->rport, tw->lport);
	tw->hnext = tw->h->tw_hash[b];
	tw->h->tw_hash[b] = tw;
}

void host_unhash_tw(struct tw *tw)
{
	for (struct tw **p = &tw->h->tw_hash[tuple_hash(tw->raddr, tw->rport, tw->lport)]; *p;
	     p = &(*p)->hnext)
		if (*p == tw) {
			*p = tw->hnext;
			break;
		}
}

struct tcb *host_find_tcb(struct host *h, uint32_t raddr, uint16_t rport, uint16_t lport)
{
	for (struct tcb *t = h->tcb_hash[tuple_hash(raddr, rport, lport)]; t; t = t->hnext)
		if (!t->hidden && t->state != TCP_CLOSED && t->lport == lport &&
		    t->rport == rport && t->raddr == raddr)
			return t;
	return NULL;
}

struct tw *host_find_tw(struct host *h, uint32_t raddr, uint16_t rport, uint16_t lport)
{
	for (struct tw *tw = h->tw_hash[tuple_hash(raddr, rport, lport)]; tw; tw = tw->hnext)
		if (tw->lport == lport && tw->rport == rport && tw->raddr == raddr)
			return tw;
	return NULL;
}

struct tcb *host_find_listener(struct host *h, uint16_t lport)
{
	for (int i = 0; i < h->nlisteners; i++)
		if (h->listeners[i]->state == TCP_LISTEN && h->listeners[i]->lport == lport)
			return h->listeners[i];
	return NULL;
}

struct tcb *host_cur_tcb(struct host *h)
{
	return h->cur_tcb;
}

/* The connection the host's state is reported from: the last one it connected or accepted. */
void host_set_cur(struct host *h, struct tcb *t)
{
	h->cur = t ? t->id : 0;
	h->cur_tcb = t;
	h->cur_tw = NULL;
	h->failed_err = 0;
}

/*
 * Whether an outgoing connect() may take over this TIME_WAIT entry (tcp_twsk_unique,
 * FACTS.md item 8): only true TIME_WAIT, only if timestamps were in use, tcp_tw_reuse 1 (or
 * 2 on loopback, which the model's 10.0.0.x hosts are not), and at least 1 s after the entry
 * was made (tcp_tw_reuse_delay).
 */
static bool tw_reusable(const struct host *h, const struct tw *tw)
{
	int64_t reuse = knob_get(h, K_TW_REUSE);
	bool loopback = (tw->laddr >> 24) == 127;
	if (tw->substate != TCP_TIME_WAIT || !tw->ts_recent_stamp)
		return false;
	if (!(reuse == 1 || (reuse == 2 && loopback)))
		return false;
	return world_now(h->w) - tw->entered >= FW_SEC(1);
}

/*
 * Choose an ephemeral port for a connection to raddr:rport (FACTS.md item 10): ports
 * 32768-60999, scanned in steps of 2 from a hashed starting point, so one parity first and
 * then the other (Linux starts on even ports).  A port is taken only per destination: the
 * same port may serve another (raddr, rport).  Like Linux's perturbation table, the next
 * search starts just past the port found, so a long run of connects stays cheap.  Returns
 * the port or -EADDRNOTAVAIL; *reuse is set when the port comes from a reusable TIME_WAIT.
 */
int host_pick_port(struct host *h, uint32_t raddr, uint16_t rport, struct tw **reuse)
{
	uint32_t lo = (uint32_t)knob_get(h, K_PORT_LO), hi = (uint32_t)knob_get(h, K_PORT_HI);
	if (hi < lo)
		return -EINVAL;
	uint32_t n = hi - lo + 1;
	uint32_t off = h->port_hint % n;
	*reuse = NULL;
	for (uint32_t pass = 0; pass < 2; pass++) {
		for (uint32_t i = pass; i < n; i += 2) {
			uint32_t pos = (off + i) % n;
			uint16_t port = (uint16_t)(lo + pos);
			if (host_find_listener(h, port) || host_find_tcb(h, raddr, rport, port))
				continue;
			struct tw *tw = host_find_tw(h, raddr, rport, port);
			if (tw && !tw_reusable(h, tw))
				continue;
			h->port_hint = pos + 2;
			*reuse = tw;
			return port;
		}
	}
	return -EADDRNOTAVAIL;
}

/* ---- processes ----------------------------------------------------------------------------- */

static void proc_event(struct host *h, int pid, const char *action, int sig)
{
	struct fw_event ev = { .ev = FW_EV_PROC, .host = h->idx, .pid = pid,
			       .proc_action = action, .signal = sig };
	world_emit_ev(h->w, &ev);
}

/* The application process that makes a host's system calls, started on first use. */
int host_ensure_proc(struct host *h)
{
	if (h->pid)
		return 0;
	if (!h->up)
		return -EHOSTDOWN;
	const struct fw_env *env = world_env(h->w);
	int pid = env->proc_spawn ? env->proc_spawn(env->ud, h->idx) : ++h->fake_pid;
	if (pid <= 0)
		return pid < 0 ? pid : -EAGAIN;
	h->pid = pid;
	h->proc_exiting = false;
	proc_event(h, pid, "start", 0);
	return 0;
}

int world_kill(struct fw_world *w, int host, int sig)
{
	struct host *h = world_host(w, host);
	if (!h->pid)
		return -ESRCH;
	const struct fw_env *env = world_env(w);
	if (env->proc_kill) {
		int rc = env->proc_kill(env->ud, host, h->pid, sig);
		if (rc < 0)
			return rc;
		h->proc_exiting = true;
		return 1;
	}
	world_proc_exited(w, host, h->pid, sig);
	return 0;
}

void world_proc_exited(struct fw_world *w, int host, int pid, int sig)
{
	struct host *h = world_host(w, host);
	if (!pid || pid != h->pid)
		return;
	proc_event(h, pid, "exit", sig);
	h->pid = 0;
	h->proc_exiting = false;
	if (!h->up)
		return;
	/* The kernel closes the dead process's descriptors, one by one, as close() would. */
	for (;;) {
		struct tcb *t = h->tcbs;
		while (t && !t->has_fd)
			t = t->next;
		if (!t)
			break;
		tcp_close_sock(t);
	}
}

int world_proc_pid(const struct fw_world *w, int host)
{
	return world_host((struct fw_world *)w, host)->pid;
}

/* ---- power --------------------------------------------------------------------------------- */

int world_crash(struct fw_world *w, int host)
{
	struct host *h = world_host(w, host);
	if (!h->up)
		return -EHOSTDOWN;
	h->up = false;
	for (struct tcb *t = h->tcbs; t; t = t->next)
		for (int k = 0; k < FW_NTIMERS; k++)
			tcp_timer_cancel(t, (enum fw_timer)k);
	for (struct tw *tw = h->tws; tw; tw = tw->next)
		heap_remove(world_queue(w), &tw->timer.node);
	struct fw_event ev = { .ev = FW_EV_NOTE, .host = host, .why = "host powered off" };
	world_emit_ev(w, &ev);
	if (h->pid) {
		const struct fw_env *env = world_env(w);
		if (env->proc_kill && env->proc_kill(env->ud, host, h->pid, SIGKILL) == 0)
			h->proc_exiting = true;
		else
			world_proc_exited(w, host, h->pid, SIGKILL);
	}
	return 0;
}

int world_reboot(struct fw_world *w, int host)
{
	struct host *h = world_host(w, host);
	if (h->up)
		world_crash(w, host);
	while (h->tcbs) {
		struct tcb *t = h->tcbs;
		if (!t->hidden && t->state != TCP_CLOSED)
			tcb_set_state(t, TCP_CLOSED, "reboot");
		tcb_free(t);
	}
	while (h->tws)
		tw_free(h->tws, "reboot");
	memset(h->ctr, 0, sizeof h->ctr);
	h->ntw = 0;
	host_set_cur(h, NULL);
	h->up = true;
	struct fw_event ev = { .ev = FW_EV_NOTE, .host = host, .why = "host booted" };
	world_emit_ev(w, &ev);
	return 0;
}

bool world_host_up(const struct fw_world *w, int host)
{
	return world_host((struct fw_world *)w, host)->up;
}

/* ---- what views ask --------------------------------------------------------------------------- */

enum tcp_state world_host_state(const struct fw_world *w, int host)
{
	struct host *h = world_host((struct fw_world *)w, host);
	if (!h->cur) {
		for (struct tcb *t = h->tcbs; t; t = t->next)
			if (t->listener && t->state == TCP_LISTEN)
				return TCP_LISTEN;
		return TCP_CLOSED;
	}
	if (h->cur_tcb && !h->cur_tcb->hidden)
		return h->cur_tcb->state;
	if (h->cur_tw)
		return h->cur_tw->substate;
	return TCP_CLOSED;
}

int world_host_conn(const struct fw_world *w, int host)
{
	return world_host((struct fw_world *)w, host)->cur;
}

int world_host_error(const struct fw_world *w, int host)
{
	struct host *h = world_host((struct fw_world *)w, host);
	return h->cur_tcb ? h->cur_tcb->last_err : h->failed_err;
}

int world_count(const struct fw_world *w, int host, enum tcp_state state)
{
	struct host *h = world_host((struct fw_world *)w, host);
	int n = 0;
	for (struct tcb *t = h->tcbs; t; t = t->next)
		if (!t->hidden && t->state == state)
			n++;
	for (struct tw *tw = h->tws; tw; tw = tw->next)
		if (tw->substate == state)
			n++;
	return n;
}

int64_t world_counter(const struct fw_world *w, int host, const char *name)
{
	struct host *h = world_host((struct fw_world *)w, host);
	for (int i = 0; i < C_NCTRS; i++)
		if (strcmp(ctr_names[i], name) == 0)
			return h->ctr[i];
	return -1;
}

int world_sockets(const struct fw_world *w, int host, struct fw_sock_info *out, int max)
{
	struct host *h = world_host((struct fw_world *)w, host);
	int n = 0;
	for (struct tcb *t = h->tcbs; t; t = t->next) {
		if (t->hidden)
			continue;              /* its TIME_WAIT entry stands for it below */
		if (n++ >= max)
			continue;
		struct fw_sock_info *s = &out[n - 1];
		memset(s, 0, sizeof *s);
		s->conn = t->id;
		s->state = t->state;
		s->orphan = t->orphan;
		s->listener = t->listener;
		s->laddr = t->laddr;
		s->raddr = t->raddr;
		s->lport = t->lport;
		s->rport = t->rport;
		s->snd_una = t->snd_una;
		s->snd_nxt = t->snd_nxt;
		s->rcv_nxt = t->rcv_nxt;
		s->unread = (int)t->rcv.len;
		s->unsent = (int)t->snd.len - (int)(t->snd_nxt - t->snd_una) + (t->fin_sent ? 1 : 0);
		if (s->unsent < 0)
			s->unsent = 0;
		s->retransmits = t->retransmits;
		s->probes = t->probes_out;
		s->rto = t->rto;
		s->budget_end = FW_NEVER;
		if (t->retrans_stamp) {
			bool syn = t->state == TCP_SYN_SENT || t->state == TCP_SYN_RECV;
			int b = syn ? (int)knob_get(h, t->state == TCP_SYN_SENT ? K_SYN_RETRIES : K_SYNACK_RETRIES)
				    : t->orphan ? (knob_get(h, K_ORPHAN_RETRIES) ? (int)knob_get(h, K_ORPHAN_RETRIES) : 8)
						: (int)knob_get(h, K_RETRIES2);
			s->budget_end = t->retrans_stamp +
					tcp_model_timeout(b, syn ? TCP_TIMEOUT_INIT_US : TCP_RTO_MIN_US);
		}
		for (int k = 0; k < FW_NTIMERS; k++)
			s->timer_due[k] = tcp_timer_armed(t, (enum fw_timer)k) ? t->timers[k].node.due : FW_NEVER;
		s->err = t->err;
	}
	for (struct tw *tw = h->tws; tw; tw = tw->next) {
		if (n++ >= max)
			continue;
		struct fw_sock_info *s = &out[n - 1];
		memset(s, 0, sizeof *s);
		s->conn = tw->id;
		s->state = tw->substate;
		s->mini = true;
		s->orphan = true;
		s->laddr = tw->laddr;
		s->raddr = tw->raddr;
		s->lport = tw->lport;
		s->rport = tw->rport;
		s->snd_una = s->snd_nxt = tw->snd_nxt;
		s->rcv_nxt = tw->rcv_nxt;
		s->budget_end = FW_NEVER;
		for (int k = 0; k < FW_NTIMERS; k++)
			s->timer_due[k] = FW_NEVER;
		int k = tw->substate == TCP_TIME_WAIT ? FW_T_TIME_WAIT : FW_T_FIN_WAIT_2;
		if (heap_node_queued(&tw->timer.node))
			s->timer_due[k] = tw->timer.node.due;
	}
	return n;
}

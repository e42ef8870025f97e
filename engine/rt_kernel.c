/*
 * rt_kernel.c: the lab: two real network stacks, their applications, the wire between them,
 * and everything they do, turned into the model's events.
 *
 * Sources of truth, each with its own clock reading (all on kclock_now(), so they merge):
 *
 *   the wire      every segment sent, dropped and received, stamped by the kernel
 *                 (rt_kernel_wire.c); the lab adds connection ids, relative sequence
 *                 numbers, retransmission counts and the model's remarks: a retransmission
 *                 is a segment below the highest sequence number sent so far; it is a
 *                 tail-loss probe when the kernel's TcpExtTCPLossProbes counter moved for it;
 *                 a bare ACK one below that mark is a keepalive probe
 *   diag          each host's sockets, sampled with NETLINK_SOCK_DIAG every 250 us while
 *                 anything moved in the last 300 ms, every 2 ms otherwise; a state is
 *                 reported at the first sample that shows it, so a state that lasts 1 ms or
 *                 more is always seen; timers (rto, keepalive, time_wait, fin_wait_2 as the
 *                 kernel reports them; the delayed-ACK timer is not visible through diag)
 *                 are reported when they appear, move or go
 *   applications  each call's result and when it returned; accepts, connects finished and
 *                 errors the kernel handed out (rt_kernel_app.c); starts and exits (pidfd)
 *   counters      /proc/net/netstat and /proc/net/snmp of each host's namespace, read every
 *                 20 ms; the ones the model notes (aborts, TIME_WAIT overflow, recycling)
 *                 become note events when they move
 *
 * Events are collected and handed to observers in time order about 50 ms after they
 * happened, so that a sample and the segment that explains it come out in order.
 *
 * A host's "current connection" is the model's: the last one its application connected or
 * accepted; its state is that connection's (CLOSED once the kernel has freed it), or LISTEN
 * when it has none and listens.  A crashed host is powered off: the wire cuts it off, its
 * process is killed, and the lab stops looking at it (its namespace's kernel, which cannot
 * be powered off, goes on unobserved) until reboot destroys every socket in it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_kernel.h"

#define KLAB_MAX_SOCKS   256
#define KLAB_FAST_US     250
#define KLAB_SLOW_US     2000
#define KLAB_ACTIVE_US   300000
#define KLAB_LAG_US      50000
#define KLAB_CTR_US      20000
#define KLAB_RTX_SEQS    16
#define KLAB_MAX_LISTEN  8
#define KLAB_NCTR        (int)(sizeof ctr_noted / sizeof ctr_noted[0])
#define KLAB_P_PIDFD     3               /* waitid() on a pidfd (linux/wait.h P_PIDFD) */

/* The counters the model notes when they move (engine/host.c host_count(..., true, ...)). */
static const char *const ctr_noted[] = {
	"TcpExtTCPTimeWaitOverflow", "TcpExtTCPAbortOnTimeout", "TcpExtTCPAbortOnClose",
	"TcpExtTCPAbortOnData", "TcpExtTCPAbortOnLinger", "TcpExtTWRecycled",
};

struct kconn {
	int id;
	uint16_t port[FW_NHOSTS];      /* each host's port */
	bool claimed;                  /* bound to a connect() */
	bool connect_done;             /* its connect() finished */
	int connect_err;
	uint32_t isn[FW_NHOSTS];
	bool isn_known[FW_NHOSTS];
	uint32_t snd_max[FW_NHOSTS];
	bool snd_known[FW_NHOSTS];
	struct {
		uint32_t seq;
		int n;
	} rtx[FW_NHOSTS][KLAB_RTX_SEQS];
	int nrtx[FW_NHOSTS];
	/* what was last reported for each host's socket of it */
	enum tcp_state st[FW_NHOSTS];
	bool seen[FW_NHOSTS];
	int timer[FW_NHOSTS];          /* enum fw_timer or -1 */
	int64_t due[FW_NHOSTS];
	int retrans[FW_NHOSTS];
	bool present[FW_NHOSTS];       /* scratch for one sample */
	struct diag_sock now[FW_NHOSTS];
};

struct kproc {
	struct klab *k;
	int host;
	int pid, pidfd, ctl;
	uv_poll_t ctl_poll, pid_poll;
	int open_handles;
	bool exited;
};

struct khost {
	bool up;
	struct kproc *proc;            /* the running application, NULL */
	int diag;
	int ctr_fd[2];                 /* /proc/net/netstat, /proc/net/snmp */
	int64_t ctr_base[KLAB_NCTR];
	int64_t ctr_last[KLAB_NCTR];
	int64_t loss_probes;
	int cur;                       /* current connection id, 0 */
	bool listening;                /* a listener in the last sample */
	enum tcp_state lst;            /* the listener's state, as last reported */
	int last_err;
	uint8_t recv[KAPP_DATA_MAX];
	size_t recv_len;
	int64_t sent[CMD_SEG_RETRANS + 1];
	uint32_t seen_mask;            /* host states seen since klab_state_mark() */
	uint16_t lports[KLAB_MAX_LISTEN];  /* ports it listened on (to tell its listeners) */
	int nlports;
	int64_t port_range[2];         /* ip_local_port_range as last set */
	struct diag_sock socks[KLAB_MAX_SOCKS];
	int nsocks;
	bool sampled;
};

struct kev {
	struct fw_event ev;
	uint64_t order;
	bool has_seg, has_why, has_text, has_call;
	struct fw_seg seg;
	char why[320];
	char text[256];
	char call[16];
};

struct klab {
	uv_loop_t *loop;
	struct knet net;
	struct khost h[FW_NHOSTS];
	struct kwire *wire;
	int64_t t0;
	struct kconn *conns;
	int nconns, capconns;
	struct {
		fw_observer_fn fn;
		void *ud;
	} obs[8];
	int nobs;
	struct kev *evs;
	int nev, capev;
	uint64_t order;
	int64_t emitted_t;
	int sfd, wfd;                  /* sampler and wake-up timerfds */
	uv_poll_t spoll, wpoll;
	int handles;
	int64_t last_activity;
	int64_t next_ctr;
	int64_t next_sample;
	int64_t dump_cost;             /* how long a sample takes (us, smoothed) */
	bool shared_diag;              /* no namespaces: one socket table for both hosts */
	char why[256];
};

static void klab_sample(struct klab *k);

int64_t klab_now(const struct klab *k)
{
	return kclock_now() - k->t0;
}

static int64_t lab_t(const struct klab *k, int64_t mono)
{
	return mono - k->t0;
}

/* ---- events -------------------------------------------------------------------------------------- */

int klab_observe(struct klab *k, fw_observer_fn fn, void *ud)
{
	if (k->nobs >= 8)
		return -ENOSPC;
	k->obs[k->nobs].fn = fn;
	k->obs[k->nobs].ud = ud;
	k->nobs++;
	return 0;
}

/* A new event at time t (lab time); strings and the segment are copied. */
static struct kev *ev_new(struct klab *k, enum fw_ev kind, int host, int conn, int64_t t)
{
	if (k->nev == k->capev) {
		int cap = k->capev ? k->capev * 2 : 256;
		struct kev *n = realloc(k->evs, (size_t)cap * sizeof *n);
		if (!n)
			return NULL;
		k->evs = n;
		k->capev = cap;
	}
	struct kev *e = &k->evs[k->nev++];
	memset(e, 0, sizeof *e);
	e->ev.t = t;
	e->ev.ev = kind;
	e->ev.host = host;
	e->ev.conn = conn;
	e->order = k->order++;
	return e;
}

static void ev_why(struct kev *e, const char *why)
{
	if (!e || !why)
		return;
	snprintf(e->why, sizeof e->why, "%s", why);
	e->has_why = true;
}

static void ev_text(struct kev *e, const char *text)
{
	if (!e || !text)
		return;
	snprintf(e->text, sizeof e->text, "%s", text);
	e->has_text = true;
}

static int ev_cmp(const void *a, const void *b)
{
	const struct kev *x = a, *y = b;
	if (x->ev.t != y->ev.t)
		return x->ev.t < y->ev.t ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void ev_emit(struct klab *k, struct kev *e)
{
	struct fw_event ev = e->ev;
	if (ev.t < k->emitted_t)
		ev.t = k->emitted_t;   /* never backwards, even for a very late report */
	k->emitted_t = ev.t;
	ev.seg = e->has_seg ? &e->seg : NULL;
	ev.why = e->has_why ? e->why : NULL;
	ev.text = e->has_text ? e->text : NULL;
	ev.call = e->has_call ? e->call : NULL;
	if (ev.ev == FW_EV_PROC) {
		/* a process event keeps its action ("start", "exit") where calls keep their name */
		ev.proc_action = e->has_call ? e->call : "";
		ev.call = NULL;
	}
	for (int i = 0; i < k->nobs; i++)
		k->obs[i].fn(k->obs[i].ud, &ev);
}

/* Hand over every event older than the lag (all of them with all). */
static void ev_flush(struct klab *k, bool all)
{
	if (k->nev == 0)
		return;
	qsort(k->evs, (size_t)k->nev, sizeof k->evs[0], ev_cmp);
	int64_t cut = klab_now(k) - KLAB_LAG_US;
	int i = 0;
	while (i < k->nev && (all || k->evs[i].ev.t <= cut))
		ev_emit(k, &k->evs[i++]);
	memmove(k->evs, k->evs + i, (size_t)(k->nev - i) * sizeof k->evs[0]);
	k->nev -= i;
}

void klab_flush(struct klab *k)
{
	ev_flush(k, true);
}

void klab_emit(struct klab *k, const struct fw_event *in)
{
	struct kev *e = ev_new(k, in->ev, in->host, in->conn, klab_now(k));
	if (!e)
		return;
	int64_t t = e->ev.t;
	uint64_t order = e->order;
	e->ev = *in;
	e->ev.t = t;
	e->order = order;
	e->ev.seg = NULL;
	ev_why(e, in->why);
	ev_text(e, in->text);
	if (in->seg) {
		e->seg = *in->seg;
		e->has_seg = true;
	}
}

static void emit_state(struct klab *k, int host, int conn, enum tcp_state from,
		       enum tcp_state to, int64_t t, const char *why)
{
	struct kev *e = ev_new(k, FW_EV_STATE, host, conn, t);
	if (!e)
		return;
	e->ev.from = from;
	e->ev.to = to;
	ev_why(e, why);
	k->last_activity = kclock_now();
}

static void emit_note(struct klab *k, int host, const char *what, int64_t value)
{
	struct kev *e = ev_new(k, FW_EV_NOTE, host, 0, klab_now(k));
	if (!e)
		return;
	ev_why(e, what);
	e->ev.value = value;
}

/* ---- connections ------------------------------------------------------------------------------------- */

static struct kconn *conn_get(struct klab *k, int id)
{
	return id > 0 && id <= k->nconns ? &k->conns[id - 1] : NULL;
}

static struct kconn *conn_find(struct klab *k, int host, uint16_t mine, uint16_t theirs)
{
	for (int i = k->nconns - 1; i >= 0; i--) {
		struct kconn *c = &k->conns[i];
		if (c->port[host] == mine && c->port[1 - host] == theirs)
			return c;
	}
	return NULL;
}

static struct kconn *conn_new(struct klab *k, int host, uint16_t mine, uint16_t theirs)
{
	if (k->nconns == k->capconns) {
		int cap = k->capconns ? k->capconns * 2 : 16;
		struct kconn *n = realloc(k->conns, (size_t)cap * sizeof *n);
		if (!n)
			return NULL;
		k->conns = n;
		k->capconns = cap;
	}
	struct kconn *c = &k->conns[k->nconns++];
	memset(c, 0, sizeof *c);
	c->id = k->nconns;
	c->port[host] = mine;
	c->port[1 - host] = theirs;
	for (int h = 0; h < FW_NHOSTS; h++) {
		c->st[h] = TCP_CLOSED;
		c->timer[h] = -1;
	}
	return c;
}

static struct kconn *conn_lookup(struct klab *k, int host, uint16_t mine, uint16_t theirs)
{
	struct kconn *c = conn_find(k, host, mine, theirs);
	return c ? c : conn_new(k, host, mine, theirs);
}

/* ---- the wire's reports -------------------------------------------------------------------------------- */

static int64_t counter_value(struct klab *k, int host, const char *name);

/* How many times this segment's sequence space was sent before (0: never). */
static int seg_retrans(struct kconn *c, int from, const struct fw_seg *s)
{
	uint32_t len = seg_seqlen(s);
	if (len == 0)
		return 0;
	if (!c->snd_known[from] || seq_geq(s->seq, c->snd_max[from])) {
		c->snd_known[from] = true;
		c->snd_max[from] = s->seq + len;
		return 0;
	}
	if (seq_gt(s->seq + len, c->snd_max[from]))
		c->snd_max[from] = s->seq + len;
	for (int i = 0; i < c->nrtx[from]; i++) {
		if (c->rtx[from][i].seq == s->seq)
			return ++c->rtx[from][i].n;
	}
	int i = c->nrtx[from] < KLAB_RTX_SEQS ? c->nrtx[from]++ : KLAB_RTX_SEQS - 1;
	c->rtx[from][i].seq = s->seq;
	c->rtx[from][i].n = 1;
	return 1;
}

static void wire_cb(void *ud, const struct kwire_ev *we)
{
	struct klab *k = ud;
	const struct fw_seg *s = we->seg;
	int from = we->from, to = we->to;
	struct kconn *c;

	k->last_activity = kclock_now();
	if (we->ev == FW_EV_SEND && (s->flags & FW_SYN) && !(s->flags & FW_ACK)) {
		/* a SYN with a new ISN on old ports is a new connection (TIME_WAIT reuse) */
		c = conn_find(k, from, s->sport, s->dport);
		if (c && c->isn_known[from] && c->isn[from] != s->seq)
			c = NULL;
		if (!c)
			c = conn_new(k, from, s->sport, s->dport);
	} else {
		c = conn_lookup(k, from, s->sport, s->dport);
	}
	if (!c)
		return;
	if (we->ev == FW_EV_SEND && (s->flags & FW_SYN) && !c->isn_known[from]) {
		c->isn[from] = s->seq;
		c->isn_known[from] = true;
	}

	int host = we->ev == FW_EV_RECV ? to : from;
	struct kev *e = ev_new(k, we->ev, host, c->id, lab_t(k, we->t));
	if (!e)
		return;
	e->seg = *s;
	e->has_seg = true;
	ev_why(e, we->why);
	e->ev.rel = c->isn_known[from] && (!(s->flags & FW_ACK) || c->isn_known[to]);
	e->ev.seq_base = c->isn[from];
	e->ev.ack_base = c->isn[to];
	if (we->ev != FW_EV_SEND)
		return;

	int rt = seg_retrans(c, from, s);
	e->ev.retrans = rt;
	if (rt > 0 && !(s->flags & FW_SYN)) {
		int64_t lp = counter_value(k, from, "TcpExtTCPLossProbes");
		if (lp > k->h[from].loss_probes) {
			ev_why(e, "tlp");
			k->h[from].loss_probes = lp;
		}
	} else if (rt == 0 && s->len == 0 && s->flags == FW_ACK && c->snd_known[from] &&
		   s->seq == c->snd_max[from] - 1) {
		ev_why(e, "keepalive");
	}
	cmd_count_sent(k->h[from].sent, s, rt);
}

/* ---- counters ------------------------------------------------------------------------------------------ */

/* The host's counter files, read once: /proc/net/netstat ("TcpExt: names" then "TcpExt:
 * values") and /proc/net/snmp ("Tcp: ..."), in its namespace. */
struct ctr_snap {
	char text[2][16384];
};

static void ctr_read(struct klab *k, int host, struct ctr_snap *cs)
{
	for (int f = 0; f < 2; f++) {
		int fd = k->h[host].ctr_fd[f];
		ssize_t n = fd >= 0 ? pread(fd, cs->text[f], sizeof cs->text[f] - 1, 0) : -1;
		cs->text[f][n > 0 ? n : 0] = '\0';
	}
}

/* The token [p, end) after skipping blanks; returns its end. */
static const char *token(const char *p, const char *end, const char **start)
{
	while (p < end && *p == ' ')
		p++;
	*start = p;
	while (p < end && *p != ' ')
		p++;
	return p;
}

/* "TcpExtTCPAbortOnClose": the value under the header line "TcpExt:" whose name matches. */
static int64_t ctr_find(const struct ctr_snap *cs, const char *name)
{
	for (int f = 0; f < 2; f++) {
		const char *p = cs->text[f];
		while (*p) {
			const char *e1 = strchr(p, '\n');
			if (!e1)
				break;
			const char *val = e1 + 1, *e2 = strchr(val, '\n');
			if (!e2)
				e2 = val + strlen(val);
			const char *colon = memchr(p, ':', (size_t)(e1 - p));
			const char *vcolon = memchr(val, ':', (size_t)(e2 - val));
			size_t plen = colon ? (size_t)(colon - p) : 0;
			if (colon && vcolon && strncmp(name, p, plen) == 0 && name[plen]) {
				const char *field = name + plen, *h = colon + 1, *v = vcolon + 1, *hs, *vs;
				size_t flen = strlen(field);
				while (h < e1 && v < e2) {
					h = token(h, e1, &hs);
					v = token(v, e2, &vs);
					if ((size_t)(h - hs) == flen && memcmp(hs, field, flen) == 0)
						return strtoll(vs, NULL, 10);
				}
			}
			p = *e2 ? e2 + 1 : e2;
		}
	}
	return -1;
}

static int64_t counter_value(struct klab *k, int host, const char *name)
{
	static struct ctr_snap cs;
	ctr_read(k, host, &cs);
	return ctr_find(&cs, name);
}

static void counters_baseline(struct klab *k, int host)
{
	struct khost *h = &k->h[host];
	for (int i = 0; i < KLAB_NCTR; i++) {
		int64_t v = counter_value(k, host, ctr_noted[i]);
		h->ctr_base[i] = v < 0 ? 0 : v;
		h->ctr_last[i] = h->ctr_base[i];
	}
	int64_t lp = counter_value(k, host, "TcpExtTCPLossProbes");
	h->loss_probes = lp < 0 ? 0 : lp;
}

int64_t klab_counter(struct klab *k, int host, const char *name)
{
	int64_t v = counter_value(k, host, name);
	if (v < 0)
		return -1;
	for (int i = 0; i < KLAB_NCTR; i++)
		if (strcmp(ctr_noted[i], name) == 0)
			return v - k->h[host].ctr_base[i];
	return v;
}

static void counters_note(struct klab *k)
{
	for (int host = 0; host < FW_NHOSTS; host++) {
		struct khost *h = &k->h[host];
		if (!h->up)
			continue;
		static struct ctr_snap cs;
		ctr_read(k, host, &cs);
		for (int i = 0; i < KLAB_NCTR; i++) {
			int64_t v = ctr_find(&cs, ctr_noted[i]);
			if (v > h->ctr_last[i]) {
				h->ctr_last[i] = v;
				emit_note(k, host, ctr_noted[i], v - h->ctr_base[i]);
			}
		}
	}
}

/* ---- processes ------------------------------------------------------------------------------------------- */

static void proc_handle_closed_cb(uv_handle_t *hd)
{
	struct kproc *p = hd->data;
	if (--p->open_handles > 0)
		return;
	close(p->ctl);
	close(p->pidfd);
	p->k->handles--;
	free(p);
}

static void proc_release(struct kproc *p)
{
	if (p->k->h[p->host].proc == p)
		p->k->h[p->host].proc = NULL;
	uv_close((uv_handle_t *)&p->ctl_poll, proc_handle_closed_cb);
	uv_close((uv_handle_t *)&p->pid_poll, proc_handle_closed_cb);
}

static void proc_notice(void *ud, const struct kapp_msg *m)
{
	struct kproc *p = ud;
	struct klab *k = p->k;
	struct khost *h = &k->h[p->host];
	int host = p->host;
	struct kconn *c = m->lport && m->rport ? conn_lookup(k, host, m->lport, m->rport) : NULL;
	int64_t t = lab_t(k, m->t);
	k->last_activity = kclock_now();
	switch (m->kind) {
	case KAPP_ACCEPTED: {
		if (!c)
			return;
		h->cur = c->id;
		h->last_err = 0;
		struct kev *e = ev_new(k, FW_EV_CALL, host, c->id, t);
		if (e) {
			snprintf(e->call, sizeof e->call, "accept");
			e->has_call = true;
		}
		break;
	}
	case KAPP_CONNECTED:
		if (c) {
			c->connect_done = true;
			c->connect_err = -m->result;
		}
		if (m->result < 0) {
			h->last_err = -m->result;
			struct kev *e = ev_new(k, FW_EV_ERROR, host, c ? c->id : 0, t);
			if (e)
				e->ev.err = -m->result;
		}
		break;
	case KAPP_ERROR: {
		if (c && c->id != h->cur)
			return;
		h->last_err = -m->result;
		struct kev *e = ev_new(k, FW_EV_ERROR, host, c ? c->id : 0, t);
		if (e)
			e->ev.err = -m->result;
		break;
	}
	default:
		break;
	}
}

static void proc_exited(struct kproc *p)
{
	struct klab *k = p->k;
	if (p->exited)
		return;
	siginfo_t si;
	memset(&si, 0, sizeof si);
	if (waitid((idtype_t)KLAB_P_PIDFD, (id_t)p->pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
		return;
	p->exited = true;
	/* notices it sent before dying still count */
	struct kapp_msg m;
	while (kapp_read(p->ctl, &m, NULL, 0) == 1)
		if (m.kind != KAPP_REPLY)
			proc_notice(p, &m);
	int sig = si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED ? si.si_status : 0;
	struct kev *e = ev_new(k, FW_EV_PROC, p->host, 0, klab_now(k));
	if (e) {
		e->ev.pid = p->pid;
		e->ev.signal = sig;
		snprintf(e->call, sizeof e->call, "exit");
		e->has_call = true;
	}
	k->last_activity = kclock_now();
	proc_release(p);
	/* the kernel closed its sockets on the way out: look now */
	klab_sample(k);
}

static void pid_cb(uv_poll_t *hd, int status, int events)
{
	(void)status;
	(void)events;
	proc_exited(hd->data);
}

static void ctl_cb(uv_poll_t *hd, int status, int events)
{
	(void)status;
	(void)events;
	struct kproc *p = hd->data;
	struct kapp_msg m;
	for (;;) {
		int rc = kapp_read(p->ctl, &m, NULL, 0);
		if (rc <= 0) {
			if (rc < 0)
				uv_poll_stop(&p->ctl_poll);
			break;
		}
		if (m.kind != KAPP_REPLY)
			proc_notice(p, &m);
	}
}

/* The host's application, started on first use (as the model's host_ensure_proc). */
static struct kproc *proc_ensure(struct klab *k, int host, int *err)
{
	struct khost *h = &k->h[host];
	if (!h->up) {
		*err = -EHOSTDOWN;
		return NULL;
	}
	if (h->proc)
		return h->proc;
	struct kproc *p = calloc(1, sizeof *p);
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	uint32_t me = k->net.ok ? (host == FW_CLIENT ? KNET_CLIENT_ADDR : KNET_SERVER_ADDR)
				: KNET_LOOPBACK;
	uint32_t peer = k->net.ok ? (host == FW_CLIENT ? KNET_SERVER_ADDR : KNET_CLIENT_ADDR)
				  : KNET_LOOPBACK;
	int rc = kapp_spawn(&k->net, host, me, peer, &p->pid, &p->pidfd, &p->ctl);
	if (rc < 0) {
		free(p);
		*err = rc;
		return NULL;
	}
	p->k = k;
	p->host = host;
	uv_poll_init(k->loop, &p->ctl_poll, p->ctl);
	uv_poll_init(k->loop, &p->pid_poll, p->pidfd);
	p->ctl_poll.data = p;
	p->pid_poll.data = p;
	p->open_handles = 2;
	k->handles++;
	uv_poll_start(&p->ctl_poll, UV_READABLE, ctl_cb);
	uv_poll_start(&p->pid_poll, UV_READABLE, pid_cb);
	h->proc = p;
	struct kev *e = ev_new(k, FW_EV_PROC, host, 0, klab_now(k));
	if (e) {
		e->ev.pid = p->pid;
		snprintf(e->call, sizeof e->call, "start");
		e->has_call = true;
	}
	return p;
}

/* ---- application calls ------------------------------------------------------------------------------------- */

/*
 * One call: the request to the host's process and its reply; emits the CALL event (at the
 * instant the call returned) and samples at once, so that the state it caused is seen.
 */
static int app_call(struct klab *k, int host, int op, const char *name, int a, int b, int c,
		    int d, const void *data, size_t len, void *rbuf, size_t rcap, size_t *rlen)
{
	int rc;
	struct kproc *p = proc_ensure(k, host, &rc);
	k->last_activity = kclock_now();
	if (!p) {
		struct kev *e = ev_new(k, FW_EV_CALL, host, 0, klab_now(k));
		if (e) {
			snprintf(e->call, sizeof e->call, "%s", name);
			e->has_call = true;
			e->ev.result = rc;
		}
		return rc;
	}
	struct kapp_msg rq = { .op = op, .a = a, .b = b, .c = c, .d = d }, rep;
	rc = kapp_call(p->ctl, &rq, data, len, &rep, rbuf, rcap, proc_notice, p);
	/* the loop stood still during the call: deliver what fell due meanwhile */
	if (k->wire)
		kwire_drain(k->wire);
	if (rc < 0) {
		rep.result = rc;
		rep.t = kclock_now();
		rep.lport = rep.rport = 0;
		rep.len = 0;
	}
	if (rlen)
		*rlen = rep.len;
	struct kconn *conn = NULL;
	if (rep.lport && rep.rport) {
		conn = conn_find(k, host, rep.lport, rep.rport);
		if (op == KAPP_CONNECT && rep.result >= 0 && (!conn || conn->claimed))
			conn = conn_new(k, host, rep.lport, rep.rport);
		if (!conn)
			conn = conn_lookup(k, host, rep.lport, rep.rport);
	}
	if (op == KAPP_CONNECT && conn && rep.result >= 0) {
		conn->claimed = true;
		k->h[host].cur = conn->id;
		k->h[host].last_err = 0;
	}
	if (rep.result < 0 && op != KAPP_ERRQ) {
		int e = -rep.result;
		if (e == ECONNRESET || e == ETIMEDOUT || e == EPIPE || e == ECONNREFUSED)
			k->h[host].last_err = e;
	}
	struct kev *e = ev_new(k, FW_EV_CALL, host, conn ? conn->id : 0, lab_t(k, rep.t));
	if (e) {
		snprintf(e->call, sizeof e->call, "%s", name);
		e->has_call = true;
		e->ev.result = rep.result;
		if (op == KAPP_RECV && rep.result == 0)
			ev_text(e, "end of stream");
		else if (op == KAPP_SEND && rep.result == -EPIPE)
			ev_text(e, "the process would also get SIGPIPE (sent with MSG_NOSIGNAL)");
		else if (op == KAPP_SEND && rep.result >= 0 && (size_t)rep.result < len)
			ev_text(e, "the rest waits in the application until the socket drains");
		else if (op == KAPP_SHUTDOWN)
			ev_text(e, a == FW_SHUT_RD ? "SHUT_RD" : a == FW_SHUT_WR ? "SHUT_WR" : "SHUT_RDWR");
	}
	klab_sample(k);
	return rep.result;
}

int klab_listen(struct klab *k, int host, uint16_t port)
{
	struct khost *h = &k->h[host];
	int rc = app_call(k, host, KAPP_LISTEN, "listen", port, 0, 0, 0, NULL, 0, NULL, 0, NULL);
	bool known = false;
	for (int i = 0; i < h->nlports; i++)
		known |= h->lports[i] == port;
	if (rc == 0 && !known && h->nlports < KLAB_MAX_LISTEN)
		h->lports[h->nlports++] = port;
	if (rc == 0)
		klab_sample(k);
	return rc;
}

int klab_connect(struct klab *k, int host, uint16_t port)
{
	return app_call(k, host, KAPP_CONNECT, "connect", port, 0, 0, 0, NULL, 0, NULL, 0, NULL);
}

int klab_send(struct klab *k, int host, const void *data, size_t len)
{
	const uint8_t *p = data;
	int total = 0;
	/* one request carries at most KAPP_DATA_MAX bytes; the CALL events show each part */
	do {
		size_t n = len < KAPP_DATA_MAX ? len : KAPP_DATA_MAX;
		int rc = app_call(k, host, KAPP_SEND, "send", 0, 0, 0, 0, p, n, NULL, 0, NULL);
		if (rc < 0)
			return total ? total : rc;
		total += rc;
		p += n;
		len -= n;
	} while (len > 0);
	return total;
}

int klab_recv(struct klab *k, int host, void *buf, size_t cap)
{
	struct khost *h = &k->h[host];
	size_t n = 0;
	int rc = app_call(k, host, KAPP_RECV, "recv", 0, 0, 0, 0, NULL, 0, h->recv, sizeof h->recv,
			  &n);
	h->recv_len = rc > 0 ? n : 0;
	if (buf && rc > 0)
		memcpy(buf, h->recv, n < cap ? n : cap);
	return rc;
}

int klab_close(struct klab *k, int host)
{
	return app_call(k, host, KAPP_CLOSE, "close", 0, 0, 0, 0, NULL, 0, NULL, 0, NULL);
}

int klab_shutdown(struct klab *k, int host, int how)
{
	return app_call(k, host, KAPP_SHUTDOWN, "shutdown", how, 0, 0, 0, NULL, 0, NULL, 0, NULL);
}

int klab_abort(struct klab *k, int host)
{
	return app_call(k, host, KAPP_ABORT, "abort", 0, 0, 0, 0, NULL, 0, NULL, 0, NULL);
}

int klab_keepalive(struct klab *k, int host, bool on, int idle_s, int intvl_s, int cnt)
{
	return app_call(k, host, KAPP_KEEPALIVE, "keepalive", on, idle_s, intvl_s, cnt, NULL, 0, NULL,
			0, NULL);
}

int klab_linger2(struct klab *k, int host, int seconds)
{
	return app_call(k, host, KAPP_LINGER2, "linger2", seconds, 0, 0, 0, NULL, 0, NULL, 0, NULL);
}

int klab_kill(struct klab *k, int host, int sig)
{
	struct kproc *p = k->h[host].proc;
	if (!p || p->exited)
		return -ESRCH;
	if (kill(p->pid, sig) < 0)
		return -errno;
	k->last_activity = kclock_now();
	return 1;
}

/* ---- sampling ------------------------------------------------------------------------------------------------ */

static int diag_timer_kind(const struct diag_sock *s)
{
	switch (s->timer) {
	case DIAG_T_RETRANS:
		return FW_T_RTO;
	case DIAG_T_KEEPALIVE:
		/* the keepalive timer doubles as the long orphan FIN_WAIT_2 timer (FACTS.md 3) */
		return s->state == TCP_FIN_WAIT_2 ? FW_T_FIN_WAIT_2 : FW_T_KEEPALIVE;
	case DIAG_T_TIMEWAIT:
		return s->state == TCP_FIN_WAIT_2 ? FW_T_FIN_WAIT_2 : FW_T_TIME_WAIT;
	default:
		return -1;
	}
}

static void emit_timer(struct klab *k, int host, int conn, int timer, enum fw_timer_action a,
		       int64_t due, int64_t t)
{
	struct kev *e = ev_new(k, FW_EV_TIMER, host, conn, t);
	if (!e)
		return;
	e->ev.timer = (enum fw_timer)timer;
	e->ev.action = a;
	e->ev.due = due;
}

/* A timer seen going (or gone with its socket): fired if it was due, else cancelled. */
static void timer_gone(struct klab *k, int host, struct kconn *c, int64_t t)
{
	if (c->timer[host] < 0)
		return;
	bool fired = t >= c->due[host] - 8000;
	emit_timer(k, host, c->id, c->timer[host], fired ? FW_TA_FIRE : FW_TA_CANCEL, 0, t);
	c->timer[host] = -1;
}

static void timer_update(struct klab *k, int host, struct kconn *c, const struct diag_sock *s,
			 int64_t t)
{
	int kind = s ? diag_timer_kind(s) : -1;
	if (kind < 0) {
		timer_gone(k, host, c, t);
		return;
	}
	int64_t due = t + (int64_t)s->expires_ms * 1000;
	if (kind != c->timer[host]) {
		timer_gone(k, host, c, t);
		c->timer[host] = kind;
		c->due[host] = due;
		emit_timer(k, host, c->id, kind, FW_TA_SET, due, t);
		return;
	}
	/* the same timer, re-armed (expires counts jiffies: allow for their 4 ms); an overdue
	 * one (expires 0: its wheel slot has not come round yet) has not moved */
	if (s->expires_ms > 0 && due > c->due[host] + 12000) {
		if (t >= c->due[host] - 8000)
			emit_timer(k, host, c->id, kind, FW_TA_FIRE, 0, t);
		c->due[host] = due;
		emit_timer(k, host, c->id, kind, FW_TA_SET, due, t);
	}
}

/* Which connection a socket of `host` is (listeners: none). */
static struct kconn *sock_conn(struct klab *k, int host, const struct diag_sock *s)
{
	if (s->kstate == KTCP_LISTEN)
		return NULL;
	/* one socket table for both hosts (no namespaces): only connections we know of */
	if (k->shared_diag)
		return conn_find(k, host, s->sport, s->dport);
	return conn_lookup(k, host, s->sport, s->dport);
}

static enum tcp_state host_state_of(const struct klab *k, int host);

static void sample_host(struct klab *k, int host, int64_t t)
{
	struct khost *h = &k->h[host];
	if (!h->up || h->diag < 0)
		return;
	int n = diag_dump(h->diag, h->socks, KLAB_MAX_SOCKS);
	if (n < 0)
		return;
	h->nsocks = n < KLAB_MAX_SOCKS ? n : KLAB_MAX_SOCKS;
	h->sampled = true;
	for (int i = 0; i < k->nconns; i++)
		k->conns[i].present[host] = false;
	bool listening = false;
	for (int i = 0; i < h->nsocks; i++) {
		const struct diag_sock *s = &h->socks[i];
		if (s->kstate == KTCP_LISTEN) {
			for (int j = 0; j < h->nlports; j++)
				listening |= !k->shared_diag || h->lports[j] == s->sport;
			continue;
		}
		struct kconn *c = sock_conn(k, host, s);
		if (!c)
			continue;
		/* a full socket wins over a TIME_WAIT one on the same ports */
		if (c->present[host] && c->now[host].kstate != KTCP_TIME_WAIT)
			continue;
		c->present[host] = true;
		c->now[host] = *s;
	}
	if (listening != h->listening || (listening && h->lst != TCP_LISTEN) ||
	    (!listening && h->lst == TCP_LISTEN)) {
		enum tcp_state to = listening ? TCP_LISTEN : TCP_CLOSED;
		if (to != h->lst)
			emit_state(k, host, 0, h->lst, to, t, listening ? "listen" : NULL);
		h->lst = to;
		h->listening = listening;
	}
	for (int i = 0; i < k->nconns; i++) {
		struct kconn *c = &k->conns[i];
		if (!c->present[host] && !c->seen[host])
			continue;
		enum tcp_state to = c->present[host] ? c->now[host].state : TCP_CLOSED;
		if (to != c->st[host]) {
			emit_state(k, host, c->id, c->st[host], to, t, NULL);
			c->st[host] = to;
		}
		c->seen[host] = true;
		c->retrans[host] = c->present[host] ? c->now[host].retrans : 0;
		timer_update(k, host, c, c->present[host] ? &c->now[host] : NULL, t);
	}
	h->seen_mask |= 1u << host_state_of(k, host);
}

static void klab_sample(struct klab *k)
{
	int64_t t = klab_now(k), t1 = kclock_now();
	for (int host = 0; host < FW_NHOSTS; host++)
		sample_host(k, host, t);
	int64_t now = kclock_now();
	k->dump_cost += (now - t1 - k->dump_cost) / 8;
	if (now >= k->next_ctr) {
		counters_note(k);
		k->next_ctr = now + KLAB_CTR_US;
	}
}

static void sampler_arm(struct klab *k)
{
	int64_t now = kclock_now();
	int64_t period = now - k->last_activity < KLAB_ACTIVE_US ? KLAB_FAST_US : KLAB_SLOW_US;
	/* where a dump is slow (this machine's whole table, without namespaces), keep the
	 * sampler from eating the CPU: at most a quarter of the time */
	if (period < 4 * k->dump_cost)
		period = 4 * k->dump_cost;
	int64_t next = now + period;
	struct itimerspec its;
	memset(&its, 0, sizeof its);
	its.it_value.tv_sec = next / 1000000;
	its.it_value.tv_nsec = (long)(next % 1000000) * 1000;
	timerfd_settime(k->sfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void sampler_cb(uv_poll_t *hd, int status, int events)
{
	(void)status;
	(void)events;
	struct klab *k = hd->data;
	uint64_t ticks;
	ssize_t r = read(k->sfd, &ticks, sizeof ticks);
	(void)r;
	klab_sample(k);
	ev_flush(k, false);
	sampler_arm(k);
}

static void wake_cb(uv_poll_t *hd, int status, int events)
{
	(void)status;
	(void)events;
	struct klab *k = hd->data;
	uint64_t ticks;
	ssize_t r = read(k->wfd, &ticks, sizeof ticks);
	(void)r;
}

void klab_sync(struct klab *k)
{
	if (k->wire)
		kwire_drain(k->wire);
	for (int host = 0; host < FW_NHOSTS; host++) {
		struct kproc *p = k->h[host].proc;
		if (!p)
			continue;
		ctl_cb(&p->ctl_poll, 0, 0);
		proc_exited(p);
		p = k->h[host].proc;
		if (!p)
			continue;
		/* an error the kernel set a moment ago is the application's now */
		struct kapp_msg rq = { .op = KAPP_ERRQ }, rep;
		kapp_call(p->ctl, &rq, NULL, 0, &rep, NULL, 0, proc_notice, p);
		if (k->wire)
			kwire_drain(k->wire);
	}
	klab_sample(k);
	if (k->wire)
		kwire_drain(k->wire);
}

void klab_run_once(struct klab *k, int64_t until)
{
	int64_t at = k->t0 + until;
	struct itimerspec its;
	memset(&its, 0, sizeof its);
	if (at <= kclock_now())
		at = kclock_now() + 1;
	its.it_value.tv_sec = at / 1000000;
	its.it_value.tv_nsec = (long)(at % 1000000) * 1000;
	timerfd_settime(k->wfd, TFD_TIMER_ABSTIME, &its, NULL);
	uv_run(k->loop, UV_RUN_ONCE);
}

/* ---- what expectations ask -------------------------------------------------------------------------------- */

static enum tcp_state host_state_of(const struct klab *k, int host)
{
	const struct khost *h = &k->h[host];
	const struct kconn *c = conn_get((struct klab *)k, h->cur);
	if (c)
		return c->st[host];
	return h->listening ? TCP_LISTEN : TCP_CLOSED;
}

enum tcp_state klab_host_state(const struct klab *k, int host)
{
	return host_state_of(k, host);
}

int klab_host_conn(const struct klab *k, int host)
{
	return k->h[host].cur;
}

/* connect() has finished, and, if it succeeded, the peer's application has the connection
 * (the model's runner waits as long, RUNNER_W_CONNECT). */
bool klab_connect_done(const struct klab *k, int host)
{
	const struct kconn *c = conn_get((struct klab *)k, k->h[host].cur);
	if (!c)
		return true;
	if (!c->connect_done)
		return false;
	if (c->connect_err)
		return true;
	int peer = 1 - host;
	enum tcp_state ps = c->st[peer];
	return k->h[peer].cur == c->id || (ps != TCP_CLOSED && ps != TCP_SYN_RECV) || !k->h[peer].up;
}

int klab_host_error(const struct klab *k, int host)
{
	return k->h[host].last_err;
}

int klab_count(struct klab *k, int host, enum tcp_state state)
{
	struct khost *h = &k->h[host];
	int n = 0;
	for (int i = 0; i < h->nsocks; i++) {
		const struct diag_sock *s = &h->socks[i];
		if (s->state != state)
			continue;
		if (k->shared_diag && !sock_conn(k, host, s) && s->kstate != KTCP_LISTEN)
			continue;
		n++;
	}
	return n;
}

int klab_proc_pid(const struct klab *k, int host)
{
	const struct kproc *p = k->h[host].proc;
	return p && !p->exited ? p->pid : 0;
}

bool klab_host_up(const struct klab *k, int host)
{
	return k->h[host].up;
}

const uint8_t *klab_recv_data(const struct klab *k, int host, size_t *len)
{
	*len = k->h[host].recv_len;
	return k->h[host].recv;
}

int64_t klab_sent(const struct klab *k, int host, int spec)
{
	return spec >= 0 && spec <= CMD_SEG_RETRANS ? k->h[host].sent[spec] : 0;
}

void klab_mark(struct klab *k)
{
	for (int h = 0; h < FW_NHOSTS; h++)
		memset(k->h[h].sent, 0, sizeof k->h[h].sent);
}

void klab_state_mark(struct klab *k, int host)
{
	k->h[host].seen_mask = 1u << host_state_of(k, host);
}

bool klab_state_seen(const struct klab *k, int host, enum tcp_state st)
{
	return (k->h[host].seen_mask >> st) & 1u;
}

bool klab_idle(const struct klab *k)
{
	if (k->wire && kwire_in_flight(k->wire) > 0)
		return false;
	for (int host = 0; host < FW_NHOSTS; host++) {
		const struct khost *h = &k->h[host];
		if (!h->up)
			continue;
		for (int i = 0; i < h->nsocks; i++)
			if (h->socks[i].timer != DIAG_T_NONE)
				return false;
		const struct kconn *c = conn_get((struct klab *)k, h->cur);
		if (c && c->claimed && !c->connect_done)
			return false;
	}
	return true;
}

void klab_host_view(const struct klab *k, int host, struct kernel_host_view *out)
{
	const struct khost *h = &k->h[host];
	const struct kconn *c = conn_get((struct klab *)k, h->cur);
	memset(out, 0, sizeof *out);
	out->valid = h->sampled || h->proc;
	out->up = h->up;
	out->pid = klab_proc_pid(k, host);
	out->state = host_state_of(k, host);
	out->conn = h->cur;
	out->timer = -1;
	out->err = h->last_err;
	if (c && c->timer[host] >= 0) {
		out->timer = c->timer[host];
		int64_t left = c->due[host] - klab_now(k);
		out->timer_left_us = left > 0 ? left : 0;
		out->retrans = c->retrans[host];
	}
}

/* ---- power, faults, knobs ------------------------------------------------------------------------------------ */

int klab_crash(struct klab *k, int host)
{
	struct khost *h = &k->h[host];
	if (!k->wire)
		return -ENOTSUP;
	if (!h->up)
		return -EHOSTDOWN;
	klab_sync(k);
	kwire_set_down(k->wire, host, true);
	h->up = false;
	emit_note(k, host, "host powered off", 0);
	if (h->proc && !h->proc->exited)
		kill(h->proc->pid, SIGKILL);
	return 0;
}

static int destroy_all(struct klab *k, int host)
{
	struct khost *h = &k->h[host];
	int n = diag_dump(h->diag, h->socks, KLAB_MAX_SOCKS);
	if (n < 0)
		return n;
	if (n > KLAB_MAX_SOCKS)
		n = KLAB_MAX_SOCKS;
	int rc = 0;
	for (int i = 0; i < n; i++) {
		int r = diag_destroy(h->diag, &h->socks[i]);
		if (r < 0 && r != -ENOENT)
			rc = r;
	}
	h->nsocks = 0;
	return rc;
}

int klab_reboot(struct klab *k, int host)
{
	struct khost *h = &k->h[host];
	if (!k->wire)
		return -ENOTSUP;
	if (h->up)
		klab_crash(k, host);
	/* the process must be gone before its sockets can all be destroyed */
	int64_t end = kclock_now() + FW_SEC(5);
	while (h->proc && kclock_now() < end)
		klab_run_once(k, klab_now(k) + 10000);
	int rc = destroy_all(k, host);
	kwire_drain(k->wire);       /* what the dying sockets sent vanishes with the host */
	int64_t t = klab_now(k);
	for (int i = 0; i < k->nconns; i++) {
		struct kconn *c = &k->conns[i];
		if (c->seen[host] && c->st[host] != TCP_CLOSED) {
			timer_gone(k, host, c, t);
			emit_state(k, host, c->id, c->st[host], TCP_CLOSED, t, "reboot");
			c->st[host] = TCP_CLOSED;
		}
	}
	if (h->lst != TCP_CLOSED)
		emit_state(k, host, 0, h->lst, TCP_CLOSED, t, "reboot");
	h->lst = TCP_CLOSED;
	h->listening = false;
	h->cur = 0;
	h->last_err = 0;
	counters_baseline(k, host);
	h->up = true;
	kwire_set_down(k->wire, host, false);
	emit_note(k, host, "host booted", 0);
	klab_sample(k);
	return rc;
}

int klab_fault_add(struct klab *k, const struct fw_fault *f, char *why, size_t cap)
{
	if (!k->wire) {
		snprintf(why, cap, "faults need a private network namespace: %s", k->why);
		return -ENOTSUP;
	}
	return kwire_fault_add(k->wire, f);
}

void klab_fault_clear(struct klab *k)
{
	if (k->wire)
		kwire_fault_clear(k->wire);
}

int klab_set_knob(struct klab *k, int host, const struct fw_knob *knob, int64_t value,
		  char *why, size_t cap)
{
	if (strcmp(knob->name, "time_wait_len") == 0) {
		snprintf(why, cap, "Linux's TIME_WAIT is fixed at 60 s (TCP_TIMEWAIT_LEN): no knob");
		return -ENOTSUP;
	}
	if (!k->net.ok) {
		snprintf(why, cap, "%s needs a private network namespace (it would change this "
			 "machine's settings): %s", knob->name, k->why);
		return -ENOTSUP;
	}
	if (strcmp(knob->name, "latency") == 0) {
		kwire_set_latency(k->wire, host, value);
		return 0;
	}
	for (int h = 0; h < FW_NHOSTS; h++) {
		if (host >= 0 && host != h)
			continue;
		char path[96], val[48];
		if (strcmp(knob->name, "ip_local_port_min") == 0 ||
		    strcmp(knob->name, "ip_local_port_max") == 0) {
			int64_t *r = k->h[h].port_range;
			r[strcmp(knob->name, "ip_local_port_max") == 0] = value;
			snprintf(path, sizeof path, "net/ipv4/ip_local_port_range");
			snprintf(val, sizeof val, "%lld %lld", (long long)r[0], (long long)r[1]);
		} else {
			snprintf(path, sizeof path, "net/ipv4/%s", knob->name);
			snprintf(val, sizeof val, "%lld", (long long)value);
		}
		int rc = knet_sysctl(&k->net, h, path, val);
		if (rc < 0) {
			snprintf(why, cap, "the kernel refused %s = %s: %s", path, val, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* ---- making and ending a lab ------------------------------------------------------------------------------------ */

bool klab_private(const struct klab *k)
{
	return k->net.ok;
}

const char *klab_why(const struct klab *k)
{
	return k->why;
}

static int open_diag_ctrs(void *arg, int *fds)
{
	(void)arg;
	fds[0] = diag_open();
	if (fds[0] < 0)
		return fds[0];
	fds[1] = open("/proc/self/net/netstat", O_RDONLY | O_CLOEXEC);
	fds[2] = open("/proc/self/net/snmp", O_RDONLY | O_CLOEXEC);
	if (fds[1] < 0 || fds[2] < 0) {
		int e = -errno;
		for (int i = 0; i < 3; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		return e;
	}
	return 3;
}

static void timerfd_poll(struct klab *k, int *fd, uv_poll_t *p, uv_poll_cb cb)
{
	*fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	uv_poll_init(k->loop, p, *fd);
	p->data = k;
	uv_poll_start(p, UV_READABLE, cb);
	k->handles++;
}

struct klab *klab_new(uv_loop_t *loop, const struct klab_opts *o, char *err, size_t cap)
{
	struct klab *k = calloc(1, sizeof *k);
	if (!k) {
		snprintf(err, cap, "out of memory");
		return NULL;
	}
	k->loop = loop;
	for (int h = 0; h < FW_NHOSTS; h++) {
		k->h[h].up = true;
		k->h[h].diag = -1;
		k->h[h].ctr_fd[0] = k->h[h].ctr_fd[1] = -1;
		k->h[h].lst = TCP_CLOSED;
		k->h[h].port_range[0] = 32768;
		k->h[h].port_range[1] = 60999;
	}
	if (o && o->no_netns) {
		memset(&k->net, 0, sizeof k->net);
		k->net.userns_fd = -1;
		for (int i = 0; i < KNS_N; i++)
			k->net.ns[i] = -1;
		snprintf(k->why, sizeof k->why, "private namespaces turned off");
	} else if (knet_create(&k->net) < 0) {
		snprintf(k->why, sizeof k->why, "%s", k->net.why);
	}
	int rc = 0;
	if (k->net.ok) {
		for (int h = 0; h < FW_NHOSTS && rc >= 0; h++) {
			int fds[4];
			rc = knet_open(&k->net, h, open_diag_ctrs, NULL, fds);
			if (rc == 3) {
				k->h[h].diag = fds[0];
				k->h[h].ctr_fd[0] = fds[1];
				k->h[h].ctr_fd[1] = fds[2];
			}
		}
		int socks[4];
		if (rc >= 0)
			rc = knet_open(&k->net, KNS_WIRE, kwire_open_sockets, NULL, socks);
		if (rc == 2) {
			k->wire = kwire_new(loop, socks, wire_cb, k, &rc);
		}
		if (rc < 0 || !k->wire) {
			snprintf(err, cap, "setting up the namespaces' sockets: %s",
				 strerror(rc < 0 ? -rc : EIO));
			klab_free(k);
			return NULL;
		}
	} else {
		/* one socket table (this machine's), read by both hosts */
		int fds[4];
		rc = open_diag_ctrs(NULL, fds);
		if (rc < 0) {
			snprintf(err, cap, "cannot read the kernel's sockets (NETLINK_SOCK_DIAG): %s",
				 strerror(-rc));
			free(k);
			return NULL;
		}
		k->shared_diag = true;
		k->h[FW_CLIENT].diag = fds[0];
		k->h[FW_SERVER].diag = dup(fds[0]);
		k->h[FW_CLIENT].ctr_fd[0] = fds[1];
		k->h[FW_CLIENT].ctr_fd[1] = fds[2];
		k->h[FW_SERVER].ctr_fd[0] = dup(fds[1]);
		k->h[FW_SERVER].ctr_fd[1] = dup(fds[2]);
	}
	for (int h = 0; h < FW_NHOSTS; h++)
		counters_baseline(k, h);
	timerfd_poll(k, &k->sfd, &k->spoll, sampler_cb);
	timerfd_poll(k, &k->wfd, &k->wpoll, wake_cb);
	k->t0 = kclock_now();
	k->last_activity = k->t0;
	k->next_ctr = k->t0;
	sampler_arm(k);
	return k;
}

static void lab_handle_closed_cb(uv_handle_t *hd)
{
	struct klab *k = hd->data;
	k->handles--;
}

void klab_free(struct klab *k)
{
	if (!k)
		return;
	for (int h = 0; h < FW_NHOSTS; h++) {
		struct kproc *p = k->h[h].proc;
		if (!p)
			continue;
		kill(p->pid, SIGKILL);
		siginfo_t si;
		waitid((idtype_t)KLAB_P_PIDFD, (id_t)p->pidfd, &si, WEXITED);
		p->exited = true;
		proc_release(p);
	}
	if (k->wire)
		kwire_shutdown(k->wire);
	if (k->sfd > 0) {
		uv_close((uv_handle_t *)&k->spoll, lab_handle_closed_cb);
		uv_close((uv_handle_t *)&k->wpoll, lab_handle_closed_cb);
	}
	while (k->handles > 0 || (k->wire && kwire_handles(k->wire) > 0))
		uv_run(k->loop, UV_RUN_ONCE);
	kwire_free(k->wire);
	if (k->sfd > 0) {
		close(k->sfd);
		close(k->wfd);
	}
	for (int h = 0; h < FW_NHOSTS; h++) {
		if (k->h[h].diag >= 0)
			close(k->h[h].diag);
		for (int i = 0; i < 2; i++)
			if (k->h[h].ctr_fd[i] >= 0)
				close(k->h[h].ctr_fd[i]);
	}
	knet_destroy(&k->net);
	free(k->conns);
	free(k->evs);
	free(k);
}

/*
 * tcp.h: the model's insides, shared by world.c, host.c, link.c and the tcp*.c files.
 *
 * A host is a kernel: a list of full sockets (struct tcb), a TIME_WAIT table of small entries
 * (struct tw, as Linux's inet_timewait_sock: just enough to re-ACK a FIN and to answer a new
 * SYN), its sysctls, its counters and the application process that owns descriptors.
 * The TCP core is split by direction, like lwIP: tcp.c (lifecycle and the system calls),
 * tcp_in.c (segment arrival, RFC 9293 §3.10.7), tcp_out.c (building and sending segments),
 * tcp_timer.c (retransmission, delayed ACK, keepalive, FIN_WAIT_2, TIME_WAIT).
 * Nothing here is visible outside engine/; views use world.h.
 */
#ifndef FW_TCP_H
#define FW_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heap.h"
#include "world.h"

/* Linux constants (FACTS.md "Model defaults" and items 1, 2, 12). */
#define TCP_RTO_MIN_US      200000      /* TCP_RTO_MIN = HZ/5 */
#define TCP_RTO_MAX_US      120000000   /* TCP_RTO_MAX = 120 s */
#define TCP_TIMEOUT_INIT_US 1000000     /* before any RTT sample (RFC 6298 §2.1) */
#define TCP_ATO_MIN_US      40000       /* TCP_ATO_MIN = TCP_DELACK_MIN = HZ/25 */
#define TCP_DELACK_MAX_US   200000
#define TCP_JIFFY_US        4000        /* "next jiffy" at HZ=250: the ACK of a FIN when ato is 0 */
#define TCP_FIN_TIMEOUT_MAX 120         /* TCP_LINGER2 is clamped to this (seconds) */
#define TCP_WINDOW          65535
#define TCP_QUICKACKS       16          /* quick-ACK segments at the start of a connection */

/* Knob indices; the table with names and defaults is in knob.c. */
enum knob {
	K_FIN_TIMEOUT, K_ORPHAN_RETRIES, K_RETRIES2, K_SYN_RETRIES, K_SYNACK_RETRIES,
	K_KA_TIME, K_KA_INTVL, K_KA_PROBES, K_MAX_TW, K_TW_REUSE, K_TIMESTAMPS, K_RFC1337,
	K_PORT_LO, K_PORT_HI, K_LATENCY, K_TW_LEN, K_NKNOBS
};

/* Counters (nstat names), in counters order; names in host.c. */
enum ctr {
	C_TW_OVERFLOW, C_ABORT_ON_TIMEOUT, C_ABORT_ON_CLOSE, C_ABORT_ON_DATA, C_ABORT_ON_LINGER,
	C_OUT_RSTS, C_RETRANS_SEGS, C_LOSS_PROBES, C_KEEPALIVE, C_TW, C_TW_RECYCLED,
	C_ACTIVE_OPENS, C_PASSIVE_OPENS, C_FOREIGN, C_NCTRS
};

struct fw_world;
struct host;

/* A growable byte queue: the send queue from snd_una, and the receive queue. */
struct bytes {
	uint8_t *p;
	size_t len, cap;
};

/* One pending thing in the world's queue: a socket timer or a segment in flight. */
enum qkind { Q_TCB, Q_TW, Q_FLIGHT, Q_CROWD };
struct qitem {
	struct heap_node node;         /* first member: the heap hands back this pointer */
	enum qkind kind;
	int timer;                     /* enum fw_timer for Q_TCB / Q_TW */
	void *owner;
};

struct tcb {
	struct host *h;
	int id;                        /* connection id, shared with the peer's end */
	enum tcp_state state;
	uint32_t laddr, raddr;
	uint16_t lport, rport;

	bool listener;
	int backlog;
	struct tcb *parent;            /* the listener of a passively opened socket */
	bool has_fd;                   /* the application holds a descriptor for it */
	bool orphan;                   /* SOCK_DEAD: close()d or its process died */
	bool hidden;                   /* handed over to a TIME_WAIT entry; kept only for its fd */
	bool closed_app;               /* close() was called: sk_shutdown = SHUTDOWN_MASK */
	bool rd_shut, wr_shut;         /* shutdown() directions */

	/* RFC 9293 §3.3.1 send and receive sequence variables. */
	uint32_t iss, snd_una, snd_nxt, snd_wnd;
	uint32_t irs, rcv_nxt;
	struct bytes snd;              /* bytes from snd_una on: sent-unacked, then unsent */
	struct bytes rcv;              /* received, not yet read */
	bool fin_sent;                 /* our FIN occupies fin_seq */
	uint32_t fin_seq;
	bool rcvd_fin;
	uint16_t mss;

	/* Timestamps (RFC 7323). */
	bool ts_ok;
	uint32_t ts_off, ts_recent;
	int64_t ts_recent_stamp;

	/* RTT estimation and retransmission (FACTS.md item 2). */
	int64_t srtt8, mdev4, mdev_max, rttvar, rto;
	uint32_t rtt_seq;              /* sequence being timed (Karn: never a retransmission) */
	int64_t rtt_start;             /* 0 when nothing is being timed */
	uint32_t rtt_epoch_seq;        /* Linux's rtt_seq: when rttvar may decay */
	int retransmits;               /* RTO expiries for the current head */
	int64_t retrans_stamp;         /* first transmission time of the head, once retransmitted */
	struct {                       /* first transmission times of segments in flight */
		uint32_t end;
		int64_t t;
	} sent[32];
	int nsent;
	int resends;                   /* retransmissions (TLP included) of the current head */
	bool tlp_armed, tlp_done;

	/* Delayed ACK (FACTS.md item 12). */
	bool ack_pending;
	bool pingpong;
	int64_t ato;                   /* 0 until data has been received */
	int quick;                     /* quick-ACKs left */
	int64_t lrcvtime;

	/* Keepalive (FACTS.md item 11). */
	bool ka_on;
	int ka_idle, ka_intvl, ka_cnt; /* per-socket overrides, 0 = the sysctl */
	int probes_out;
	int64_t last_rcv;

	bool linger0;                  /* SO_LINGER {1, 0} */
	int linger2;                   /* TCP_LINGER2 seconds, 0 = tcp_fin_timeout */
	int err;                       /* sk_err for the application, positive errno */
	int last_err;                  /* the last error ever handed up (for expectations) */

	struct qitem timers[FW_NTIMERS];
	struct tcb *next;
	struct tcb *hnext;             /* the host's 4-tuple hash chain */
	bool hashed;

	/* A crowd connection's application (app.c). */
	bool crowd;
	bool app_opener;               /* the side that connected */
	bool app_sent;                 /* request (client) or response (server) written */
	int app_read;                  /* bytes read so far */
};

/* A TIME_WAIT table entry (Linux's inet_timewait_sock): TIME_WAIT, or an orphaned
 * FIN_WAIT_2 (tw_substate FIN_WAIT2, FACTS.md item 3). */
struct tw {
	struct host *h;
	int id;
	enum tcp_state substate;       /* TCP_TIME_WAIT or TCP_FIN_WAIT_2 */
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint32_t snd_nxt, rcv_nxt, iss, irs;
	bool ts_ok;
	uint32_t ts_off, ts_recent;
	int64_t ts_recent_stamp;       /* when ts_recent was taken; 0 = no timestamps seen */
	int64_t entered;
	struct qitem timer;
	struct tw *next, **pprev;      /* the host's list, unlinked in O(1) */
	struct tw *hnext;
};

#define HOST_HASH 16384                 /* 4-tuple hash buckets: crowds of thousands stay fast */

struct host {
	struct fw_world *w;
	int idx;                       /* FW_CLIENT / FW_SERVER */
	uint32_t addr;
	bool up;
	struct tcb *tcbs;
	struct tw *tws;
	int ntw;                       /* entries in the TIME_WAIT table (both substates) */
	int64_t knob[K_NKNOBS];
	int64_t ctr[C_NCTRS];
	int pid;                       /* application process, 0 when none */
	bool proc_exiting;             /* a kill is on its way */
	int fake_pid;                  /* pids handed out without a runtime */
	int cur;                       /* current connection id (connected or accepted) */
	struct tcb *cur_tcb;           /* its full socket, if it has one */
	struct tw *cur_tw;             /* its TIME_WAIT entry, if it has one */
	int failed_err;                /* a connect() that failed before making a socket */
	struct {                       /* the crowd this host is opening (app.c) */
		struct fw_crowd c;
		int started;
		struct qitem q;
	} crowd;
	struct tcb *listeners[16];     /* also on tcbs; kept apart so lookups skip crowds */
	int nlisteners;
	struct tcb *tcb_hash[HOST_HASH];
	struct tw *tw_hash[HOST_HASH];
	uint32_t port_hint;            /* where the next ephemeral port search starts */
};

/* world.c: emitting, scheduling, the wire */
void world_emit_ev(struct fw_world *w, struct fw_event *ev);
uint64_t world_seq(struct fw_world *w);
struct heap *world_queue(struct fw_world *w);
struct host *world_host(struct fw_world *w, int idx);
int world_new_conn(struct fw_world *w, uint32_t caddr, uint16_t cport, uint32_t saddr, uint16_t sport);
int world_find_conn(struct fw_world *w, uint32_t a1, uint16_t p1, uint32_t a2, uint16_t p2);
void world_conn_isn(struct fw_world *w, int id, int host, uint32_t isn);
uint64_t world_hash(const struct fw_world *w, uint64_t x);
const struct fw_env *world_env(const struct fw_world *w);
/* Hand a segment to the link (faults, latency) and the wire.  `retrans`/`why` describe it. */
void world_xmit(struct fw_world *w, struct host *from, int conn, const struct fw_seg *s,
		int retrans, const char *why);
/* Fill ev->rel/seq_base/ack_base for a segment of connection `conn` sent by host `from`. */
void world_seq_bases(struct fw_world *w, int conn, int from, struct fw_event *ev);

/* link.c */
struct link;
struct link *link_new(void);
void link_free(struct link *l);
int link_add(struct link *l, const struct fw_fault *f);
void link_clear(struct link *l);
/* Decide a segment's fate.  Returns the number of copies to deliver (0 = dropped, 2 =
 * duplicated) and the extra delay; *why names the rule that acted (NULL if none);
 * *reorder is set when the copy must be held back until the next segment that way. */
/* A close already under way when `drop wave N` is given: how far it got. */
struct link_wave {
	int closer;
	uint16_t port[2];              /* the closer's port, the other's */
	uint32_t fin1_end, fin2_end;
	bool seen2, seen3, seen4;
};
void link_wave_seed(struct link *l, const struct link_wave *wv);
int link_judge(struct link *l, int from, const struct fw_seg *s, int64_t *extra,
	       const char **why, bool *reorder);

/* host.c */
void host_init(struct host *h, struct fw_world *w, int idx, uint32_t addr);
void host_free_all(struct host *h);
void host_count(struct host *h, enum ctr c, bool note, int conn);
struct tcb *host_find_tcb(struct host *h, uint32_t raddr, uint16_t rport, uint16_t lport);
struct tw *host_find_tw(struct host *h, uint32_t raddr, uint16_t rport, uint16_t lport);
struct tcb *host_find_listener(struct host *h, uint16_t lport);
int host_ensure_proc(struct host *h);
int host_pick_port(struct host *h, uint32_t raddr, uint16_t rport, struct tw **reuse);
struct tcb *host_cur_tcb(struct host *h);
void host_set_cur(struct host *h, struct tcb *t);
void host_hash_tcb(struct tcb *t);
void host_unhash_tcb(struct tcb *t);
void host_hash_tw(struct tw *tw);
void host_unhash_tw(struct tw *tw);
int64_t knob_get(const struct host *h, enum knob k);
void knob_defaults(int64_t *v);

/* app.c */
bool app_react(struct tcb *t);          /* a crowd socket's application acts; true if t is gone */
void app_crowd_fire(struct host *h);
void world_conn_set_crowd(struct fw_world *w, int id);

/* tcp.c */
struct tcb *tcp_connect(struct host *h, uint16_t port, bool crowd, int *err);
struct tcb *tcb_new(struct host *h);
void tcb_free(struct tcb *t);
void tcb_set_state(struct tcb *t, enum tcp_state to, const char *why);
void tcb_error(struct tcb *t, int err);
void tcp_done(struct tcb *t, const char *why);
bool tcp_close_sock(struct tcb *t);     /* close() of one descriptor; true if t is gone */
/* The system calls on one socket, each reported as a CALL event. */
int sock_send(struct tcb *t, const void *data, size_t len);
int sock_recv(struct tcb *t, void *buf, size_t cap);
bool sock_close(struct tcb *t);
void tcp_time_wait(struct tcb *t, enum tcp_state substate, int64_t tmo);
void tw_free(struct tw *tw, const char *why);
int64_t tcp_fin_time(const struct tcb *t);
uint32_t tcp_isn(struct host *h, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport);
uint32_t tcp_ts_now(const struct host *h, uint32_t off);

/* tcp_in.c */
void tcp_input(struct host *h, const struct fw_seg *s);

/* tcp_out.c */
void tcp_output(struct tcb *t);                       /* send what the window allows */
void tcp_send_ack(struct tcb *t);
void tcp_send_rst_tcb(struct tcb *t);                 /* active reset of a connection */
void tcp_send_rst_reply(struct host *h, const struct fw_seg *in, int conn);
void tcp_send_syn(struct tcb *t, int retrans);
void tcp_retransmit_head(struct tcb *t, const char *why);
void tw_send_ack(struct tw *tw);
void tcp_seg_init(const struct tcb *t, struct fw_seg *s, uint8_t flags);

/* tcp_timer.c */
void tcp_timer_set(struct tcb *t, enum fw_timer k, int64_t due);
void tcp_timer_cancel(struct tcb *t, enum fw_timer k);
bool tcp_timer_armed(const struct tcb *t, enum fw_timer k);
void tcp_timer_fire(struct tcb *t, enum fw_timer k);
void tw_timer_set(struct tw *tw, int64_t due);
void tw_timer_fire(struct tw *tw);
void tcp_rearm_rto(struct tcb *t);
void tcp_schedule_ack(struct tcb *t, bool now);
void tcp_rtt_sample(struct tcb *t, int64_t m);
int64_t tcp_rto_from_rtt(const struct tcb *t);
void tcp_keepalive_arm(struct tcb *t);
int64_t tcp_model_timeout(int boundary, int64_t rto_base);
int64_t tcp_wheel_due(int64_t now, int64_t due);

/* bytes */
int bytes_append(struct bytes *b, const void *p, size_t n);
void bytes_consume(struct bytes *b, size_t n);
void bytes_free(struct bytes *b);

#endif

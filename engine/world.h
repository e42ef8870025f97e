/*
 * world.h: the model's public face: two hosts, the link between them, and virtual time.
 *
 * A world is pure and deterministic: it never reads a clock, never sleeps and does no I/O.
 * Time is an argument (microseconds); everything that happens is reported to observers as
 * struct fw_event (event.h).  Given the same calls it produces the same events.
 *
 * Pending work (timers, segments in flight) sits in one queue ordered by (due time, sequence
 * number).  The driver (a headless runner, the libuv runtime, a test) asks world_next_due()
 * and calls world_step() to process the earliest item, or world_advance() to let time pass.
 *
 * Segments travel through a wire.  The default wire is in memory; the runtime installs one
 * that sends each segment as a real datagram (struct fw_env below).  A segment is processed
 * only once its bytes have arrived (world_wire_arrived), so a driver that steps past a
 * delivery whose datagram is still on the way is told so (world_step returns FW_STEP_BLOCKED).
 *
 * Application calls (world_listen, world_connect, ...) are the system calls of a host's
 * application process; they return 0 (or a byte count) or a negative errno, and emit a CALL
 * event.  A process that exits has its descriptors closed by its kernel (FACTS.md item 16).
 */
#ifndef FW_WORLD_H
#define FW_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct fw_world;

#define FW_US(x)   ((int64_t)(x))
#define FW_MS(x)   ((int64_t)(x) * 1000)
#define FW_SEC(x)  ((int64_t)(x) * 1000000)
#define FW_NEVER   INT64_MAX

/* Host addresses in the model (what the pcap and the trace show). */
#define FW_CLIENT_ADDR 0x0a000001u  /* 10.0.0.1 */
#define FW_SERVER_ADDR 0x0a000002u  /* 10.0.0.2 */

/*
 * The environment a world runs in.  All members are optional; NULL means the pure default:
 * an in-memory wire (bytes arrive at once), fake pids, and kill() taking effect at once.
 */
struct fw_env {
	void *ud;
	/* Carry len bytes of flight `id` from host `from` to host `to`; the env later calls
	 * world_wire_arrived(w, id, bytes, len).  Return 0, or -errno if it could not send. */
	int (*wire_send)(void *ud, uint32_t id, int from, int to, const uint8_t *bytes, size_t len);
	/* Start the application process of `host`; return its pid (> 0) or -errno. */
	int (*proc_spawn)(void *ud, int host);
	/* Send signal `sig` to the host's process `pid`.  The env reports the exit later with
	 * world_proc_exited().  Return 0 or -errno. */
	int (*proc_kill)(void *ud, int host, int pid, int sig);
};

struct fw_world *world_new(uint64_t seed);
void world_free(struct fw_world *w);
void world_set_env(struct fw_world *w, const struct fw_env *env);

/* Observers see every event, in order; at most 8. */
int world_observe(struct fw_world *w, fw_observer_fn fn, void *ud);
void world_unobserve(struct fw_world *w, fw_observer_fn fn, void *ud);

/* Emit an event from outside the model (narration, expectations): stamped with now. */
void world_emit(struct fw_world *w, const struct fw_event *ev);

/* ---- time ---------------------------------------------------------------------------- */
int64_t world_now(const struct fw_world *w);
/* Due time of the earliest pending item, or FW_NEVER. */
int64_t world_next_due(const struct fw_world *w);
/* True when nothing is pending at all (no timer, no segment in flight). */
bool world_idle(const struct fw_world *w);

enum fw_step { FW_STEP_DONE, FW_STEP_IDLE, FW_STEP_BLOCKED };
/* Process the earliest pending item (advancing now to its due time).  FW_STEP_IDLE if there
 * is none; FW_STEP_BLOCKED if it is a delivery whose bytes have not arrived yet (now is then
 * its due time and nothing was processed). */
enum fw_step world_step(struct fw_world *w);
/* Process every item due at or before t, then set now = t.  Returns FW_STEP_BLOCKED (with
 * now at the blocked delivery's due time) if a delivery's bytes have not arrived. */
enum fw_step world_advance(struct fw_world *w, int64_t t);

/* The wire hands over the bytes of flight `id`.  Unknown ids are ignored (counted as foreign). */
void world_wire_arrived(struct fw_world *w, uint32_t id, const uint8_t *bytes, size_t len);
/* A datagram that is not ours reached a host's wire endpoint: counted and reported. */
void world_wire_foreign(struct fw_world *w, int host, const char *what);

/* ---- application calls (the host's application process) -------------------------------- */
int world_listen(struct fw_world *w, int host, uint16_t port);
int world_connect(struct fw_world *w, int host, uint16_t port);
int world_send(struct fw_world *w, int host, const void *data, size_t len);
/* Non-blocking read of what has arrived: bytes read, 0 at end of stream, -EAGAIN if none. */
int world_recv(struct fw_world *w, int host, void *buf, size_t cap);
int world_close(struct fw_world *w, int host);
enum { FW_SHUT_RD = 1, FW_SHUT_WR = 2, FW_SHUT_RDWR = 3 };
int world_shutdown(struct fw_world *w, int host, int how);
/* SO_LINGER {1,0} then close(): RST (FACTS.md item 6). */
int world_abort(struct fw_world *w, int host);
/* SO_KEEPALIVE with TCP_KEEPIDLE / TCP_KEEPINTVL (seconds) / TCP_KEEPCNT; 0 = the sysctl. */
int world_keepalive(struct fw_world *w, int host, bool on, int idle_s, int intvl_s, int cnt);
/* TCP_LINGER2 in seconds (0 = tcp_fin_timeout, clamped to 120, negative = RST). */
int world_linger2(struct fw_world *w, int host, int seconds);

/* ---- processes and hosts --------------------------------------------------------------- */
/* Signal the host's application process.  Returns 1 if the exit is pending (the env will
 * call world_proc_exited), 0 if it took effect at once, or -errno (-ESRCH: no process). */
int world_kill(struct fw_world *w, int host, int sig);
/* The env saw the process exit (killed by `sig`, or 0).  Its kernel closes its descriptors. */
void world_proc_exited(struct fw_world *w, int host, int pid, int sig);
int world_proc_pid(const struct fw_world *w, int host);   /* 0 if none */
/* Power off: the host never sends or answers again; its timers stop. */
int world_crash(struct fw_world *w, int host);
/* Power on after a crash (or a hard reset): no TCP state at all; answers strays with RST. */
int world_reboot(struct fw_world *w, int host);
bool world_host_up(const struct fw_world *w, int host);

/* ---- knobs ------------------------------------------------------------------------------ */
enum fw_knob_unit { FW_KNOB_COUNT, FW_KNOB_SECONDS, FW_KNOB_DURATION };
struct fw_knob {
	const char *name;              /* Linux sysctl name, or latency / time_wait_len */
	enum fw_knob_unit unit;        /* SECONDS: value in s; DURATION: value in us */
	int64_t min, max, dflt;
	const char *help;
};
const struct fw_knob *world_knobs(int *n);
const struct fw_knob *world_knob_find(const char *name);
/* Set a knob on one host, or on both with host = -1.  Values are in the knob's unit. */
int world_set_knob(struct fw_world *w, int host, const char *name, int64_t value);
int64_t world_get_knob(const struct fw_world *w, int host, const char *name);

/* ---- link faults (engine/link.c) -------------------------------------------------------- */
enum fw_fault_kind { FW_F_DROP, FW_F_DELAY, FW_F_DUP, FW_F_REORDER, FW_F_LOSS, FW_F_WAVE };
struct fw_fault {
	enum fw_fault_kind kind;
	int dir;                       /* sending host (FW_CLIENT: client->server), -1 either */
	uint8_t flag;                  /* match segments carrying this flag, 0 any */
	bool data;                     /* match segments carrying payload */
	int nth;                       /* act on the nth match from now (1 = next) */
	bool every;                    /* act on every match until cleared */
	int64_t delay;                 /* DELAY: extra latency, us */
	int wave;                      /* WAVE: 1..4 */
	int loss_pct;                  /* LOSS: 0..100 */
	uint64_t seed;                 /* LOSS */
};
int world_fault_add(struct fw_world *w, const struct fw_fault *f);
void world_fault_clear(struct fw_world *w);

/* ---- crowds (engine/app.c) ---------------------------------------------------------------- */
/*
 * Many short connections, for the lessons on busy machines (TIME_WAIT piling up, ports
 * running out, CLOSE_WAIT leaks).  Host `from` opens n connections to the other host's port,
 * one every `interval`; each sends `request` bytes, the other side reads them and answers
 * with `response` bytes; `closer` closes first, and the other side closes as soon as it
 * reads the end of the stream, unless `leak`: then it never calls close(), as a buggy server
 * that forgets to, and CLOSE_WAIT piles up.  Crowd sockets never become the host's current
 * connection; views count them with world_count().  A connect() that fails (no free port)
 * is reported as a CALL event and the crowd goes on.
 */
struct fw_crowd {
	int n;
	uint16_t port;
	int closer;                    /* FW_CLIENT or FW_SERVER */
	bool leak;
	int64_t interval;              /* us between connection starts (0: 1 ms) */
	int request, response;         /* bytes (0: 100 and 200) */
};
int world_crowd(struct fw_world *w, int from, const struct fw_crowd *c);
/* Connections of the host's crowd not yet started. */
int world_crowd_pending(const struct fw_world *w, int host);
/* Whether connection `id` belongs to a crowd (views count those instead of drawing them). */
bool world_conn_crowd(const struct fw_world *w, int id);

/* ---- what views and expectations ask ------------------------------------------------------ */
/* The state of the host's current connection (the last one it connected or accepted); LISTEN
 * when it only listens; CLOSED when it has none. */
enum tcp_state world_host_state(const struct fw_world *w, int host);
int world_host_conn(const struct fw_world *w, int host);   /* its connection id, 0 if none */
/* The last error handed to the application on its current connection (positive errno), 0. */
int world_host_error(const struct fw_world *w, int host);
/* Number of the host's sockets (full or TIME_WAIT/FIN_WAIT_2 mini sockets) in `state`. */
int world_count(const struct fw_world *w, int host, enum tcp_state state);
/* A kernel counter such as "TcpExtTCPTimeWaitOverflow"; -1 if unknown. */
int64_t world_counter(const struct fw_world *w, int host, const char *name);

struct fw_sock_info {
	int conn;
	enum tcp_state state;
	bool mini;                     /* a TIME_WAIT table entry, not a full socket */
	bool orphan;                   /* no descriptor left (closed or its process died) */
	bool listener;
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint32_t snd_una, snd_nxt, rcv_nxt;
	int unread;                    /* bytes waiting for the application */
	int unsent;                    /* bytes written but not yet sent */
	int retransmits;               /* consecutive retransmissions of the head */
	int probes;                    /* keepalive probes out */
	int64_t rto;                   /* current RTO, us */
	int64_t budget_end;            /* when the retransmission budget runs out, or FW_NEVER */
	int64_t timer_due[FW_NTIMERS]; /* FW_NEVER when not armed */
	int err;                       /* pending error for the application */
};
/* Fill up to max entries with the host's sockets, in a stable order; returns how many
 * there are in all (which may exceed max). */
int world_sockets(const struct fw_world *w, int host, struct fw_sock_info *out, int max);

#endif

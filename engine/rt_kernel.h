/*
 * rt_kernel.h: the kernel check: a script's application calls played on real Linux sockets,
 * and what the kernel did about them, in the model's own event format.
 *
 *   finwave kernel FILE          kernel_run_file(): the trace of the real kernel
 *   finwave run --compare FILE   kernel_compare_file(): the model and the kernel side by side
 *
 * How it works (DESIGN.md "The kernel check"):
 *
 *   lab      (rt_kernel.c)       the two hosts as two real network stacks.  Where finwave can
 *                                make private network namespaces (root, or an unprivileged
 *                                user namespace), each host is a namespace of its own, client
 *                                10.0.0.1 and server 10.0.0.2, joined through a third, the
 *                                wire; otherwise both share the machine's 127.0.0.1 and
 *                                whatever needs the wire is skipped with the reason
 *   netns    (rt_netns.c)        makes the namespaces, the veth pairs, runs `ip`, sysctls
 *   apps     (rt_kernel_app.c)   each host's application is a real child process (fork) that
 *                                owns real sockets and makes the system calls the script asks
 *                                for; `kill` is a real signal, and a dead process's sockets
 *                                are closed by the kernel itself
 *   wire     (rt_kernel_wire.c)  the wire namespace holds the far ends of both veth pairs; a
 *                                userspace relay reads each frame there (AF_PACKET) and writes
 *                                it to the other side after the latency, unless a fault rule
 *                                (the model's own link rules) drops, delays, duplicates or
 *                                holds it.  So every segment is seen when it is sent, dropped
 *                                or delivered: the send, drop and recv events
 *   diag     (rt_diag.c)         states, timers and retransmissions read with
 *                                NETLINK_SOCK_DIAG (what `ss` uses), every 250 us while
 *                                anything moves and every 2 ms when all is quiet
 *   runner   (rt_kernel_run.c)   executes a parsed script against the lab in real time: a
 *                                `wait 61s` really waits 61 s
 *   compare  (rt_kernel_cmp.c)   the model's run and the kernel's, per host, as a table
 *
 * Why a relay and not tc netem + nft: this kernel is built without sch_netem
 * (CONFIG_NET_SCH_NETEM is not set, and there are no modules), so the only way to give the
 * wire the model's latency is to carry the frames across it ourselves; and once the relay
 * carries them, applying the model's fault rules to the very same frames gives both runs the
 * same faults, `drop wave N` included, which nft cannot match exactly (it cannot compare an
 * acknowledgment number with a FIN seen earlier).
 *
 * The kernel's time is real: kernel tests take as long as their scripts wait.
 */
#ifndef FW_RT_KERNEL_H
#define FW_RT_KERNEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rt.h"
#include "cmd.h"
#include "script.h"
#include "trace.h"
#include "world.h"

/* ---- entry points (tui/main.c) ------------------------------------------------------------ */

/* Exit statuses of both entry points. */
enum {
	KERNEL_EXIT_OK = 0,            /* ran; every expectation held / the runs agree */
	KERNEL_EXIT_FAILED = 1,        /* an expectation failed / the runs differ */
	KERNEL_EXIT_ERROR = 2,         /* usage, syntax or system error */
	KERNEL_EXIT_SKIPPED = 3,       /* steps were skipped (no private namespace, over the real-
					* time budget): the reasons are on stderr; nothing judged
					* after a skipped step counts */
};

/*
 * `finwave kernel FILE`: run the script on the real kernel and print its trace to out in
 * fmt (the same writers as `finwave run`); pcap_path, if not NULL, also gets every segment.
 * Messages go to stderr.  Returns a KERNEL_EXIT_* status.
 *
 * The environment variable FINWAVE_KERNEL_BUDGET (seconds) skips a script whose `wait`s
 * alone add up to more than that much real time (the suite uses it); unset: no limit.
 * FINWAVE_KERNEL_NO_NETNS=1 pretends no namespace can be made (to test that path).
 */
int kernel_run_file(const char *path, enum fw_trace_fmt fmt, FILE *out, const char *pcap_path);

/*
 * `finwave run --compare FILE`: run the script in the model (headless, as `finwave run`
 * does) and on the kernel, and print per host the state sequences side by side and the key
 * timings (retransmissions, TIME_WAIT and FIN_WAIT_2 lengths), each difference marked.
 * Returns KERNEL_EXIT_OK only when they agree within the tolerances printed with the table.
 */
int kernel_compare_file(const char *path, FILE *out);

/* ---- live (the screen's "Linux says" line) -------------------------------------------------- */

/*
 * A lab that follows the screen: the screen hands it every command it runs (application
 * calls, faults, knobs, kill/crash/reboot; waits and expectations are ignored) and polls
 * kernel_live_state() for each host whenever it repaints.  The lab runs in real time on the
 * screen's loop, so while the model fast-forwards a TIME_WAIT the kernel's takes its 60 s.
 *
 *   char why[256];
 *   struct kernel_live *kl = kernel_live_new(loop, why, sizeof why);   (NULL: why says why)
 *   kernel_live_exec(kl, cmd);                                          (after each command)
 *   struct kernel_host_view v;
 *   if (kernel_live_state(kl, FW_CLIENT, &v) == 0 && v.valid) ... v.state, v.timer ...
 *   kernel_live_free(kl);
 */
struct kernel_host_view {
	bool valid;                    /* the host has been seen (a process or a socket) */
	bool up;                       /* false after `crash` */
	int pid;                       /* its application process, 0 if none */
	enum tcp_state state;          /* its current connection's state, as the model defines it */
	int conn;                      /* that connection's id, 0 if none */
	int timer;                     /* enum fw_timer of the pending timer, -1 if none */
	int64_t timer_left_us;         /* time left on it */
	int retrans;                   /* retransmissions of the head (idiag_retrans) */
	int err;                       /* the last error the application saw (positive errno) */
};

struct kernel_live;
struct kernel_live *kernel_live_new(uv_loop_t *loop, char *why, size_t cap);
/* 0, or -ENOTSUP when the command needs a private namespace this lab has not got. */
int kernel_live_exec(struct kernel_live *kl, const struct cmd *c);
int kernel_live_state(const struct kernel_live *kl, int host, struct kernel_host_view *out);
/* Why faults are unavailable ("" when they are). */
const char *kernel_live_why(const struct kernel_live *kl);
void kernel_live_free(struct kernel_live *kl);

/* ---- clock ----------------------------------------------------------------------------------- */

/* CLOCK_MONOTONIC in microseconds: the one clock of the kernel check (children share it). */
int64_t kclock_now(void);

/* ---- diag (rt_diag.c) ------------------------------------------------------------------------ */

/* The kernel's state numbers (include/net/tcp_states.h). */
enum {
	KTCP_ESTABLISHED = 1, KTCP_SYN_SENT, KTCP_SYN_RECV, KTCP_FIN_WAIT1, KTCP_FIN_WAIT2,
	KTCP_TIME_WAIT, KTCP_CLOSE, KTCP_CLOSE_WAIT, KTCP_LAST_ACK, KTCP_LISTEN, KTCP_CLOSING,
	KTCP_NEW_SYN_RECV,
};

/* idiag_timer: what is pending on the socket. */
enum { DIAG_T_NONE, DIAG_T_RETRANS, DIAG_T_KEEPALIVE, DIAG_T_TIMEWAIT, DIAG_T_PROBE };

struct diag_sock {
	int kstate;                    /* the kernel's number */
	enum tcp_state state;          /* the model's name for it */
	uint32_t saddr, daddr;         /* host byte order */
	uint16_t sport, dport;
	int timer;                     /* DIAG_T_* */
	uint32_t expires_ms;           /* time left on it */
	int retrans;                   /* idiag_retrans */
	uint32_t inode;                /* 0 for an orphan or a mini socket */
	uint64_t cookie;
	bool has_info;                 /* tcp_info below is valid (full sockets) */
	int retransmits, probes, backoff;
	uint32_t rto_us, rtt_us, unacked, total_retrans;
};

enum tcp_state diag_state_map(int kstate);
/* A NETLINK_SOCK_DIAG socket of the calling thread's network namespace; -errno. */
int diag_open(void);
/* Dump every IPv4 TCP socket: fills up to max entries, returns how many there are, -errno. */
int diag_dump(int fd, struct diag_sock *out, int max);
/* Parse len bytes of dump replies: appends to out (up to max; *n counts all), sets *done at
 * NLMSG_DONE or an error; returns 0 or the netlink error (negative errno). */
int diag_parse(const void *buf, size_t len, struct diag_sock *out, int max, int *n, bool *done);
/* SOCK_DESTROY one socket (needs CAP_NET_ADMIN in its namespace); 0 or -errno. */
int diag_destroy(int fd, const struct diag_sock *s);

/* ---- namespaces (rt_netns.c) ----------------------------------------------------------------- */

enum { KNS_CLIENT = FW_CLIENT, KNS_SERVER = FW_SERVER, KNS_WIRE, KNS_N };

#define KNET_CLIENT_ADDR FW_CLIENT_ADDR          /* 10.0.0.1 on c0 */
#define KNET_SERVER_ADDR FW_SERVER_ADDR          /* 10.0.0.2 on s0 */
#define KNET_LOOPBACK    0x7f000001u             /* without namespaces: both hosts here */

struct knet {
	bool ok;                       /* the three namespaces exist and are wired */
	char why[256];                 /* why not */
	bool userns;                   /* inside an unprivileged user namespace */
	int userns_fd;                 /* -1 when not */
	int ns[KNS_N];                 /* network namespace fds, -1 when not */
};

/* Make the namespaces and wire them: c0 (10.0.0.1) - [cw  wire  sw] - s0 (10.0.0.2).  On
 * failure n->ok is false, n->why says why, nothing is left behind, and -errno returns. */
int knet_create(struct knet *n);
void knet_destroy(struct knet *n);
/* fork() into namespace `which` (ignored without namespaces): 0 in the child, which runs in
 * it with PR_SET_PDEATHSIG set; the child's pid in the parent; -errno. */
int knet_fork(const struct knet *n, int which);
/* Run argv in `which` with `input` on its stdin; 0 when it exits 0, else -EIO (its stderr
 * is copied into err). */
int knet_run(const struct knet *n, int which, const char *const *argv, const char *input,
	     char *err, size_t errlen);
/* Write a sysctl ("net/ipv4/tcp_fin_timeout") in `which`; 0 or -errno. */
int knet_sysctl(const struct knet *n, int which, const char *path, const char *value);
/* Open up to 4 descriptors inside `which` with opener (run in a child) and receive them;
 * returns how many or -errno. */
int knet_open(const struct knet *n, int which, int (*opener)(void *arg, int *fds), void *arg,
	      int *fds);

/* ---- applications (rt_kernel_app.c) ---------------------------------------------------------- */

enum kapp_op {
	KAPP_LISTEN, KAPP_CONNECT, KAPP_SEND, KAPP_RECV, KAPP_CLOSE, KAPP_SHUTDOWN, KAPP_ABORT,
	KAPP_KEEPALIVE, KAPP_LINGER2, KAPP_ERRQ,
};

enum kapp_kind {
	KAPP_REPLY,                    /* the answer to a request */
	KAPP_ACCEPTED,                 /* notice: a connection was accepted (lport, rport) */
	KAPP_CONNECTED,                /* notice: connect() finished, result 0 or -errno */
	KAPP_ERROR,                    /* notice: SO_ERROR reported result (-errno) */
};

struct kapp_msg {
	int kind;                      /* enum kapp_kind */
	int op;                        /* enum kapp_op */
	int a, b, c, d;                /* request arguments */
	int result;                    /* >= 0, or -errno */
	int64_t t;                     /* kclock_now() when it happened */
	uint16_t lport, rport;         /* the socket concerned, 0 if none */
	uint32_t len;                  /* bytes of data after the message */
};

#define KAPP_DATA_MAX 65536

/* Start a host's application process in namespace host of n, with addresses laddr (its
 * own) and raddr (the peer's).  Fills *pid, *pidfd (readable when it exits) and *ctl (the
 * SOCK_SEQPACKET control socket); 0 or -errno. */
int kapp_spawn(const struct knet *n, int host, uint32_t laddr, uint32_t raddr, int *pid,
	       int *pidfd, int *ctl);
/* Send a request (and len bytes of data) and wait for the reply (up to 5 s); notices that
 * arrive first go to notice().  The reply's data lands in buf (up to cap).  0 or -errno. */
int kapp_call(int ctl, const struct kapp_msg *req, const void *data, size_t len,
	      struct kapp_msg *rep, void *buf, size_t cap,
	      void (*notice)(void *ud, const struct kapp_msg *m), void *ud);
/* One waiting message, without blocking: 1 (in *m), 0 when none, -errno (the child is gone). */
int kapp_read(int ctl, struct kapp_msg *m, void *buf, size_t cap);

/* ---- the wire (rt_kernel_wire.c) ------------------------------------------------------------- */

struct kwire;

struct kwire_ev {
	enum fw_ev ev;                 /* FW_EV_SEND, FW_EV_DROP, FW_EV_FAULT or FW_EV_RECV */
	int from, to;                  /* hosts */
	int64_t t;                     /* kclock_now() time */
	const struct fw_seg *seg;
	const char *why;               /* the rule that acted, "host down", NULL */
};

typedef void (*kwire_cb)(void *ud, const struct kwire_ev *ev);

/* knet_open opener (in the wire's namespace): the packet sockets on cw and sw. */
int kwire_open_sockets(void *arg, int *fds);
/* A relay between packet sockets sock[FW_CLIENT] (on cw) and sock[FW_SERVER] (on sw); it
 * owns them.  NULL with *err on failure. */
struct kwire *kwire_new(uv_loop_t *loop, const int sock[FW_NHOSTS], kwire_cb cb, void *ud,
			int *err);
/* Latency of what `host` sends (-1: both), us. */
void kwire_set_latency(struct kwire *w, int host, int64_t us);
int kwire_fault_add(struct kwire *w, const struct fw_fault *f);
void kwire_fault_clear(struct kwire *w);
/* A host that is down neither sends (its frames vanish unreported) nor receives (frames for
 * it are dropped, "host down"). */
void kwire_set_down(struct kwire *w, int host, bool down);
/* Read every frame waiting now. */
void kwire_drain(struct kwire *w);
/* Frames held on the wire, not delivered yet. */
int kwire_in_flight(const struct kwire *w);
/* Start closing the handles; kwire_handles() says how many are still open; then free. */
void kwire_shutdown(struct kwire *w);
int kwire_handles(const struct kwire *w);
void kwire_free(struct kwire *w);

/* ---- the lab (rt_kernel.c) --------------------------------------------------------------------- */

struct klab;

struct klab_opts {
	bool no_netns;                 /* do not even try a private namespace */
};

/* A lab on loop; NULL with err set when even the applications cannot be started. */
struct klab *klab_new(uv_loop_t *loop, const struct klab_opts *o, char *err, size_t cap);
/* Kill the children, close everything (running the loop until the handles are closed). */
void klab_free(struct klab *k);
/* Observers see every event, in time order, about 50 ms after it happened; at most 8. */
int klab_observe(struct klab *k, fw_observer_fn fn, void *ud);
/* Private namespaces in use (faults, latency and capture available); else klab_why(). */
bool klab_private(const struct klab *k);
const char *klab_why(const struct klab *k);
/* Microseconds since the lab started (the trace's clock). */
int64_t klab_now(const struct klab *k);

/* Application calls: as the model's world_* calls, synchronous; each emits a CALL event. */
int klab_listen(struct klab *k, int host, uint16_t port);
int klab_connect(struct klab *k, int host, uint16_t port);
int klab_send(struct klab *k, int host, const void *data, size_t len);
int klab_recv(struct klab *k, int host, void *buf, size_t cap);
int klab_close(struct klab *k, int host);
int klab_shutdown(struct klab *k, int host, int how);
int klab_abort(struct klab *k, int host);
int klab_keepalive(struct klab *k, int host, bool on, int idle_s, int intvl_s, int cnt);
int klab_linger2(struct klab *k, int host, int seconds);
/* Signal the host's process: 1 if its exit is pending (klab_proc_pid changes once seen), 0
 * if it was gone already, -errno. */
int klab_kill(struct klab *k, int host, int sig);
/* Power off: the wire drops everything to and from the host, its process is killed.  The
 * host's namespace lives on, unobserved, until reboot destroys every socket in it. */
int klab_crash(struct klab *k, int host);
int klab_reboot(struct klab *k, int host);
/* Faults and knobs: -ENOTSUP with why filled when this lab cannot do it. */
int klab_fault_add(struct klab *k, const struct fw_fault *f, char *why, size_t cap);
void klab_fault_clear(struct klab *k);
int klab_set_knob(struct klab *k, int host, const struct fw_knob *knob, int64_t value,
		  char *why, size_t cap);
/* Emit an event from outside (narration, expectations), stamped now. */
void klab_emit(struct klab *k, const struct fw_event *ev);

/* Bring every view up to date now: read waiting frames and notices, take a sample. */
void klab_sync(struct klab *k);
/* Run the loop once, waking no later than `until` (klab_now() time). */
void klab_run_once(struct klab *k, int64_t until);
/* Emit every collected event (at the end of a run). */
void klab_flush(struct klab *k);

/* What expectations ask, from the latest sample (call klab_sync first for "now"). */
enum tcp_state klab_host_state(const struct klab *k, int host);
int klab_host_conn(const struct klab *k, int host);
bool klab_connect_done(const struct klab *k, int host);
int klab_host_error(const struct klab *k, int host);
int klab_count(struct klab *k, int host, enum tcp_state state);
int64_t klab_counter(struct klab *k, int host, const char *name);
int klab_proc_pid(const struct klab *k, int host);
bool klab_host_up(const struct klab *k, int host);
/* The bytes the host's last recv returned. */
const uint8_t *klab_recv_data(const struct klab *k, int host, size_t *len);
/* Segments the host sent since the last klab_mark(), by enum cmd_seg_spec. */
int64_t klab_sent(const struct klab *k, int host, int spec);
void klab_mark(struct klab *k);
/* The host states seen since klab_state_mark(k, host) (a wait must not miss a short one). */
void klab_state_mark(struct klab *k, int host);
bool klab_state_seen(const struct klab *k, int host, enum tcp_state st);
/* Nothing can happen any more without a new call: no timer pending on any socket and
 * nothing on the wire. */
bool klab_idle(const struct klab *k);
void klab_host_view(const struct klab *k, int host, struct kernel_host_view *out);

/* ---- the runner (rt_kernel_run.c) -------------------------------------------------------------- */

struct kernel_result {
	int status;                    /* KERNEL_EXIT_* */
	int skipped;                   /* steps skipped */
	int failed;                    /* expectations that failed */
	char msg[640];                 /* the first failure or skip, "FILE:LINE: ..." */
};

/*
 * Run script s on a new lab, its events to observers fns[0..n) (with uds), stopping at the
 * first failed expectation unless keep_going.  Fills *res; returns res->status.
 */
int kernel_run_script(const struct script *s, fw_observer_fn *fns, void **uds, int n,
		      bool keep_going, struct kernel_result *res);
/* Read and parse path into *out, then check it against FINWAVE_KERNEL_BUDGET: OK, SKIPPED
 * (why says why; *out is still set), or ERROR (after printing why; *out NULL). */
int kernel_load_checked(const char *path, struct script **out, char *why, size_t cap);
/* The least real time the script needs (the sum of its `wait DURATION`s), us. */
int64_t kernel_script_min_time(const struct script *s);

#endif

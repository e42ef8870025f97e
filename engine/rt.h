/*
 * rt.h: the libuv runtime.  It drives the pure model (world.h) over a real wire, with real
 * child processes and a clock that can run headless or live on a screen.
 *
 *   wire   (rt_wire.c)   each host owns a UDP socket on 127.0.0.1; every segment crosses
 *                        loopback as one datagram carrying a per-run token; whatever else
 *                        arrives is foreign and changes nothing
 *   procs  (rt_proc.c)   each host's application is a real child (finwave --app-child HOST),
 *                        reaped by libuv, killed by SIGKILL, gone when finwave dies
 *   clock  (rt_clock.c)  headless: as fast as the machine allows and deterministic; live:
 *                        pause, resume, step, speed, and a "follow" pace for people
 *
 * The one rule that keeps a run deterministic although bytes cross a real socket: virtual
 * time never passes a delivery whose datagram has not arrived (world_step says
 * FW_STEP_BLOCKED; the clock then runs the uv loop until it has), nor moves while a kill is
 * pending.  The world orders everything due at one instant by its own sequence numbers, so
 * neither wall time nor arrival order ever shows in the trace; only pids differ between runs.
 *
 * Usage, headless (what `finwave run` does):
 *
 *   struct rt_opts o;  rt_opts_init(&o);
 *   int err;
 *   struct rt *rt = rt_new(uv_default_loop(), w, &o, &err);   (before any world call)
 *   enum fw_run st = rt_run_script(rt, runner);
 *   rt_free(rt);                                               (kills and reaps children)
 *
 * or all of that in one call: rt_drive(w, runner, &o).
 *
 * Live (the screen): rt_new, then rt_live_start(rt, runner or NULL); the clock runs on a
 * uv timer while the screen's own handles share the loop; opts.on_advance is called after
 * every advance so the screen can mark itself dirty.
 */
#ifndef FW_RT_H
#define FW_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * <uv.h> pulls in glibc's <netinet/tcp.h>, whose enum of kernel TCP states uses the very
 * names of the model's enum tcp_state (TCP_LISTEN, TCP_TIME_WAIT ...).  libuv's header needs
 * nothing from it, so its include guard is set first and it stays out.  Files that need both
 * libuv and the model include this header instead of <uv.h>, before world.h.
 */
#ifndef _NETINET_TCP_H
#define _NETINET_TCP_H 1
#endif
#include <uv.h>

#include "runner.h"
#include "world.h"

/* The hidden first argument that makes finwave a host's application process. */
#define RT_APP_CHILD_ARG "--app-child"

/*
 * The child's entry point: main() calls it when argv[1] is RT_APP_CHILD_ARG and returns
 * what it returns (it only returns on misuse; the child otherwise ends by a signal).
 */
int rt_app_child_main(int argc, char **argv);

/* ---- the runtime ------------------------------------------------------------------------- */

enum rt_wire_kind {
	RT_WIRE_UDP,                   /* real datagrams over loopback (the default) */
	RT_WIRE_MEMORY,                /* the model's in-memory wire (`--wire memory`) */
};

struct rt;

struct rt_opts {
	enum rt_wire_kind wire;
	bool fake_procs;               /* no child processes: the model's fake pids */
	const char *app_exe;           /* what to start as a host's process; NULL: this program */
	/*
	 * Headless: when a script waits for something the idle model can no longer bring about
	 * (`wait until server CLOSED`) while a child process lives, wait this long (wall time,
	 * ms) for an outside event, e.g. `kill -9 PID` typed in another terminal, before the
	 * runner reports the failure.  The virtual clock stands still meanwhile.  0: never.
	 * rt_opts_init() takes it from the environment variable FINWAVE_OUTSIDE_WAIT_MS.
	 */
	int64_t outside_wait_ms;
	/* Live: called after every advance of the clock (and after every step). */
	void (*on_advance)(void *ud);
	/* Live: the attached runner stopped at a command (FW_RUN_STEP), finished (DONE) or
	 * failed (FAILED, ERROR; runner_message() or rt_message() says why). */
	void (*on_runner)(void *ud, enum fw_run st);
	void *ud;
};

/* Defaults: UDP wire, real processes, /proc/self/exe, outside wait from the environment. */
void rt_opts_init(struct rt_opts *o);

/*
 * A runtime for world w on loop: opens the wire's sockets and installs the env (struct
 * fw_env) in the world, so create it before the world makes any system call.  NULL with
 * *err a negative errno when a socket cannot be opened.
 */
struct rt *rt_new(uv_loop_t *loop, struct fw_world *w, const struct rt_opts *o, int *err);

/*
 * Kill and reap every child, close every handle (running the loop until their close
 * callbacks are done), uninstall the env and free.  Child exits seen here are not reported
 * to the world.  NULL is fine.
 */
void rt_free(struct rt *rt);

/*
 * Headless: run the runner to its end as fast as possible, deterministically: poll, let the
 * world step through every wait exactly as the pure runner_run does, and run the uv loop
 * only while a delivery's datagram or a killed process's exit is outstanding.  Returns
 * DONE, FAILED or ERROR; on a driver error runner_message() says "FILE:LINE: why", as it
 * does for runner_run's own errors.
 */
enum fw_run rt_run_script(struct rt *rt, struct runner *r);

/*
 * Headless, without a runner: like world_advance(w, t), but waiting for datagrams and killed
 * processes as rt_run_script does; t = FW_NEVER runs until nothing is pending.  0, or a
 * negative errno (rt_message() says why).
 */
int rt_advance(struct rt *rt, int64_t t);

/* Why the last run ended in FW_RUN_ERROR (the runtime's reason, or the runner's message). */
const char *rt_message(const struct rt *rt);

/*
 * All of headless in one call, on a private loop: rt_new, rt_run_script, rt_free.  o may be
 * NULL (defaults).  Returns the runner's final status (the message in runner_message());
 * when the wire cannot be opened, FW_RUN_ERROR after printing "finwave: ..." to stderr.
 * When the environment variable FINWAVE_WIRE_STATS is set, the wire's token, ports and
 * counts go to stderr at the end, one line:
 *   wire: token 0123456789abcdef ports 41234 41235 sent 9 received 9 resent 0 late 0
 *         foreign 0 send_errors 0 waiting 0
 * (waiting: flights still in the air when the script ended).
 */
enum fw_run rt_drive(struct fw_world *w, struct runner *r, const struct rt_opts *o);

/* ---- live mode (the screen) --------------------------------------------------------------- */

/*
 * Start the live clock with runner r (NULL for free play; a runner attached later with
 * rt_live_attach).  It starts running (not paused) at speed 1 with follow on.  The clock
 * sleeps (no timer) while paused and while nothing is pending; call rt_live_kick() after
 * anything that may have made work (a command typed at the prompt).
 */
int rt_live_start(struct rt *rt, struct runner *r);
void rt_live_attach(struct rt *rt, struct runner *r);
void rt_live_stop(struct rt *rt);
void rt_live_pause(struct rt *rt);
void rt_live_resume(struct rt *rt);
/* Process exactly the next item (a segment's arrival, a timer, the end of a `wait`), then
 * stay paused.  Returns 1 if something was (or will be, once its bytes arrive) processed, 0
 * if nothing is pending. */
int rt_live_step(struct rt *rt);
/* 0.1x .. 1000x (clamped). */
void rt_live_set_speed(struct rt *rt, double x);
/*
 * Follow (on by default): a segment in flight crosses in about 0.8 s of wall time whatever
 * the latency; quiet gaps up to 2.5 s of virtual time run in real time; longer ones (RTO
 * back-off, TIME_WAIT's 60 s, keepalive's 2 h) fast-forward linearly to arrive in 2.5 s.
 * All of it divided by the speed.  Off: virtual time = wall time x speed.
 */
void rt_live_set_follow(struct rt *rt, bool on);
/* The runner stopped at FW_RUN_STEP (a lesson step): go on with the next command.  While it
 * is stopped there the clock stands still, so the script meets the world as it left it. */
void rt_live_continue(struct rt *rt);
void rt_live_kick(struct rt *rt);

struct rt_live_info {
	bool running;                  /* rt_live_start called, not stopped */
	bool paused;
	bool follow;
	bool holding;                  /* a kill is pending or a datagram is awaited */
	bool fast_forward;             /* a quiet gap is being fast-forwarded */
	bool runner_held;              /* the runner stopped at FW_RUN_STEP: rt_live_continue */
	double speed;
	double rate;                   /* virtual seconds per wall second right now */
};
void rt_live_info(const struct rt *rt, struct rt_live_info *out);

/* ---- parts, for tests and the screen -------------------------------------------------------- */

struct rt_wire;
struct rt_procs;
struct rt_wire *rt_wire_of(struct rt *rt);       /* NULL with the memory wire */
struct rt_procs *rt_procs_of(struct rt *rt);     /* NULL with fake processes */

/* ---- the wire (rt_wire.c) -------------------------------------------------------------------- */

struct rt_wire_stats {
	uint64_t sent;                 /* flights sent (first copies) */
	uint64_t resent;               /* extra copies, after a copy did not arrive in time */
	uint64_t received;             /* flights whose bytes arrived and went to the world */
	uint64_t late;                 /* surplus copies of resent flights, ignored */
	uint64_t foreign;              /* datagrams that were not ours */
	uint64_t send_errors;          /* sendto() failures (each retried by the resend timer) */
};

struct rt_wire *rt_wire_new(uv_loop_t *loop, struct fw_world *w, int *err);
/* The fw_env.wire_send of the runtime. */
int rt_wire_send(struct rt_wire *wi, uint32_t id, int from, int to, const uint8_t *bytes,
		 size_t len);
/* Called after each flight's bytes were handed to the world. */
void rt_wire_on_arrival(struct rt_wire *wi, void (*cb)(void *ud), void *ud);
int rt_wire_port(const struct rt_wire *wi, int host);    /* the host's UDP port */
int rt_wire_fd(const struct rt_wire *wi, int host);     /* its socket, for tests */
uint64_t rt_wire_token(const struct rt_wire *wi);
size_t rt_wire_waiting(const struct rt_wire *wi);       /* flights sent, bytes not arrived */
/* Take up to max datagrams already queued on the sockets, without the event loop (the
 * headless fast path); returns how many were read. */
int rt_wire_drain(struct rt_wire *wi, int max);
void rt_wire_stats(const struct rt_wire *wi, struct rt_wire_stats *st);
void rt_wire_shutdown(struct rt_wire *wi);              /* starts closing the handles */
int rt_wire_handles(const struct rt_wire *wi);          /* handles not closed yet */
void rt_wire_free(struct rt_wire *wi);                  /* once rt_wire_handles() is 0 */

/* ---- processes (rt_proc.c) ------------------------------------------------------------------- */

struct rt_procs *rt_procs_new(uv_loop_t *loop, struct fw_world *w, const char *exe);
/* The fw_env.proc_spawn of the runtime: the child's pid, or -errno. */
int rt_procs_spawn(struct rt_procs *p, int host);
/*
 * The fw_env.proc_kill of the runtime.  Only signals whose default action ends a process
 * (-EINVAL for STOP, CONT, CHLD ...).  Returns 1 when the child is dead already (it waits up
 * to about a second for that), 0 when it is not yet, or -errno.  Either way the exit
 * callback reports the exit to the world later (which ignores it if it applied it).
 */
int rt_procs_kill(struct rt_procs *p, int host, int pid, int sig);
/* Called after an exit was reported to the world. */
void rt_procs_on_exit(struct rt_procs *p, void (*cb)(void *ud), void *ud);
int rt_procs_alive(const struct rt_procs *p);            /* children running */
int rt_procs_pending(const struct rt_procs *p);          /* killed, not reaped yet */
uint64_t rt_procs_exits(const struct rt_procs *p);       /* exits seen so far */
/* Pids of the children still running (up to max); returns how many there are. */
int rt_procs_pids(const struct rt_procs *p, int *out, int max);
void rt_procs_shutdown(struct rt_procs *p);              /* SIGKILL all, stop reporting */
int rt_procs_handles(const struct rt_procs *p);          /* handles not closed yet */
void rt_procs_free(struct rt_procs *p);                  /* once rt_procs_handles() is 0 */

#endif

/*
 * runner.h: executes parsed commands against a world, as a resumable state machine.
 *
 * The runner never blocks and never reads a clock, so any driver can run it: the pure
 * headless driver below (runner_run), the libuv runtime over a real wire, the screen, the
 * lesson player.  The driver calls runner_poll(); it executes commands at the current virtual
 * time until one needs virtual time to pass, and says what it is waiting for:
 *
 *   FW_RUN_WAIT       a `wait` (or connect's handshake) is in progress: let the world run,
 *                     no further than runner_deadline(), and poll again once
 *                     runner_wait_met() is true or the deadline is reached;
 *   FW_RUN_WAIT_PROC  a `kill` is pending (world_kill returned 1): poll again once the env
 *                     has reported the exit (world_proc_pid changes);
 *   FW_RUN_STEP       stepping mode only: one command finished; poll again to go on;
 *   FW_RUN_DONE       every command ran (append more with runner_append and poll again);
 *   FW_RUN_FAILED     an expectation failed; runner_message() says
 *                     "FILE:LINE: expected server TIME_WAIT, found CLOSED at t=61.020s";
 *   FW_RUN_ERROR      the driver could not go on (runner_run only); runner_message() says why.
 *
 * The runner watches the event stream (as an observer) to count segments for
 * `expect HOST sent`, and emits SAY and EXPECT events through world_emit().
 */
#ifndef FW_RUNNER_H
#define FW_RUNNER_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd.h"
#include "script.h"
#include "world.h"

enum fw_run {
	FW_RUN_DONE,
	FW_RUN_WAIT,
	FW_RUN_WAIT_PROC,
	FW_RUN_STEP,
	FW_RUN_FAILED,
	FW_RUN_ERROR,
};

/* `wait until` and connect's handshake give up after this much virtual time. */
#define RUNNER_WAIT_LIMIT FW_SEC(24 * 3600)
#define RUNNER_RECV_MAX   65536

enum runner_wait_kind {
	RUNNER_W_NONE,
	RUNNER_W_TIME,                 /* until deadline */
	RUNNER_W_STATE,                /* until host is in state */
	RUNNER_W_IDLE,                 /* until nothing is pending */
	RUNNER_W_CONNECT,              /* until host's handshake finished (or failed) */
	RUNNER_W_PROC,                 /* until host's pid is no longer pid */
};

struct runner_wait {
	enum runner_wait_kind kind;
	int host;
	enum tcp_state state;
	int pid;
	int64_t deadline;
	bool idle_offered;             /* STATE: the driver was told once that nothing is pending */
};

/* Segments a host sent since the last `mark`, by enum cmd_seg_spec. */
struct runner_count {
	int64_t seg[CMD_SEG_RETRANS + 1];
};

/*
 * The runner's state.  Views may read every member; only cmd.c's exec functions and
 * runner.c write them.
 */
struct runner {
	struct fw_world *w;
	const struct cmd **cmds;       /* the queue of commands (borrowed from scripts) */
	int ncmds, cap;
	struct script **owned;         /* scripts handed over with runner_append(own = true) */
	int nowned;
	int pc;                        /* index of the next command to start */
	int cur;                       /* index of the command in progress (waiting), -1 */
	int last;                      /* index of the last command started, -1 */
	struct runner_wait wait;
	bool stepping;                 /* stop after every command (lessons) */
	enum fw_run status;            /* sticky FAILED / ERROR */
	char msg[640];

	uint8_t recv[FW_NHOSTS][RUNNER_RECV_MAX];   /* what each host's last recv returned */
	size_t recv_len[FW_NHOSTS];
	struct runner_count sent[FW_NHOSTS];

	/* clock control asked for by pause / resume / step / speed: drivers with a clock obey
	 * it; the headless driver only records it. */
	bool paused;
	int step_requests;
	double speed;
};

/* A runner for world w, starting with script s (may be NULL; borrowed, must outlive it). */
struct runner *runner_new(struct fw_world *w, const struct script *s);
void runner_free(struct runner *r);
/* Queue a script's commands after the others; with own, the runner frees s at the end. */
int runner_append(struct runner *r, struct script *s, bool own);

enum fw_run runner_poll(struct runner *r);
/* While WAIT: the latest virtual time to advance to (when the world is idle and waiting can
 * no longer help, that is world_now(): poll then reports the failure). */
int64_t runner_deadline(const struct runner *r);
/* While WAIT or WAIT_PROC: whether the condition holds now. */
bool runner_wait_met(const struct runner *r);

/* The pure headless driver: poll and run the world until DONE, FAILED or ERROR.  It cannot
 * wait for datagrams or processes (FW_STEP_BLOCKED, WAIT_PROC): those are an ERROR. */
enum fw_run runner_run(struct runner *r);

/* Stop after every command (FW_RUN_STEP) when on. */
void runner_set_stepping(struct runner *r, bool on);

const char *runner_message(const struct runner *r);
/* The command in progress (or the last one started), NULL before the first; the one that
 * will run next (NULL at the end).  Their file, line and text tell a screen where it is. */
const struct cmd *runner_current(const struct runner *r);
const struct cmd *runner_next(const struct runner *r);

/* ---- for the exec functions in cmd.c ----------------------------------------------------- */
/* Start waiting; returns FW_RUN_WAIT (or FW_RUN_WAIT_PROC for RUNNER_W_PROC). */
int runner_wait(struct runner *r, const struct runner_wait *wt);
/* An expectation failed: build "FILE:LINE: expected <text>, found <found> at t=..."; emits
 * the EXPECT event; returns FW_RUN_FAILED. */
int runner_expect_fail(struct runner *r, const struct cmd *c, const char *found);
/* An expectation held: emits the EXPECT event; returns FW_RUN_DONE. */
int runner_expect_ok(struct runner *r, const struct cmd *c);
/* Emit a SAY event. */
void runner_say(struct runner *r, const char *text);
/* Start counting segments anew (`mark`). */
void runner_mark(struct runner *r);

#endif

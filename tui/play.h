/*
 * play.h: one free-play session: a world, the libuv runtime that drives it live, the
 * runner that executes commands, and the scene that records what happened for the screen.
 *
 * Every command, whether typed at the prompt or made by a key, enters here as a line of the
 * scenario language (play_submit) and goes through the one parser (script_parse) and the one
 * runner; the clock commands (pause, resume, step, speed) act on the live clock at once, so
 * that they work even while a `wait` is in progress.  Without a script a session starts
 * with a connection ready to tear down (play_setup_script); with one, the script plays live.
 */
#ifndef FW_PLAY_H
#define FW_PLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt.h"
#include "scene.h"

struct play_opts {
	const char *script_name;       /* for messages: the file, or NULL for the default setup */
	const char *script_text;       /* the script (borrowed; must outlive the session), or NULL */
	size_t script_len;
	uint64_t seed;
	double speed;                  /* 0.1 .. 1000 */
	bool fake_procs;               /* no child processes (FINWAVE_FAKE_PROCS=1, for tests) */
	bool memory_wire;              /* the in-memory wire (FINWAVE_WIRE=memory) */
	void (*on_change)(void *ud);   /* the clock moved or the runner stopped: redraw */
	/* the runner stopped at a command (FW_RUN_STEP, a lesson's stepping runner), finished
	 * or failed; called after on_change's work is done (may be NULL) */
	void (*on_runner)(void *ud, enum fw_run st);
	void *ud;
	/*
	 * A world already built, with its runner (a lesson replayed to the start of a step by
	 * lesson_replay): the session takes both over instead of parsing a script, and frees
	 * them.  When the replay already started processes (fake pids, as the pure driver
	 * makes them), the session keeps fake processes, since a real runtime cannot signal
	 * them.  Both NULL: the script or the default setup.
	 */
	struct fw_world *world;
	struct runner *runner;
};

struct play {
	uv_loop_t *loop;
	struct play_opts o;
	struct fw_world *w;
	struct rt *rt;
	struct runner *r;
	struct scene *scene;
	bool runner_failed;            /* the runner stopped on a failure: replace it */
	char msg[640];                 /* the last failure, for the status line */
	bool msg_new;
};

/* The commands free play starts with when no script is given. */
extern const char play_setup_script[];

/*
 * Build the session on loop and start the live clock.  Without a script the setup runs
 * at once (headless, deterministic) so the first screen already shows an established
 * connection.  0, or a negative errno with p->msg saying why.
 */
int play_open(struct play *p, uv_loop_t *loop, const struct play_opts *o);
/* Stop the clock, kill the children, free everything (runs the loop until closed). */
void play_close(struct play *p);
/* play_close then play_open with the same options (a taken-over world is not rebuilt: the
 * restart is the default setup, or the script). */
int play_restart(struct play *p);

/*
 * Run one line of the scenario language.  Returns 1 when a command was accepted (queued or
 * applied), 0 for a blank or comment line, -EINVAL on a syntax error (err gets the message
 * without the "FILE:LINE:" prefix, *col its 1-based column), -ENOMEM.
 */
int play_submit(struct play *p, const char *line, char *err, size_t errlen, int *col);
/* Housekeeping outside callbacks: replace a runner that stopped on a failure. */
void play_tidy(struct play *p);
/* Replace the runner (and what it still had to do) with a fresh free-play runner on the same
 * world, attached to the clock: a lesson's "take over".  0 or -ENOMEM. */
int play_fresh_runner(struct play *p);

int64_t play_now(const struct play *p);

#endif

/*
 * play.c: a free-play session (play.h): world, live runtime, runner and scene together.
 *
 * The runner is the only way commands reach the world, as in a script: a key's command and
 * a typed command are appended to it and the live clock is kicked.  A runner whose command
 * failed (an `expect` that did not hold, a `wait until` that can no longer be met) stops for
 * good, as it must in a script; free play then says why and carries on with a fresh runner.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "play.h"
#include "runner.h"
#include "script.h"

const char play_setup_script[] =
	"server listen 80\n"
	"client connect 80\n"
	"client send 100\n"
	"wait until idle\n"
	"server recv\n"
	"server send 100\n"
	"wait until idle\n"
	"client recv\n";

static void advance_cb(void *ud)
{
	struct play *p = ud;
	if (p->o.on_change)
		p->o.on_change(p->o.ud);
}

static void runner_cb(void *ud, enum fw_run st)
{
	struct play *p = ud;
	if (st == FW_RUN_FAILED || st == FW_RUN_ERROR) {
		const char *m = p->r ? runner_message(p->r) : "";
		if (p->rt && st == FW_RUN_ERROR && rt_message(p->rt)[0])
			m = rt_message(p->rt);
		snprintf(p->msg, sizeof p->msg, "%s", m);
		p->msg_new = true;
		p->runner_failed = true;
		if (p->scene && p->w)
			scene_note_text(p->scene, world_now(p->w), m, true);
	}
	if (p->o.on_change)
		p->o.on_change(p->o.ud);
	if (p->o.on_runner)
		p->o.on_runner(p->o.ud, st);
}

int64_t play_now(const struct play *p)
{
	return p->w ? world_now(p->w) : 0;
}

/* Parse text as a script named name; on a syntax error the message goes to p->msg. */
static int parse_into(struct play *p, const char *name, const char *text, size_t len,
		      struct script **out)
{
	char err[2048];
	int rc = script_parse(name, text, len, out, err, sizeof err);
	if (rc == -EINVAL) {
		size_t n = strcspn(err, "\n");
		snprintf(p->msg, sizeof p->msg, "%.*s", (int)n, err);
	} else if (rc < 0) {
		snprintf(p->msg, sizeof p->msg, "%s", strerror(-rc));
	}
	return rc;
}

/* The clock, live, on world p->w with runner p->r (both set); fake processes on request. */
static int start_live(struct play *p, bool fake_procs)
{
	int rc;
	struct rt_opts ro;
	rt_opts_init(&ro);
	ro.outside_wait_ms = 0;
	ro.fake_procs = fake_procs;
	ro.wire = p->o.memory_wire ? RT_WIRE_MEMORY : RT_WIRE_UDP;
	ro.on_advance = advance_cb;
	ro.on_runner = runner_cb;
	ro.ud = p;
	p->rt = rt_new(p->loop, p->w, &ro, &rc);
	if (!p->rt) {
		snprintf(p->msg, sizeof p->msg, "cannot open the wire: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

/* A session on a world someone else built (play_opts.world): a lesson at some step. */
static int adopt(struct play *p, const struct play_opts *o)
{
	p->w = o->world;
	p->r = o->runner;
	p->scene = scene_new(p->w);
	if (!p->scene || world_observe(p->w, scene_event_cb, p->scene) < 0) {
		snprintf(p->msg, sizeof p->msg, "%s", strerror(ENOMEM));
		play_close(p);
		return -ENOMEM;
	}
	/* pids the pure replay made up cannot be signalled by a real runtime */
	bool fake = o->fake_procs || world_proc_pid(p->w, FW_CLIENT) || world_proc_pid(p->w, FW_SERVER);
	int rc = start_live(p, fake);
	if (rc < 0) {
		play_close(p);
		return rc;
	}
	rt_live_set_speed(p->rt, o->speed > 0 ? o->speed : 1.0);
	rc = rt_live_start(p->rt, p->r);
	if (rc < 0) {
		snprintf(p->msg, sizeof p->msg, "cannot start the clock: %s", strerror(-rc));
		play_close(p);
		return rc;
	}
	p->msg[0] = '\0';
	return 0;
}

int play_open(struct play *p, uv_loop_t *loop, const struct play_opts *o)
{
	struct script *s = NULL;
	int rc;

	memset(p, 0, sizeof *p);
	p->loop = loop;
	p->o = *o;
	p->o.world = NULL;
	p->o.runner = NULL;
	if (o->world)
		return adopt(p, o);
	const char *name = o->script_text ? o->script_name : "setup";
	const char *text = o->script_text ? o->script_text : play_setup_script;
	size_t len = o->script_text ? o->script_len : strlen(play_setup_script);
	rc = parse_into(p, name ? name : "script", text, len, &s);
	if (rc < 0)
		return rc;

	p->w = world_new(o->seed);
	p->scene = p->w ? scene_new(p->w) : NULL;
	p->r = p->w ? runner_new(p->w, NULL) : NULL;
	if (!p->scene || !p->r || world_observe(p->w, scene_event_cb, p->scene) < 0) {
		script_free(s);
		snprintf(p->msg, sizeof p->msg, "%s", strerror(ENOMEM));
		play_close(p);
		return -ENOMEM;
	}
	if (runner_append(p->r, s, true) < 0) {
		script_free(s);
		snprintf(p->msg, sizeof p->msg, "%s", strerror(ENOMEM));
		play_close(p);
		return -ENOMEM;
	}

	rc = start_live(p, o->fake_procs);
	if (rc < 0) {
		play_close(p);
		return rc;
	}
	if (!o->script_text) {
		/* The ready connection: run at once, so the first screen shows it. */
		enum fw_run st = rt_run_script(p->rt, p->r);
		if (st != FW_RUN_DONE) {
			snprintf(p->msg, sizeof p->msg, "%s",
				 rt_message(p->rt)[0] ? rt_message(p->rt) : runner_message(p->r));
			play_close(p);
			return -EPROTO;
		}
	}
	rt_live_set_speed(p->rt, o->speed > 0 ? o->speed : 1.0);
	rc = rt_live_start(p->rt, p->r);
	if (rc < 0) {
		snprintf(p->msg, sizeof p->msg, "cannot start the clock: %s", strerror(-rc));
		play_close(p);
		return rc;
	}
	p->msg[0] = '\0';
	return 0;
}

void play_close(struct play *p)
{
	if (p->rt) {
		rt_live_stop(p->rt);
		rt_free(p->rt);
		p->rt = NULL;
	}
	runner_free(p->r);
	p->r = NULL;
	if (p->w && p->scene)
		world_unobserve(p->w, scene_event_cb, p->scene);
	scene_free(p->scene);
	p->scene = NULL;
	world_free(p->w);
	p->w = NULL;
}

int play_restart(struct play *p)
{
	struct play_opts o = p->o;
	uv_loop_t *loop = p->loop;
	play_close(p);
	return play_open(p, loop, &o);
}

void play_tidy(struct play *p)
{
	if (!p->runner_failed || !p->w || !p->rt)
		return;
	struct runner *fresh = runner_new(p->w, NULL);
	if (!fresh)
		return;                        /* try again next time */
	runner_free(p->r);
	p->r = fresh;
	p->runner_failed = false;
	rt_live_attach(p->rt, p->r);
}

int play_fresh_runner(struct play *p)
{
	if (!p->w || !p->rt)
		return -EAGAIN;
	struct runner *fresh = runner_new(p->w, NULL);
	if (!fresh)
		return -ENOMEM;
	rt_live_attach(p->rt, fresh);
	runner_free(p->r);
	p->r = fresh;
	p->runner_failed = false;
	return 0;
}

/* Strip "FILE:LINE:COL: " from a parser message; *col gets COL. */
static void strip_place(const char *msg, char *out, size_t cap, int *col)
{
	const char *s = msg;
	int fields = 0, c = 0;
	for (const char *q = msg; *q && fields < 3; q++) {
		if (*q != ':')
			continue;
		fields++;
		if (fields == 2)
			c = atoi(q + 1);
		if (fields == 3) {
			s = q + 1;
			while (*s == ' ')
				s++;
		}
	}
	if (fields < 3)
		s = msg;
	size_t n = strcspn(s, "\n");
	snprintf(out, cap, "%.*s", (int)n, s);
	*col = c > 0 ? c : 1;
}

int play_submit(struct play *p, const char *line, char *err, size_t errlen, int *col)
{
	struct script *s = NULL;
	char msg[2048];

	*col = 0;
	if (err && errlen)
		err[0] = '\0';
	if (!p->w || !p->rt)
		return -EAGAIN;
	play_tidy(p);
	int rc = script_parse("prompt", line, strlen(line), &s, msg, sizeof msg);
	if (rc == -EINVAL) {
		strip_place(msg, err, errlen, col);
		return -EINVAL;
	}
	if (rc < 0)
		return rc;
	if (s->ncmds == 0) {
		script_free(s);
		return 0;
	}
	int64_t now = world_now(p->w);
	const struct cmd *c = &s->cmds[0];
	const char *name = c->def->name;
	/* `step` alone is the clock's; `step "title"` (a lesson's step) is not */
	bool clock = !c->def->host_first && c->form == CMD_F_PLAIN &&
		     (strcmp(name, "pause") == 0 || strcmp(name, "resume") == 0 ||
		      strcmp(name, "step") == 0 || strcmp(name, "speed") == 0);
	if (clock && s->ncmds == 1) {
		/* The live clock obeys at once, even while a queued `wait` runs. */
		scene_note_cmd(p->scene, now, c->text);
		if (strcmp(name, "pause") == 0)
			rt_live_pause(p->rt);
		else if (strcmp(name, "resume") == 0)
			rt_live_resume(p->rt);
		else if (strcmp(name, "step") == 0)
			rt_live_step(p->rt);
		else
			rt_live_set_speed(p->rt, c->speed);
		script_free(s);
		return 1;
	}
	bool busy = p->r->cur >= 0 || p->r->pc < p->r->ncmds;
	for (int i = 0; i < s->ncmds; i++) {
		char text[SCENE_TEXT_MAX];
		snprintf(text, sizeof text, "%s%s%s%s", s->cmds[i].text, busy ? "  (" : "",
			 busy ? i18n(S_QUEUED) : "", busy ? ")" : "");
		scene_note_cmd(p->scene, now, text);
	}
	rc = runner_append(p->r, s, true);
	if (rc < 0) {
		script_free(s);
		return rc;
	}
	rt_live_kick(p->rt);
	return 1;
}

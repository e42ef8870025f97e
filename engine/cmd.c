/*
 * cmd.c: the command table: every command of the scenario language, how its arguments are
 * parsed and what it does to the world.
 *
 * Parse functions read the words after the command name with script.c's helpers and fill a
 * struct cmd; an optional argument is simply tried (so that a failure there still lists it
 * among the expected words and offers it for completion) and the dispatcher insists on the
 * end of the line afterwards.  Exec functions run a parsed command against the runner's
 * world: application calls, faults, knobs, waits and expectations.  A failing application
 * call is not an error of the script: the CALL event shows it, and only `expect` decides.
 *
 * The lesson commands (lesson, step "title", ask, choice, answer, explain) do nothing when
 * run: they are data for the lesson player (lesson.h), and headless a question counts as
 * answered.  What spans lines (a question's block) is checked by cmd_check_structure() at
 * the end of this file, which `lesson`, the first command of every lesson, also runs over
 * its file's commands, so that a broken question stops a run before anything happens.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "runner.h"
#include "script.h"

#define SEND_MAX 1000000

static const char *const dir_words[] = { "client->server", "server->client", "c->s", "s->c" };
static const char *const flag_words[] = { "FIN", "ACK", "RST", "SYN", "data" };
static const uint8_t flag_bits[] = { FW_FIN, FW_ACK, FW_RST, FW_SYN, 0 };
static const char *const op_words[] = { "==", "<", "<=", ">=", ">", "=" };
static const enum cmd_op op_vals[] = { CMD_OP_EQ, CMD_OP_LT, CMD_OP_LE, CMD_OP_GE, CMD_OP_GT,
				       CMD_OP_EQ };
static const char *const spec_words[] = { "any", "FIN", "ACK", "RST", "SYN", "data", "retrans" };
static const char *const signal_words[] = { "KILL", "TERM", "INT", "HUP", "QUIT" };
static const int signal_nums[] = { SIGKILL, SIGTERM, SIGINT, SIGHUP, SIGQUIT };
static const char *const errno_words[] = {
	"none", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ECONNREFUSED", "EHOSTUNREACH",
	"EADDRNOTAVAIL", "EADDRINUSE", "ENOTCONN", "ECONNABORTED",
};
static const char *const counter_words[] = {
	"TcpExtTCPTimeWaitOverflow", "TcpExtTCPAbortOnTimeout", "TcpExtTCPAbortOnClose",
	"TcpExtTCPAbortOnData", "TcpExtTCPAbortOnLinger", "TcpExtTCPAbortOnMemory",
	"TcpExtTW", "TcpExtTWRecycled", "TcpExtTCPKeepAlive", "TcpOutRsts", "TcpRetransSegs",
	"TcpEstabResets", "TcpActiveOpens", "TcpPassiveOpens", "TcpAttemptFails",
};

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- small parsing pieces ----------------------------------------------------------------- */

/* [DIR] [FLAG], in either order, each at most once. */
static void parse_dir_flag(struct cmd_parser *p, struct fw_fault *f, bool want_flag)
{
	bool have_dir = false, have_flag = !want_flag;
	int idx;

	for (;;) {
		if (!have_dir && script_choice(p, dir_words, 2, NULL, &idx)) {
			f->dir = idx == 0 ? FW_CLIENT : FW_SERVER;
			have_dir = true;
			continue;
		}
		/* the short aliases are accepted without being offered */
		if (!have_dir && script_peek_word(p) &&
		    (script_peek_is(p, "c->s") || script_peek_is(p, "s->c"))) {
			f->dir = script_peek_is(p, "c->s") ? FW_CLIENT : FW_SERVER;
			script_skip(p);
			have_dir = true;
			continue;
		}
		if (!have_flag && script_choice(p, flag_words, NELEM(flag_words), NULL, &idx)) {
			f->flag = flag_bits[idx];
			f->data = flag_bits[idx] == 0;
			have_flag = true;
			continue;
		}
		return;
	}
}

/* next | nth N | all: which matching segments a fault acts on. */
static bool parse_selector(struct cmd_parser *p, struct fw_fault *f)
{
	int64_t n;
	f->dir = -1;
	f->nth = 1;
	if (script_word(p, "next"))
		return true;
	if (script_word(p, "all")) {
		f->every = true;
		return true;
	}
	if (script_word(p, "nth")) {
		if (!script_int(p, 1, 1000000, "a count (1 = the next one)", &n))
			return false;
		f->nth = (int)n;
		return true;
	}
	return false;
}

static bool parse_op(struct cmd_parser *p, enum cmd_op *op, bool optional)
{
	int idx;
	if (script_choice(p, op_words, 5, NULL, &idx)) {
		*op = op_vals[idx];
		return true;
	}
	if (script_peek_is(p, "=")) {
		script_skip(p);
		*op = CMD_OP_EQ;
		return true;
	}
	*op = CMD_OP_EQ;
	return optional;
}

/* A signal: KILL TERM INT HUP QUIT, with or without SIG, or a number 1..64; with dash, -9. */
static int signal_parse(const char *s, int len, bool dash)
{
	char buf[16];
	if (dash) {
		if (len < 2 || s[0] != '-')
			return -1;
		s++;
		len--;
	}
	if (len <= 0 || len >= (int)sizeof buf)
		return -1;
	memcpy(buf, s, (size_t)len);
	buf[len] = '\0';
	const char *name = buf;
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (int i = 0; i < NELEM(signal_words); i++)
		if (strcasecmp(name, signal_words[i]) == 0)
			return signal_nums[i];
	char *end;
	long v = strtol(buf, &end, 10);
	if (*end || end == buf || v < 1 || v > 64)
		return -1;
	/* only signals whose default action ends the process: a stopped or ignoring process
	 * would never close its sockets */
	if (v == SIGSTOP || v == SIGTSTP || v == SIGTTIN || v == SIGTTOU || v == SIGCONT ||
	    v == SIGCHLD || v == SIGWINCH || v == SIGURG)
		return -1;
	return (int)v;
}

static bool parse_signal(struct cmd_parser *p, int *sig)
{
	const struct script_tok *t = script_peek_word(p);
	int s = t ? signal_parse(t->s, t->len, false) : -1;
	if (s < 0) {
		script_expected(p, "a signal (KILL, TERM, INT, HUP or a number)", signal_words,
				NELEM(signal_words));
		return false;
	}
	*sig = s;
	script_skip(p);
	return true;
}

/* A duration converted to whole seconds, or a bare number of seconds. */
static bool parse_seconds(struct cmd_parser *p, int64_t min, int64_t max, const char *what,
			  int64_t *v)
{
	int64_t us;
	if (script_duration(p, &us)) {
		p->pos--;
		if (us % 1000000 != 0)
			return script_value_error(p, "%s in whole seconds", what);
		if (us / 1000000 < min || us / 1000000 > max)
			return script_value_error(p, "%s in %llds..%llds", what, (long long)min,
						  (long long)max);
		script_skip(p);
		*v = us / 1000000;
		return true;
	}
	char label[96];
	snprintf(label, sizeof label, "%s (a number of seconds)", what);
	const struct script_tok *t = script_peek_word(p);
	int64_t n;
	char buf[24];
	if (t && t->len < (int)sizeof buf) {
		memcpy(buf, t->s, (size_t)t->len);
		buf[t->len] = '\0';
		char *end;
		n = strtoll(buf, &end, 10);
		if (!*end && end != buf) {
			if (n < min || n > max)
				return script_value_error(p, "%s in %lld..%lld seconds", what,
							  (long long)min, (long long)max);
			script_skip(p);
			*v = n;
			return true;
		}
	}
	script_expectedf(p, "%s", "a number of seconds");
	return false;
}

/* ---- parse functions --------------------------------------------------------------------- */

static bool parse_none(struct cmd_parser *p, struct cmd *c)
{
	(void)p;
	(void)c;
	return true;
}

static bool parse_port(struct cmd_parser *p, struct cmd *c)
{
	int64_t port;
	c->port = 80;
	if (script_int(p, 1, 65535, "a port number", &port))
		c->port = (int)port;
	return true;
}

static bool parse_send(struct cmd_parser *p, struct cmd *c)
{
	int64_t n;
	if (script_string(p, &c->str, &c->len)) {
		c->form = CMD_F_SEND_TEXT;
		return true;
	}
	if (script_int(p, 1, SEND_MAX, "a byte count", &n)) {
		c->form = CMD_F_SEND_COUNT;
		c->n = n;
		return true;
	}
	return false;
}

static bool parse_shutdown(struct cmd_parser *p, struct cmd *c)
{
	static const char *const how_words[] = { "wr", "rd", "rdwr" };
	static const int how_vals[] = { FW_SHUT_WR, FW_SHUT_RD, FW_SHUT_RDWR };
	int idx;
	if (!script_choice(p, how_words, 3, NULL, &idx))
		return false;
	c->how = how_vals[idx];
	return true;
}

static bool parse_keepalive(struct cmd_parser *p, struct cmd *c)
{
	int64_t v;
	if (script_word(p, "off")) {
		c->on = false;
		return true;
	}
	if (!script_word(p, "on"))
		return false;
	c->on = true;
	bool idle = false, intvl = false, cnt = false;
	for (;;) {
		/* TCP_KEEPIDLE and TCP_KEEPINTVL take 1..32767 s, TCP_KEEPCNT 1..127 (FACTS.md 11). */
		if (!idle && script_word(p, "idle")) {
			if (!parse_seconds(p, 1, 32767, "an idle time", &v))
				return false;
			c->idle_s = (int)v;
			idle = true;
		} else if (!intvl && script_word(p, "intvl")) {
			if (!parse_seconds(p, 1, 32767, "a probe interval", &v))
				return false;
			c->intvl_s = (int)v;
			intvl = true;
		} else if (!cnt && script_word(p, "cnt")) {
			if (!script_int(p, 1, 127, "a probe count", &v))
				return false;
			c->cnt = (int)v;
			cnt = true;
		} else {
			return true;
		}
	}
}

static bool parse_linger2(struct cmd_parser *p, struct cmd *c)
{
	int64_t v;
	/* TCP_LINGER2: seconds; negative means RST instead of waiting (FACTS.md item 3). */
	if (!parse_seconds(p, -1000000, 1000000, "TCP_LINGER2", &v))
		return false;
	c->seconds = (int)v;
	return true;
}

static bool parse_kill(struct cmd_parser *p, struct cmd *c)
{
	const struct script_tok *t = script_peek_word(p);
	bool have = false;
	int sig;
	c->how = SIGKILL;
	if (t && t->len > 1 && t->s[0] == '-') {
		sig = signal_parse(t->s, t->len, true);
		if (sig < 0)
			return script_value_error(p, "a signal like -9 or -KILL");
		c->how = sig;
		have = true;
		script_skip(p);
	}
	if (!script_host(p, &c->host))
		return false;
	if (!have && parse_signal(p, &sig))
		c->how = sig;
	return true;
}

static bool parse_host(struct cmd_parser *p, struct cmd *c)
{
	return script_host(p, &c->host);
}

static bool parse_drop(struct cmd_parser *p, struct cmd *c)
{
	int64_t n;
	c->fault.kind = FW_F_DROP;
	if (script_word(p, "wave")) {
		/* drop the Nth segment of the coming close: 1 FIN, 2 its ACK, 3 the other FIN,
		 * 4 the last ACK */
		if (!script_int(p, 1, 4, "a wave number", &n))
			return false;
		c->fault.kind = FW_F_WAVE;
		c->fault.dir = -1;
		c->fault.wave = (int)n;
		return true;
	}
	if (!parse_selector(p, &c->fault))
		return false;
	parse_dir_flag(p, &c->fault, true);
	return true;
}

static bool parse_delay(struct cmd_parser *p, struct cmd *c)
{
	c->fault.kind = FW_F_DELAY;
	if (!parse_selector(p, &c->fault))
		return false;
	parse_dir_flag(p, &c->fault, true);
	if (!script_duration(p, &c->fault.delay))
		return false;
	c->dur = c->fault.delay;
	return true;
}

static bool parse_duplicate(struct cmd_parser *p, struct cmd *c)
{
	c->fault.kind = FW_F_DUP;
	if (!parse_selector(p, &c->fault))
		return false;
	parse_dir_flag(p, &c->fault, true);
	return true;
}

static bool parse_reorder(struct cmd_parser *p, struct cmd *c)
{
	c->fault.kind = FW_F_REORDER;
	c->fault.dir = -1;
	c->fault.nth = 1;
	if (!script_word(p, "next"))
		return false;
	parse_dir_flag(p, &c->fault, false);
	return true;
}

static bool parse_loss(struct cmd_parser *p, struct cmd *c)
{
	const struct script_tok *t = script_peek_word(p);
	int64_t seed;
	char buf[8];
	c->fault.kind = FW_F_LOSS;
	c->fault.dir = -1;
	c->fault.seed = 1;
	if (t && t->len > 0 && t->len < (int)sizeof buf) {
		int len = t->len - (t->s[t->len - 1] == '%');
		memcpy(buf, t->s, (size_t)len);
		buf[len] = '\0';
		char *end;
		long v = strtol(buf, &end, 10);
		if (len > 0 && !*end) {
			if (v < 0 || v > 100)
				return script_value_error(p, "a percentage in 0..100");
			c->fault.loss_pct = (int)v;
			script_skip(p);
			goto seed;
		}
	}
	script_expected(p, "a percentage like 10%", NULL, 0);
	return false;
seed:
	if (script_word(p, "seed")) {
		if (!script_int(p, 0, INT64_MAX, "a seed", &seed))
			return false;
		c->fault.seed = (uint64_t)seed;
	}
	return true;
}

static const char *knob_names[64];
static int nknob_names;

static void knob_names_init(void)
{
	int n;
	const struct fw_knob *k = world_knobs(&n);
	if (nknob_names)
		return;
	for (int i = 0; i < n && i < NELEM(knob_names); i++)
		knob_names[i] = k[i].name;
	nknob_names = n < NELEM(knob_names) ? n : NELEM(knob_names);
}

static bool parse_knob_value(struct cmd_parser *p, struct cmd *c)
{
	const struct fw_knob *k = c->knob;
	char lo[32], hi[32];
	int64_t v;

	switch (k->unit) {
	case FW_KNOB_COUNT:
		if (k->min <= 0 && k->max >= 1 && (script_peek_is(p, "on") || script_peek_is(p, "off"))) {
			c->value = script_peek_is(p, "on");
			script_skip(p);
			return true;
		}
		if (!script_int(p, INT64_MIN, INT64_MAX, "a number", &v))
			return false;
		if (v < k->min || v > k->max) {
			p->pos--;
			return script_value_error(p, "%s in %lld..%lld", k->name, (long long)k->min,
						  (long long)k->max);
		}
		c->value = v;
		return true;
	case FW_KNOB_SECONDS:
		if (!parse_seconds(p, k->min, k->max, k->name, &v))
			return false;
		c->value = v;
		return true;
	case FW_KNOB_DURATION:
		if (!script_duration(p, &v))
			return false;
		if (v < k->min || v > k->max) {
			p->pos--;
			return script_value_error(p, "%s in %s..%s", k->name,
						  cmd_duration_str(k->min, lo, sizeof lo),
						  cmd_duration_str(k->max, hi, sizeof hi));
		}
		c->value = v;
		return true;
	}
	return false;
}

static bool parse_set(struct cmd_parser *p, struct cmd *c)
{
	const struct script_tok *t;
	const struct fw_knob *k = NULL;
	char name[64];

	knob_names_init();
	script_host(p, &c->host);
	t = script_peek_word(p);
	if (t && t->len < (int)sizeof name) {
		memcpy(name, t->s, (size_t)t->len);
		name[t->len] = '\0';
		k = world_knob_find(name);
	}
	if (!k) {
		script_expected(p, "a knob", knob_names, nknob_names);
		return false;
	}
	script_skip(p);
	c->knob = k;
	return parse_knob_value(p, c);
}

static bool parse_wait(struct cmd_parser *p, struct cmd *c)
{
	if (script_word(p, "until")) {
		if (script_word(p, "idle")) {
			c->form = CMD_F_WAIT_IDLE;
			return true;
		}
		if (!script_host(p, &c->host))
			return false;
		if (!script_state(p, &c->state))
			return false;
		c->form = CMD_F_WAIT_STATE;
		return true;
	}
	if (!script_duration(p, &c->dur))
		return false;
	c->form = CMD_F_WAIT_TIME;
	return true;
}

static bool parse_expect(struct cmd_parser *p, struct cmd *c)
{
	int idx;
	int64_t n;

	if (script_word(p, "time")) {
		c->form = CMD_F_EXP_TIME;
		return parse_op(p, &c->op, false) && script_duration(p, &c->dur);
	}
	if (!script_host(p, &c->host))
		return false;
	if (script_state(p, &c->state)) {
		c->form = CMD_F_EXP_STATE;
		return true;
	}
	if (script_word(p, "error")) {
		const struct script_tok *t = script_peek_word(p);
		char name[32];
		c->form = CMD_F_EXP_ERROR;
		if (script_word(p, "none")) {
			c->err = 0;
			return true;
		}
		if (t && t->len < (int)sizeof name) {
			memcpy(name, t->s, (size_t)t->len);
			name[t->len] = '\0';
			c->err = fw_errno_parse(name);
			if (c->err > 0) {
				script_skip(p);
				return true;
			}
		}
		script_expected(p, "an errno name like ECONNRESET", errno_words, NELEM(errno_words));
		return false;
	}
	if (script_word(p, "count")) {
		c->form = CMD_F_EXP_COUNT;
		if (!script_state(p, &c->state) || !parse_op(p, &c->op, true))
			return false;
		if (!script_int(p, 0, 100000000, "a number", &n))
			return false;
		c->n = n;
		return true;
	}
	if (script_word(p, "counter")) {
		c->form = CMD_F_EXP_COUNTER;
		const struct script_tok *t = script_peek_word(p);
		if (t) {
			bool ok = true;
			for (int i = 0; i < t->len; i++)
				ok &= (t->s[i] >= 'A' && t->s[i] <= 'Z') || (t->s[i] >= 'a' && t->s[i] <= 'z') ||
				      (t->s[i] >= '0' && t->s[i] <= '9') || t->s[i] == '_';
			if (ok) {
				c->str = strndup(t->s, (size_t)t->len);
				if (!c->str)
					return script_value_error(p, "a counter name (out of memory)");
				c->len = (size_t)t->len;
				script_skip(p);
			}
		}
		if (!c->str) {
			script_expected(p, "a counter name like TcpExtTCPTimeWaitOverflow",
					counter_words, NELEM(counter_words));
			return false;
		}
		if (!parse_op(p, &c->op, true))
			return false;
		if (!script_int(p, 0, INT64_MAX, "a number", &n))
			return false;
		c->n = n;
		return true;
	}
	if (script_word(p, "recv")) {
		c->form = CMD_F_EXP_RECV;
		return script_string(p, &c->str, &c->len);
	}
	if (script_word(p, "pid")) {
		static const char *const pid_words[] = { "none", "alive" };
		c->form = CMD_F_EXP_PID;
		if (!script_choice(p, pid_words, 2, NULL, &idx))
			return false;
		c->on = idx == 1;
		return true;
	}
	if (script_word(p, "up")) {
		c->form = CMD_F_EXP_UP;
		c->on = true;
		return true;
	}
	if (script_word(p, "down")) {
		c->form = CMD_F_EXP_UP;
		c->on = false;
		return true;
	}
	if (script_word(p, "sent")) {
		c->form = CMD_F_EXP_SENT;
		if (!script_choice(p, spec_words, NELEM(spec_words), NULL, &idx))
			return false;
		c->spec = idx;
		if (!parse_op(p, &c->op, true))
			return false;
		if (!script_int(p, 0, 100000000, "a number", &n))
			return false;
		c->n = n;
		return true;
	}
	return false;
}

static bool parse_say(struct cmd_parser *p, struct cmd *c)
{
	return script_string(p, &c->str, &c->len);
}

/* A string that says something: a title, a question, a choice, an explanation. */
static bool parse_text(struct cmd_parser *p, struct cmd *c)
{
	if (!script_string(p, &c->str, &c->len))
		return false;
	if (c->len == 0) {
		p->pos--;
		return script_value_error(p, "a non-empty \"string\"");
	}
	return true;
}

/* step: alone, the clock command; with a title, the start of a lesson step. */
static bool parse_step(struct cmd_parser *p, struct cmd *c)
{
	if (p->pos < p->ntok && p->tok[p->pos].kind == SCRIPT_STRING) {
		if (!parse_text(p, c))
			return false;
		c->form = CMD_F_STEP_TITLE;
		return true;
	}
	script_expected(p, "a \"title\"", NULL, 0);
	return true;
}

static bool parse_answer(struct cmd_parser *p, struct cmd *c)
{
	int64_t v;
	if (p->pos < p->ntok)
		c->argcol = p->tok[p->pos].col;
	if (!script_int(p, 1, CMD_MAX_CHOICES, "the number of the right choice", &v))
		return false;
	c->n = v;
	return true;
}

/* crowd N [PORT] [closer HOST] [leak] [every D] [request N] [response N], options in any
 * order, each at most once. */
static bool parse_crowd(struct cmd_parser *p, struct cmd *c)
{
	struct fw_crowd *k = &c->crowd;
	bool closer = false, leak = false, every = false, req = false, resp = false;
	int64_t v;

	if (!script_int(p, 1, CMD_CROWD_MAX, "a number of connections", &v))
		return false;
	k->n = (int)v;
	k->port = 80;
	k->closer = FW_CLIENT;
	if (script_int(p, 1, 65535, "a port number", &v))
		k->port = (uint16_t)v;
	c->port = k->port;
	for (;;) {
		if (!closer && script_word(p, "closer")) {
			if (!script_host(p, &k->closer))
				return false;
			closer = true;
		} else if (!leak && script_word(p, "leak")) {
			k->leak = true;
			leak = true;
		} else if (!every && script_word(p, "every")) {
			if (!script_duration(p, &k->interval))
				return false;
			if (k->interval <= 0) {
				p->pos--;
				return script_value_error(p, "an interval longer than 0s");
			}
			every = true;
		} else if (!req && script_word(p, "request")) {
			if (!script_int(p, 1, SEND_MAX, "a byte count", &v))
				return false;
			k->request = (int)v;
			req = true;
		} else if (!resp && script_word(p, "response")) {
			if (!script_int(p, 1, SEND_MAX, "a byte count", &v))
				return false;
			k->response = (int)v;
			resp = true;
		} else {
			return true;
		}
	}
}

static bool parse_speed(struct cmd_parser *p, struct cmd *c)
{
	const struct script_tok *t = script_peek_word(p);
	char buf[32];
	if (t && t->len < (int)sizeof buf) {
		int len = t->len - (t->len > 1 && (t->s[t->len - 1] == 'x' || t->s[t->len - 1] == 'X'));
		memcpy(buf, t->s, (size_t)len);
		buf[len] = '\0';
		char *end;
		double v = strtod(buf, &end);
		if (len > 0 && !*end && end != buf && (buf[0] == '.' || (buf[0] >= '0' && buf[0] <= '9'))) {
			if (!(v >= 0.1 && v <= 1000))
				return script_value_error(p, "a speed in 0.1..1000");
			c->speed = v;
			script_skip(p);
			return true;
		}
	}
	script_expected(p, "a speed like 2 or 0.5", NULL, 0);
	return false;
}

/* ---- exec functions ------------------------------------------------------------------------- */

static int exec_listen(struct runner *r, const struct cmd *c)
{
	world_listen(r->w, c->host, (uint16_t)c->port);
	return FW_RUN_DONE;
}

/* connect() on a blocking socket: the application waits for the three-way handshake.  The
 * runner waits until it has finished on both ends (or failed). */
static int exec_connect(struct runner *r, const struct cmd *c)
{
	if (world_connect(r->w, c->host, (uint16_t)c->port) < 0)
		return FW_RUN_DONE;
	struct runner_wait wt = {
		.kind = RUNNER_W_CONNECT,
		.host = c->host,
		.deadline = world_now(r->w) + RUNNER_WAIT_LIMIT,
	};
	return runner_wait(r, &wt);
}

static int exec_send(struct runner *r, const struct cmd *c)
{
	if (c->form == CMD_F_SEND_TEXT) {
		world_send(r->w, c->host, c->str, c->len);
		return FW_RUN_DONE;
	}
	/* N bytes of a readable pattern: the alphabet, over and over. */
	char *buf = malloc((size_t)c->n);
	if (!buf) {
		snprintf(r->msg, sizeof r->msg, "%s:%d: send: out of memory", c->file, c->line);
		return FW_RUN_ERROR;
	}
	for (int64_t i = 0; i < c->n; i++)
		buf[i] = (char)('a' + i % 26);
	world_send(r->w, c->host, buf, (size_t)c->n);
	free(buf);
	return FW_RUN_DONE;
}

static int exec_recv(struct runner *r, const struct cmd *c)
{
	int n = world_recv(r->w, c->host, r->recv[c->host], RUNNER_RECV_MAX);
	r->recv_len[c->host] = n > 0 ? (size_t)n : 0;
	return FW_RUN_DONE;
}

static int exec_close(struct runner *r, const struct cmd *c)
{
	world_close(r->w, c->host);
	return FW_RUN_DONE;
}

static int exec_shutdown(struct runner *r, const struct cmd *c)
{
	world_shutdown(r->w, c->host, c->how);
	return FW_RUN_DONE;
}

static int exec_abort(struct runner *r, const struct cmd *c)
{
	world_abort(r->w, c->host);
	return FW_RUN_DONE;
}

static int exec_keepalive(struct runner *r, const struct cmd *c)
{
	world_keepalive(r->w, c->host, c->on, c->idle_s, c->intvl_s, c->cnt);
	return FW_RUN_DONE;
}

static int exec_linger2(struct runner *r, const struct cmd *c)
{
	world_linger2(r->w, c->host, c->seconds);
	return FW_RUN_DONE;
}

static int exec_kill(struct runner *r, const struct cmd *c)
{
	int pid = world_proc_pid(r->w, c->host);
	if (world_kill(r->w, c->host, c->how) != 1)
		return FW_RUN_DONE;
	struct runner_wait wt = {
		.kind = RUNNER_W_PROC,
		.host = c->host,
		.pid = pid,
		.deadline = FW_NEVER,
	};
	return runner_wait(r, &wt);
}

static int exec_crash(struct runner *r, const struct cmd *c)
{
	world_crash(r->w, c->host);
	return FW_RUN_DONE;
}

static int exec_reboot(struct runner *r, const struct cmd *c)
{
	world_reboot(r->w, c->host);
	return FW_RUN_DONE;
}

static int exec_fault(struct runner *r, const struct cmd *c)
{
	int rc = world_fault_add(r->w, &c->fault);
	if (rc < 0) {
		snprintf(r->msg, sizeof r->msg, "%s:%d: %s: the link refused the fault (%s)", c->file,
			 c->line, c->text, fw_errno_name(-rc));
		return FW_RUN_ERROR;
	}
	return FW_RUN_DONE;
}

static int exec_heal(struct runner *r, const struct cmd *c)
{
	(void)c;
	world_fault_clear(r->w);
	return FW_RUN_DONE;
}

static int exec_set(struct runner *r, const struct cmd *c)
{
	int rc = world_set_knob(r->w, c->host, c->knob->name, c->value);
	if (rc < 0) {
		snprintf(r->msg, sizeof r->msg, "%s:%d: %s: the model refused the value (%s)", c->file,
			 c->line, c->text, fw_errno_name(-rc));
		return FW_RUN_ERROR;
	}
	return FW_RUN_DONE;
}

static int exec_wait(struct runner *r, const struct cmd *c)
{
	struct runner_wait wt = { .host = c->host, .state = c->state };
	switch (c->form) {
	case CMD_F_WAIT_TIME:
		wt.kind = RUNNER_W_TIME;
		wt.deadline = world_now(r->w) + c->dur;
		break;
	case CMD_F_WAIT_STATE:
		wt.kind = RUNNER_W_STATE;
		wt.deadline = world_now(r->w) + RUNNER_WAIT_LIMIT;
		break;
	default:
		wt.kind = RUNNER_W_IDLE;
		wt.deadline = world_now(r->w) + RUNNER_WAIT_LIMIT;
		break;
	}
	return runner_wait(r, &wt);
}

/* bytes as a quoted, escaped, possibly shortened C-like string */
static void quote_bytes(char *buf, size_t cap, const void *data, size_t len)
{
	const unsigned char *s = data;
	size_t o = 0;
	buf[o++] = '"';
	for (size_t i = 0; i < len && o + 8 < cap; i++) {
		if (i >= 60) {
			o += (size_t)snprintf(buf + o, cap - o, "...");
			break;
		}
		if (s[i] == '"' || s[i] == '\\')
			o += (size_t)snprintf(buf + o, cap - o, "\\%c", s[i]);
		else if (s[i] == '\n')
			o += (size_t)snprintf(buf + o, cap - o, "\\n");
		else if (s[i] < 0x20 || s[i] == 0x7f)
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", s[i]);
		else
			buf[o++] = (char)s[i];
	}
	buf[o++] = '"';
	buf[o] = '\0';
}

void cmd_count_sent(int64_t *n, const struct fw_seg *s, int retrans)
{
	n[CMD_SEG_ANY]++;
	if (cmd_seg_matches(FW_FIN, false, s->flags, s->len))
		n[CMD_SEG_FIN]++;
	if (cmd_seg_matches(FW_ACK, false, s->flags, s->len))
		n[CMD_SEG_ACK]++;
	if (cmd_seg_matches(FW_RST, false, s->flags, s->len))
		n[CMD_SEG_RST]++;
	if (cmd_seg_matches(FW_SYN, false, s->flags, s->len))
		n[CMD_SEG_SYN]++;
	if (cmd_seg_matches(0, true, s->flags, s->len))
		n[CMD_SEG_DATA]++;
	if (retrans > 0)
		n[CMD_SEG_RETRANS]++;
}

const char *cmd_expect_text(const struct cmd *c)
{
	const char *t = c->text ? c->text : "";
	return strncmp(t, "expect ", 7) == 0 ? t + 7 : t;
}

bool cmd_expect_holds(const struct cmd *c, const struct cmd_observe *o, char *found, size_t cap)
{
	bool ok = false;
	int64_t v;

	switch (c->form) {
	case CMD_F_EXP_STATE: {
		enum tcp_state s = o->state(o->ud, c->host);
		ok = s == c->state;
		snprintf(found, cap, "%s", tcp_state_name(s));
		break;
	}
	case CMD_F_EXP_ERROR: {
		int e = o->error(o->ud, c->host);
		ok = e == c->err;
		snprintf(found, cap, "%s", e ? fw_errno_name(e) : "none");
		break;
	}
	case CMD_F_EXP_COUNT:
		v = o->count(o->ud, c->host, c->state);
		ok = cmd_op_holds(c->op, v, c->n);
		snprintf(found, cap, "%lld", (long long)v);
		break;
	case CMD_F_EXP_COUNTER:
		v = o->counter(o->ud, c->host, c->str);
		ok = v >= 0 && cmd_op_holds(c->op, v, c->n);
		if (v < 0)
			snprintf(found, cap, "no counter of that name");
		else
			snprintf(found, cap, "%lld", (long long)v);
		break;
	case CMD_F_EXP_RECV: {
		size_t n;
		const uint8_t *d = o->recv(o->ud, c->host, &n);
		ok = n == c->len && memcmp(d, c->str, n) == 0;
		quote_bytes(found, cap, d, n);
		break;
	}
	case CMD_F_EXP_PID: {
		int pid = o->pid(o->ud, c->host);
		ok = (pid > 0) == c->on;
		if (pid > 0)
			snprintf(found, cap, "pid %d", pid);
		else
			snprintf(found, cap, "none");
		break;
	}
	case CMD_F_EXP_UP: {
		bool up = o->up(o->ud, c->host);
		ok = up == c->on;
		snprintf(found, cap, "%s", up ? "up" : "down");
		break;
	}
	case CMD_F_EXP_SENT:
		v = o->sent(o->ud, c->host, c->spec);
		ok = cmd_op_holds(c->op, v, c->n);
		snprintf(found, cap, "%lld", (long long)v);
		break;
	case CMD_F_EXP_TIME: {
		char d[32];
		v = o->now(o->ud);
		ok = cmd_op_holds(c->op, v, c->dur);
		snprintf(found, cap, "%s", cmd_duration_str(v, d, sizeof d));
		break;
	}
	default:
		snprintf(found, cap, "nothing to check");
		break;
	}
	return ok;
}

/* The model's side of an expectation: the runner's world. */
static enum tcp_state obs_state(void *ud, int host) { return world_host_state(((struct runner *)ud)->w, host); }
static int obs_error(void *ud, int host) { return world_host_error(((struct runner *)ud)->w, host); }
static int64_t obs_count(void *ud, int host, enum tcp_state s) { return world_count(((struct runner *)ud)->w, host, s); }
static int64_t obs_counter(void *ud, int host, const char *n) { return world_counter(((struct runner *)ud)->w, host, n); }
static int obs_pid(void *ud, int host) { return world_proc_pid(((struct runner *)ud)->w, host); }
static bool obs_up(void *ud, int host) { return world_host_up(((struct runner *)ud)->w, host); }
static int64_t obs_sent(void *ud, int host, int spec) { return ((struct runner *)ud)->sent[host].seg[spec]; }
static int64_t obs_now(void *ud) { return world_now(((struct runner *)ud)->w); }

static const uint8_t *obs_recv(void *ud, int host, size_t *n)
{
	struct runner *r = ud;
	*n = r->recv_len[host];
	return r->recv[host];
}

static int exec_expect(struct runner *r, const struct cmd *c)
{
	const struct cmd_observe o = { r, obs_state, obs_error, obs_count, obs_counter,
				       obs_recv, obs_pid, obs_up, obs_sent, obs_now };
	char found[200];
	return cmd_expect_holds(c, &o, found, sizeof found) ? runner_expect_ok(r, c)
							     : runner_expect_fail(r, c, found);
}

static int exec_mark(struct runner *r, const struct cmd *c)
{
	(void)c;
	runner_mark(r);
	return FW_RUN_DONE;
}

static int exec_say(struct runner *r, const struct cmd *c)
{
	runner_say(r, c->str);
	return FW_RUN_DONE;
}

static int exec_pause(struct runner *r, const struct cmd *c)
{
	(void)c;
	r->paused = true;
	return FW_RUN_DONE;
}

static int exec_resume(struct runner *r, const struct cmd *c)
{
	(void)c;
	r->paused = false;
	return FW_RUN_DONE;
}

static int exec_step(struct runner *r, const struct cmd *c)
{
	if (c->form == CMD_F_PLAIN)
		r->step_requests++;
	return FW_RUN_DONE;
}

/* The crowd starts now and goes on as virtual time passes (`wait` lets it run). */
static int exec_crowd(struct runner *r, const struct cmd *c)
{
	int rc = world_crowd(r->w, FW_CLIENT, &c->crowd);
	if (rc < 0) {
		snprintf(r->msg, sizeof r->msg, "%s:%d: %s: the model refused the crowd (%s)", c->file,
			 c->line, c->text, fw_errno_name(-rc));
		return FW_RUN_ERROR;
	}
	return FW_RUN_DONE;
}

/* `lesson` opens a lesson: before anything runs, the structure of its file's commands (as
 * queued: the whole file when a file is run) must hold, `lesson` first among them and every
 * question complete.  The player checks the same when it loads the file. */
static int exec_lesson(struct runner *r, const struct cmd *c)
{
	int from = r->last, to = r->last;
	while (from > 0 && r->cmds[from - 1]->file == c->file)
		from--;
	while (to < r->ncmds && r->cmds[to]->file == c->file)
		to++;
	int rc = cmd_check_structure(r->cmds + from, to - from, r->msg, sizeof r->msg);
	if (rc < 0) {
		/* one line, without the newline: runner_message() is a single message */
		char *nl = strchr(r->msg, '\n');
		if (nl)
			*nl = '\0';
		return FW_RUN_ERROR;
	}
	return FW_RUN_DONE;
}

/* Headless, a question counts as answered; the lesson player asks it on screen. */
static int exec_lesson_data(struct runner *r, const struct cmd *c)
{
	(void)r;
	(void)c;
	return FW_RUN_DONE;
}

static int exec_speed(struct runner *r, const struct cmd *c)
{
	r->speed = c->speed;
	return FW_RUN_DONE;
}

/* ---- the table --------------------------------------------------------------------------- */

static const char *const h_port[] = { "80", "8080", NULL };
static const char *const h_send[] = { "100", "\"hello\"", NULL };
static const char *const h_shutdown[] = { "wr", "rd", "rdwr", NULL };
static const char *const h_keepalive[] = { "on idle 10s intvl 5s cnt 3", "off", NULL };
static const char *const h_linger2[] = { "10", "-1", NULL };
static const char *const h_kill[] = { "server", "client TERM", "-9 server", NULL };
static const char *const h_host[] = { "client", "server", NULL };
static const char *const h_drop[] = { "next client->server FIN", "wave 2", "all s->c ACK",
				      "nth 3", NULL };
static const char *const h_delay[] = { "next server->client 300ms", NULL };
static const char *const h_dup[] = { "next client->server", NULL };
static const char *const h_reorder[] = { "next", NULL };
static const char *const h_loss[] = { "10%", "5% seed 7", NULL };
static const char *const h_set[] = { "tcp_fin_timeout 30", "latency 20ms", NULL };
static const char *const h_wait[] = { "61s", "until client TIME_WAIT", "until idle", NULL };
static const char *const h_expect[] = { "server CLOSE_WAIT", "client error ECONNRESET",
					"time >= 60s", "client sent FIN 2", NULL };
static const char *const h_say[] = { "\"Watch the FIN.\"", NULL };
static const char *const h_speed[] = { "0.5", "10", NULL };
static const char *const h_crowd[] = { "1000", "1000 80 closer server", "100 leak",
				       "30000 every 100us", NULL };
static const char *const h_title[] = { "\"The four-way close\"", NULL };
static const char *const h_ask[] = { "\"Which state comes next?\"", NULL };
static const char *const h_choice[] = { "\"CLOSE_WAIT\"", NULL };
static const char *const h_answer[] = { "1", "2", NULL };
static const char *const h_explain[] = { "\"Because ...\"", NULL };

static const struct cmd_def table[] = {
	{ "listen", true, "[PORT]",
	  "socket, bind, listen (port 80 by default); connections are accepted automatically",
	  parse_port, exec_listen, h_port },
	{ "connect", true, "[PORT]",
	  "socket, connect: the three-way handshake (waits until it finished or failed)",
	  parse_port, exec_connect, h_port },
	{ "send", true, "N|\"text\"", "write N bytes (a-z repeated) or the text",
	  parse_send, exec_send, h_send },
	{ "recv", true, "", "read what has arrived (expect HOST recv \"...\" checks it)",
	  parse_none, exec_recv, NULL },
	{ "close", true, "", "close(): FIN, or RST when data is unread", parse_none, exec_close,
	  NULL },
	{ "shutdown", true, "wr|rd|rdwr", "shutdown(): wr sends a FIN but keeps the socket",
	  parse_shutdown, exec_shutdown, h_shutdown },
	{ "abort", true, "", "SO_LINGER {1,0} then close(): RST, no TIME_WAIT", parse_none,
	  exec_abort, NULL },
	{ "keepalive", true, "on [idle D] [intvl D] [cnt N] | off",
	  "SO_KEEPALIVE with TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT", parse_keepalive,
	  exec_keepalive, h_keepalive },
	{ "linger2", true, "SECONDS",
	  "TCP_LINGER2: orphaned FIN_WAIT_2 time (0 = tcp_fin_timeout, negative = RST)",
	  parse_linger2, exec_linger2, h_linger2 },
	{ "kill", false, "HOST [SIGNAL]",
	  "signal the host's application process (KILL by default); its kernel closes its sockets",
	  parse_kill, exec_kill, h_kill },
	{ "crash", false, "HOST", "power the host off: it never sends or answers again",
	  parse_host, exec_crash, h_host },
	{ "reboot", false, "HOST", "power the host on with no TCP state: it answers with RST",
	  parse_host, exec_reboot, h_host },
	{ "drop", false, "next|nth N|all [DIR] [FLAG] | wave N",
	  "lose segments on the wire (DIR client->server or server->client; FLAG FIN ACK RST SYN data)",
	  parse_drop, exec_fault, h_drop },
	{ "delay", false, "next|nth N|all [DIR] [FLAG] DURATION",
	  "hold matching segments back for DURATION", parse_delay, exec_fault, h_delay },
	{ "duplicate", false, "next|nth N|all [DIR] [FLAG]", "deliver matching segments twice",
	  parse_duplicate, exec_fault, h_dup },
	{ "reorder", false, "next [DIR]", "let the next segment overtake the one before it",
	  parse_reorder, exec_fault, h_reorder },
	{ "loss", false, "PCT [seed N]", "lose PCT% of all segments at random (repeatably)",
	  parse_loss, exec_fault, h_loss },
	{ "heal", false, "", "remove every fault", parse_none, exec_heal, NULL },
	{ "crowd", false,
	  "N [PORT] [closer client|server] [leak] [every D] [request N] [response N]",
	  "the client opens N short connections, one every D (1ms); the screen counts them",
	  parse_crowd, exec_crowd, h_crowd },
	{ "set", false, "[HOST] KNOB VALUE",
	  "change a sysctl or model knob (both hosts unless one is named)", parse_set, exec_set,
	  h_set },
	{ "wait", false, "DURATION | until HOST STATE | until idle",
	  "let virtual time pass", parse_wait, exec_wait, h_wait },
	{ "expect", false,
	  "HOST STATE | HOST error ERRNO|none | HOST count STATE [OP] N | HOST counter NAME [OP] N"
	  " | HOST recv \"text\" | HOST pid none|alive | HOST up|down | HOST sent SPEC [OP] N"
	  " | time OP DURATION",
	  "check the model; a failed expectation stops the script (exit status 1)", parse_expect,
	  exec_expect, h_expect },
	{ "mark", false, "", "start counting segments anew for `expect HOST sent`", parse_none,
	  exec_mark, NULL },
	{ "say", false, "\"text\"", "narration", parse_say, exec_say, h_say },
	{ "pause", false, "", "stop the clock (on screen)", parse_none, exec_pause, NULL },
	{ "resume", false, "", "start the clock again", parse_none, exec_resume, NULL },
	{ "step", false, "[\"title\"]",
	  "alone: advance to the next event (on screen); with a title: start a lesson step",
	  parse_step, exec_step, h_title },
	{ "speed", false, "X", "clock speed from 0.1 to 1000 times real time", parse_speed,
	  exec_speed, h_speed },
	{ "lesson", false, "\"title\"", "the lesson's title: the first line of a lesson file",
	  parse_text, exec_lesson, h_title },
	{ "ask", false, "\"question\"",
	  "a question; then 2-9 choice lines, answer N and explain (headless: counts as answered)",
	  parse_text, exec_lesson_data, h_ask },
	{ "choice", false, "\"text\"", "one possible answer to the question above",
	  parse_text, exec_lesson_data, h_choice },
	{ "answer", false, "N", "which choice is right (1 = the first)", parse_answer,
	  exec_lesson_data, h_answer },
	{ "explain", false, "\"text\"", "why (shown after the answer; several lines allowed)",
	  parse_text, exec_lesson_data, h_explain },
};

const struct cmd_def *cmd_table(int *n)
{
	*n = NELEM(table);
	return table;
}

const struct cmd_def *cmd_find(const char *name, bool host_first)
{
	for (int i = 0; i < NELEM(table); i++)
		if (table[i].host_first == host_first && strcasecmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

/* The words a line may start with (hosts, then commands) and those after a host. */
static const char *first_words[NELEM(table) + 2];
static const char *host_verbs[NELEM(table)];
static int nfirst, nverbs;

static void words_init(void)
{
	if (nfirst)
		return;
	first_words[nfirst++] = "client";
	first_words[nfirst++] = "server";
	for (int i = 0; i < NELEM(table); i++) {
		if (table[i].host_first)
			host_verbs[nverbs++] = table[i].name;
		else
			first_words[nfirst++] = table[i].name;
	}
}

bool cmd_parse(struct cmd_parser *p, struct cmd *c)
{
	const struct cmd_def *d = NULL;
	int idx;

	words_init();
	c->host = -1;
	const struct script_tok *t = script_peek_word(p);
	if (t && (script_peek_is(p, "client") || script_peek_is(p, "server"))) {
		script_host(p, &c->host);
		if (!script_choice(p, host_verbs, nverbs, NULL, &idx))
			return false;
		d = &table[0];
		for (int i = 0; i < NELEM(table); i++)
			if (table[i].host_first && strcmp(table[i].name, host_verbs[idx]) == 0)
				d = &table[i];
	} else {
		for (int i = 0; t && i < NELEM(table); i++) {
			if (!table[i].host_first && script_peek_is(p, table[i].name)) {
				d = &table[i];
				break;
			}
		}
		if (!d) {
			script_expected(p, "a command", first_words, nfirst);
			return false;
		}
		script_skip(p);
	}
	c->def = d;
	if (!d->parse(p, c))
		return false;
	return script_end(p);
}

const char *cmd_usage(const struct cmd_def *d, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s%s%s", d->host_first ? "HOST " : "", d->name, d->args[0] ? " " : "",
		 d->args);
	return buf;
}

void cmd_release(struct cmd *c)
{
	free(c->text);
	free(c->str);
	c->text = NULL;
	c->str = NULL;
	c->len = 0;
}

bool cmd_op_holds(enum cmd_op op, int64_t a, int64_t b)
{
	switch (op) {
	case CMD_OP_EQ: return a == b;
	case CMD_OP_LT: return a < b;
	case CMD_OP_LE: return a <= b;
	case CMD_OP_GE: return a >= b;
	case CMD_OP_GT: return a > b;
	}
	return false;
}

const char *cmd_op_name(enum cmd_op op)
{
	switch (op) {
	case CMD_OP_EQ: return "==";
	case CMD_OP_LT: return "<";
	case CMD_OP_LE: return "<=";
	case CMD_OP_GE: return ">=";
	case CMD_OP_GT: return ">";
	}
	return "?";
}

const char *cmd_duration_str(int64_t us, char *buf, size_t cap)
{
	static const struct {
		const char *unit;
		int64_t mult;
	} units[] = { { "h", 3600000000LL }, { "m", 60000000 }, { "s", 1000000 }, { "ms", 1000 } };
	const char *sign = us < 0 ? "-" : "";
	int64_t a = us < 0 ? -us : us;

	if (us == FW_NEVER) {
		snprintf(buf, cap, "never");
		return buf;
	}
	/* the largest unit that divides it exactly; else seconds with decimals, or us */
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (a != 0 && a % units[i].mult == 0 && (units[i].mult >= 1000000 || a < 1000000)) {
			snprintf(buf, cap, "%s%lld%s", sign, (long long)(a / units[i].mult),
				 units[i].unit);
			return buf;
		}
	}
	if (a == 0) {
		snprintf(buf, cap, "0s");
	} else if (a < 1000000) {
		snprintf(buf, cap, "%s%lldus", sign, (long long)a);
	} else {
		char frac[8];
		int k = snprintf(frac, sizeof frac, "%06lld", (long long)(a % 1000000));
		while (k > 0 && frac[k - 1] == '0')
			frac[--k] = '\0';
		snprintf(buf, cap, "%s%lld.%ss", sign, (long long)(a / 1000000), frac);
	}
	return buf;
}

bool cmd_seg_matches(uint8_t flag, bool data, uint8_t seg_flags, unsigned seg_len)
{
	if (data)
		return seg_len > 0;
	if (flag == FW_ACK)
		return seg_flags == FW_ACK && seg_len == 0;    /* a pure ACK */
	if (flag)
		return (seg_flags & flag) != 0;
	return true;
}

bool cmd_is(const struct cmd *c, const char *name)
{
	return c && c->def && !c->def->host_first && strcmp(c->def->name, name) == 0;
}

/* ---- what spans lines: lessons and questions ---------------------------------------------- */

#define STRUCT_MAX_ERRORS 20

struct errs {
	char *buf;
	size_t cap, used;
	int n;
};

static void errs_add(struct errs *e, const struct cmd *at, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void errs_add(struct errs *e, const struct cmd *at, int col, const char *fmt, ...)
{
	va_list ap;
	if (e->n++ >= STRUCT_MAX_ERRORS || !e->buf || e->used + 1 >= e->cap)
		return;
	int k = snprintf(e->buf + e->used, e->cap - e->used, "%s:%d:%d: error: ",
			 at->file ? at->file : "<script>", at->line, col);
	if (k > 0)
		e->used += (size_t)k < e->cap - e->used ? (size_t)k : e->cap - e->used - 1;
	va_start(ap, fmt);
	k = vsnprintf(e->buf + e->used, e->cap - e->used, fmt, ap);
	va_end(ap);
	if (k > 0)
		e->used += (size_t)k < e->cap - e->used ? (size_t)k : e->cap - e->used - 1;
	if (e->used + 1 < e->cap) {
		e->buf[e->used++] = '\n';
		e->buf[e->used] = '\0';
	}
}

/* The command as the message shows it: its words, cut after about 40 bytes (never inside
 * a UTF-8 character). */
static const char *shown(const struct cmd *c, char *buf, size_t cap)
{
	const char *t = c->text ? c->text : c->def->name;
	int n = (int)strlen(t);
	if (n <= 40 || cap < 48) {
		snprintf(buf, cap, "%s", t);
		return buf;
	}
	n = 40;
	while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
		n--;
	snprintf(buf, cap, "%.*s...", n, t);
	return buf;
}

/* What may follow in a question's block after nch choices, and why (or ""). */
static const char *block_wants(int nch, const char **why)
{
	*why = "";
	if (nch < 2) {
		*why = " (a question needs at least 2 choices)";
		return "choice \"text\"";
	}
	if (nch < CMD_MAX_CHOICES)
		return "one of: choice \"text\", answer N";
	*why = " (a question has at most 9 choices)";
	return "answer N";
}

/*
 * The block of the question at cmds[i]: choices, the answer, explanations.  Problems go to e.
 * Returns the index of the last command that belongs to the block (the block's own lines,
 * even a broken block's, are not reported again as strays).
 */
static int check_question(const struct cmd *const *cmds, int n, int i, struct errs *e)
{
	const struct cmd *ask = cmds[i];
	char b[64];
	int j = i + 1, nch = 0;

	while (j < n && cmd_is(cmds[j], "choice") && nch < CMD_MAX_CHOICES) {
		nch++;
		j++;
	}
	if (j >= n || !cmd_is(cmds[j], "answer") || nch < 2) {
		const char *why, *want = block_wants(nch, &why);
		if (j >= n)
			errs_add(e, ask, ask->col, "found end of file, expected %s for this question%s",
				 want, why);
		else
			errs_add(e, cmds[j], cmds[j]->col, "found '%s', expected %s for the question "
				 "at line %d%s", shown(cmds[j], b, sizeof b), want, ask->line, why);
		while (j < n && (cmd_is(cmds[j], "choice") || cmd_is(cmds[j], "answer") ||
				 cmd_is(cmds[j], "explain")))
			j++;
		return j - 1;
	}
	if (cmds[j]->n > nch)
		errs_add(e, cmds[j], cmds[j]->argcol ? cmds[j]->argcol : cmds[j]->col,
			 "found '%lld', expected the number of the right choice in 1..%d",
			 (long long)cmds[j]->n, nch);
	j++;
	if (j >= n || !cmd_is(cmds[j], "explain")) {
		if (j >= n)
			errs_add(e, ask, ask->col, "found end of file, expected explain \"why\" for "
				 "this question (every answer is explained)");
		else
			errs_add(e, cmds[j], cmds[j]->col, "found '%s', expected explain \"why\" for the "
				 "question at line %d (every answer is explained)",
				 shown(cmds[j], b, sizeof b), ask->line);
	}
	while (j < n && cmd_is(cmds[j], "explain"))
		j++;
	return j - 1;
}

int cmd_check_structure(const struct cmd *const *cmds, int n, char *err, size_t errlen)
{
	struct errs e = { .buf = err, .cap = errlen };
	if (err && errlen)
		err[0] = '\0';
	for (int i = 0; i < n; i++) {
		const struct cmd *c = cmds[i];
		if (cmd_is(c, "lesson") && i > 0)
			errs_add(&e, c, c->col, "found 'lesson' after other commands, expected it only "
				 "once, as the first command of the file");
		if (cmd_is(c, "choice") || cmd_is(c, "answer") || cmd_is(c, "explain"))
			errs_add(&e, c, c->col, "found '%s' outside a question, expected ask "
				 "\"question\" before it", c->def->name);
		if (cmd_is(c, "ask"))
			i = check_question(cmds, n, i, &e);
	}
	return e.n ? -EINVAL : 0;
}

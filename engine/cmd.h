/*
 * cmd.h: the one command table of the scenario language.
 *
 * Every command the language knows (`server listen`, `drop wave 2`, `expect client
 * TIME_WAIT` ...) is one struct cmd_def: its name, its argument grammar as the help shows
 * it, a one-line help text, a parse function, an exec function and completion hints.  The
 * script runner, the readline prompt (tab completion and `help`) and the lesson player all
 * use this table; nothing else knows the language.
 *
 * Commands written with a host first (`server listen 8080`) have host_first set; the parser
 * reads the host, then the command name.  A parsed command is a struct cmd: the definition
 * it matched, where it was written, and its arguments in the members the definition uses.
 *
 * Lessons are scripts too.  `lesson "title"` opens one, `step "title"` starts each step,
 * `say` narrates, and a question is a block of lines:
 *
 *   ask "The server has just received the FIN.  Which state is it in now?"
 *   choice "FIN_WAIT_2"
 *   choice "CLOSE_WAIT"
 *   answer 2
 *   explain "A FIN received in ESTABLISHED moves to CLOSE_WAIT."
 *
 * Run headless these do nothing (a question counts as answered); a line at a time they
 * parse like any command, and cmd_check_structure() checks what spans lines: the block of
 * every question, and `lesson` coming first.
 */
#ifndef FW_CMD_H
#define FW_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "world.h"

struct cmd_parser;
struct runner;
struct cmd;

/* Comparison operators of `expect ... [OP] N` and `expect time OP D`. */
enum cmd_op { CMD_OP_EQ, CMD_OP_LT, CMD_OP_LE, CMD_OP_GE, CMD_OP_GT };

/* What a command's exec function reports to the runner (see runner.h for enum fw_run). */
typedef int (*cmd_exec_fn)(struct runner *r, const struct cmd *c);
/* Parse the arguments after the command name; false on a syntax error (the parser holds
 * what was expected where). */
typedef bool (*cmd_parse_fn)(struct cmd_parser *p, struct cmd *c);

struct cmd_def {
	const char *name;              /* "listen" */
	bool host_first;               /* written `HOST name ...` */
	const char *args;              /* argument grammar: "[PORT]" */
	const char *help;              /* one line of help */
	cmd_parse_fn parse;
	cmd_exec_fn exec;
	const char *const *hints;      /* example arguments for the prompt, NULL-terminated */
};

/* Sub-forms of commands with several shapes (struct cmd.form). */
enum cmd_form {
	CMD_F_PLAIN,
	/* send */
	CMD_F_SEND_COUNT, CMD_F_SEND_TEXT,
	/* wait */
	CMD_F_WAIT_TIME, CMD_F_WAIT_STATE, CMD_F_WAIT_IDLE,
	/* expect */
	CMD_F_EXP_STATE, CMD_F_EXP_ERROR, CMD_F_EXP_COUNT, CMD_F_EXP_COUNTER, CMD_F_EXP_RECV,
	CMD_F_EXP_PID, CMD_F_EXP_UP, CMD_F_EXP_SENT, CMD_F_EXP_TIME,
	/* step: the clock command (CMD_F_PLAIN) or a lesson step with a title */
	CMD_F_STEP_TITLE,
};

/* A question offers 2..CMD_MAX_CHOICES choices (answered with the keys 1..9). */
#define CMD_MAX_CHOICES 9
/* Connections one `crowd` may open. */
#define CMD_CROWD_MAX   100000

/* What `expect HOST sent SPEC` counts (segments the host sent since the last `mark`). */
enum cmd_seg_spec {
	CMD_SEG_ANY, CMD_SEG_FIN, CMD_SEG_ACK, CMD_SEG_RST, CMD_SEG_SYN, CMD_SEG_DATA,
	CMD_SEG_RETRANS,
};

/*
 * A parsed command.  Members not used by the command keep their zero (host -1) values.
 */
struct cmd {
	const struct cmd_def *def;
	const char *file;              /* borrowed from the script */
	int line, col;                 /* where the command starts (1-based) */
	int argcol;                    /* answer: column of its number (for structure errors) */
	char *text;                    /* the command's words joined by single spaces */
	enum cmd_form form;
	int host;                      /* the host argument, -1 when none */
	int port;                      /* listen, connect */
	int how;                       /* shutdown: FW_SHUT_*; kill: signal number */
	bool on;                       /* keepalive on/off; expect up/down; pid alive/none */
	int64_t n;                     /* send count; expected number; seed; answer (1-based) */
	int64_t dur;                   /* wait, expect time, delay: microseconds */
	int idle_s, intvl_s, cnt;      /* keepalive on: 0 = the sysctl */
	int seconds;                   /* linger2 */
	enum tcp_state state;          /* wait until, expect */
	enum cmd_op op;                /* expect: comparison */
	int spec;                      /* expect sent: enum cmd_seg_spec */
	int err;                       /* expect error: positive errno, 0 = none */
	char *str;                     /* send "text", say, expect recv, counter name; the text
					* of lesson, step, ask, choice, explain */
	size_t len;                    /* length of str (it may hold any bytes but NUL) */
	const struct fw_knob *knob;    /* set */
	int64_t value;                 /* set: value in the knob's unit */
	struct fw_fault fault;         /* drop, delay, duplicate, reorder, loss */
	double speed;                  /* speed */
	struct fw_crowd crowd;         /* crowd (opened by the client) */
};

/* The table, in the order help lists it. */
const struct cmd_def *cmd_table(int *n);
/* The definition named `name` (host_first selects which half of the table). */
const struct cmd_def *cmd_find(const char *name, bool host_first);

/*
 * Parse one command from the parser's tokens (the whole line): the dispatcher that reads an
 * optional host, finds the definition and calls its parse function.  False on a syntax
 * error.  Used by script.c for files, the prompt and completion.
 */
bool cmd_parse(struct cmd_parser *p, struct cmd *c);

/* "HOST listen [PORT]" into buf; returns buf. */
const char *cmd_usage(const struct cmd_def *d, char *buf, size_t cap);

/*
 * Check what spans lines in the commands cmds[0..n) of one file: `lesson` is the first
 * command and comes once; every `ask` is followed by 2..CMD_MAX_CHOICES `choice` lines,
 * one `answer` in range and at least one `explain`; `choice`, `answer` and `explain` appear
 * nowhere else.  Returns 0, or -EINVAL with err holding one "FILE:LINE:COL: error: ..." line
 * per problem (at most 20, each ending in '\n').
 */
int cmd_check_structure(const struct cmd *const *cmds, int n, char *err, size_t errlen);

/*
 * What an expectation reads about a host, from the model's world (cmd.c) or from the real
 * kernel (rt_kernel_run.c), so both judge `expect` by the same rules.
 */
struct cmd_observe {
	void *ud;
	enum tcp_state (*state)(void *ud, int host);
	int (*error)(void *ud, int host);
	int64_t (*count)(void *ud, int host, enum tcp_state s);
	int64_t (*counter)(void *ud, int host, const char *name);     /* -1: no such counter */
	const uint8_t *(*recv)(void *ud, int host, size_t *n);         /* the last recv's bytes */
	int (*pid)(void *ud, int host);                                /* 0: no process */
	bool (*up)(void *ud, int host);
	int64_t (*sent)(void *ud, int host, int spec);                 /* since `mark` */
	int64_t (*now)(void *ud);
};

/* Count a sent segment into n[] by every enum cmd_seg_spec it matches (for `expect sent`). */
void cmd_count_sent(int64_t *n, const struct fw_seg *s, int retrans);
/* The expectation as written, without the word "expect". */
const char *cmd_expect_text(const struct cmd *c);

/* Whether expectation c holds; `found` says what was there (for "expected X, found Y"). */
bool cmd_expect_holds(const struct cmd *c, const struct cmd_observe *o, char *found, size_t cap);

/* True if c is the command `name` (a command that is not written host first). */
bool cmd_is(const struct cmd *c, const char *name);

/* Free what a parsed command owns (text, str) and reset it. */
void cmd_release(struct cmd *c);

/* Compare a with b by op. */
bool cmd_op_holds(enum cmd_op op, int64_t a, int64_t b);
const char *cmd_op_name(enum cmd_op op);

/* Format a duration in microseconds the way the language writes it ("40ms", "1.5s"). */
const char *cmd_duration_str(int64_t us, char *buf, size_t cap);

/* True if a segment with these flags and payload length matches the fault/expect flag rule:
 * FW_ACK means a pure ACK (only ACK set, no payload); FIN, RST, SYN mean the flag is set;
 * data (flag 0, data true) means payload > 0; flag 0 and data false match anything. */
bool cmd_seg_matches(uint8_t flag, bool data, uint8_t seg_flags, unsigned seg_len);

#endif

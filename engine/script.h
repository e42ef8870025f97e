/*
 * script.h: the scenario language's lexer and parser.
 *
 * A script is text: one command per line, `#` starts a comment, blank lines are fine.  A
 * line is split into words (anything between spaces) and strings ("..." with \" \\ \n \t
 * escapes; UTF-8 passes through).  The command table (cmd.h) gives each command's grammar as
 * a parse function written with the helpers below; they record, at the furthest word any
 * alternative reached, what would have been accepted there.  That one record gives both the
 * error message ("file:3:12: error: found 'xyz', expected one of: FIN, ACK ...") and tab
 * completion (the words accepted at the end of a partial line).
 *
 * Columns are 1-based and count characters (UTF-8 code points), not bytes.
 *
 * Parsing is pure: the text comes in as a buffer (reading the file is the caller's job).
 * A syntax error anywhere means the whole script is rejected.
 */
#ifndef FW_SCRIPT_H
#define FW_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd.h"

#define SCRIPT_MAX_TOK 64          /* words on one line */
#define SCRIPT_MAX_EXP 40          /* alternatives remembered at the furthest failure */

enum script_tok_kind { SCRIPT_WORD, SCRIPT_STRING };

struct script_tok {
	enum script_tok_kind kind;
	const char *s;                 /* the raw text in the line (strings with their quotes) */
	int len;                       /* raw length in bytes */
	int col;                       /* 1-based column of its first character */
	char *str;                     /* SCRIPT_STRING: the decoded bytes (owned) */
	size_t slen;
};

/* One thing that would have been accepted: a label for messages ("a duration like 40ms")
 * and the literal words it stands for, for completion and "did you mean". */
struct script_exp {
	const char *label;
	const char *const *cands;
	int ncands;
	const char *word;              /* storage for a one-word literal (cands points here) */
	bool literal;                  /* a literal word (as opposed to a description) */
};

struct cmd_parser {
	const struct script_tok *tok;
	int ntok;
	int pos;                       /* next token */
	int endcol;                    /* column just past the last character of the line */
	int fail_pos;                  /* furthest token position where something failed */
	struct script_exp exp[SCRIPT_MAX_EXP];
	int nexp;
	int hard_pos;                  /* a well-formed word with a wrong value is here, or -1 */
	char labels[1024];             /* storage for labels built at parse time */
	size_t labels_used;
};

/* ---- parser helpers, used by the parse functions in cmd.c ----------------------------- */

/* Note that `label` (with completion words cands[0..n)) was expected at the current position. */
void script_expected(struct cmd_parser *p, const char *label, const char *const *cands, int n);
/* Like script_expected with a label formatted into the parser's own storage. */
void script_expectedf(struct cmd_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A word of the right shape but a wrong value (out of range, unknown name) at the current
 * position: the error names only this expectation there.  Returns false. */
bool script_value_error(struct cmd_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool script_at_end(const struct cmd_parser *p);
/* Consume the current token (after script_peek_word said it is the one). */
void script_skip(struct cmd_parser *p);
/* The current token if it is a word, else NULL (nothing consumed, nothing recorded). */
const struct script_tok *script_peek_word(const struct cmd_parser *p);
/* True if the current token equals w (case-insensitively) */
bool script_peek_is(const struct cmd_parser *p, const char *w);
/* Accept the literal word w (case-insensitive). */
bool script_word(struct cmd_parser *p, const char *w);
/* Accept one of words[0..n); *idx gets its index.  label NULL lists the words themselves. */
bool script_choice(struct cmd_parser *p, const char *const *words, int n, const char *label,
		   int *idx);
/* The end of the line. */
bool script_end(struct cmd_parser *p);
/* An integer in [min, max]; label says what it is ("a port number"). */
bool script_int(struct cmd_parser *p, int64_t min, int64_t max, const char *label, int64_t *v);
/* A duration with its unit: 250us 40ms 1.5s 2m 2h, in microseconds. */
bool script_duration(struct cmd_parser *p, int64_t *us);
/* A quoted string (decoded, copied into *out, owned by the caller). */
bool script_string(struct cmd_parser *p, char **out, size_t *len);
bool script_host(struct cmd_parser *p, int *host);
bool script_state(struct cmd_parser *p, enum tcp_state *st);
/* A bare identifier-like word (letters, digits, _), copied into *out. */
bool script_ident(struct cmd_parser *p, const char *label, char **out);

/* Parse a duration word ("40ms") into microseconds; false if it is not one. */
bool script_parse_duration(const char *s, size_t len, int64_t *us);

/* ---- whole scripts ---------------------------------------------------------------------- */

struct script {
	char *file;
	struct cmd *cmds;
	int ncmds;
};

/*
 * Parse a whole script.  On success *out holds the commands and 0 is returned.  On syntax
 * errors nothing is returned, err holds one "FILE:LINE:COL: error: ..." line per bad line
 * (at most 20, each ending in '\n') and -EINVAL is returned; -ENOMEM if memory ran out.
 */
int script_parse(const char *file, const char *text, size_t len, struct script **out,
		 char *err, size_t errlen);
void script_free(struct script *s);

/*
 * Parse one line (the prompt, a lesson step).  Returns 1 and fills *c on a command, 0 for a
 * blank or comment line, -EINVAL with err set ("FILE:LINE:COL: error: ...", no newline) on a
 * syntax error.  file may be NULL ("<prompt>").  The caller frees *c with cmd_release().
 */
int script_parse_line(const char *file, int line, const char *text, size_t len, struct cmd *c,
		      char *err, size_t errlen);

/*
 * Tab completion: the words that may come next in the partial line `line` (the last word,
 * if the line does not end in a space, is the prefix they must start with).  Fills up to max
 * entries of cands (static strings) and returns how many there are in all; hint (may be
 * NULL) gets what is expected there in words ("a duration like 40ms"), or "" if nothing.
 */
int script_complete(const char *line, const char **cands, int max, char *hint, size_t hintlen);

#endif

/*
 * script.c: the scenario language's lexer, its parser helpers, error messages and tab
 * completion.
 *
 * A line is lexed into words and strings; cmd_parse() (cmd.c) walks them with the helpers
 * below.  Each helper that fails notes what it wanted at the current position; only the
 * furthest position is kept (the usual "expected set" of a recursive-descent parser).  When
 * a line does not parse, that set is the error message; when a partial line is completed,
 * the set at its end is the list of candidates.  The parser never looks at anything but the
 * tokens, so the prompt, lessons and files behave the same.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "script.h"

#define SCRIPT_MAX_ERRORS 20

static const char *const host_words[] = { "client", "server" };
static const char *const state_words[] = {
	"CLOSED", "LISTEN", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2",
	"CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};

/* ---- the lexer -------------------------------------------------------------------------- */

struct lex_error {
	int col;
	char msg[200];
};

/* 1-based column of p in line, counting UTF-8 code points (continuation bytes do not count). */
static int lex_col(const char *line, const char *p)
{
	int col = 1;
	for (const char *q = line; q < p; q++)
		if (((unsigned char)*q & 0xc0) != 0x80)
			col++;
	return col;
}

static bool lex_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

static void lex_free(struct script_tok *tok, int n)
{
	for (int i = 0; i < n; i++) {
		free(tok[i].str);
		tok[i].str = NULL;
	}
}

/* Decode the string starting at line[i] (a '"') into t. */
static int lex_string(const char *line, size_t len, size_t i, struct script_tok *t,
		      struct lex_error *e)
{
	char *buf = malloc(len - i + 1);
	size_t j = i + 1, o = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (j >= len) {
			free(buf);
			e->col = t->col;
			snprintf(e->msg, sizeof e->msg, "unterminated string (the closing \" is missing)");
			return -EINVAL;
		}
		char ch = line[j];
		if (ch == '"') {
			j++;
			break;
		}
		if (ch == '\0') {
			free(buf);
			e->col = lex_col(line, line + j);
			snprintf(e->msg, sizeof e->msg, "found a NUL byte in a string");
			return -EINVAL;
		}
		if (ch == '\\') {
			char x = j + 1 < len ? line[j + 1] : '\0';
			switch (x) {
			case '"': buf[o++] = '"'; break;
			case '\\': buf[o++] = '\\'; break;
			case 'n': buf[o++] = '\n'; break;
			case 't': buf[o++] = '\t'; break;
			default:
				free(buf);
				e->col = lex_col(line, line + j);
				if (isprint((unsigned char)x))
					snprintf(e->msg, sizeof e->msg,
						 "found '\\%c', expected one of: \\\", \\\\, \\n, \\t", x);
				else
					snprintf(e->msg, sizeof e->msg,
						 "found a lone '\\', expected one of: \\\", \\\\, \\n, \\t");
				return -EINVAL;
			}
			j += 2;
			continue;
		}
		buf[o++] = ch;
		j++;
	}
	buf[o] = '\0';
	t->kind = SCRIPT_STRING;
	t->str = buf;
	t->slen = o;
	t->len = (int)(j - i);
	return 0;
}

/*
 * Split one line into tokens.  Returns 0 (with *ntok set), -EINVAL with *e filled, or
 * -ENOMEM.  *endcol gets the column just past the last token.
 */
static int lex_line(const char *line, size_t len, struct script_tok *tok, int *ntok, int *endcol,
		    struct lex_error *e)
{
	size_t i = 0;
	int n = 0;

	*endcol = 1;
	while (i < len) {
		char ch = line[i];
		if (lex_space(ch)) {
			i++;
			continue;
		}
		if (ch == '#')
			break;
		if (n == SCRIPT_MAX_TOK) {
			lex_free(tok, n);
			e->col = lex_col(line, line + i);
			snprintf(e->msg, sizeof e->msg, "too many words on one line (at most %d)",
				 SCRIPT_MAX_TOK);
			return -EINVAL;
		}
		struct script_tok *t = &tok[n];
		memset(t, 0, sizeof *t);
		t->s = line + i;
		t->col = lex_col(line, line + i);
		if (ch == '"') {
			int rc = lex_string(line, len, i, t, e);
			if (rc < 0) {
				lex_free(tok, n);
				return rc;
			}
		} else {
			size_t j = i;
			while (j < len && !lex_space(line[j]) && line[j] != '"')
				j++;
			t->kind = SCRIPT_WORD;
			t->len = (int)(j - i);
		}
		i += (size_t)t->len;
		*endcol = lex_col(line, line + i);
		n++;
	}
	*ntok = n;
	return 0;
}

/* ---- parser helpers ------------------------------------------------------------------------ */

static bool tok_is(const struct script_tok *t, const char *w)
{
	return t->kind == SCRIPT_WORD && strlen(w) == (size_t)t->len &&
	       strncasecmp(t->s, w, (size_t)t->len) == 0;
}

static void exp_add(struct cmd_parser *p, const char *label, const char *const *cands, int n,
		    bool literal)
{
	if (p->pos > p->fail_pos) {
		p->fail_pos = p->pos;
		p->nexp = 0;
		p->hard_pos = -1;
	} else if (p->pos < p->fail_pos || p->hard_pos == p->pos) {
		return;
	}
	for (int i = 0; i < p->nexp; i++)
		if (strcmp(p->exp[i].label, label) == 0)
			return;
	if (p->nexp == SCRIPT_MAX_EXP)
		return;
	struct script_exp *x = &p->exp[p->nexp++];
	x->label = label;
	x->literal = literal;
	if (literal) {
		x->word = label;
		x->cands = &x->word;
		x->ncands = 1;
	} else {
		x->word = NULL;
		x->cands = cands;
		x->ncands = n;
	}
}

static const char *label_store(struct cmd_parser *p, const char *fmt, va_list ap)
{
	size_t room = sizeof p->labels - p->labels_used;
	if (room < 2)
		return "(more)";
	char *dst = p->labels + p->labels_used;
	int k = vsnprintf(dst, room, fmt, ap);
	if (k < 0)
		return "(?)";
	p->labels_used += (size_t)k + 1 < room ? (size_t)k + 1 : room;
	return dst;
}

void script_expected(struct cmd_parser *p, const char *label, const char *const *cands, int n)
{
	exp_add(p, label, cands, n, false);
}

void script_expectedf(struct cmd_parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *label = label_store(p, fmt, ap);
	va_end(ap);
	exp_add(p, label, NULL, 0, false);
}

bool script_value_error(struct cmd_parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *label = label_store(p, fmt, ap);
	va_end(ap);
	if (p->pos < p->fail_pos)
		return false;
	p->fail_pos = p->pos;
	p->nexp = 0;
	exp_add(p, label, NULL, 0, false);
	p->hard_pos = p->pos;
	return false;
}

bool script_at_end(const struct cmd_parser *p)
{
	return p->pos >= p->ntok;
}

void script_skip(struct cmd_parser *p)
{
	if (p->pos < p->ntok)
		p->pos++;
}

const struct script_tok *script_peek_word(const struct cmd_parser *p)
{
	if (p->pos >= p->ntok || p->tok[p->pos].kind != SCRIPT_WORD)
		return NULL;
	return &p->tok[p->pos];
}

bool script_peek_is(const struct cmd_parser *p, const char *w)
{
	const struct script_tok *t = script_peek_word(p);
	return t && tok_is(t, w);
}

bool script_word(struct cmd_parser *p, const char *w)
{
	if (script_peek_is(p, w)) {
		p->pos++;
		return true;
	}
	exp_add(p, w, NULL, 0, true);
	return false;
}

bool script_choice(struct cmd_parser *p, const char *const *words, int n, const char *label,
		   int *idx)
{
	const struct script_tok *t = script_peek_word(p);
	for (int i = 0; t && i < n; i++) {
		if (tok_is(t, words[i])) {
			p->pos++;
			*idx = i;
			return true;
		}
	}
	if (label)
		exp_add(p, label, words, n, false);
	else
		for (int i = 0; i < n; i++)
			exp_add(p, words[i], NULL, 0, true);
	return false;
}

bool script_end(struct cmd_parser *p)
{
	if (p->pos >= p->ntok)
		return true;
	exp_add(p, "end of line", NULL, 0, false);
	return false;
}

/* Parse a whole token as a decimal integer. */
static bool tok_int(const struct script_tok *t, int64_t *v)
{
	char buf[32];
	if (t->kind != SCRIPT_WORD || t->len == 0 || t->len >= (int)sizeof buf)
		return false;
	memcpy(buf, t->s, (size_t)t->len);
	buf[t->len] = '\0';
	const char *s = buf;
	if (*s == '-' || *s == '+')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	for (const char *q = s; *q; q++)
		if (!isdigit((unsigned char)*q))
			return false;
	errno = 0;
	long long x = strtoll(buf, NULL, 10);
	if (errno)
		return false;
	*v = x;
	return true;
}

bool script_int(struct cmd_parser *p, int64_t min, int64_t max, const char *label, int64_t *v)
{
	const struct script_tok *t = script_peek_word(p);
	int64_t x;
	if (!t || !tok_int(t, &x)) {
		exp_add(p, label, NULL, 0, false);
		return false;
	}
	if (x < min || x > max)
		return script_value_error(p, "%s in %lld..%lld", label, (long long)min,
					  (long long)max);
	*v = x;
	p->pos++;
	return true;
}

bool script_parse_duration(const char *s, size_t len, int64_t *us)
{
	static const struct {
		const char *unit;
		int64_t mult;
	} units[] = {
		{ "us", 1 }, { "ms", 1000 }, { "s", 1000000 }, { "m", 60000000 },
		{ "h", 3600000000LL },
	};
	size_t i = 0;
	int64_t ip = 0, frac = 0, scale = 1;
	int digits = 0;

	while (i < len && isdigit((unsigned char)s[i])) {
		if (ip > 1000000000LL)
			return false;
		ip = ip * 10 + (s[i++] - '0');
		digits++;
	}
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && isdigit((unsigned char)s[i])) {
			if (scale >= 1000000000LL)
				return false;
			frac = frac * 10 + (s[i++] - '0');
			scale *= 10;
			digits++;
		}
	}
	if (digits == 0)
		return false;
	for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
		size_t ul = strlen(units[u].unit);
		if (len - i == ul && memcmp(s + i, units[u].unit, ul) == 0) {
			int64_t m = units[u].mult;
			if ((frac * m) % scale != 0)
				return false;      /* finer than a microsecond */
			if (ip > INT64_MAX / m / 2)
				return false;
			*us = ip * m + frac * m / scale;
			return true;
		}
	}
	return false;
}

bool script_duration(struct cmd_parser *p, int64_t *us)
{
	const struct script_tok *t = script_peek_word(p);
	if (!t || !script_parse_duration(t->s, (size_t)t->len, us)) {
		exp_add(p, "a duration like 40ms", NULL, 0, false);
		return false;
	}
	p->pos++;
	return true;
}

bool script_string(struct cmd_parser *p, char **out, size_t *len)
{
	if (p->pos >= p->ntok || p->tok[p->pos].kind != SCRIPT_STRING) {
		exp_add(p, "a \"string\"", NULL, 0, false);
		return false;
	}
	const struct script_tok *t = &p->tok[p->pos];
	char *s = malloc(t->slen + 1);
	if (!s)
		return script_value_error(p, "a string (out of memory)");
	memcpy(s, t->str, t->slen + 1);
	free(*out);
	*out = s;
	*len = t->slen;
	p->pos++;
	return true;
}

bool script_host(struct cmd_parser *p, int *host)
{
	int idx;
	if (!script_choice(p, host_words, 2, NULL, &idx))
		return false;
	*host = fw_host_parse(host_words[idx]);
	return true;
}

bool script_state(struct cmd_parser *p, enum tcp_state *st)
{
	const struct script_tok *t = script_peek_word(p);
	char buf[32];
	int s = -1;

	if (t && t->len < (int)sizeof buf) {
		for (int i = 0; i < t->len; i++)
			buf[i] = t->s[i] == '-' ? '_' : (char)toupper((unsigned char)t->s[i]);
		buf[t->len] = '\0';
		s = tcp_state_parse(buf);
	}
	if (s < 0) {
		exp_add(p, "a state", state_words, TCP_NSTATES, false);
		return false;
	}
	*st = (enum tcp_state)s;
	p->pos++;
	return true;
}

bool script_ident(struct cmd_parser *p, const char *label, char **out)
{
	const struct script_tok *t = script_peek_word(p);
	bool ok = t != NULL;
	for (int i = 0; ok && i < t->len; i++)
		ok = isalnum((unsigned char)t->s[i]) || t->s[i] == '_';
	if (!ok) {
		exp_add(p, label, NULL, 0, false);
		return false;
	}
	char *s = strndup(t->s, (size_t)t->len);
	if (!s)
		return script_value_error(p, "%s (out of memory)", label);
	free(*out);
	*out = s;
	p->pos++;
	return true;
}

/* ---- error messages -------------------------------------------------------------------------- */

/* Optimal-string-alignment distance, case-insensitive, for "did you mean". */
static int edit_distance(const char *a, size_t la, const char *b)
{
	size_t lb = strlen(b);
	int d[34][34];
	if (la > 32 || lb > 32)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			int best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < best)
				best = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 &&
			    tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

static bool looks_numeric(const struct script_tok *t)
{
	const char *s = t->s;
	int i = 0;
	if (t->kind != SCRIPT_WORD)
		return false;
	if (i < t->len && (s[i] == '-' || s[i] == '+'))
		i++;
	if (i < t->len && s[i] == '.')
		i++;
	return i < t->len && isdigit((unsigned char)s[i]);
}

/* Append the token as the user wrote it, with control bytes escaped and long ones cut. */
static void show_tok(char *buf, size_t cap, const struct script_tok *t)
{
	size_t o = 0;
	for (int i = 0; i < t->len && o + 8 < cap; i++) {
		unsigned char ch = (unsigned char)t->s[i];
		if (i >= 40) {
			o += (size_t)snprintf(buf + o, cap - o, "...");
			break;
		}
		if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", ch);
		else
			buf[o++] = (char)ch;
	}
	buf[o] = '\0';
}

static void build_error(const struct cmd_parser *p, const char *file, int line, char *err,
			size_t errlen)
{
	const struct script_tok *t = p->fail_pos < p->ntok ? &p->tok[p->fail_pos] : NULL;
	int col = t ? t->col : p->endcol;
	char found[200], list[700];
	bool numeric = t && looks_numeric(t);
	bool any_desc = false;
	int shown = 0;
	size_t o = 0;

	if (t) {
		char tk[180];
		show_tok(tk, sizeof tk, t);
		snprintf(found, sizeof found, "'%s'", tk);
	} else {
		snprintf(found, sizeof found, "end of line");
	}
	/* A number where a word or a number-with-unit was wanted: name only what takes numbers
	 * ("found '5', expected a duration like 40ms"). */
	for (int i = 0; i < p->nexp; i++)
		any_desc |= !p->exp[i].literal && strcmp(p->exp[i].label, "end of line") != 0;
	list[0] = '\0';
	for (int i = 0; i < p->nexp; i++) {
		if (numeric && any_desc && p->exp[i].literal)
			continue;
		if (numeric && any_desc && strcmp(p->exp[i].label, "end of line") == 0)
			continue;
		o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", shown ? ", " : "",
				      p->exp[i].label);
		if (o >= sizeof list)
			o = sizeof list - 1;
		shown++;
	}
	int n = snprintf(err, errlen, "%s:%d:%d: error: found %s, expected %s%s",
			 file ? file : "<prompt>", line, col, found, shown > 1 ? "one of: " : "",
			 list);
	if (n < 0 || (size_t)n >= errlen || !t || t->kind != SCRIPT_WORD)
		return;

	/* "did you mean" the closest literal word. */
	const char *best = NULL;
	int bestd = 99;
	for (int i = 0; i < p->nexp; i++) {
		for (int j = 0; j < p->exp[i].ncands; j++) {
			const char *c = p->exp[i].cands[j];
			int d = edit_distance(t->s, (size_t)t->len, c);
			if (d < bestd) {
				bestd = d;
				best = c;
			}
		}
	}
	int limit = t->len <= 3 ? 1 : 2;
	if (best && bestd > 0 && bestd <= limit)
		snprintf(err + n, errlen - (size_t)n, "; did you mean '%s'?", best);
}

/* ---- lines and scripts --------------------------------------------------------------------- */

static void parser_init(struct cmd_parser *p, const struct script_tok *tok, int ntok, int endcol)
{
	memset(p, 0, sizeof *p);
	p->tok = tok;
	p->ntok = ntok;
	p->endcol = endcol;
	p->fail_pos = -1;
	p->hard_pos = -1;
}

/* The tokens' raw text joined by single spaces. */
static char *join_tokens(const struct script_tok *tok, int n)
{
	size_t len = 1;
	for (int i = 0; i < n; i++)
		len += (size_t)tok[i].len + 1;
	char *s = malloc(len), *o = s;
	if (!s)
		return NULL;
	for (int i = 0; i < n; i++) {
		if (i)
			*o++ = ' ';
		memcpy(o, tok[i].s, (size_t)tok[i].len);
		o += tok[i].len;
	}
	*o = '\0';
	return s;
}

int script_parse_line(const char *file, int line, const char *text, size_t len, struct cmd *c,
		      char *err, size_t errlen)
{
	struct script_tok tok[SCRIPT_MAX_TOK];
	struct lex_error le;
	struct cmd_parser p;
	int ntok, endcol, rc;

	memset(c, 0, sizeof *c);
	c->host = -1;
	c->file = file;
	c->line = line;
	if (err && errlen)
		err[0] = '\0';
	rc = lex_line(text, len, tok, &ntok, &endcol, &le);
	if (rc == -EINVAL) {
		snprintf(err, errlen, "%s:%d:%d: error: %s", file ? file : "<prompt>", line, le.col,
			 le.msg);
		return rc;
	}
	if (rc < 0)
		return rc;
	if (ntok == 0)
		return 0;
	parser_init(&p, tok, ntok, endcol);
	if (!cmd_parse(&p, c)) {
		build_error(&p, file, line, err, errlen);
		cmd_release(c);
		lex_free(tok, ntok);
		return -EINVAL;
	}
	c->col = tok[0].col;
	c->text = join_tokens(tok, ntok);
	lex_free(tok, ntok);
	if (!c->text) {
		cmd_release(c);
		return -ENOMEM;
	}
	return 1;
}

void script_free(struct script *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->ncmds; i++)
		cmd_release(&s->cmds[i]);
	free(s->cmds);
	free(s->file);
	free(s);
}

int script_parse(const char *file, const char *text, size_t len, struct script **out,
		 char *err, size_t errlen)
{
	struct script *s = calloc(1, sizeof *s);
	int cap = 0, nerr = 0, lineno = 0;
	size_t i = 0, eo = 0;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!s || !(s->file = strdup(file ? file : "<script>"))) {
		free(s);
		return -ENOMEM;
	}
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - (text + i)) : len - i;
		struct cmd c;
		char e[512];
		lineno++;
		int rc = script_parse_line(s->file, lineno, text + i, ll, &c, e, sizeof e);
		i += ll + (nl ? 1 : 0);
		if (rc == -ENOMEM) {
			script_free(s);
			return rc;
		}
		if (rc < 0) {
			if (nerr++ < SCRIPT_MAX_ERRORS && err && eo < errlen) {
				int k = snprintf(err + eo, errlen - eo, "%s\n", e);
				if (k > 0)
					eo += (size_t)k < errlen - eo ? (size_t)k : errlen - eo - 1;
			}
			continue;
		}
		if (rc == 0)
			continue;
		if (nerr) {
			cmd_release(&c);       /* an earlier line failed: nothing will run */
			continue;
		}
		if (s->ncmds == cap) {
			int ncap = cap ? cap * 2 : 32;
			struct cmd *nc = realloc(s->cmds, (size_t)ncap * sizeof *nc);
			if (!nc) {
				cmd_release(&c);
				script_free(s);
				return -ENOMEM;
			}
			s->cmds = nc;
			cap = ncap;
		}
		s->cmds[s->ncmds++] = c;
	}
	if (nerr) {
		script_free(s);
		return -EINVAL;
	}
	/* What spans lines (a question's block, `lesson` first) is checked over the whole file. */
	const struct cmd **v = s->ncmds ? malloc((size_t)s->ncmds * sizeof *v) : NULL;
	if (s->ncmds && !v) {
		script_free(s);
		return -ENOMEM;
	}
	for (int k = 0; k < s->ncmds; k++)
		v[k] = &s->cmds[k];
	int rc = cmd_check_structure(v, s->ncmds, err, errlen);
	free(v);
	if (rc < 0) {
		script_free(s);
		return rc;
	}
	/* c.file pointed at s->file, which is stable: nothing to fix up. */
	*out = s;
	return 0;
}

/* ---- completion ------------------------------------------------------------------------------- */

static bool has_prefix_ci(const char *s, const char *prefix, size_t n)
{
	return strlen(s) >= n && strncasecmp(s, prefix, n) == 0;
}

int script_complete(const char *line, const char **cands, int max, char *hint, size_t hintlen)
{
	struct script_tok tok[SCRIPT_MAX_TOK];
	struct lex_error le;
	struct cmd_parser p;
	struct cmd c;
	size_t len = strlen(line);
	int ntok, endcol, total = 0;
	const char *prefix = "";
	size_t plen = 0;

	if (hint && hintlen)
		hint[0] = '\0';
	if (lex_line(line, len, tok, &ntok, &endcol, &le) < 0)
		return 0;
	/* A comment has started: nothing to complete. */
	for (size_t i = 0; i < len; i++) {
		if (line[i] == '#' && (i == 0 || lex_space(line[i - 1]))) {
			bool in_tok = false;
			for (int k = 0; k < ntok; k++)
				if (line + i >= tok[k].s && line + i < tok[k].s + tok[k].len)
					in_tok = true;
			if (!in_tok) {
				lex_free(tok, ntok);
				return 0;
			}
		}
	}
	int n = ntok;
	if (ntok > 0 && len > 0 && !lex_space(line[len - 1])) {
		if (tok[ntok - 1].kind != SCRIPT_WORD) {
			lex_free(tok, ntok);
			return 0;
		}
		prefix = tok[ntok - 1].s;
		plen = (size_t)tok[ntok - 1].len;
		n = ntok - 1;
	}
	parser_init(&p, tok, n, endcol);
	memset(&c, 0, sizeof c);
	c.host = -1;
	cmd_parse(&p, &c);
	cmd_release(&c);
	if (p.fail_pos == n) {
		size_t ho = 0;
		for (int i = 0; i < p.nexp; i++) {
			const struct script_exp *x = &p.exp[i];
			if (hint && ho < hintlen)
				ho += (size_t)snprintf(hint + ho, hintlen - ho, "%s%s",
						       ho ? ", " : "", x->label);
			for (int j = 0; j < x->ncands; j++) {
				const char *w = x->cands[j];
				bool dup = false;
				if (!has_prefix_ci(w, prefix, plen))
					continue;
				for (int k = 0; k < total && k < max; k++)
					dup |= strcmp(cands[k], w) == 0;
				if (dup)
					continue;
				if (total < max)
					cands[total] = w;
				total++;
			}
		}
	}
	lex_free(tok, ntok);
	return total;
}

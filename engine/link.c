/*
 * link.c: what the network does to a segment: the user's fault rules.
 *
 * Rules are checked in the order they were added, for every segment that leaves a host.
 * A rule matches by direction (the sending host) and by what the segment carries: FIN, SYN,
 * RST, data (payload), or ACK, which means a pure ACK (only the ACK flag, no payload),
 * because "drop the ACK" means the bare acknowledgement to a student, not every segment with
 * the ACK bit.  `drop wave N` follows the coming close: wave 1 is the first FIN, wave 2 the
 * first segment from the other side that acknowledges it, wave 3 that side's FIN, wave 4 the
 * first segment acknowledging that FIN; a FIN+ACK that merges waves 2 and 3 is both.
 * Random loss uses its own seeded generator, so a run with loss is still deterministic.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp.h"

struct rule {
	struct fw_fault f;
	int seen;                      /* matches so far */
	uint64_t rng;
	char desc[128];
	/* wave tracking */
	int closer;                    /* host that sent wave 1, -1 before */
	uint16_t port[2];              /* the connection: closer's port, the other's */
	uint32_t fin1_end, fin2_end;
	bool wave_seen[5];
	struct rule *next;
};

struct link {
	struct rule *rules;
	char why[128];                 /* the acting rule's words, kept after the rule is gone */
};

struct link *link_new(void) { return calloc(1, sizeof(struct link)); }

void link_clear(struct link *l)
{
	while (l->rules) {
		struct rule *r = l->rules;
		l->rules = r->next;
		free(r);
	}
}

void link_free(struct link *l)
{
	if (!l)
		return;
	link_clear(l);
	free(l);
}

static const char *flag_word(const struct fw_fault *f)
{
	if (f->data)
		return " data";
	switch (f->flag) {
	case FW_FIN: return " FIN";
	case FW_SYN: return " SYN";
	case FW_RST: return " RST";
	case FW_ACK: return " ACK";
	default: return "";
	}
}

static const char *dir_word(int dir)
{
	return dir == FW_CLIENT ? " client->server" : dir == FW_SERVER ? " server->client" : "";
}

static void rule_describe(struct rule *r)
{
	const struct fw_fault *f = &r->f;
	char which[24];
	if (f->every)
		snprintf(which, sizeof which, "all");
	else if (f->nth > 1)
		snprintf(which, sizeof which, "nth %d", f->nth);
	else
		snprintf(which, sizeof which, "next");
	switch (f->kind) {
	case FW_F_DROP:
		snprintf(r->desc, sizeof r->desc, "drop %s%s%s", which, dir_word(f->dir), flag_word(f));
		break;
	case FW_F_DELAY:
		snprintf(r->desc, sizeof r->desc, "delay %s%s%s %lldms", which, dir_word(f->dir),
			 flag_word(f), (long long)(f->delay / 1000));
		break;
	case FW_F_DUP:
		snprintf(r->desc, sizeof r->desc, "duplicate %s%s%s", which, dir_word(f->dir), flag_word(f));
		break;
	case FW_F_REORDER:
		snprintf(r->desc, sizeof r->desc, "reorder %s%s%s", which, dir_word(f->dir), flag_word(f));
		break;
	case FW_F_LOSS:
		snprintf(r->desc, sizeof r->desc, "loss %d%%", f->loss_pct);
		break;
	case FW_F_WAVE:
		snprintf(r->desc, sizeof r->desc, "drop wave %d", f->wave);
		break;
	}
}

int link_add(struct link *l, const struct fw_fault *f)
{
	if (f->kind == FW_F_WAVE && (f->wave < 1 || f->wave > 4))
		return -EINVAL;
	if (f->kind == FW_F_LOSS && (f->loss_pct < 0 || f->loss_pct > 100))
		return -EINVAL;
	struct rule *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	r->f = *f;
	if (r->f.nth < 1)
		r->f.nth = 1;
	r->rng = f->seed ? f->seed : 0x2545f4914f6cdd1dull;
	r->closer = -1;
	rule_describe(r);
	struct rule **p = &l->rules;
	while (*p)
		p = &(*p)->next;
	*p = r;
	return 0;
}

static bool rule_matches(const struct fw_fault *f, int from, const struct fw_seg *s)
{
	if (f->dir >= 0 && f->dir != from)
		return false;
	if (f->data && s->len == 0)
		return false;
	if (f->flag == FW_ACK)
		return s->flags == FW_ACK && s->len == 0;
	if (f->flag && !(s->flags & f->flag))
		return false;
	return true;
}

/* Which waves of the coming close this segment is (a bit mask of 1..4), updating the tracker. */
static unsigned wave_of(struct rule *r, int from, const struct fw_seg *s)
{
	unsigned m = 0;
	if (r->closer < 0) {
		if (s->flags & FW_FIN) {
			r->closer = from;
			r->port[0] = s->sport;
			r->port[1] = s->dport;
			r->fin1_end = s->seq + seg_seqlen(s);
			r->wave_seen[1] = true;
			m |= 1u << 1;
		}
		return m;
	}
	bool closer = from == r->closer;
	uint16_t mine = closer ? r->port[0] : r->port[1];
	uint16_t theirs = closer ? r->port[1] : r->port[0];
	if (s->sport != mine || s->dport != theirs)
		return 0;
	if (!closer) {
		if (!r->wave_seen[2] && (s->flags & FW_ACK) && seq_geq(s->ack, r->fin1_end)) {
			r->wave_seen[2] = true;
			m |= 1u << 2;
		}
		if (!r->wave_seen[3] && (s->flags & FW_FIN)) {
			r->wave_seen[3] = true;
			r->fin2_end = s->seq + seg_seqlen(s);
			m |= 1u << 3;
		}
	} else if (r->wave_seen[3] && !r->wave_seen[4] && (s->flags & FW_ACK) &&
		   seq_geq(s->ack, r->fin2_end)) {
		r->wave_seen[4] = true;
		m |= 1u << 4;
	}
	return m;
}

void link_wave_seed(struct link *l, const struct link_wave *wv)
{
	struct rule *r = NULL;
	for (struct rule *q = l->rules; q; q = q->next)
		if (q->f.kind == FW_F_WAVE)
			r = q;                 /* the newest wave rule */
	if (!r || r->closer >= 0)
		return;
	r->closer = wv->closer;
	r->port[0] = wv->port[0];
	r->port[1] = wv->port[1];
	r->fin1_end = wv->fin1_end;
	r->fin2_end = wv->fin2_end;
	r->wave_seen[1] = true;
	r->wave_seen[2] = wv->seen2;
	r->wave_seen[3] = wv->seen3;
	r->wave_seen[4] = wv->seen4;
}

static uint64_t rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

int link_judge(struct link *l, int from, const struct fw_seg *s, int64_t *extra,
	       const char **why, bool *reorder)
{
	int copies = 1;
	*extra = 0;
	*why = NULL;
	*reorder = false;
	struct rule **p = &l->rules;
	while (*p) {
		struct rule *r = *p;
		bool act = false, done = false;
		if (r->f.kind == FW_F_WAVE) {
			unsigned m = wave_of(r, from, s);
			act = done = (m >> r->f.wave) & 1u;
			if (r->wave_seen[4] && !act)
				done = true;   /* the close is over; the rule never acted */
		} else if (r->f.kind == FW_F_LOSS) {
			act = (int)(rng_next(&r->rng) % 100) < r->f.loss_pct;
		} else if (rule_matches(&r->f, from, s)) {
			r->seen++;
			act = r->f.every || r->seen == r->f.nth;
			done = act && !r->f.every;
		}
		if (act && copies > 0) {
			snprintf(l->why, sizeof l->why, "%s", r->desc);
			*why = l->why;
			switch (r->f.kind) {
			case FW_F_DROP:
			case FW_F_WAVE:
			case FW_F_LOSS:
				copies = 0;
				break;
			case FW_F_DELAY:
				*extra += r->f.delay;
				break;
			case FW_F_DUP:
				copies = 2;
				break;
			case FW_F_REORDER:
				*reorder = true;
				break;
			}
		}
		if (done) {
			*p = r->next;
			free(r);
		} else {
			p = &r->next;
		}
	}
	return copies;
}

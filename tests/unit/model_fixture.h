/*
 * model_fixture.h: a world on the in-memory wire with every event recorded, for the model's
 * unit tests.  Helpers put a connection in a given state, advance virtual time, and ask
 * what was sent, so each test reads as one behaviour of one state (STYLE.md, smoltcp/lwIP).
 */
#ifndef FW_MODEL_FIXTURE_H
#define FW_MODEL_FIXTURE_H

#include <errno.h>
#include <string.h>

#include "test.h"
#include "world.h"

#define C FW_CLIENT
#define S FW_SERVER

struct rec {
	struct fw_event ev;
	struct fw_seg seg;             /* copy of ev.seg */
	char why[96];
};

struct fix {
	struct fw_world *w;
	struct rec *r;
	int n, cap;
};

void fix_init(struct fix *f);
void fix_free(struct fix *f);
/* Advance virtual time by d (processing everything due). */
void fix_run(struct fix *f, int64_t d);
/* Run until host reaches state (or 1 h passes); returns whether it did. */
bool fix_until(struct fix *f, int host, enum tcp_state st);
/* A connection client:port -> server:80 with 100 bytes each way, read by both. */
void fix_established(struct fix *f);
/* The orderly close: the client closes; once the server is in CLOSE_WAIT and `delay` has
 * passed (0: inside the delayed-ACK window, the three-segment close), the server closes. */
void fix_close_both(struct fix *f, int64_t delay);
/* Number of SEND events from host with exactly these flags (and payload if len >= 0). */
int fix_sends(struct fix *f, int host, uint8_t flags, int from_idx);
/* Index of the first event at or after from_idx of kind ev from host (with flags if seg), -1. */
int fix_find(struct fix *f, int from_idx, enum fw_ev ev, int host, uint8_t flags);
int fix_find_state(struct fix *f, int from_idx, int host, enum tcp_state to);
/* Linux's timer wheel never fires early and at most one slot late (tcp_timer.c,
 * tcp_wheel_due): a d-second timer fires within [d, d + slot]. */
#define CHECK_TIMER(elapsed, d, slot)                                                   \
	do {                                                                            \
		CHECK_INT((elapsed), >=, (d));                                          \
		CHECK_INT((elapsed), <=, (d) + (slot));                                 \
	} while (0)
#define SLOT_4MS   FW_MS(4)          /* delays under 252 ms */
#define SLOT_32MS  FW_MS(32)         /* under 2 s */
#define SLOT_256MS FW_MS(256)        /* under 16 s */
#define SLOT_2S    FW_MS(2048)       /* under 129 s: TIME_WAIT, FIN_WAIT_2 */

/* Time (us) of event i. */
static inline int64_t fix_t(struct fix *f, int i) { return f->r[i].ev.t; }

#endif

/*
 * scene.h: what the screen shows, computed from the event stream and the world's state.
 *
 * The scene is the screen's model and contains no curses: an observer of the one event
 * stream (scene_event_cb) records the history as ladder rows (segments with their flight,
 * state changes, system calls, processes) and log lines, and a few pure functions turn
 * that history plus the world's current state into things to draw: where a flying segment's
 * arrow head is at a given virtual time, whether it was lost and where, each host's state,
 * sockets and timers as countdowns, the last transition of each host for the state diagram.
 * The draw code (pane_*.c) only places these on the terminal.  tests/unit/test_scene.c
 * drives a pure world and checks the scene.
 *
 * Crowds (the busy-server lessons open thousands of connections) are counted, not drawn:
 * their segments become one ladder row "+ 2,314 crowd segments" that grows while nothing
 * else happens, their events stay out of the log, and a host with many sockets gets counts
 * per state and, on the client, the ephemeral ports in use.  Only the host's current
 * connection is animated.
 *
 * A segment's flight: it leaves at its SEND event and is expected after the sender's
 * one-way latency (plus a link delay, when a fault said so); its RECV event ends the flight
 * at the receiver.  A segment dropped on the wire is shown lost half way (the "point of
 * loss"); one that reached a powered-off host is lost at that host's lane.
 */
#ifndef FW_SCENE_H
#define FW_SCENE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "world.h"

#define SCENE_MAX_ROWS    3000     /* ladder rows kept; the oldest go first */
#define SCENE_MAX_LOG     1000     /* log lines kept */
#define SCENE_GAP_MIN     FW_SEC(1) /* a quiet gap this long gets a "+60.000 s" row */
#define SCENE_LABEL_MAX   64
#define SCENE_TEXT_MAX    160

enum scene_row_kind {
	SR_SEG,                        /* a segment's arrow */
	SR_NOTE,                       /* something inside one host, written at its lane */
	SR_GAP,                        /* quiet virtual time between two rows */
	SR_TEXT,                       /* full width: narration, a restart, a foreign datagram,
					* or a crowd's count ("+ 2,314 crowd segments") */
};

enum scene_note_kind { SN_STATE, SN_CALL, SN_PROC, SN_ERROR, SN_HOST, SN_INFO };

enum scene_fate { SEG_FLYING, SEG_ARRIVED, SEG_LOST };

struct scene_row {
	enum scene_row_kind kind;
	int64_t t;                     /* when the row happened (SEG: sent) */
	int host;                      /* SEG: the sender; NOTE: the host; else -1 */
	int conn_of;                   /* the connection it is about, 0 */
	int64_t crowd;                 /* TEXT: segments of a crowd it counts, 0 for other text */
	int note;                      /* NOTE: enum scene_note_kind */
	char text[SCENE_TEXT_MAX];     /* NOTE, GAP, TEXT */

	/* SEG */
	int conn;
	uint8_t flags;
	uint32_t seq, ack;             /* raw, to match the RECV or DROP with its SEND */
	uint16_t len;
	int retrans;
	bool dup;                      /* a second copy made by a `duplicate` fault */
	char label[SCENE_LABEL_MAX];   /* "FIN,ACK seq=301 ack=501" */
	char mark[24];                 /* "retrans 2", "TLP", "keepalive", "dup", or "" */
	char why[64];                  /* the rule that dropped it, "host down" */
	enum scene_fate fate;
	bool lost_far;                 /* lost at the receiver (a powered-off host) */
	int64_t eta;                   /* expected arrival */
	int64_t t_end;                 /* arrival, or the instant it is shown lost */
};

/* A log line: an event or a command in words. */
enum scene_log_kind { SL_CMD, SL_STATE, SL_SEG, SL_DROP, SL_TIMER, SL_PROC, SL_CALL, SL_ERROR,
		      SL_INFO, SL_SAY, SL_FAIL };

struct scene_log {
	int64_t t;
	int host;                      /* -1: not one host's */
	int conn;                      /* the connection it is about, 0 */
	enum scene_log_kind kind;
	char text[SCENE_TEXT_MAX];
};

struct scene;

/* A scene for world w (queried for latencies when segments leave); NULL without memory. */
struct scene *scene_new(const struct fw_world *w);
void scene_free(struct scene *s);
/* The observer: world_observe(w, scene_event_cb, scene). */
void scene_event_cb(void *ud, const struct fw_event *ev);
/* A command the user gave (a key or the prompt), as the log shows it: "» client close". */
void scene_note_cmd(struct scene *s, int64_t t, const char *text);
/* A line of the screen's own (an error, "restarted") in the log; fail marks it an error. */
void scene_note_text(struct scene *s, int64_t t, const char *text, bool fail);

/* ---- the ladder ----------------------------------------------------------------------------- */
int scene_nrows(const struct scene *s);
const struct scene_row *scene_row(const struct scene *s, int i);
/* Bumped whenever a row is added or a flight's fate changes. */
uint64_t scene_gen(const struct scene *s);
/* Rows dropped off the front so far (so a view's scroll position can follow). */
int64_t scene_dropped(const struct scene *s);

/* An arrow at virtual time now: head is how far it got from the sender (0) to the receiver
 * (1); crossed means it is shown lost at head; arrived means it reached the receiver. */
struct scene_arrow {
	double head;
	bool flying, crossed, arrived;
};
void scene_arrow_at(const struct scene_row *r, int64_t now, struct scene_arrow *a);
/* True if some arrow still moves at now (the ladder must be redrawn as time passes). */
bool scene_moving(struct scene *s, int64_t now);

/* ---- the log -------------------------------------------------------------------------------- */
int scene_nlog(const struct scene *s);
const struct scene_log *scene_log_line(const struct scene *s, int i);
uint64_t scene_log_gen(const struct scene *s);

/* ---- the hosts ------------------------------------------------------------------------------ */
#define SCENE_HOST_SOCKS  8
#define SCENE_HOST_TIMERS 8

struct scene_timer {
	int timer;                     /* enum fw_timer */
	int conn;
	int64_t left;                  /* virtual us until it fires (>= 0) */
	double frac;                   /* left / its whole length, 0..1 */
	int retries;                   /* RTO: retransmissions so far */
	int64_t budget_left;           /* RTO: until the retransmission budget runs out, or -1 */
	int probes;                    /* keepalive: probes out */
};

struct scene_sock {
	int conn;
	enum tcp_state state;
	bool mini, orphan, listener;
	uint16_t lport, rport;
	int unread;
};

struct scene_host {
	int host;
	bool up;
	int pid;                       /* 0: none */
	int dead_pid, dead_signal;     /* the last process that exited, and its signal */
	enum tcp_state state;
	uint32_t addr;
	uint16_t port;                 /* of the current connection (or the listener), 0 */
	int err;                       /* the error the application got, positive errno, 0 */
	int nsocks;                    /* filled entries of socks */
	int nsocks_all;                /* how many there are */
	struct scene_sock socks[SCENE_HOST_SOCKS];
	int ntimers;
	struct scene_timer timers[SCENE_HOST_TIMERS];

	/* A crowd (more than SCENE_CROWD_MIN sockets): the panel counts instead of listing;
	 * socks and timers then hold only the current connection's and the listeners. */
	bool crowd;
	int count[TCP_NSTATES];        /* sockets per state (world_count) */
	uint16_t dport;                /* client: the destination most sockets go to */
	int ports_used, ports_total;   /* client: ephemeral ports held toward it, of the range */
};
#define SCENE_CROWD_MIN 12
void scene_host(const struct scene *s, const struct fw_world *w, int host,
		struct scene_host *out);
/* Segments of crowd connections so far (never drawn one by one), and crowd connect() calls
 * that failed for want of a port. */
int64_t scene_crowd_segments(const struct scene *s);
int64_t scene_crowd_failed(const struct scene *s);
/* n with thousands separators: 28232 -> "28,232"; returns buf. */
const char *scene_count_str(int64_t n, char *buf, size_t cap);

/* True if some timer of either host is armed (countdowns move as time passes). */
bool scene_timers_armed(const struct fw_world *w);

/* The last state transition of a host: from, to, why and when; false if none yet. */
bool scene_last_transition(const struct scene *s, int host, enum tcp_state *from,
			   enum tcp_state *to, const char **why, int64_t *t);

/* "12.345 s", "2:03.456", "1:02:03" into buf; returns buf. */
const char *scene_clock_str(int64_t us, char *buf, size_t cap);
/* Seconds left for a countdown: "59.2s", "0.204s", "1h59m"; returns buf. */
const char *scene_secs_str(int64_t us, char *buf, size_t cap);

#endif

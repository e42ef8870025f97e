/*
 * trace.h: the trace writers, observers of the event stream that print it to a FILE.
 *
 * Two formats (DESIGN.md "The trace"):
 *   FW_TRACE_JSONL  one JSON object per event and line, the contract for tests and tools;
 *   FW_TRACE_TEXT   a ladder diagram for people: a time column, the client's column on the
 *                   left, the server's on the right, segments as arrows between them.
 * Both are byte-for-byte deterministic: the same events give the same bytes, whatever the
 * locale (display widths are computed here, not by the C library).
 *
 * Usage:
 *   struct fw_trace *tr = trace_new(stdout, FW_TRACE_JSONL);
 *   world_observe(w, trace_event_cb, tr);
 *   ...
 *   trace_free(tr);          (flushes; does not close the FILE)
 *
 * JSON lines, key by key (keys always in this order; "conn" only when not 0; "host" only
 * when the event has one):
 *   every event  "t" (virtual ms, exactly 3 decimals), "ev", "host", "conn"
 *   state        "from", "to", "why" (when given)
 *   send         "flags", "seq", "ack", "len", "retrans", "why" (when given: "tlp" ...)
 *   drop, fault  "flags", "seq", "ack", "len", "why" (always; "" when not given)
 *   recv         "flags", "seq", "ack", "len"
 *   timer        "timer", "action", "due" (ms, 3 decimals; only for "set")
 *   proc         "pid", "action", "signal"
 *   call         "call", "result", "error" (errno name, when result < 0), "text" (when given)
 *   error        "error" (errno name)
 *   note         "name", "value"
 *   foreign      "text"
 *   say          "text" (no host)
 *   expect       "text", "result" ("ok" or "failed") (no host)
 * "flags" is an array of names in Wireshark's order, e.g. ["FIN","ACK"]; [] for none.
 * "seq" and "ack" are relative to each side's ISN when the event says so (ev->rel), as
 * Wireshark shows them, else raw; a segment without the ACK flag shows its raw ack field
 * (normally 0), since a relative acknowledgment means nothing there.
 */
#ifndef FW_TRACE_H
#define FW_TRACE_H

#include <stdio.h>

#include "event.h"

enum fw_trace_fmt { FW_TRACE_TEXT, FW_TRACE_JSONL };

struct fw_trace;

/* A writer of fmt to out (which stays the caller's).  NULL only when out of memory. */
struct fw_trace *trace_new(FILE *out, enum fw_trace_fmt fmt);
/* The observer: ud is the struct fw_trace. */
void trace_event_cb(void *ud, const struct fw_event *ev);
/* Flush and free; NULL is fine. */
void trace_free(struct fw_trace *tr);
/* "text" or "jsonl" to a format, -1 if neither. */
int trace_fmt_parse(const char *name);

/* One event as one JSON line (with its '\n'), stateless: what FW_TRACE_JSONL writes. */
void trace_jsonl_write(FILE *out, const struct fw_event *ev);

/* The segment as the ladder labels its arrow, e.g. "FIN,ACK seq=301 ack=501 len=100" (no
 * "ack=" without the ACK flag, no "len=" when empty), into buf; returns buf. */
const char *trace_seg_label(const struct fw_event *ev, char *buf, size_t cap);
/* What the ladder says beside a SEND's arrow, e.g. "retrans 2", "TLP", "keepalive", or ""
 * for an original segment; into buf, returns buf. */
const char *trace_send_note(const struct fw_event *ev, char *buf, size_t cap);

/* The sequence and acknowledgment numbers the trace shows for a segment event. */
static inline uint32_t trace_show_seq(const struct fw_event *ev)
{
	return ev->rel ? ev->seg->seq - ev->seq_base : ev->seg->seq;
}

static inline uint32_t trace_show_ack(const struct fw_event *ev)
{
	return ev->rel && (ev->seg->flags & FW_ACK) ? ev->seg->ack - ev->ack_base : ev->seg->ack;
}

#endif

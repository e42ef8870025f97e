/*
 * pcap_writer.h: the event stream's segments as a pcap file, for Wireshark and tcpdump.
 *
 * An observer: every SEND event's segment (what left a host, so a segment later lost on the
 * wire appears once, as on the sender's capture) is written as an IPv4 packet (link type
 * DLT_RAW) carrying the exact TCP bytes seg_encode() produces, stamped with the event's
 * virtual time.  Like the trace writers it is an observer, the one place besides them that
 * does I/O in engine/.
 *
 * Usage:
 *   char err[256];
 *   struct fw_pcap *pc = pcap_writer_open("run.pcap", err, sizeof err);
 *   if (!pc) ... err says why ...
 *   world_observe(w, pcap_writer_event_cb, pc);
 *   ...
 *   if (pcap_writer_close(pc) < 0) ... a write failed ...
 */
#ifndef FW_PCAP_H
#define FW_PCAP_H

#include <stddef.h>

#include "event.h"

struct fw_pcap;

/* Create (truncate) path as a pcap file.  NULL on failure, with the reason in err. */
struct fw_pcap *pcap_writer_open(const char *path, char *err, size_t errlen);
/* The observer: ud is the struct fw_pcap.  Writes SEND events, ignores the rest. */
void pcap_writer_event_cb(void *ud, const struct fw_event *ev);
/* Packets written so far. */
long pcap_writer_count(const struct fw_pcap *pc);
/* Flush and close.  Returns 0, or -EIO if any packet could not be written.  NULL is fine. */
int pcap_writer_close(struct fw_pcap *pc);

#endif

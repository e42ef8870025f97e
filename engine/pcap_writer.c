/*
 * pcap_writer.c: write the segments of the event stream to a pcap file with libpcap's writer.
 *
 * Each SEND event becomes one raw IPv4 packet (DLT_RAW: the capture starts at the IP header):
 * version 4, header length 5 words, TTL 64, protocol 6, Don't Fragment set (Linux sets DF on
 * TCP, path MTU discovery), an identification field that counts up by one per packet, a
 * valid header checksum (RFC 791 §3.1, RFC 1071), and then the TCP segment exactly as
 * seg_encode() writes it, checksum included.  The packet time is the event's virtual time,
 * so Wireshark's time column matches the trace's.
 *
 * This is an observer like the trace writers: it never changes the model, and a write that
 * fails is remembered and reported by pcap_writer_close(), not in the middle of a run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "pcap_writer.h"

#define IP_HDR_LEN 20
#define SNAPLEN 65535

struct fw_pcap {
	pcap_t *dead;                   /* the "capture" the dumper belongs to */
	pcap_dumper_t *dumper;
	uint16_t ip_id;
	long count;
	bool failed;
};

struct fw_pcap *pcap_writer_open(const char *path, char *err, size_t errlen)
{
	struct fw_pcap *pc = calloc(1, sizeof *pc);

	if (!pc) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	pc->dead = pcap_open_dead(DLT_RAW, SNAPLEN);
	if (!pc->dead) {
		snprintf(err, errlen, "%s: libpcap could not start a writer", path);
		free(pc);
		return NULL;
	}
	pc->dumper = pcap_dump_open(pc->dead, path);
	if (!pc->dumper) {
		/* pcap_geterr already names the file and the reason. */
		snprintf(err, errlen, "%s", pcap_geterr(pc->dead));
		pcap_close(pc->dead);
		free(pc);
		return NULL;
	}
	pc->ip_id = 1;
	return pc;
}

/* RFC 1071 checksum of an IPv4 header (no pseudo-header). */
static uint16_t ip_checksum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

void pcap_writer_event_cb(void *ud, const struct fw_event *ev)
{
	struct fw_pcap *pc = ud;
	uint8_t pkt[IP_HDR_LEN + FW_SEG_MAX];
	struct pcap_pkthdr hdr;
	int64_t t = ev->t < 0 ? 0 : ev->t;
	int n;

	if (ev->ev != FW_EV_SEND || !ev->seg)
		return;
	n = seg_encode(ev->seg, pkt + IP_HDR_LEN, sizeof pkt - IP_HDR_LEN);
	if (n < 0) {
		pc->failed = true;
		return;
	}

	pkt[0] = 0x45;                          /* version 4, IHL 5 */
	pkt[1] = 0;                             /* DSCP / ECN */
	put16(pkt + 2, (uint16_t)(IP_HDR_LEN + n));
	put16(pkt + 4, pc->ip_id++);
	put16(pkt + 6, 0x4000);                 /* DF, fragment offset 0 */
	pkt[8] = 64;                            /* TTL: ip_default_ttl */
	pkt[9] = 6;                             /* TCP */
	put16(pkt + 10, 0);
	put32(pkt + 12, ev->seg->saddr);
	put32(pkt + 16, ev->seg->daddr);
	put16(pkt + 10, ip_checksum(pkt, IP_HDR_LEN));

	memset(&hdr, 0, sizeof hdr);
	hdr.ts.tv_sec = (time_t)(t / 1000000);
	hdr.ts.tv_usec = (suseconds_t)(t % 1000000);
	hdr.caplen = hdr.len = (bpf_u_int32)(IP_HDR_LEN + n);
	pcap_dump((u_char *)pc->dumper, &hdr, pkt);
	/* Flushed per packet, so the file is whole at any moment (Wireshark can open it while
	 * a lesson runs); segments are few, so this costs nothing that matters. */
	if (pcap_dump_flush(pc->dumper) < 0)
		pc->failed = true;
	pc->count++;
}

long pcap_writer_count(const struct fw_pcap *pc)
{
	return pc->count;
}

int pcap_writer_close(struct fw_pcap *pc)
{
	bool failed;

	if (!pc)
		return 0;
	failed = pc->failed;
	if (pcap_dump_flush(pc->dumper) < 0 || ferror(pcap_dump_file(pc->dumper)))
		failed = true;
	pcap_dump_close(pc->dumper);
	pcap_close(pc->dead);
	free(pc);
	return failed ? -EIO : 0;
}

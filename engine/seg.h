/*
 * seg.h: a TCP segment as the model holds it, and its wire format.
 *
 * The model works on struct fw_seg; every segment that leaves a host is encoded into real
 * TCP wire format (RFC 9293 §3.1: header, options MSS / SACK-permitted / timestamps, and a
 * checksum over the IPv4 pseudo-header) and the receiving host decodes those bytes again, so
 * what crosses the wire, the pcap file and tcpdump is exactly what the model processed.
 * Sequence numbers are compared only through seq_lt() and friends (RFC 9293 §3.4, modulo 2^32).
 */
#ifndef FW_SEG_H
#define FW_SEG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	FW_FIN = 0x01,
	FW_SYN = 0x02,
	FW_RST = 0x04,
	FW_PSH = 0x08,
	FW_ACK = 0x10,
	FW_URG = 0x20,
};

#define FW_MSS         1460            /* the model's MSS: an Ethernet path, easy to read */
#define FW_TCP_HDR_MAX 60
#define FW_SEG_MAX     (FW_TCP_HDR_MAX + FW_MSS)

struct fw_seg {
	uint32_t saddr, daddr;         /* IPv4, host byte order (for the pseudo-header) */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;                 /* FW_FIN | FW_SYN | ... */
	uint16_t wnd;
	uint16_t mss;                  /* MSS option value, 0 when absent */
	bool sack_ok;                  /* SACK-permitted option present */
	bool has_ts;                   /* timestamps option present */
	uint32_t tsval, tsecr;
	uint16_t len;                  /* payload length, at most FW_MSS */
	uint8_t data[FW_MSS];
};

/* Modular sequence-number comparison (RFC 9293 §3.4). */
static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

/* Sequence space the segment occupies: payload plus one for SYN and one for FIN. */
static inline uint32_t seg_seqlen(const struct fw_seg *s)
{
	return s->len + ((s->flags & FW_SYN) ? 1u : 0u) + ((s->flags & FW_FIN) ? 1u : 0u);
}

/*
 * Encode s as a TCP header + options + payload into buf (cap bytes), computing the checksum
 * over the IPv4 pseudo-header from s->saddr and s->daddr.  Returns the number of bytes
 * written, or -1 if cap is too small or s->len exceeds FW_MSS.
 */
int seg_encode(const struct fw_seg *s, uint8_t *buf, size_t cap);

/*
 * Decode len bytes of TCP header + payload sent from saddr to daddr into *s.  Returns 0, or a
 * negative SEG_E* code when the bytes are not a valid segment (too short, bad data offset,
 * malformed option, bad checksum).  Unknown options are skipped, as RFC 9293 §3.1 requires.
 */
int seg_decode(const uint8_t *buf, size_t len, uint32_t saddr, uint32_t daddr, struct fw_seg *s);

enum { SEG_ESHORT = -1, SEG_EOFF = -2, SEG_EOPT = -3, SEG_ECSUM = -4, SEG_ELEN = -5 };
const char *seg_strerror(int err);

/* Internet checksum (RFC 1071) of an IPv4 pseudo-header + TCP segment; 0 when valid. */
uint16_t seg_checksum(const uint8_t *tcp, size_t len, uint32_t saddr, uint32_t daddr);

/* "FIN,ACK" style flag list into buf (at least 32 bytes); returns buf. */
const char *seg_flags_str(uint8_t flags, char *buf, size_t cap);

#endif

/*
 * seg.c: the TCP wire format (RFC 9293 §3.1) for struct fw_seg.
 *
 * seg_encode() writes a real TCP header in network byte order, the options the segment
 * carries (MSS and SACK-permitted on SYN segments only, timestamps on any segment) laid out
 * the way Linux lays them out so that tcpdump and Wireshark show familiar bytes, then the
 * payload, and fills in the checksum over the IPv4 pseudo-header.  seg_decode() is its exact
 * inverse and the model's only way in for bytes from the wire, so it trusts nothing: every
 * length is checked before it is used, options are walked without reading past the header,
 * and the checksum must verify.
 */
#include <string.h>

#include "seg.h"

#define TCP_HDR_LEN 20

/* Option kinds (IANA "TCP Option Kind Numbers"). */
enum {
	OPT_EOL = 0,
	OPT_NOP = 1,
	OPT_MSS = 2,
	OPT_WSCALE = 3,
	OPT_SACK_PERM = 4,
	OPT_TS = 8,
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/*
 * Write the options of s at p (at most 40 bytes) and return their length, a multiple of 4.
 * The layouts are Linux's (tcp_options_write): MSS first; SACK-permitted and timestamps
 * share one word as 4,2,8,10 when both are present; otherwise each is padded in front with
 * NOPs, so the 32-bit fields always sit on 4-byte boundaries.  MSS and SACK-permitted are
 * only valid on a SYN (RFC 9293 §3.7.1, RFC 2018 §2), so other segments never carry them.
 */
static size_t options_write(const struct fw_seg *s, uint8_t *p)
{
	size_t n = 0;
	bool syn = (s->flags & FW_SYN) != 0;
	bool sack = syn && s->sack_ok;

	if (syn && s->mss != 0) {
		p[n++] = OPT_MSS;
		p[n++] = 4;
		put16(p + n, s->mss);
		n += 2;
	}
	if (s->has_ts) {
		if (sack) {
			p[n++] = OPT_SACK_PERM;
			p[n++] = 2;
		} else {
			p[n++] = OPT_NOP;
			p[n++] = OPT_NOP;
		}
		p[n++] = OPT_TS;
		p[n++] = 10;
		put32(p + n, s->tsval);
		put32(p + n + 4, s->tsecr);
		n += 8;
	} else if (sack) {
		p[n++] = OPT_NOP;
		p[n++] = OPT_NOP;
		p[n++] = OPT_SACK_PERM;
		p[n++] = 2;
	}
	return n;
}

int seg_encode(const struct fw_seg *s, uint8_t *buf, size_t cap)
{
	uint8_t opts[FW_TCP_HDR_MAX - TCP_HDR_LEN];
	size_t olen, hlen, total;

	if (s->len > FW_MSS)
		return -1;
	olen = options_write(s, opts);
	hlen = TCP_HDR_LEN + olen;
	total = hlen + s->len;
	if (cap < total)
		return -1;

	put16(buf, s->sport);
	put16(buf + 2, s->dport);
	put32(buf + 4, s->seq);
	put32(buf + 8, s->ack);
	buf[12] = (uint8_t)((hlen / 4) << 4);
	buf[13] = s->flags;
	put16(buf + 14, s->wnd);
	put16(buf + 16, 0);             /* checksum, filled in below */
	put16(buf + 18, 0);             /* urgent pointer: the model never sends urgent data */
	memcpy(buf + TCP_HDR_LEN, opts, olen);
	if (s->len)
		memcpy(buf + hlen, s->data, s->len);
	put16(buf + 16, seg_checksum(buf, total, s->saddr, s->daddr));
	return (int)total;
}

/*
 * Walk the options in p[0..n) into s.  EOL ends the list (the rest is padding), NOP is one
 * byte; every other option has a length byte that must be at least 2 and fit in what is
 * left.  The options we know must have exactly their defined length, as Linux's
 * tcp_parse_options() requires; unknown ones are skipped (RFC 9293 §3.1, MUST-68).
 */
static int options_parse(const uint8_t *p, size_t n, struct fw_seg *s)
{
	size_t i = 0;

	while (i < n) {
		uint8_t kind = p[i];
		uint8_t olen;

		if (kind == OPT_EOL)
			break;
		if (kind == OPT_NOP) {
			i++;
			continue;
		}
		if (n - i < 2)
			return SEG_EOPT;
		olen = p[i + 1];
		if (olen < 2 || olen > n - i)
			return SEG_EOPT;
		switch (kind) {
		case OPT_MSS:
			if (olen != 4)
				return SEG_EOPT;
			s->mss = get16(p + i + 2);
			break;
		case OPT_WSCALE:
			if (olen != 3)
				return SEG_EOPT;
			break;
		case OPT_SACK_PERM:
			if (olen != 2)
				return SEG_EOPT;
			s->sack_ok = true;
			break;
		case OPT_TS:
			if (olen != 10)
				return SEG_EOPT;
			s->has_ts = true;
			s->tsval = get32(p + i + 2);
			s->tsecr = get32(p + i + 6);
			break;
		default:
			break;
		}
		i += olen;
	}
	return 0;
}

/*
 * The checks run from the cheapest to the most specific: length, data offset, payload size,
 * checksum, then options, so a corrupted segment is reported as a checksum error rather
 * than as whatever its damaged options happen to look like (Linux also verifies the
 * checksum before it parses options).  *s is cleared first and is only meaningful when 0 is
 * returned.
 */
int seg_decode(const uint8_t *buf, size_t len, uint32_t saddr, uint32_t daddr, struct fw_seg *s)
{
	size_t hlen, plen;
	int err;

	memset(s, 0, sizeof *s);
	if (len < TCP_HDR_LEN)
		return SEG_ESHORT;
	hlen = (size_t)(buf[12] >> 4) * 4;
	if (hlen < TCP_HDR_LEN || hlen > len)
		return SEG_EOFF;
	plen = len - hlen;
	if (plen > FW_MSS)
		return SEG_ELEN;
	if (seg_checksum(buf, len, saddr, daddr) != 0)
		return SEG_ECSUM;
	err = options_parse(buf + TCP_HDR_LEN, hlen - TCP_HDR_LEN, s);
	if (err) {
		memset(s, 0, sizeof *s);
		return err;
	}

	s->saddr = saddr;
	s->daddr = daddr;
	s->sport = get16(buf);
	s->dport = get16(buf + 2);
	s->seq = get32(buf + 4);
	s->ack = get32(buf + 8);
	s->flags = buf[13];
	s->wnd = get16(buf + 14);
	s->len = (uint16_t)plen;
	if (plen)
		memcpy(s->data, buf + hlen, plen);
	return 0;
}

const char *seg_strerror(int err)
{
	switch (err) {
	case 0:
		return "valid segment";
	case SEG_ESHORT:
		return "shorter than a TCP header";
	case SEG_EOFF:
		return "bad data offset";
	case SEG_EOPT:
		return "malformed TCP option";
	case SEG_ECSUM:
		return "bad checksum";
	case SEG_ELEN:
		return "payload larger than the MSS";
	default:
		return "unknown segment error";
	}
}

/*
 * RFC 1071: the one's-complement sum of 16-bit big-endian words over the pseudo-header
 * (source, destination, zero, protocol 6, TCP length; RFC 9293 §3.1) and the segment, an
 * odd last byte padded with zero, folded and complemented.  Summing a segment that carries
 * its correct checksum gives 0xffff, so the result is 0.
 */
uint16_t seg_checksum(const uint8_t *tcp, size_t len, uint32_t saddr, uint32_t daddr)
{
	uint64_t sum = 0;
	size_t i;

	sum += (saddr >> 16) + (saddr & 0xffff);
	sum += (daddr >> 16) + (daddr & 0xffff);
	sum += 6;
	sum += (uint16_t)len;
	for (i = 0; i + 1 < len; i += 2)
		sum += get16(tcp + i);
	if (len & 1)
		sum += (uint32_t)tcp[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Wireshark's order (the order of the bits): FIN, SYN, RST, PSH, ACK, URG, ECE, CWR; "none"
 * for no flags.  A buffer too small for the whole list gets the names that fit whole.
 */
const char *seg_flags_str(uint8_t flags, char *buf, size_t cap)
{
	static const char *const names[8] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR" };
	size_t n = 0;

	if (cap == 0)
		return buf;
	buf[0] = '\0';
	if (flags == 0) {
		if (cap >= sizeof "none")
			memcpy(buf, "none", sizeof "none");
		return buf;
	}
	for (int i = 0; i < 8; i++) {
		size_t need = (n ? 1 : 0) + 3;

		if (!(flags & (1u << i)))
			continue;
		if (n + need + 1 > cap)
			break;
		if (n)
			buf[n++] = ',';
		memcpy(buf + n, names[i], 3);
		n += 3;
		buf[n] = '\0';
	}
	return buf;
}

/*
 * test_seg.c: the TCP wire format: encode/decode round trips, option layouts, the checksum
 * against values worked out by hand, every way seg_decode() rejects bad bytes, flag names,
 * and modular sequence comparison.
 */
#include "test.h"

#include "seg.h"

#define CADDR 0x0a000001u   /* 10.0.0.1 */
#define SADDR 0x0a000002u   /* 10.0.0.2 */

static struct fw_seg seg_basic(uint8_t flags)
{
	struct fw_seg s;

	memset(&s, 0, sizeof s);
	s.saddr = CADDR;
	s.daddr = SADDR;
	s.sport = 0x8000;
	s.dport = 80;
	s.seq = 0x11223344;
	s.ack = 0x55667788;
	s.flags = flags;
	s.wnd = 0xffff;
	return s;
}

static void check_same(const struct fw_seg *a, const struct fw_seg *b)
{
	CHECK_EQ(a->saddr, b->saddr);
	CHECK_EQ(a->daddr, b->daddr);
	CHECK_EQ(a->sport, b->sport);
	CHECK_EQ(a->dport, b->dport);
	CHECK_EQ(a->seq, b->seq);
	CHECK_EQ(a->ack, b->ack);
	CHECK_EQ(a->flags, b->flags);
	CHECK_EQ(a->wnd, b->wnd);
	CHECK_EQ(a->mss, b->mss);
	CHECK_EQ(a->sack_ok, b->sack_ok);
	CHECK_EQ(a->has_ts, b->has_ts);
	CHECK_EQ(a->tsval, b->tsval);
	CHECK_EQ(a->tsecr, b->tsecr);
	CHECK_EQ(a->len, b->len);
	CHECK(memcmp(a->data, b->data, a->len) == 0);
}

/* Recompute the checksum of hand-edited bytes so that only the edit is wrong with them. */
static void fix_checksum(uint8_t *buf, size_t len)
{
	buf[16] = buf[17] = 0;
	uint16_t c = seg_checksum(buf, len, CADDR, SADDR);
	buf[16] = (uint8_t)(c >> 8);
	buf[17] = (uint8_t)c;
}

TEST(seg_roundtrip_bare_header)
{
	struct fw_seg s = seg_basic(FW_FIN | FW_ACK), d;
	uint8_t buf[FW_SEG_MAX];
	int n = seg_encode(&s, buf, sizeof buf);

	CHECK_EQ(n, 20);
	CHECK_EQ(buf[12], 5 << 4);
	CHECK_EQ(seg_decode(buf, (size_t)n, CADDR, SADDR, &d), 0);
	check_same(&s, &d);
}

TEST(seg_roundtrip_data_with_timestamps)
{
	struct fw_seg s = seg_basic(FW_PSH | FW_ACK), d;
	uint8_t buf[FW_SEG_MAX];

	s.has_ts = true;
	s.tsval = 0xdeadbeef;
	s.tsecr = 0x01020304;
	s.len = 1000;
	for (int i = 0; i < s.len; i++)
		s.data[i] = (uint8_t)(i * 7);
	int n = seg_encode(&s, buf, sizeof buf);
	CHECK_EQ(n, 32 + 1000);
	/* Linux's layout for a non-SYN segment: NOP, NOP, TS. */
	CHECK_EQ(buf[12], 8 << 4);
	CHECK_EQ(buf[20], 1);
	CHECK_EQ(buf[21], 1);
	CHECK_EQ(buf[22], 8);
	CHECK_EQ(buf[23], 10);
	CHECK_EQ(buf[24], 0xde);
	CHECK_EQ(buf[31], 0x04);
	CHECK_EQ(seg_decode(buf, (size_t)n, CADDR, SADDR, &d), 0);
	check_same(&s, &d);
}

TEST(seg_roundtrip_full_mss_payload)
{
	struct fw_seg s = seg_basic(FW_ACK), d;
	uint8_t buf[FW_SEG_MAX];

	s.len = FW_MSS;
	memset(s.data, 0x5a, FW_MSS);
	int n = seg_encode(&s, buf, sizeof buf);
	CHECK_EQ(n, 20 + FW_MSS);
	CHECK_EQ(seg_decode(buf, (size_t)n, CADDR, SADDR, &d), 0);
	check_same(&s, &d);
}

TEST(seg_syn_options_use_linux_layout)
{
	struct fw_seg s = seg_basic(FW_SYN), d;
	uint8_t buf[FW_SEG_MAX];
	static const uint8_t want[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0 };

	s.ack = 0;
	s.mss = 1460;
	s.sack_ok = true;
	s.has_ts = true;
	s.tsval = 9;
	int n = seg_encode(&s, buf, sizeof buf);
	CHECK_EQ(n, 36);
	CHECK_EQ(buf[12], 9 << 4);
	CHECK(memcmp(buf + 20, want, sizeof want) == 0);
	CHECK_EQ(seg_decode(buf, (size_t)n, CADDR, SADDR, &d), 0);
	check_same(&s, &d);
}

TEST(seg_syn_sack_without_timestamps_is_padded)
{
	struct fw_seg s = seg_basic(FW_SYN | FW_ACK), d;
	uint8_t buf[FW_SEG_MAX];
	static const uint8_t want[] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 };

	s.mss = 1460;
	s.sack_ok = true;
	int n = seg_encode(&s, buf, sizeof buf);
	CHECK_EQ(n, 28);
	CHECK(memcmp(buf + 20, want, sizeof want) == 0);
	CHECK_EQ(seg_decode(buf, (size_t)n, CADDR, SADDR, &d), 0);
	check_same(&s, &d);
}

TEST(seg_encode_omits_syn_only_options_on_other_segments)
{
	struct fw_seg s = seg_basic(FW_ACK), d;
	uint8_t buf[FW_SEG_MAX];

	s.mss = 1460;
	s.sack_ok = true;
	int n = seg_encode(&s, buf, sizeof buf);
	CHECK_EQ(n, 20);
	CHECK_EQ(seg_decode(buf, (size_t)n, CADDR, SADDR, &d), 0);
	CHECK_EQ(d.mss, 0);
	CHECK(!d.sack_ok);
}

TEST(seg_encode_rejects_small_buffer)
{
	struct fw_seg s = seg_basic(FW_ACK);
	uint8_t buf[FW_SEG_MAX];

	s.len = 10;
	CHECK_EQ(seg_encode(&s, buf, 29), -1);
	CHECK_EQ(seg_encode(&s, buf, 30), 30);
	s.len = FW_MSS + 1;
	CHECK_EQ(seg_encode(&s, buf, sizeof buf), -1);
}

/*
 * FIN,ACK from 10.0.0.1:32768 to 10.0.0.2:80, seq 0x11223344, ack 0x55667788, window 0xffff.
 * Pseudo-header words: 0a00 0001 0a00 0002 0006 0014 = 0x141d.
 * Header words: 8000 0050 1122 3344 5566 7788 5011 ffff 0000 0000 = 0x2e1b4.
 * Sum 0x2f5d1, folded 0xf5d1 + 2 = 0xf5d3, complemented 0x0a2c.
 */
TEST(seg_checksum_matches_hand_computation)
{
	struct fw_seg s = seg_basic(FW_FIN | FW_ACK);
	uint8_t buf[FW_SEG_MAX];
	int n = seg_encode(&s, buf, sizeof buf);

	CHECK_EQ(n, 20);
	CHECK_EQ(buf[16], 0x0a);
	CHECK_EQ(buf[17], 0x2c);
	CHECK_EQ(seg_checksum(buf, 20, CADDR, SADDR), 0);
}

/*
 * The same with PSH,ACK and the odd-length payload "abc": TCP length 23 (0x17), flags word
 * 5018, payload words 6162 6300 (the last byte padded with zero).
 * Sum 0x3ba3d, folded 0xba3d + 3 = 0xba40, complemented 0x45bf.
 */
TEST(seg_checksum_pads_odd_length)
{
	struct fw_seg s = seg_basic(FW_PSH | FW_ACK);
	uint8_t buf[FW_SEG_MAX];

	s.len = 3;
	memcpy(s.data, "abc", 3);
	int n = seg_encode(&s, buf, sizeof buf);
	CHECK_EQ(n, 23);
	CHECK_EQ(buf[16], 0x45);
	CHECK_EQ(buf[17], 0xbf);
	CHECK_EQ(seg_checksum(buf, 23, CADDR, SADDR), 0);
}

TEST(seg_checksum_covers_pseudo_header)
{
	struct fw_seg s = seg_basic(FW_ACK), d;
	uint8_t buf[FW_SEG_MAX];
	int n = seg_encode(&s, buf, sizeof buf);

	/* The same bytes claimed to come from another address do not verify. */
	CHECK_EQ(seg_decode(buf, (size_t)n, 0x0a000003u, SADDR, &d), SEG_ECSUM);
	CHECK_EQ(seg_decode(buf, (size_t)n, CADDR, SADDR, &d), 0);
}

TEST(seg_decode_rejects_short)
{
	struct fw_seg s = seg_basic(FW_ACK), d;
	uint8_t buf[FW_SEG_MAX];

	seg_encode(&s, buf, sizeof buf);
	CHECK_EQ(seg_decode(buf, 19, CADDR, SADDR, &d), SEG_ESHORT);
	CHECK_EQ(seg_decode(buf, 0, CADDR, SADDR, &d), SEG_ESHORT);
}

TEST(seg_decode_rejects_bad_data_offset)
{
	struct fw_seg s = seg_basic(FW_ACK), d;
	uint8_t buf[FW_SEG_MAX];
	int n = seg_encode(&s, buf, sizeof buf);

	buf[12] = 4 << 4;                      /* below the 20-byte minimum */
	fix_checksum(buf, (size_t)n);
	CHECK_EQ(seg_decode(buf, (size_t)n, CADDR, SADDR, &d), SEG_EOFF);
	buf[12] = 6 << 4;                      /* 24 bytes of header in a 20-byte segment */
	fix_checksum(buf, (size_t)n);
	CHECK_EQ(seg_decode(buf, (size_t)n, CADDR, SADDR, &d), SEG_EOFF);
}

/* A 24-byte header whose four option bytes are opt[0..3]; returns its length. */
static size_t with_options(uint8_t *buf, const uint8_t opt[4])
{
	struct fw_seg s = seg_basic(FW_ACK);
	int n = seg_encode(&s, buf, FW_SEG_MAX);

	CHECK_EQ(n, 20);
	buf[12] = 6 << 4;
	memcpy(buf + 20, opt, 4);
	fix_checksum(buf, 24);
	return 24;
}

TEST(seg_decode_rejects_truncated_option)
{
	uint8_t buf[FW_SEG_MAX];
	struct fw_seg d;
	/* Timestamps claim 10 bytes where 2 are left; then a kind with no length byte. */
	static const uint8_t ts_cut[4] = { 1, 1, 8, 10 };
	static const uint8_t no_len[4] = { 1, 1, 1, 2 };

	size_t n = with_options(buf, ts_cut);
	CHECK_EQ(seg_decode(buf, n, CADDR, SADDR, &d), SEG_EOPT);
	n = with_options(buf, no_len);
	CHECK_EQ(seg_decode(buf, n, CADDR, SADDR, &d), SEG_EOPT);
}

TEST(seg_decode_rejects_zero_length_option)
{
	uint8_t buf[FW_SEG_MAX];
	struct fw_seg d;
	static const uint8_t zero[4] = { 30, 0, 1, 1 };
	static const uint8_t one[4] = { 30, 1, 1, 1 };

	size_t n = with_options(buf, zero);
	CHECK_EQ(seg_decode(buf, n, CADDR, SADDR, &d), SEG_EOPT);
	n = with_options(buf, one);
	CHECK_EQ(seg_decode(buf, n, CADDR, SADDR, &d), SEG_EOPT);
}

TEST(seg_decode_rejects_known_option_with_wrong_length)
{
	uint8_t buf[FW_SEG_MAX];
	struct fw_seg d;
	static const uint8_t mss3[4] = { 2, 3, 5, 1 };
	static const uint8_t sack4[4] = { 4, 4, 0, 0 };
	static const uint8_t ts4[4] = { 8, 4, 0, 0 };
	static const uint8_t ws4[4] = { 3, 4, 7, 0 };

	size_t n = with_options(buf, mss3);
	CHECK_EQ(seg_decode(buf, n, CADDR, SADDR, &d), SEG_EOPT);
	n = with_options(buf, sack4);
	CHECK_EQ(seg_decode(buf, n, CADDR, SADDR, &d), SEG_EOPT);
	n = with_options(buf, ts4);
	CHECK_EQ(seg_decode(buf, n, CADDR, SADDR, &d), SEG_EOPT);
	n = with_options(buf, ws4);
	CHECK_EQ(seg_decode(buf, n, CADDR, SADDR, &d), SEG_EOPT);
}

TEST(seg_decode_skips_unknown_options_and_stops_at_eol)
{
	uint8_t buf[FW_SEG_MAX];
	struct fw_seg d;
	static const uint8_t unknown[4] = { 30, 4, 0xaa, 0xbb };
	static const uint8_t eol[4] = { 0, 2, 0, 0 };   /* after EOL, garbage is padding */

	size_t n = with_options(buf, unknown);
	CHECK_EQ(seg_decode(buf, n, CADDR, SADDR, &d), 0);
	CHECK_EQ(d.seq, 0x11223344u);
	CHECK(!d.has_ts);
	n = with_options(buf, eol);
	CHECK_EQ(seg_decode(buf, n, CADDR, SADDR, &d), 0);
	CHECK_EQ(d.mss, 0);
}

TEST(seg_decode_rejects_bad_checksum)
{
	struct fw_seg s = seg_basic(FW_PSH | FW_ACK), d;
	uint8_t buf[FW_SEG_MAX];

	s.len = 5;
	memcpy(s.data, "hello", 5);
	int n = seg_encode(&s, buf, sizeof buf);
	CHECK_EQ(seg_decode(buf, (size_t)n, CADDR, SADDR, &d), 0);
	buf[n - 1] ^= 0x01;                    /* one bit of payload */
	CHECK_EQ(seg_decode(buf, (size_t)n, CADDR, SADDR, &d), SEG_ECSUM);
	buf[n - 1] ^= 0x01;
	buf[4] ^= 0x80;                        /* one bit of the sequence number */
	CHECK_EQ(seg_decode(buf, (size_t)n, CADDR, SADDR, &d), SEG_ECSUM);
}

TEST(seg_decode_rejects_payload_over_mss)
{
	static uint8_t buf[20 + FW_MSS + 1];
	struct fw_seg s = seg_basic(FW_ACK), d;

	seg_encode(&s, buf, sizeof buf);
	fix_checksum(buf, sizeof buf);
	CHECK_EQ(seg_decode(buf, sizeof buf, CADDR, SADDR, &d), SEG_ELEN);
}

TEST(seg_strerror_names_every_error)
{
	CHECK_STR(seg_strerror(SEG_ECSUM), "bad checksum");
	CHECK_STR(seg_strerror(SEG_ESHORT), "shorter than a TCP header");
	CHECK(strcmp(seg_strerror(SEG_EOFF), seg_strerror(SEG_EOPT)) != 0);
	CHECK(strcmp(seg_strerror(SEG_ELEN), seg_strerror(-99)) != 0);
}

TEST(seg_flags_str_uses_wireshark_order)
{
	char buf[32];

	CHECK_STR(seg_flags_str(FW_FIN | FW_ACK, buf, sizeof buf), "FIN,ACK");
	CHECK_STR(seg_flags_str(FW_SYN | FW_ACK, buf, sizeof buf), "SYN,ACK");
	CHECK_STR(seg_flags_str(FW_ACK | FW_RST, buf, sizeof buf), "RST,ACK");
	CHECK_STR(seg_flags_str(FW_PSH | FW_ACK | FW_FIN, buf, sizeof buf), "FIN,PSH,ACK");
	CHECK_STR(seg_flags_str(0, buf, sizeof buf), "none");
	CHECK_STR(seg_flags_str(0xff, buf, sizeof buf), "FIN,SYN,RST,PSH,ACK,URG,ECE,CWR");
}

TEST(seg_flags_str_never_overflows)
{
	char buf[8];

	memset(buf, 'x', sizeof buf);
	CHECK_STR(seg_flags_str(FW_FIN | FW_SYN | FW_ACK, buf, 8), "FIN,SYN");
	CHECK_STR(seg_flags_str(0, buf, 3), "");
}

TEST(seq_compare_wraps_around)
{
	CHECK(seq_lt(1, 2));
	CHECK(!seq_lt(2, 1));
	CHECK(seq_lt(0xfffffff0u, 0x10u));
	CHECK(seq_gt(0x10u, 0xfffffff0u));
	CHECK(seq_leq(0xffffffffu, 0));
	CHECK(seq_leq(5, 5));
	CHECK(!seq_lt(5, 5));
	CHECK(seq_geq(0, 0xffffffffu));
	CHECK(!seq_geq(0xffffffffu, 0));
}

TEST(seg_seqlen_counts_syn_and_fin)
{
	struct fw_seg s = seg_basic(FW_SYN);

	CHECK_EQ(seg_seqlen(&s), 1);
	s.flags = FW_FIN | FW_ACK;
	s.len = 10;
	CHECK_EQ(seg_seqlen(&s), 11);
	s.flags = FW_ACK;
	s.len = 0;
	CHECK_EQ(seg_seqlen(&s), 0);
}

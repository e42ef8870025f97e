/*
 * test_pcap.c: the pcap writer.  Three segments (a SYN with options, a data segment, a
 * FIN) are written through the observer, together with events it must ignore, then read
 * back with libpcap: the packet count, lengths, timestamps, IPv4 header fields and both
 * checksums.  When tshark is installed it must decode the file as TCP with good checksums
 * too, so Wireshark users see exactly what the trace says.
 */
#include <pcap/pcap.h>
#include <unistd.h>

#include "test.h"

#include "pcap_writer.h"

#define CADDR 0x0a000001u
#define SADDR 0x0a000002u

struct sample {
	int64_t t;
	int host;
	uint8_t flags;
	uint16_t len;
	int tcp_len;                   /* expected TCP bytes */
};

static const struct sample samples[3] = {
	{ 1000000, FW_CLIENT, FW_SYN, 0, 36 },                  /* MSS, SACK_PERM+TS */
	{ 1020500, FW_SERVER, FW_PSH | FW_ACK, 100, 32 + 100 }, /* NOP,NOP,TS */
	{ 61000000, FW_CLIENT, FW_FIN | FW_ACK, 0, 32 },
};

static void sample_seg(const struct sample *sm, struct fw_seg *s)
{
	memset(s, 0, sizeof *s);
	s->saddr = sm->host == FW_CLIENT ? CADDR : SADDR;
	s->daddr = sm->host == FW_CLIENT ? SADDR : CADDR;
	s->sport = sm->host == FW_CLIENT ? 40000 : 80;
	s->dport = sm->host == FW_CLIENT ? 80 : 40000;
	s->seq = 0x10000000u + (uint32_t)sm->t;
	s->ack = sm->flags & FW_ACK ? 0x20000000u : 0;
	s->flags = sm->flags;
	s->wnd = 65535;
	s->has_ts = true;
	s->tsval = 1234;
	if (sm->flags & FW_SYN) {
		s->mss = 1460;
		s->sack_ok = true;
		s->tsval = 1;
	}
	s->len = sm->len;
	memset(s->data, 'x', sm->len);
}

static uint16_t sum16(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void write_samples(const char *path)
{
	char err[256];
	struct fw_pcap *pc = pcap_writer_open(path, err, sizeof err);
	struct fw_seg s;

	if (!pc)
		fw_test_fail(__FILE__, __LINE__, "pcap_writer_open: %s", err);
	for (int i = 0; i < 3; i++) {
		struct fw_event ev = { .t = samples[i].t, .ev = FW_EV_SEND, .host = samples[i].host,
				       .conn = 1, .seg = &s };

		sample_seg(&samples[i], &s);
		pcap_writer_event_cb(pc, &ev);
		/* What the other views see of the same segment is not written again. */
		ev.ev = FW_EV_RECV;
		pcap_writer_event_cb(pc, &ev);
		ev.ev = FW_EV_DROP;
		pcap_writer_event_cb(pc, &ev);
	}
	{
		struct fw_event ev = { .t = 0, .ev = FW_EV_SAY, .host = -1, .text = "hi" };
		pcap_writer_event_cb(pc, &ev);
	}
	CHECK_EQ(pcap_writer_count(pc), 3);
	CHECK_EQ(pcap_writer_close(pc), 0);
}

static void temp_path(char *path, size_t cap)
{
	snprintf(path, cap, "/tmp/fw-test-pcap-XXXXXX");
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
}

TEST(pcap_writer_writes_send_events_as_ipv4_tcp)
{
	char path[64], err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *pkt;
	pcap_t *p;
	int i = 0;

	temp_path(path, sizeof path);
	write_samples(path);
	p = pcap_open_offline(path, err);
	if (!p)
		fw_test_fail(__FILE__, __LINE__, "pcap_open_offline: %s", err);
	CHECK_EQ(pcap_datalink(p), DLT_RAW);
	while (pcap_next_ex(p, &h, &pkt) == 1) {
		const struct sample *sm = &samples[i];
		struct fw_seg want, got;
		uint32_t src, dst;

		CHECK_INT(i, <, 3);
		sample_seg(sm, &want);
		CHECK_EQ(h->caplen, 20 + sm->tcp_len);
		CHECK_EQ(h->len, h->caplen);
		CHECK_EQ(h->ts.tv_sec, sm->t / 1000000);
		CHECK_EQ(h->ts.tv_usec, sm->t % 1000000);
		/* IPv4: version 4, IHL 5, total length, id counting up, DF, TTL 64, TCP. */
		CHECK_EQ(pkt[0], 0x45);
		CHECK_EQ(pkt[2] << 8 | pkt[3], (int)h->caplen);
		CHECK_EQ(pkt[4] << 8 | pkt[5], i + 1);
		CHECK_EQ(pkt[6], 0x40);
		CHECK_EQ(pkt[7], 0);
		CHECK_EQ(pkt[8], 64);
		CHECK_EQ(pkt[9], 6);
		CHECK_EQ(sum16(pkt, 20), 0);
		src = (uint32_t)pkt[12] << 24 | (uint32_t)pkt[13] << 16 | (uint32_t)pkt[14] << 8 | pkt[15];
		dst = (uint32_t)pkt[16] << 24 | (uint32_t)pkt[17] << 16 | (uint32_t)pkt[18] << 8 | pkt[19];
		CHECK_EQ(src, want.saddr);
		CHECK_EQ(dst, want.daddr);
		/* TCP: the checksum verifies and the bytes decode back to the segment. */
		CHECK_EQ(seg_checksum(pkt + 20, h->caplen - 20, src, dst), 0);
		CHECK_EQ(seg_decode(pkt + 20, h->caplen - 20, src, dst, &got), 0);
		CHECK_EQ(got.seq, want.seq);
		CHECK_EQ(got.flags, want.flags);
		CHECK_EQ(got.len, want.len);
		CHECK_EQ(got.mss, want.mss);
		i++;
	}
	CHECK_EQ(i, 3);
	pcap_close(p);

	/* Wireshark's own dissector must agree, when it is installed. */
	if (system("command -v tshark >/dev/null 2>&1") != 0) {
		printf("  note: tshark not installed; skipped the tshark cross-check\n");
	} else {
		char cmd[256], line[256], all[1024] = "";
		FILE *f;
		int n = 0;

		snprintf(cmd, sizeof cmd,
			 "tshark -r %s -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE -T fields "
			 "-e tcp.flags.str "
			 "-e tcp.checksum.status -e ip.checksum.status 2>/dev/null", path);
		f = popen(cmd, "r");
		CHECK(f != NULL);
		while (fgets(line, sizeof line, f)) {
			strncat(all, line, sizeof all - strlen(all) - 1);
			n++;
		}
		CHECK_EQ(pclose(f), 0);
		if (n != 3)
			fw_test_fail(__FILE__, __LINE__, "tshark gave %d lines:\n%s", n, all);
		/* Flags as Wireshark spells them (··········S·); checksum status 1 = good. */
		CHECK(strstr(all, "S·\t1\t1\n") != NULL);
		CHECK(strstr(all, "AP···\t1\t1\n") != NULL);
		CHECK(strstr(all, "A···F\t1\t1\n") != NULL);
	}
	unlink(path);
}

TEST(pcap_writer_open_reports_errors)
{
	char err[256] = "";

	CHECK(pcap_writer_open("/nonexistent-dir/x.pcap", err, sizeof err) == NULL);
	CHECK(strstr(err, "nonexistent-dir") != NULL);
	CHECK_EQ(pcap_writer_close(NULL), 0);
}

/*
 * test_trace.c: the trace writers.  A hand-made normal close (and one of everything else)
 * goes through the JSON lines writer and must give exactly the expected lines, each a valid
 * JSON object (checked by a small strict parser here); narration in Chinese, quotes and
 * control characters must come out escaped right.  The text ladder must be deterministic,
 * within 100 columns, and draw the expected arrows.
 */
#include "test.h"

#include "trace.h"

#define MS 1000LL
#define SEC 1000000LL
#define CISN 1000u
#define SISN 5000u

/* ---- building events ------------------------------------------------------------------- */

struct rec {
	struct fw_trace *tr;
	struct fw_seg seg;
};

static void ev_seg(struct rec *r, int64_t t, enum fw_ev kind, int host, uint8_t flags,
		   uint32_t rseq, uint32_t rack, uint16_t len, int retrans, const char *why)
{
	/* host is the sender for SEND/DROP/FAULT, the receiver for RECV. */
	int sender = kind == FW_EV_RECV ? 1 - host : host;
	uint32_t sbase = sender == FW_CLIENT ? CISN : SISN;
	uint32_t rbase = sender == FW_CLIENT ? SISN : CISN;
	struct fw_event ev = { .t = t, .ev = kind, .host = host, .conn = 1, .seg = &r->seg,
			       .rel = true, .seq_base = sbase, .ack_base = rbase,
			       .retrans = retrans, .why = why };

	memset(&r->seg, 0, sizeof r->seg);
	r->seg.saddr = sender == FW_CLIENT ? 0x0a000001u : 0x0a000002u;
	r->seg.daddr = sender == FW_CLIENT ? 0x0a000002u : 0x0a000001u;
	r->seg.flags = flags;
	r->seg.seq = sbase + rseq;
	r->seg.ack = rbase + rack;
	r->seg.len = len;
	trace_event_cb(r->tr, &ev);
}

static void ev_state(struct rec *r, int64_t t, int host, enum tcp_state from, enum tcp_state to,
		     const char *why)
{
	struct fw_event ev = { .t = t, .ev = FW_EV_STATE, .host = host, .conn = 1, .from = from,
			       .to = to, .why = why };
	trace_event_cb(r->tr, &ev);
}

static void ev_timer(struct rec *r, int64_t t, int host, enum fw_timer timer,
		     enum fw_timer_action action, int64_t due)
{
	struct fw_event ev = { .t = t, .ev = FW_EV_TIMER, .host = host, .conn = 1, .timer = timer,
			       .action = action, .due = due };
	trace_event_cb(r->tr, &ev);
}

static void ev_call(struct rec *r, int64_t t, int host, int conn, const char *call, int result,
		    const char *text)
{
	struct fw_event ev = { .t = t, .ev = FW_EV_CALL, .host = host, .conn = conn, .call = call,
			       .result = result, .text = text };
	trace_event_cb(r->tr, &ev);
}

static void ev_text(struct rec *r, int64_t t, enum fw_ev kind, int host, const char *text,
		    int result)
{
	struct fw_event ev = { .t = t, .ev = kind, .host = host, .text = text, .result = result };
	trace_event_cb(r->tr, &ev);
}

/* The four waves: the client closes, the server ACKs late, closes, and the client's final
 * ACK ends the server's LAST_ACK; the client sits in TIME_WAIT. */
static void normal_close(struct rec *r)
{
	int64_t t = 61 * SEC;

	ev_call(r, t, FW_CLIENT, 1, "close", 0, NULL);
	ev_state(r, t, FW_CLIENT, TCP_ESTABLISHED, TCP_FIN_WAIT_1, "close");
	ev_seg(r, t, FW_EV_SEND, FW_CLIENT, FW_FIN | FW_ACK, 301, 501, 0, 0, NULL);
	ev_timer(r, t, FW_CLIENT, FW_T_RTO, FW_TA_SET, t + 204 * MS);
	t += 20 * MS;
	ev_seg(r, t, FW_EV_RECV, FW_SERVER, FW_FIN | FW_ACK, 301, 501, 0, 0, NULL);
	ev_state(r, t, FW_SERVER, TCP_ESTABLISHED, TCP_CLOSE_WAIT, "FIN received");
	ev_timer(r, t, FW_SERVER, FW_T_DELACK, FW_TA_SET, t + 40 * MS);
	t += 40 * MS;
	ev_timer(r, t, FW_SERVER, FW_T_DELACK, FW_TA_FIRE, 0);
	ev_seg(r, t, FW_EV_SEND, FW_SERVER, FW_ACK, 501, 302, 0, 0, NULL);
	t += 20 * MS;
	ev_seg(r, t, FW_EV_RECV, FW_CLIENT, FW_ACK, 501, 302, 0, 0, NULL);
	ev_timer(r, t, FW_CLIENT, FW_T_RTO, FW_TA_CANCEL, 0);
	ev_state(r, t, FW_CLIENT, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, NULL);
	t = 61500 * MS;
	ev_call(r, t, FW_SERVER, 1, "close", 0, NULL);
	ev_state(r, t, FW_SERVER, TCP_CLOSE_WAIT, TCP_LAST_ACK, "close");
	ev_seg(r, t, FW_EV_SEND, FW_SERVER, FW_FIN | FW_ACK, 501, 302, 0, 0, NULL);
	t += 20 * MS;
	ev_seg(r, t, FW_EV_RECV, FW_CLIENT, FW_FIN | FW_ACK, 501, 302, 0, 0, NULL);
	ev_state(r, t, FW_CLIENT, TCP_FIN_WAIT_2, TCP_TIME_WAIT, NULL);
	ev_seg(r, t, FW_EV_SEND, FW_CLIENT, FW_ACK, 302, 502, 0, 0, NULL);
	ev_timer(r, t, FW_CLIENT, FW_T_TIME_WAIT, FW_TA_SET, t + 60 * SEC);
	t += 20 * MS;
	ev_seg(r, t, FW_EV_RECV, FW_SERVER, FW_ACK, 302, 502, 0, 0, NULL);
	ev_state(r, t, FW_SERVER, TCP_LAST_ACK, TCP_CLOSED, NULL);
}

/* Everything else the stream can say, with awkward values. */
static void odd_events(struct rec *r)
{
	int64_t t = 1001;              /* 1.001 ms */

	ev_seg(r, t, FW_EV_DROP, FW_SERVER, FW_FIN | FW_ACK, 501, 302, 0, 1, "drop wave 3");
	ev_seg(r, t, FW_EV_SEND, FW_CLIENT, FW_ACK, 1, 1, 0, 0, "keepalive");
	ev_seg(r, t, FW_EV_SEND, FW_SERVER, FW_FIN | FW_ACK, 501, 302, 0, 2, "tlp");
	ev_seg(r, t, FW_EV_FAULT, FW_CLIENT, FW_PSH | FW_ACK, 1, 1, 100, 0, "delay next 200ms");
	ev_call(r, t, FW_CLIENT, 0, "connect", -111, NULL);
	ev_call(r, t, FW_SERVER, 1, "recv", 0, "end of stream");
	{
		struct fw_event ev = { .t = t, .ev = FW_EV_PROC, .host = FW_SERVER, .pid = 4242,
				       .proc_action = "exit", .signal = 9 };
		trace_event_cb(r->tr, &ev);
	}
	{
		struct fw_event ev = { .t = t, .ev = FW_EV_ERROR, .host = FW_CLIENT, .conn = 1,
				       .err = 104 };
		trace_event_cb(r->tr, &ev);
	}
	{
		struct fw_event ev = { .t = t, .ev = FW_EV_NOTE, .host = FW_SERVER, .conn = 2,
				       .why = "TcpExtTCPTimeWaitOverflow", .value = 5 };
		trace_event_cb(r->tr, &ev);
	}
	ev_text(r, t, FW_EV_FOREIGN, FW_SERVER, "bad token\x01\xff", 0);
	ev_text(r, t, FW_EV_SAY, -1, "客户端说 \"再见\"\\\n\ttab", 0);
	ev_text(r, t, FW_EV_EXPECT, -1, "server TIME_WAIT", 1);
	ev_text(r, t, FW_EV_EXPECT, -1, "client TIME_WAIT", 0);
}

/* Run a scenario through a writer of fmt and return what it wrote (to free). */
static char *capture(enum fw_trace_fmt fmt, void (*scenario)(struct rec *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct rec r;

	CHECK(f != NULL);
	r.tr = trace_new(f, fmt);
	CHECK(r.tr != NULL);
	scenario(&r);
	trace_free(r.tr);
	fclose(f);
	return buf;
}

/* ---- a strict little JSON parser (enough to prove each line is valid JSON) -------------- */

static const char *json_value(const char *p);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		unsigned char c = (unsigned char)*p;

		if (c == '\0' || c < 0x20)
			return NULL;
		if (c == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 5;
			} else if (*p && strchr("\"\\/bfnrt", *p)) {
				p++;
			} else {
				return NULL;
			}
		} else {
			p++;
		}
	}
	return p + 1;
}

static const char *json_number(const char *p)
{
	const char *s = p;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p > s ? p : NULL;
}

static const char *json_seq(const char *p, char close, bool object)
{
	p = json_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (object) {
			p = json_string(json_ws(p));
			if (!p)
				return NULL;
			p = json_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = json_value(p);
		if (!p)
			return NULL;
		p = json_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *json_value(const char *p)
{
	p = json_ws(p);
	if (*p == '{')
		return json_seq(p, '}', true);
	if (*p == '[')
		return json_seq(p, ']', false);
	if (*p == '"')
		return json_string(p);
	if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0)
		return p + 4;
	if (strncmp(p, "false", 5) == 0)
		return p + 5;
	return json_number(p);
}

/* Every line of text is exactly one JSON object. */
static int check_json_lines(const char *text)
{
	int lines = 0;

	while (*text) {
		const char *nl = strchr(text, '\n');
		char line[2048];
		size_t n;

		CHECK(nl != NULL);
		n = (size_t)(nl - text);
		CHECK(n < sizeof line);
		memcpy(line, text, n);
		line[n] = '\0';
		CHECK(line[0] == '{');
		const char *end = json_value(line);
		if (!end || *end != '\0')
			fw_test_fail(__FILE__, __LINE__, "not one JSON object: %s", line);
		lines++;
		text = nl + 1;
	}
	return lines;
}

/* ---- JSON lines -------------------------------------------------------------------------- */

TEST(trace_jsonl_normal_close_exact)
{
	char *out = capture(FW_TRACE_JSONL, normal_close);
	static const char want[] =
		"{\"t\":61000.000,\"ev\":\"call\",\"host\":\"client\",\"conn\":1,\"call\":\"close\",\"result\":0}\n"
		"{\"t\":61000.000,\"ev\":\"state\",\"host\":\"client\",\"conn\":1,\"from\":\"ESTABLISHED\",\"to\":\"FIN_WAIT_1\",\"why\":\"close\"}\n"
		"{\"t\":61000.000,\"ev\":\"send\",\"host\":\"client\",\"conn\":1,\"flags\":[\"FIN\",\"ACK\"],\"seq\":301,\"ack\":501,\"len\":0,\"retrans\":0}\n"
		"{\"t\":61000.000,\"ev\":\"timer\",\"host\":\"client\",\"conn\":1,\"timer\":\"rto\",\"action\":\"set\",\"due\":61204.000}\n"
		"{\"t\":61020.000,\"ev\":\"recv\",\"host\":\"server\",\"conn\":1,\"flags\":[\"FIN\",\"ACK\"],\"seq\":301,\"ack\":501,\"len\":0}\n"
		"{\"t\":61020.000,\"ev\":\"state\",\"host\":\"server\",\"conn\":1,\"from\":\"ESTABLISHED\",\"to\":\"CLOSE_WAIT\",\"why\":\"FIN received\"}\n"
		"{\"t\":61020.000,\"ev\":\"timer\",\"host\":\"server\",\"conn\":1,\"timer\":\"delack\",\"action\":\"set\",\"due\":61060.000}\n"
		"{\"t\":61060.000,\"ev\":\"timer\",\"host\":\"server\",\"conn\":1,\"timer\":\"delack\",\"action\":\"fire\"}\n"
		"{\"t\":61060.000,\"ev\":\"send\",\"host\":\"server\",\"conn\":1,\"flags\":[\"ACK\"],\"seq\":501,\"ack\":302,\"len\":0,\"retrans\":0}\n"
		"{\"t\":61080.000,\"ev\":\"recv\",\"host\":\"client\",\"conn\":1,\"flags\":[\"ACK\"],\"seq\":501,\"ack\":302,\"len\":0}\n"
		"{\"t\":61080.000,\"ev\":\"timer\",\"host\":\"client\",\"conn\":1,\"timer\":\"rto\",\"action\":\"cancel\"}\n"
		"{\"t\":61080.000,\"ev\":\"state\",\"host\":\"client\",\"conn\":1,\"from\":\"FIN_WAIT_1\",\"to\":\"FIN_WAIT_2\"}\n"
		"{\"t\":61500.000,\"ev\":\"call\",\"host\":\"server\",\"conn\":1,\"call\":\"close\",\"result\":0}\n"
		"{\"t\":61500.000,\"ev\":\"state\",\"host\":\"server\",\"conn\":1,\"from\":\"CLOSE_WAIT\",\"to\":\"LAST_ACK\",\"why\":\"close\"}\n"
		"{\"t\":61500.000,\"ev\":\"send\",\"host\":\"server\",\"conn\":1,\"flags\":[\"FIN\",\"ACK\"],\"seq\":501,\"ack\":302,\"len\":0,\"retrans\":0}\n"
		"{\"t\":61520.000,\"ev\":\"recv\",\"host\":\"client\",\"conn\":1,\"flags\":[\"FIN\",\"ACK\"],\"seq\":501,\"ack\":302,\"len\":0}\n"
		"{\"t\":61520.000,\"ev\":\"state\",\"host\":\"client\",\"conn\":1,\"from\":\"FIN_WAIT_2\",\"to\":\"TIME_WAIT\"}\n"
		"{\"t\":61520.000,\"ev\":\"send\",\"host\":\"client\",\"conn\":1,\"flags\":[\"ACK\"],\"seq\":302,\"ack\":502,\"len\":0,\"retrans\":0}\n"
		"{\"t\":61520.000,\"ev\":\"timer\",\"host\":\"client\",\"conn\":1,\"timer\":\"time_wait\",\"action\":\"set\",\"due\":121520.000}\n"
		"{\"t\":61540.000,\"ev\":\"recv\",\"host\":\"server\",\"conn\":1,\"flags\":[\"ACK\"],\"seq\":302,\"ack\":502,\"len\":0}\n"
		"{\"t\":61540.000,\"ev\":\"state\",\"host\":\"server\",\"conn\":1,\"from\":\"LAST_ACK\",\"to\":\"CLOSED\"}\n";

	CHECK_STR(out, want);
	CHECK_EQ(check_json_lines(out), 21);
	free(out);
}

TEST(trace_jsonl_every_kind_exact_and_escaped)
{
	char *out = capture(FW_TRACE_JSONL, odd_events);
	static const char want[] =
		"{\"t\":1.001,\"ev\":\"drop\",\"host\":\"server\",\"conn\":1,\"flags\":[\"FIN\",\"ACK\"],\"seq\":501,\"ack\":302,\"len\":0,\"why\":\"drop wave 3\"}\n"
		"{\"t\":1.001,\"ev\":\"send\",\"host\":\"client\",\"conn\":1,\"flags\":[\"ACK\"],\"seq\":1,\"ack\":1,\"len\":0,\"retrans\":0,\"why\":\"keepalive\"}\n"
		"{\"t\":1.001,\"ev\":\"send\",\"host\":\"server\",\"conn\":1,\"flags\":[\"FIN\",\"ACK\"],\"seq\":501,\"ack\":302,\"len\":0,\"retrans\":2,\"why\":\"tlp\"}\n"
		"{\"t\":1.001,\"ev\":\"fault\",\"host\":\"client\",\"conn\":1,\"flags\":[\"PSH\",\"ACK\"],\"seq\":1,\"ack\":1,\"len\":100,\"why\":\"delay next 200ms\"}\n"
		"{\"t\":1.001,\"ev\":\"call\",\"host\":\"client\",\"call\":\"connect\",\"result\":-111,\"error\":\"ECONNREFUSED\"}\n"
		"{\"t\":1.001,\"ev\":\"call\",\"host\":\"server\",\"conn\":1,\"call\":\"recv\",\"result\":0,\"text\":\"end of stream\"}\n"
		"{\"t\":1.001,\"ev\":\"proc\",\"host\":\"server\",\"pid\":4242,\"action\":\"exit\",\"signal\":9}\n"
		"{\"t\":1.001,\"ev\":\"error\",\"host\":\"client\",\"conn\":1,\"error\":\"ECONNRESET\"}\n"
		"{\"t\":1.001,\"ev\":\"note\",\"host\":\"server\",\"conn\":2,\"name\":\"TcpExtTCPTimeWaitOverflow\",\"value\":5}\n"
		"{\"t\":1.001,\"ev\":\"foreign\",\"host\":\"server\",\"text\":\"bad token\\u0001\\ufffd\"}\n"
		"{\"t\":1.001,\"ev\":\"say\",\"text\":\"客户端说 \\\"再见\\\"\\\\\\n\\ttab\"}\n"
		"{\"t\":1.001,\"ev\":\"expect\",\"text\":\"server TIME_WAIT\",\"result\":\"failed\"}\n"
		"{\"t\":1.001,\"ev\":\"expect\",\"text\":\"client TIME_WAIT\",\"result\":\"ok\"}\n";

	CHECK_STR(out, want);
	CHECK_EQ(check_json_lines(out), 13);
	free(out);
}

TEST(trace_jsonl_time_is_exact_milliseconds)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct fw_event ev = { .t = 0, .ev = FW_EV_SAY, .host = -1, .text = "" };

	trace_jsonl_write(f, &ev);
	ev.t = 999;
	trace_jsonl_write(f, &ev);
	ev.t = 7875000000LL;           /* keepalive's 7875 s, beyond 32 bits of microseconds */
	trace_jsonl_write(f, &ev);
	ev.t = -1500;
	trace_jsonl_write(f, &ev);
	fclose(f);
	CHECK_STR(buf, "{\"t\":0.000,\"ev\":\"say\",\"text\":\"\"}\n"
		       "{\"t\":0.999,\"ev\":\"say\",\"text\":\"\"}\n"
		       "{\"t\":7875000.000,\"ev\":\"say\",\"text\":\"\"}\n"
		       "{\"t\":-1.500,\"ev\":\"say\",\"text\":\"\"}\n");
	free(buf);
}

TEST(trace_jsonl_raw_and_wrapped_sequence_numbers)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct fw_seg s = { .flags = FW_RST | FW_ACK, .seq = 5, .ack = 0xfffffff0u };
	struct fw_event ev = { .t = 0, .ev = FW_EV_RECV, .host = FW_CLIENT, .seg = &s };

	trace_jsonl_write(f, &ev);              /* raw: no connection known */
	ev.rel = true;
	ev.seq_base = 0xfffffffbu;              /* seq wrapped past zero: 5 - (-5) = 10 */
	ev.ack_base = 0xffffff00u;
	trace_jsonl_write(f, &ev);
	s.flags = FW_SYN;                       /* no ACK flag: the ack field is shown raw */
	s.ack = 0;
	trace_jsonl_write(f, &ev);
	fclose(f);
	CHECK_STR(buf,
		  "{\"t\":0.000,\"ev\":\"recv\",\"host\":\"client\",\"flags\":[\"RST\",\"ACK\"],\"seq\":5,\"ack\":4294967280,\"len\":0}\n"
		  "{\"t\":0.000,\"ev\":\"recv\",\"host\":\"client\",\"flags\":[\"RST\",\"ACK\"],\"seq\":10,\"ack\":240,\"len\":0}\n"
		  "{\"t\":0.000,\"ev\":\"recv\",\"host\":\"client\",\"flags\":[\"SYN\"],\"seq\":10,\"ack\":0,\"len\":0}\n");
	free(buf);
}

TEST(trace_jsonl_invalid_utf8_never_breaks_json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	/* overlong '/', a surrogate, a cut 3-byte sequence, a stray continuation, DEL, é */
	struct fw_event ev = { .ev = FW_EV_FOREIGN, .host = FW_CLIENT,
			       .text = "\xc0\xaf|\xed\xa0\x80|\xe4\xb8|\x80|\x7f|\xc3\xa9" };

	trace_jsonl_write(f, &ev);
	fclose(f);
	CHECK_EQ(check_json_lines(buf), 1);
	CHECK(strstr(buf, "\"\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd|\\ufffd|\x7f|\xc3\xa9\"") != NULL);
	free(buf);
}

TEST(trace_fmt_parse_names)
{
	CHECK_EQ(trace_fmt_parse("text"), FW_TRACE_TEXT);
	CHECK_EQ(trace_fmt_parse("jsonl"), FW_TRACE_JSONL);
	CHECK_EQ(trace_fmt_parse("json"), -1);
	CHECK_EQ(trace_fmt_parse(NULL), -1);
}

/* ---- the text ladder --------------------------------------------------------------------- */

/* Display width of a UTF-8 line as a terminal shows it: CJK two columns, the rest one. */
static int test_width(const char *s, size_t n)
{
	int w = 0;

	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t k = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

		cp = k == 1 ? c : k == 2 ? c & 0x1fu : k == 3 ? c & 0x0fu : c & 0x07u;
		for (size_t j = 1; j < k && i + j < n; j++)
			cp = (cp << 6) | ((unsigned char)s[i + j] & 0x3fu);
		w += (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xff00 && cp <= 0xff60) ||
		     (cp >= 0x3000 && cp <= 0x303f) ? 2 : 1;
		i += k;
	}
	return w;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static void check_ladder_lines(const char *text)
{
	while (*text) {
		const char *nl = strchr(text, '\n');

		CHECK(nl != NULL);
		if (test_width(text, (size_t)(nl - text)) > 100)
			fw_test_fail(__FILE__, __LINE__, "wider than 100 columns: %.*s",
				     (int)(nl - text), text);
		CHECK(nl == text || nl[-1] != ' ');        /* no trailing blanks */
		text = nl + 1;
	}
}

TEST(trace_text_normal_close_draws_the_ladder)
{
	char *out = capture(FW_TRACE_TEXT, normal_close);

	check_ladder_lines(out);
	CHECK(has_line(out, "time (s) client                     │                                   │ server"));
	CHECK(has_line(out, "  61.000 close() = 0                │                                   │"));
	CHECK(has_line(out, "  61.000 ESTABLISHED → FIN_WAIT_1   │ (close)                           │"));
	CHECK(has_line(out, "  61.000                            ├─ FIN,ACK seq=301 ack=501 ─▶       │"));
	CHECK(has_line(out, "  61.000 ⏱ rto set 0.204s           │                                   │"));
	CHECK(has_line(out, "  61.020                            │       ─ FIN,ACK seq=301 ack=501 ─▶┤"));
	CHECK(has_line(out, "  61.020                            │                    (FIN received) │ ESTABLISHED → CLOSE_WAIT"));
	CHECK(has_line(out, "  61.060                            │           ◀─ ACK seq=501 ack=302 ─┤"));
	CHECK(has_line(out, "  61.080                            ├◀─ ACK seq=501 ack=302 ─           │"));
	CHECK(has_line(out, "  61.520                            ├◀─ FIN,ACK seq=501 ack=302 ─       │"));
	CHECK(has_line(out, "  61.520 ⏱ time_wait set 60.000s    │                                   │"));
	CHECK(has_line(out, "  61.540                            │                                   │ LAST_ACK → CLOSED"));
	free(out);
}

TEST(trace_text_is_deterministic)
{
	char *a = capture(FW_TRACE_TEXT, normal_close);
	char *b = capture(FW_TRACE_TEXT, normal_close);
	char *c = capture(FW_TRACE_TEXT, odd_events);
	char *d = capture(FW_TRACE_TEXT, odd_events);

	CHECK_STR(a, b);
	CHECK_STR(c, d);
	free(a);
	free(b);
	free(c);
	free(d);
}

TEST(trace_text_draws_losses_retransmissions_and_narration)
{
	char *out = capture(FW_TRACE_TEXT, odd_events);

	check_ladder_lines(out);
	CHECK(has_line(out, "   0.001 lost (drop wave 3)         │   ✕─ FIN,ACK seq=501 ack=302 ──   │"));
	CHECK(has_line(out, "   0.001 (keepalive)                ├─ ACK seq=1 ack=1 ─────▶           │"));
	CHECK(has_line(out, "   0.001                            │       ◀─ FIN,ACK seq=501 ack=302 ─┤ (TLP)"));
	CHECK(has_line(out, "   0.001                            │ ┄┄ PSH,ACK seq=1 ack=1 len=100 ┄▶ │ delay next 200ms"));
	CHECK(has_line(out, "   0.001 connect() = -ECONNREFUSED  │                                   │"));
	CHECK(has_line(out, "   0.001                            │                   (end of stream) │ recv() = 0"));
	CHECK(has_line(out, "   0.001                            │                                   │ pid 4242 killed (SIGKILL)"));
	CHECK(has_line(out, "   0.001 error ECONNRESET           │ (to the application)              │"));
	CHECK(has_line(out, "   0.001                            │                               #2 TcpExtTCPTimeWaitOverflow = 5"));
	/* Control bytes never reach the terminal; narration is wrapped text, not escaped. */
	CHECK(has_line(out, "   0.001                            │                     (bad token��) │ foreign datagram ignored"));
	CHECK(has_line(out, "» 客户端说 \"再见\"\\� tab"));
	CHECK(has_line(out, "   0.001 ✗ expect server TIME_WAIT: FAILED"));
	CHECK(has_line(out, "   0.001 ✓ expect client TIME_WAIT"));
	free(out);
}

static void long_say(struct rec *r)
{
	ev_text(r, 0, FW_EV_SAY, -1,
		"TIME_WAIT 持续 60 秒：这是 Linux 写死的 TCP_TIMEWAIT_LEN，不是 2MSL，也没有 sysctl 可以改它。"
		"主动关闭的一方才会进入 TIME_WAIT；被动关闭的一方在收到最后的 ACK 后直接进入 CLOSED。"
		"The passive closer never waits: LAST_ACK goes straight to CLOSED.", 0);
}

TEST(trace_text_wraps_narration_within_100_columns)
{
	char *out = capture(FW_TRACE_TEXT, long_say);
	int lines = 0;

	check_ladder_lines(out);
	for (const char *p = out; *p; p++)
		lines += *p == '\n';
	CHECK_INT(lines, >=, 4);                    /* header, blank, at least two of text */
	CHECK(strstr(out, "\n» TIME_WAIT 持续 60 秒") != NULL);
	CHECK(strstr(out, "\n  ") != NULL);           /* continuation lines are indented */
	CHECK(strstr(out, "straight to CLOSED.\n") != NULL);
	free(out);
}

static void wide_and_long(struct rec *r)
{
	ev_text(r, 2 * SEC, FW_EV_FOREIGN, FW_SERVER, "数据报", 0);
	ev_text(r, 2 * SEC, FW_EV_FOREIGN, FW_CLIENT, "数据报", 0);
	ev_call(r, 2 * SEC, FW_CLIENT, 1, "a_call_with_a_name_far_longer_than_any_column_could_ever_hold_"
		"so_that_it_runs_off_the_right_margin", 0, NULL);
}

/* Column of the n-th (1-based) "│" in a line, counted in display columns. */
static int bar_column(const char *line, int n)
{
	const char *p = line;

	for (int i = 0; i < n; i++) {
		p = strstr(i ? p + 1 : p, "│");
		CHECK(p != NULL);
	}
	return test_width(line, (size_t)(p - line));
}

TEST(trace_text_columns_are_display_columns)
{
	char *out = capture(FW_TRACE_TEXT, wide_and_long);
	char *l1 = strstr(out, "\n") + 1;
	char *l2 = strstr(l1, "\n") + 1;
	char *l3 = strstr(l2, "\n") + 1;

	check_ladder_lines(out);
	/* Both lifelines stay at columns 36 and 72 whatever the width of the bytes around them. */
	CHECK_EQ(bar_column(out, 1), 36);
	CHECK_EQ(bar_column(out, 2), 72);
	CHECK_EQ(bar_column(l1, 1), 36);
	CHECK_EQ(bar_column(l1, 2), 72);
	CHECK(strstr(l1, "(数据报) │ foreign datagram ignored\n") != NULL);
	CHECK_EQ(bar_column(l2, 1), 36);
	CHECK_EQ(bar_column(l2, 2), 72);
	CHECK(strstr(l2, "│ (数据报)") != NULL);
	/* A text too long for the line is cut at column 100 with an ellipsis. */
	CHECK_EQ(test_width(l3, strlen(l3) - 1), 100);
	CHECK(strstr(l3, "…\n") != NULL);
	free(out);
}

static void long_times(struct rec *r)
{
	ev_state(r, 9999999 * 1000LL, FW_CLIENT, TCP_FIN_WAIT_2, TCP_CLOSED, NULL);
	ev_state(r, 10800 * SEC, FW_CLIENT, TCP_FIN_WAIT_2, TCP_CLOSED, NULL);
	ev_state(r, 10800 * SEC, FW_SERVER, TCP_CLOSE_WAIT, TCP_CLOSED, NULL);
}

TEST(trace_text_long_times_keep_their_own_column)
{
	char *out = capture(FW_TRACE_TEXT, long_times);

	check_ladder_lines(out);
	CHECK(has_line(out, "9999.999 FIN_WAIT_2 → CLOSED        │                                   │"));
	CHECK(has_line(out, "10800.000 FIN_WAIT_2 → CLOSED       │                                   │"));
	CHECK(has_line(out, "10800.000                           │                                   │ CLOSE_WAIT → CLOSED"));
	free(out);
}

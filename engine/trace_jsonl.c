/*
 * trace_jsonl.c: the event stream as JSON lines, the trace's machine-readable contract.
 *
 * One object per event, keys in the fixed order trace.h lists, no spaces, numbers as plain
 * integers except the times, which are milliseconds with exactly three decimals printed from
 * the integer microseconds (never through a double, so 1250.001 is exact).  Strings are
 * escaped for JSON (quote, backslash, control characters); valid UTF-8 passes through as is
 * (narration may be Chinese), and any byte that is not part of valid UTF-8 (a foreign
 * datagram's text could hold anything) becomes U+FFFD, so every line is valid JSON.
 */
#include <inttypes.h>
#include <stdio.h>

#include "trace.h"

/* Milliseconds with three decimals from microseconds, e.g. 1250000 -> "1250.000". */
static void put_ms(FILE *out, int64_t us)
{
	uint64_t mag = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;

	fprintf(out, "%s%" PRIu64 ".%03u", us < 0 ? "-" : "", mag / 1000, (unsigned)(mag % 1000));
}

/*
 * Length of the well-formed UTF-8 sequence at p (n bytes available), or 0 if there is none:
 * no overlong forms, no surrogates, nothing above U+10FFFF (RFC 3629 §4).
 */
static size_t utf8_seq_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

static void put_str(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = 0;

	while (p[n])
		n++;
	fputc('"', out);
	while (n > 0) {
		unsigned char c = *p;
		size_t k;

		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
			k = 1;
		} else if (c < 0x20) {
			switch (c) {
			case '\n':
				fputs("\\n", out);
				break;
			case '\r':
				fputs("\\r", out);
				break;
			case '\t':
				fputs("\\t", out);
				break;
			case '\b':
				fputs("\\b", out);
				break;
			case '\f':
				fputs("\\f", out);
				break;
			default:
				fprintf(out, "\\u%04x", c);
				break;
			}
			k = 1;
		} else if ((k = utf8_seq_len(p, n)) > 0) {
			fwrite(p, 1, k, out);
		} else {
			fputs("\\ufffd", out);
			k = 1;
		}
		p += k;
		n -= k;
	}
	fputc('"', out);
}

static void put_key_str(FILE *out, const char *key, const char *val)
{
	fprintf(out, ",\"%s\":", key);
	put_str(out, val);
}

static void put_flags(FILE *out, uint8_t flags)
{
	static const char *const names[8] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR" };
	bool first = true;

	fputs(",\"flags\":[", out);
	for (int i = 0; i < 8; i++) {
		if (!(flags & (1u << i)))
			continue;
		fprintf(out, "%s\"%s\"", first ? "" : ",", names[i]);
		first = false;
	}
	fputc(']', out);
}

/* flags, seq, ack, len of a segment event; nothing if the event carries no segment. */
static void put_seg(FILE *out, const struct fw_event *ev)
{
	if (!ev->seg)
		return;
	put_flags(out, ev->seg->flags);
	fprintf(out, ",\"seq\":%" PRIu32 ",\"ack\":%" PRIu32 ",\"len\":%u",
		trace_show_seq(ev), trace_show_ack(ev), (unsigned)ev->seg->len);
}

static bool host_valid(int host)
{
	return host == FW_CLIENT || host == FW_SERVER;
}

void trace_jsonl_write(FILE *out, const struct fw_event *ev)
{
	bool hostless = ev->ev == FW_EV_SAY || ev->ev == FW_EV_EXPECT;

	fputs("{\"t\":", out);
	put_ms(out, ev->t);
	fprintf(out, ",\"ev\":\"%s\"", fw_ev_name(ev->ev));
	if (!hostless && host_valid(ev->host))
		fprintf(out, ",\"host\":\"%s\"", fw_host_name(ev->host));
	if (!hostless && ev->conn != 0)
		fprintf(out, ",\"conn\":%d", ev->conn);

	switch (ev->ev) {
	case FW_EV_STATE:
		fprintf(out, ",\"from\":\"%s\",\"to\":\"%s\"", tcp_state_name(ev->from),
			tcp_state_name(ev->to));
		if (ev->why)
			put_key_str(out, "why", ev->why);
		break;
	case FW_EV_SEND:
		put_seg(out, ev);
		fprintf(out, ",\"retrans\":%d", ev->retrans);
		if (ev->why)
			put_key_str(out, "why", ev->why);
		break;
	case FW_EV_DROP:
	case FW_EV_FAULT:
		put_seg(out, ev);
		put_key_str(out, "why", ev->why);
		break;
	case FW_EV_RECV:
		put_seg(out, ev);
		break;
	case FW_EV_TIMER:
		fprintf(out, ",\"timer\":\"%s\",\"action\":\"%s\"", fw_timer_name(ev->timer),
			fw_timer_action_name(ev->action));
		if (ev->action == FW_TA_SET) {
			fputs(",\"due\":", out);
			put_ms(out, ev->due);
		}
		break;
	case FW_EV_PROC:
		fprintf(out, ",\"pid\":%d", ev->pid);
		put_key_str(out, "action", ev->proc_action);
		fprintf(out, ",\"signal\":%d", ev->signal);
		break;
	case FW_EV_CALL:
		put_key_str(out, "call", ev->call);
		fprintf(out, ",\"result\":%d", ev->result);
		if (ev->result < 0)
			fprintf(out, ",\"error\":\"%s\"", fw_errno_name(ev->result));
		if (ev->text)
			put_key_str(out, "text", ev->text);
		break;
	case FW_EV_ERROR:
		fprintf(out, ",\"error\":\"%s\"", fw_errno_name(ev->err));
		break;
	case FW_EV_NOTE:
		put_key_str(out, "name", ev->why);
		fprintf(out, ",\"value\":%" PRId64, ev->value);
		break;
	case FW_EV_FOREIGN:
	case FW_EV_SAY:
		put_key_str(out, "text", ev->text);
		break;
	case FW_EV_EXPECT:
		put_key_str(out, "text", ev->text);
		fprintf(out, ",\"result\":\"%s\"", ev->result == 0 ? "ok" : "failed");
		break;
	case FW_NEVS:
		break;
	}
	fputs("}\n", out);
}

/*
 * test_script.c: the scenario language's lexer and parser: every command form parses into
 * the right struct cmd, every error names the right column and what was expected, and tab
 * completion offers the words that may come next.
 */
#include <errno.h>
#include <signal.h>

#include "script.h"
#include "test.h"

/* Parse one line as line 1 of "t.fw"; returns the result of script_parse_line. */
static int parse(const char *line, struct cmd *c, char *err, size_t errlen)
{
	return script_parse_line("t.fw", 1, line, strlen(line), c, err, errlen);
}

/* The line must parse; returns the command (release it). */
static struct cmd ok(const char *line)
{
	struct cmd c;
	char err[512];
	int rc = parse(line, &c, err, sizeof err);
	if (rc != 1)
		fw_test_fail(__FILE__, __LINE__, "'%s' did not parse: %s", line, err);
	return c;
}

/* The line must fail with exactly this message. */
#define CHECK_ERR(line, msg)                                                        \
	do {                                                                        \
		struct cmd c_;                                                      \
		char e_[512];                                                       \
		CHECK_EQ(parse(line, &c_, e_, sizeof e_), -EINVAL);                 \
		CHECK_STR(e_, msg);                                                 \
	} while (0)

TEST(script_parses_every_core_command_of_the_design)
{
	static const char *const lines[] = {
		"server listen", "server listen 8080", "client connect", "client connect 8080",
		"client send 100", "server send \"hi\"", "server recv", "client close",
		"server shutdown wr", "server shutdown rd", "server shutdown rdwr", "client abort",
		"client keepalive on", "client keepalive on idle 10s intvl 5s cnt 3",
		"client keepalive off", "client linger2 -1", "kill server", "kill server TERM",
		"kill -9 server", "kill client 15", "crash client", "reboot client",
		"drop next", "drop next client->server", "drop next server->client FIN",
		"drop next ACK", "drop next c->s RST", "drop next s->c SYN", "drop next data",
		"drop nth 3 client->server", "drop all client->server FIN", "drop wave 1",
		"drop wave 4", "delay next 40ms", "delay next server->client FIN 300ms",
		"duplicate next client->server", "reorder next", "reorder next s->c", "loss 10",
		"loss 10% seed 7", "heal", "set tcp_fin_timeout 30", "set client tcp_fin_timeout 30s",
		"set tcp_orphan_retries 0", "set tcp_retries2 15", "set tcp_keepalive_time 7200",
		"set tcp_keepalive_intvl 75", "set tcp_keepalive_probes 9",
		"set tcp_max_tw_buckets 0", "set tcp_tw_reuse 2", "set tcp_timestamps 1",
		"set tcp_rfc1337 1", "set latency 20ms", "set time_wait_len 60s", "wait 40ms",
		"wait 1.5s", "wait 2m", "wait 2h", "wait until client TIME_WAIT", "wait until idle",
		"expect server CLOSE_WAIT", "expect client error ECONNRESET",
		"expect client error none", "expect server count TIME_WAIT 1",
		"expect server count TIME_WAIT >= 1",
		"expect client counter TcpExtTCPTimeWaitOverflow 1", "expect server recv \"hi\"",
		"expect server pid none", "expect server pid alive", "expect client up",
		"expect client down", "expect client sent FIN 2", "expect client sent retrans > 0",
		"expect time >= 60s", "expect time < 100ms", "mark", "say \"text\"", "pause",
		"resume", "step", "speed 2", "speed 0.5", "speed 1000",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		struct cmd c = ok(lines[i]);
		CHECK(c.def != NULL);
		cmd_release(&c);
	}
}

TEST(script_listen_and_connect_default_to_port_80)
{
	struct cmd c = ok("server listen");
	CHECK_STR(c.def->name, "listen");
	CHECK_EQ(c.host, FW_SERVER);
	CHECK_EQ(c.port, 80);
	cmd_release(&c);
	c = ok("client connect 8080");
	CHECK_STR(c.def->name, "connect");
	CHECK_EQ(c.host, FW_CLIENT);
	CHECK_EQ(c.port, 8080);
	cmd_release(&c);
}

TEST(script_send_takes_a_count_or_an_escaped_string)
{
	struct cmd c = ok("client send 100");
	CHECK_EQ(c.form, CMD_F_SEND_COUNT);
	CHECK_EQ(c.n, 100);
	cmd_release(&c);
	c = ok("server send \"a\\\"b\\\\c\\nd 你好\"");
	CHECK_EQ(c.form, CMD_F_SEND_TEXT);
	CHECK_STR(c.str, "a\"b\\c\nd 你好");
	CHECK_EQ(c.len, strlen("a\"b\\c\nd 你好"));
	cmd_release(&c);
}

TEST(script_durations_take_us_ms_s_m_h_and_decimals)
{
	int64_t us;
	CHECK(script_parse_duration("250us", 5, &us) && us == 250);
	CHECK(script_parse_duration("40ms", 4, &us) && us == 40000);
	CHECK(script_parse_duration("1.5s", 4, &us) && us == 1500000);
	CHECK(script_parse_duration("2m", 2, &us) && us == 120000000);
	CHECK(script_parse_duration("2h", 2, &us) && us == 7200000000LL);
	CHECK(script_parse_duration("0.001ms", 7, &us) && us == 1);
	CHECK(!script_parse_duration("40", 2, &us));
	CHECK(!script_parse_duration("1.5us", 5, &us));
	CHECK(!script_parse_duration("ms", 2, &us));
	CHECK(!script_parse_duration("5sec", 4, &us));
}

TEST(script_bare_number_where_a_duration_is_expected_is_an_error)
{
	CHECK_ERR("wait 5", "t.fw:1:6: error: found '5', expected a duration like 40ms");
	CHECK_ERR("delay next 5", "t.fw:1:12: error: found '5', expected a duration like 40ms");
	CHECK_ERR("set latency 20",
		  "t.fw:1:13: error: found '20', expected a duration like 40ms");
}

TEST(script_unknown_command_suggests_the_closest_name)
{
	CHECK_ERR("dorp next", "t.fw:1:1: error: found 'dorp', expected a command; did you mean 'drop'?");
	CHECK_ERR("  expcet server CLOSED",
		  "t.fw:1:3: error: found 'expcet', expected a command; did you mean 'expect'?");
	CHECK_ERR("frobnicate", "t.fw:1:1: error: found 'frobnicate', expected a command");
}

TEST(script_unknown_host_verb_lists_the_host_commands)
{
	CHECK_ERR("server lisen",
		  "t.fw:1:8: error: found 'lisen', expected one of: listen, connect, send, recv, "
		  "close, shutdown, abort, keepalive, linger2; did you mean 'listen'?");
}

TEST(script_missing_word_points_past_the_end_of_the_line)
{
	CHECK_ERR("server shutdown",
		  "t.fw:1:16: error: found end of line, expected one of: wr, rd, rdwr");
	CHECK_ERR("server shutdown   # half", "t.fw:1:16: error: found end of line, expected one of: wr, rd, rdwr");
}

TEST(script_extra_words_are_an_error)
{
	CHECK_ERR("client close now", "t.fw:1:14: error: found 'now', expected end of line");
	CHECK_ERR("server listen 80 81", "t.fw:1:18: error: found '81', expected end of line");
}

TEST(script_out_of_range_values_name_the_range)
{
	CHECK_ERR("server listen 70000",
		  "t.fw:1:15: error: found '70000', expected a port number in 1..65535");
	CHECK_ERR("set tcp_rfc1337 2", "t.fw:1:17: error: found '2', expected tcp_rfc1337 in 0..1");
	CHECK_ERR("set tcp_fin_timeout 0",
		  "t.fw:1:21: error: found '0', expected tcp_fin_timeout in 1..86400 seconds");
	CHECK_ERR("set tcp_fin_timeout 1.5s",
		  "t.fw:1:21: error: found '1.5s', expected tcp_fin_timeout in whole seconds");
	CHECK_ERR("drop wave 5", "t.fw:1:11: error: found '5', expected a wave number in 1..4");
	CHECK_ERR("speed 5000", "t.fw:1:7: error: found '5000', expected a speed in 0.1..1000");
	CHECK_ERR("loss 150%", "t.fw:1:6: error: found '150%', expected a percentage in 0..100");
}

TEST(script_unknown_knob_lists_knobs_and_suggests_one)
{
	struct cmd c;
	char e[512];
	CHECK_EQ(parse("set tcp_fin_timout 30", &c, e, sizeof e), -EINVAL);
	if (strstr(e, "t.fw:1:5: error: found 'tcp_fin_timout', expected one of: client, server, a knob") != e)
		fw_test_fail(__FILE__, __LINE__, "%s", e);
	CHECK(strstr(e, "did you mean 'tcp_fin_timeout'?") != NULL);
}

TEST(script_set_converts_seconds_and_durations_to_the_knob_unit)
{
	struct cmd c = ok("set tcp_fin_timeout 2m");
	CHECK_STR(c.knob->name, "tcp_fin_timeout");
	CHECK_EQ(c.host, -1);
	CHECK_EQ(c.value, 120);
	cmd_release(&c);
	c = ok("set server tcp_fin_timeout 30");
	CHECK_EQ(c.host, FW_SERVER);
	CHECK_EQ(c.value, 30);
	cmd_release(&c);
	c = ok("set latency 1.5ms");
	CHECK_EQ(c.value, 1500);
	cmd_release(&c);
	c = ok("set tcp_rfc1337 on");
	CHECK_EQ(c.value, 1);
	cmd_release(&c);
}

TEST(script_drop_forms_fill_the_fault)
{
	struct cmd c = ok("drop next client->server FIN");
	CHECK_EQ(c.fault.kind, FW_F_DROP);
	CHECK_EQ(c.fault.dir, FW_CLIENT);
	CHECK_EQ(c.fault.flag, FW_FIN);
	CHECK_EQ(c.fault.nth, 1);
	CHECK(!c.fault.every && !c.fault.data);
	cmd_release(&c);
	c = ok("drop next");
	CHECK_EQ(c.fault.dir, -1);
	CHECK_EQ(c.fault.flag, 0);
	cmd_release(&c);
	c = ok("drop all s->c ACK");
	CHECK_EQ(c.fault.dir, FW_SERVER);
	CHECK_EQ(c.fault.flag, FW_ACK);
	CHECK(c.fault.every);
	cmd_release(&c);
	c = ok("drop nth 3 data client->server");
	CHECK_EQ(c.fault.nth, 3);
	CHECK(c.fault.data);
	CHECK_EQ(c.fault.flag, 0);
	CHECK_EQ(c.fault.dir, FW_CLIENT);
	cmd_release(&c);
	c = ok("drop wave 2");
	CHECK_EQ(c.fault.kind, FW_F_WAVE);
	CHECK_EQ(c.fault.wave, 2);
	cmd_release(&c);
	c = ok("delay next server->client FIN 300ms");
	CHECK_EQ(c.fault.kind, FW_F_DELAY);
	CHECK_EQ(c.fault.delay, 300000);
	CHECK_EQ(c.fault.dir, FW_SERVER);
	cmd_release(&c);
	c = ok("loss 10% seed 7");
	CHECK_EQ(c.fault.kind, FW_F_LOSS);
	CHECK_EQ(c.fault.loss_pct, 10);
	CHECK_EQ(c.fault.seed, 7);
	cmd_release(&c);
}

TEST(script_pure_ack_rule_matches_only_a_bare_ack)
{
	CHECK(cmd_seg_matches(FW_ACK, false, FW_ACK, 0));
	CHECK(!cmd_seg_matches(FW_ACK, false, FW_ACK | FW_FIN, 0));
	CHECK(!cmd_seg_matches(FW_ACK, false, FW_ACK, 10));
	CHECK(cmd_seg_matches(FW_FIN, false, FW_ACK | FW_FIN, 0));
	CHECK(cmd_seg_matches(0, true, FW_ACK | FW_PSH, 10));
	CHECK(!cmd_seg_matches(0, true, FW_ACK, 0));
	CHECK(cmd_seg_matches(0, false, FW_RST, 0));
}

TEST(script_kill_takes_signal_names_numbers_and_dash_style)
{
	struct cmd c = ok("kill server");
	CHECK_EQ(c.how, SIGKILL);
	CHECK_EQ(c.host, FW_SERVER);
	cmd_release(&c);
	c = ok("kill client TERM");
	CHECK_EQ(c.how, SIGTERM);
	cmd_release(&c);
	c = ok("kill -9 server");
	CHECK_EQ(c.how, 9);
	cmd_release(&c);
	c = ok("kill server SIGHUP");
	CHECK_EQ(c.how, SIGHUP);
	cmd_release(&c);
	CHECK_ERR("kill server BOGUS",
		  "t.fw:1:13: error: found 'BOGUS', expected one of: a signal (KILL, TERM, INT, HUP "
		  "or a number), end of line");
	CHECK_ERR("kill", "t.fw:1:5: error: found end of line, expected one of: client, server");
}

TEST(script_keepalive_options_come_in_any_order)
{
	struct cmd c = ok("client keepalive on cnt 3 idle 10s intvl 5");
	CHECK(c.on);
	CHECK_EQ(c.idle_s, 10);
	CHECK_EQ(c.intvl_s, 5);
	CHECK_EQ(c.cnt, 3);
	cmd_release(&c);
	c = ok("client keepalive on");
	CHECK_EQ(c.idle_s, 0);
	CHECK_EQ(c.cnt, 0);
	cmd_release(&c);
	CHECK_ERR("client keepalive on idle 10s idle 5s",
		  "t.fw:1:30: error: found 'idle', expected one of: intvl, cnt, end of line");
}

TEST(script_wait_and_expect_forms)
{
	struct cmd c = ok("wait until client time-wait");
	CHECK_EQ(c.form, CMD_F_WAIT_STATE);
	CHECK_EQ(c.state, TCP_TIME_WAIT);
	cmd_release(&c);
	c = ok("expect server count TIME_WAIT >= 2");
	CHECK_EQ(c.form, CMD_F_EXP_COUNT);
	CHECK_EQ(c.op, CMD_OP_GE);
	CHECK_EQ(c.n, 2);
	cmd_release(&c);
	c = ok("expect client error ETIMEDOUT");
	CHECK_EQ(c.err, ETIMEDOUT);
	cmd_release(&c);
	c = ok("expect time <= 1.5s");
	CHECK_EQ(c.form, CMD_F_EXP_TIME);
	CHECK_EQ(c.op, CMD_OP_LE);
	CHECK_EQ(c.dur, 1500000);
	cmd_release(&c);
	c = ok("expect client sent ACK 0");
	CHECK_EQ(c.spec, CMD_SEG_ACK);
	cmd_release(&c);
	CHECK_ERR("expect server TIME-WAITING",
		  "t.fw:1:15: error: found 'TIME-WAITING', expected one of: a state, error, count, "
		  "counter, recv, pid, up, down, sent");
	CHECK_ERR("expect client error EWHAT",
		  "t.fw:1:21: error: found 'EWHAT', expected one of: none, an errno name like "
		  "ECONNRESET");
}

TEST(script_string_errors_point_at_the_string)
{
	CHECK_ERR("say \"unterminated",
		  "t.fw:1:5: error: unterminated string (the closing \" is missing)");
	CHECK_ERR("say \"bad \\q escape\"",
		  "t.fw:1:10: error: found '\\q', expected one of: \\\", \\\\, \\n, \\t");
	CHECK_ERR("say hello", "t.fw:1:5: error: found 'hello', expected a \"string\"");
}

TEST(script_columns_count_characters_not_bytes)
{
	CHECK_ERR("say \"你好\" extra", "t.fw:1:10: error: found 'extra', expected end of line");
}

TEST(script_keeps_the_command_text_normalized)
{
	struct cmd c = ok("   expect    server   TIME_WAIT   # a comment");
	CHECK_STR(c.text, "expect server TIME_WAIT");
	CHECK_EQ(c.col, 4);
	cmd_release(&c);
}

TEST(script_blank_and_comment_lines_are_not_commands)
{
	struct cmd c;
	char e[128];
	CHECK_EQ(parse("", &c, e, sizeof e), 0);
	CHECK_EQ(parse("   \t ", &c, e, sizeof e), 0);
	CHECK_EQ(parse("# just words", &c, e, sizeof e), 0);
}

TEST(script_parse_counts_commands_and_lines)
{
	const char *text = "# a script\n\nserver listen\r\nclient connect   # go\nwait 1s\n";
	struct script *s;
	char e[512];
	CHECK_EQ(script_parse("x.fw", text, strlen(text), &s, e, sizeof e), 0);
	CHECK_EQ(s->ncmds, 3);
	CHECK_EQ(s->cmds[0].line, 3);
	CHECK_EQ(s->cmds[2].line, 5);
	CHECK_STR(s->cmds[1].file, "x.fw");
	script_free(s);
}

TEST(script_a_syntax_error_anywhere_rejects_the_whole_script)
{
	const char *text = "server listen\nclient connect\nwait 5\nclient close\nexpect client TIMEWAIT\n";
	struct script *s = (struct script *)1;
	char e[1024];
	CHECK_EQ(script_parse("x.fw", text, strlen(text), &s, e, sizeof e), -EINVAL);
	CHECK(s == NULL);
	CHECK_STR(e, "x.fw:3:6: error: found '5', expected a duration like 40ms\n"
		     "x.fw:5:15: error: found 'TIMEWAIT', expected one of: a state, error, count, "
		     "counter, recv, pid, up, down, sent; did you mean 'TIME_WAIT'?\n");
}

TEST(script_usage_shows_host_first_commands_with_host)
{
	char buf[128];
	CHECK_STR(cmd_usage(cmd_find("listen", true), buf, sizeof buf), "HOST listen [PORT]");
	CHECK_STR(cmd_usage(cmd_find("heal", false), buf, sizeof buf), "heal");
	CHECK(cmd_find("listen", false) == NULL);
}

TEST(script_duration_str_writes_what_the_parser_reads)
{
	char b[32];
	CHECK_STR(cmd_duration_str(40000, b, sizeof b), "40ms");
	CHECK_STR(cmd_duration_str(1500000, b, sizeof b), "1.5s");
	CHECK_STR(cmd_duration_str(61020000, b, sizeof b), "61.02s");
	CHECK_STR(cmd_duration_str(1500, b, sizeof b), "1500us");
	CHECK_STR(cmd_duration_str(FW_SEC(120), b, sizeof b), "2m");
	CHECK_STR(cmd_duration_str(FW_SEC(7200), b, sizeof b), "2h");
	CHECK_STR(cmd_duration_str(250, b, sizeof b), "250us");
	CHECK_STR(cmd_duration_str(0, b, sizeof b), "0s");
}

/* ---- completion ---------------------------------------------------------------------------- */

static bool has(const char **c, int n, const char *w)
{
	for (int i = 0; i < n; i++)
		if (strcmp(c[i], w) == 0)
			return true;
	return false;
}

TEST(script_complete_offers_commands_and_hosts_first)
{
	const char *c[64];
	int n = script_complete("", c, 64, NULL, 0);
	CHECK(has(c, n, "client") && has(c, n, "server") && has(c, n, "drop") &&
	      has(c, n, "expect"));
	CHECK(!has(c, n, "listen"));
	n = script_complete("dr", c, 64, NULL, 0);
	CHECK_EQ(n, 1);
	CHECK_STR(c[0], "drop");
}

TEST(script_complete_offers_host_verbs_after_a_host)
{
	const char *c[64];
	int n = script_complete("server li", c, 64, NULL, 0);
	CHECK_EQ(n, 2);
	CHECK(has(c, n, "listen") && has(c, n, "linger2"));
	n = script_complete("server ", c, 64, NULL, 0);
	CHECK_EQ(n, 9);
}

TEST(script_complete_offers_directions_flags_and_knobs)
{
	const char *c[64];
	char hint[256];
	int n = script_complete("drop next ", c, 64, hint, sizeof hint);
	CHECK(has(c, n, "client->server") && has(c, n, "FIN") && has(c, n, "data"));
	n = script_complete("set tcp_fin", c, 64, NULL, 0);
	CHECK_EQ(n, 1);
	CHECK_STR(c[0], "tcp_fin_timeout");
	n = script_complete("expect client TIME", c, 64, NULL, 0);
	CHECK_EQ(n, 1);
	CHECK_STR(c[0], "TIME_WAIT");
	n = script_complete("wait ", c, 64, hint, sizeof hint);
	CHECK(has(c, n, "until"));
	CHECK(strstr(hint, "a duration like 40ms") != NULL);
}

TEST(script_complete_offers_nothing_after_a_complete_command_or_an_error)
{
	const char *c[64];
	CHECK_EQ(script_complete("client close ", c, 64, NULL, 0), 0);
	CHECK_EQ(script_complete("dorp ", c, 64, NULL, 0), 0);
	CHECK_EQ(script_complete("say \"open", c, 64, NULL, 0), 0);
}

/*
 * rt_kernel_run.c: a script played on the lab (rt_kernel.c), in real time; `finwave kernel
 * FILE`; and the live lab the screen can follow.
 *
 * The script is parsed by the one parser (script.h) and every command keeps its meaning:
 *
 *   application calls     the real system calls, in the host's real process
 *   connect               waits, as the model's runner does, until the handshake finished
 *                         (or failed) and the peer's application accepted
 *   kill                  a real signal; waits for the exit, which the kernel saw first
 *   crash, reboot         the wire cuts the host off / all its sockets are destroyed
 *   faults, latency       the wire (the model's own rules), knobs are sysctls of the host's
 *                         namespace; `time_wait_len` has no Linux counterpart
 *   wait D                really waits D; `wait until` watches the samples (a state seen for
 *                         a single sample counts) and gives up when nothing has been
 *                         pending for a second; `wait until idle`: no timer on any socket
 *   expect                judged against the kernel, after bringing every view up to date
 *   say, mark, lessons    as the model's runner; pause, resume, step, speed mean nothing here
 *
 * A command the lab cannot play here (no private namespace, a knob Linux lacks) is skipped,
 * said so on stderr and in the trace (a note "skipped: ..."), and never faked; the run's
 * status is then KERNEL_EXIT_SKIPPED whatever the later expectations said, since they no
 * longer test what the script meant.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include "pcap_writer.h"
#include "rt_kernel.h"

#define KRUN_IDLE_GIVE_UP FW_SEC(1)
#define KRUN_KILL_WAIT    FW_SEC(10)
#define KRUN_SCRIPT_MAX   (16 * 1024 * 1024)

struct krun {
	struct klab *k;
	bool keep_going;
	struct kernel_result *res;
};

/* ---- acting on the lab ------------------------------------------------------------------------ */

enum act { ACT_DONE, ACT_CONNECT, ACT_KILL, ACT_OTHER, ACT_SKIP };

static bool is_cmd(const struct cmd *c, const char *name)
{
	return strcmp(c->def->name, name) == 0;
}

/*
 * What a command does to the lab, if it is an action.  ACT_CONNECT / ACT_KILL: the caller
 * waits for the handshake / the exit (*pid); ACT_SKIP: why says why; ACT_OTHER: not an
 * action (wait, expect, narration ...).
 */
static enum act lab_act(struct klab *k, const struct cmd *c, int *pid, char *why, size_t cap)
{
	int rc;
	if (is_cmd(c, "listen")) {
		klab_listen(k, c->host, (uint16_t)c->port);
	} else if (is_cmd(c, "connect")) {
		if (klab_connect(k, c->host, (uint16_t)c->port) >= 0)
			return ACT_CONNECT;
	} else if (is_cmd(c, "send")) {
		if (c->form == CMD_F_SEND_TEXT) {
			klab_send(k, c->host, c->str, c->len);
		} else {
			char *buf = malloc((size_t)c->n);
			if (!buf) {
				snprintf(why, cap, "out of memory");
				return ACT_SKIP;
			}
			for (int64_t i = 0; i < c->n; i++)
				buf[i] = (char)('a' + i % 26);
			klab_send(k, c->host, buf, (size_t)c->n);
			free(buf);
		}
	} else if (is_cmd(c, "recv")) {
		klab_recv(k, c->host, NULL, 0);
	} else if (is_cmd(c, "close")) {
		klab_close(k, c->host);
	} else if (is_cmd(c, "shutdown")) {
		klab_shutdown(k, c->host, c->how);
	} else if (is_cmd(c, "abort")) {
		klab_abort(k, c->host);
	} else if (is_cmd(c, "keepalive")) {
		klab_keepalive(k, c->host, c->on, c->idle_s, c->intvl_s, c->cnt);
	} else if (is_cmd(c, "linger2")) {
		klab_linger2(k, c->host, c->seconds);
	} else if (is_cmd(c, "kill")) {
		*pid = klab_proc_pid(k, c->host);
		if (klab_kill(k, c->host, c->how) == 1)
			return ACT_KILL;
	} else if (is_cmd(c, "crash") || is_cmd(c, "reboot")) {
		rc = is_cmd(c, "crash") ? klab_crash(k, c->host) : klab_reboot(k, c->host);
		if (rc == -ENOTSUP) {
			snprintf(why, cap, "powering a host off needs a private network namespace: %s",
				 klab_why(k));
			return ACT_SKIP;
		}
		if (rc < 0 && rc != -EHOSTDOWN) {
			snprintf(why, cap, "%s", strerror(-rc));
			return ACT_SKIP;
		}
	} else if (is_cmd(c, "drop") || is_cmd(c, "delay") || is_cmd(c, "duplicate") ||
		   is_cmd(c, "reorder") || is_cmd(c, "loss")) {
		rc = klab_fault_add(k, &c->fault, why, cap);
		if (rc < 0) {
			if (rc != -ENOTSUP)
				snprintf(why, cap, "the wire refused the rule: %s", strerror(-rc));
			return ACT_SKIP;
		}
	} else if (is_cmd(c, "heal")) {
		klab_fault_clear(k);
	} else if (is_cmd(c, "set")) {
		if (klab_set_knob(k, c->host, c->knob, c->value, why, cap) < 0)
			return ACT_SKIP;
	} else if (is_cmd(c, "crowd")) {
		snprintf(why, cap, "crowds of connections are the model's alone");
		return ACT_SKIP;
	} else {
		return ACT_OTHER;
	}
	return ACT_DONE;
}

/* ---- the script's own commands ------------------------------------------------------------------ */

static const char *time_str(int64_t us, char *buf, size_t cap)
{
	snprintf(buf, cap, "%lld.%03llds", (long long)(us / 1000000), (long long)(us / 1000 % 1000));
	return buf;
}


static void emit_text(struct klab *k, enum fw_ev kind, int host, const char *text, int result)
{
	struct fw_event ev;
	memset(&ev, 0, sizeof ev);
	ev.ev = kind;
	ev.host = host;
	ev.text = text;
	ev.result = result;
	klab_emit(k, &ev);
}

static void run_skip(struct krun *r, const struct cmd *c, const char *why)
{
	char note[400];
	snprintf(note, sizeof note, "skipped: %s: %s", c->text, why);
	struct fw_event ev;
	memset(&ev, 0, sizeof ev);
	ev.ev = FW_EV_NOTE;
	ev.host = c->host;
	ev.why = note;
	klab_emit(r->k, &ev);
	fprintf(stderr, "%s:%d: %s: skipped: %s\n", c->file, c->line, c->text, why);
	if (r->res->skipped++ == 0)
		snprintf(r->res->msg, sizeof r->res->msg, "%s:%d: %s: skipped: %s", c->file, c->line,
			 c->text, why);
}

/* A failed expectation or wait: remembered (the first), reported, counted. */
static int run_fail(struct krun *r, const struct cmd *c, const char *what)
{
	char t[32], line[700];
	snprintf(line, sizeof line, "%s:%d: %s at t=%s", c->file, c->line, what,
		 time_str(klab_now(r->k), t, sizeof t));
	if (r->res->failed++ == 0 && !r->res->skipped)
		snprintf(r->res->msg, sizeof r->res->msg, "%.600s", line);
	if (r->keep_going || r->res->skipped)
		fprintf(stderr, "%s%s\n", line, r->res->skipped ? " (not judged: a step was skipped)" : "");
	return r->keep_going || r->res->skipped ? 0 : -1;
}

/* The kernel's side of an expectation (cmd_expect_holds judges it). */
static enum tcp_state kobs_state(void *ud, int host) { return klab_host_state(ud, host); }
static int kobs_error(void *ud, int host) { return klab_host_error(ud, host); }
static int64_t kobs_count(void *ud, int host, enum tcp_state s) { return klab_count(ud, host, s); }
static int64_t kobs_counter(void *ud, int host, const char *n) { return klab_counter(ud, host, n); }
static const uint8_t *kobs_recv(void *ud, int host, size_t *n) { return klab_recv_data(ud, host, n); }
static int kobs_pid(void *ud, int host) { return klab_proc_pid(ud, host); }
static bool kobs_up(void *ud, int host) { return klab_host_up(ud, host); }
static int64_t kobs_sent(void *ud, int host, int spec) { return klab_sent(ud, host, spec); }
static int64_t kobs_now(void *ud) { return klab_now(ud); }

static int run_expect(struct krun *r, const struct cmd *c)
{
	struct klab *k = r->k;
	const struct cmd_observe o = { k, kobs_state, kobs_error, kobs_count, kobs_counter,
				       kobs_recv, kobs_pid, kobs_up, kobs_sent, kobs_now };
	char found[200];

	klab_sync(k);
	if (c->form == CMD_F_EXP_SENT && !klab_private(k)) {
		run_skip(r, c, "counting segments needs the wire of a private namespace");
		return 0;
	}
	bool ok = cmd_expect_holds(c, &o, found, sizeof found);
	if (ok) {
		emit_text(k, FW_EV_EXPECT, c->host, cmd_expect_text(c), 0);
		return 0;
	}
	char text[400], what[600];
	snprintf(text, sizeof text, "%s, found %s", cmd_expect_text(c), found);
	emit_text(k, FW_EV_EXPECT, c->host, text, 1);
	snprintf(what, sizeof what, "expected %s, found %s", cmd_expect_text(c), found);
	return run_fail(r, c, what);
}

/* A wait that can no longer be met. */
static int wait_fail(struct krun *r, const struct cmd *c, const char *why)
{
	char what[400];
	emit_text(r->k, FW_EV_EXPECT, c->host, c->text, 1);
	snprintf(what, sizeof what, "%s: never reached (%s)", c->text, why);
	return run_fail(r, c, what);
}

static int run_wait(struct krun *r, const struct cmd *c)
{
	struct klab *k = r->k;
	int64_t start = klab_now(k);
	if (c->form == CMD_F_WAIT_TIME) {
		int64_t end = start + c->dur;
		while (klab_now(k) < end)
			klab_run_once(k, end);
		return 0;
	}
	int64_t limit = start + RUNNER_WAIT_LIMIT, idle_since = -1;
	if (c->form == CMD_F_WAIT_STATE)
		klab_state_mark(k, c->host);
	for (;;) {
		if (c->form == CMD_F_WAIT_STATE && klab_state_seen(k, c->host, c->state))
			return 0;
		bool idle = klab_idle(k);
		if (c->form == CMD_F_WAIT_IDLE && idle)
			return 0;
		int64_t now = klab_now(k);
		if (!idle)
			idle_since = -1;
		else if (idle_since < 0)
			idle_since = now;
		if (idle && now - idle_since >= KRUN_IDLE_GIVE_UP)
			return wait_fail(r, c, "nothing is pending any more");
		if (now >= limit)
			return wait_fail(r, c, "gave up after 24h");
		klab_run_once(k, now + 10000);
	}
}

static int run_connect_wait(struct krun *r, const struct cmd *c)
{
	int64_t limit = klab_now(r->k) + RUNNER_WAIT_LIMIT;
	while (!klab_connect_done(r->k, c->host)) {
		if (klab_now(r->k) >= limit)
			return wait_fail(r, c, "gave up after 24h");
		klab_run_once(r->k, klab_now(r->k) + 10000);
	}
	return 0;
}

static int run_kill_wait(struct krun *r, const struct cmd *c, int pid)
{
	int64_t limit = klab_now(r->k) + KRUN_KILL_WAIT;
	while (klab_proc_pid(r->k, c->host) == pid) {
		if (klab_now(r->k) >= limit)
			return wait_fail(r, c, "the process did not exit");
		klab_run_once(r->k, klab_now(r->k) + 10000);
	}
	return 0;
}

static int run_cmd(struct krun *r, const struct cmd *c)
{
	char why[300] = "";
	int pid = 0;
	switch (lab_act(r->k, c, &pid, why, sizeof why)) {
	case ACT_DONE:
		return 0;
	case ACT_CONNECT:
		return run_connect_wait(r, c);
	case ACT_KILL:
		return run_kill_wait(r, c, pid);
	case ACT_SKIP:
		run_skip(r, c, why);
		return 0;
	case ACT_OTHER:
		break;
	}
	if (is_cmd(c, "wait"))
		return run_wait(r, c);
	if (is_cmd(c, "expect"))
		return run_expect(r, c);
	if (is_cmd(c, "mark"))
		klab_mark(r->k);
	else if (is_cmd(c, "say"))
		emit_text(r->k, FW_EV_SAY, -1, c->str, 0);
	/* pause, resume, step, speed, and the lesson commands: nothing to do here */
	return 0;
}

int64_t kernel_script_min_time(const struct script *s)
{
	int64_t t = 0;
	for (int i = 0; i < s->ncmds; i++)
		if (is_cmd(&s->cmds[i], "wait") && s->cmds[i].form == CMD_F_WAIT_TIME)
			t += s->cmds[i].dur;
	return t;
}

int kernel_run_script(const struct script *s, fw_observer_fn *fns, void **uds, int n,
		      bool keep_going, struct kernel_result *res)
{
	char err[300];
	uv_loop_t loop;
	memset(res, 0, sizeof *res);
	if (uv_loop_init(&loop) != 0) {
		snprintf(res->msg, sizeof res->msg, "cannot start an event loop");
		return res->status = KERNEL_EXIT_ERROR;
	}
	/*
	 * The relay is the wire: when the machine is busy, every millisecond it waits for the
	 * CPU lengthens the hosts' RTT and with it their RTO.  Where allowed (root), it and its
	 * children run at a higher priority; elsewhere this fails quietly and the comparison's
	 * tolerances for a loaded machine must do.
	 */
	if (getpriority(PRIO_PROCESS, 0) > -10)
		setpriority(PRIO_PROCESS, 0, -10);
	struct klab *k = klab_new(&loop, NULL, err, sizeof err);
	if (!k) {
		snprintf(res->msg, sizeof res->msg, "the kernel lab: %s", err);
		uv_loop_close(&loop);
		return res->status = KERNEL_EXIT_ERROR;
	}
	for (int i = 0; i < n; i++)
		klab_observe(k, fns[i], uds[i]);
	struct krun r = { .k = k, .keep_going = keep_going, .res = res };
	for (int i = 0; i < s->ncmds; i++)
		if (run_cmd(&r, &s->cmds[i]) < 0)
			break;
	klab_sync(k);
	klab_flush(k);
	klab_free(k);
	uv_loop_close(&loop);
	if (res->skipped)
		res->status = KERNEL_EXIT_SKIPPED;
	else if (res->failed)
		res->status = KERNEL_EXIT_FAILED;
	else
		res->status = KERNEL_EXIT_OK;
	return res->status;
}

/* ---- finwave kernel FILE -------------------------------------------------------------------------- */

/* Read and parse a script; NULL after printing why. */
static struct script *script_load(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "finwave: cannot read %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, len = 0;
	char *text = malloc(cap);
	while (text) {
		if (len == cap) {
			char *t = cap < KRUN_SCRIPT_MAX ? realloc(text, cap * 2) : NULL;
			if (!t) {
				free(text);
				text = NULL;
				break;
			}
			text = t;
			cap *= 2;
		}
		size_t k = fread(text + len, 1, cap - len, f);
		len += k;
		if (k == 0)
			break;
	}
	bool bad = !text || ferror(f);
	fclose(f);
	if (bad) {
		free(text);
		fprintf(stderr, "finwave: cannot read %s: %s\n", path, strerror(text ? EIO : ENOMEM));
		return NULL;
	}
	struct script *s = NULL;
	char err[8192];
	int rc = script_parse(path, text, len, &s, err, sizeof err);
	free(text);
	if (rc == -EINVAL) {
		fputs(err, stderr);
		return NULL;
	}
	if (rc < 0) {
		fprintf(stderr, "finwave: parsing %s: %s\n", path, strerror(-rc));
		return NULL;
	}
	return s;
}

/* The real-time budget from FINWAVE_KERNEL_BUDGET: 0 when the script fits (or none is set),
 * else a message in why. */
static int budget_check(const struct script *s, char *why, size_t cap)
{
	const char *b = getenv("FINWAVE_KERNEL_BUDGET");
	if (!b || !*b)
		return 0;
	double secs = strtod(b, NULL);
	int64_t need = kernel_script_min_time(s);
	if (secs <= 0 || (double)need <= secs * 1e6)
		return 0;
	snprintf(why, cap, "its waits alone take %.0f s of real time, more than "
		 "FINWAVE_KERNEL_BUDGET=%s s", (double)need / 1e6, b);
	return -1;
}

int kernel_load_checked(const char *path, struct script **out, char *why, size_t cap)
{
	*out = script_load(path);
	if (!*out)
		return KERNEL_EXIT_ERROR;
	if (budget_check(*out, why, cap) < 0)
		return KERNEL_EXIT_SKIPPED;
	return KERNEL_EXIT_OK;
}

int kernel_run_file(const char *path, enum fw_trace_fmt fmt, FILE *out, const char *pcap_path)
{
	struct script *s;
	char why[300];
	int st = kernel_load_checked(path, &s, why, sizeof why);
	if (st == KERNEL_EXIT_SKIPPED) {
		fprintf(stderr, "finwave: %s: skipped: %s\n", path, why);
		script_free(s);
		return st;
	}
	if (st != KERNEL_EXIT_OK)
		return st;
	struct fw_trace *tr = trace_new(out, fmt);
	struct fw_pcap *pc = NULL;
	if (!tr) {
		fprintf(stderr, "finwave: out of memory\n");
		script_free(s);
		return KERNEL_EXIT_ERROR;
	}
	if (pcap_path) {
		char err[256];
		pc = pcap_writer_open(pcap_path, err, sizeof err);
		if (!pc) {
			fprintf(stderr, "finwave: --pcap %s: %s\n", pcap_path, err);
			trace_free(tr);
			script_free(s);
			return KERNEL_EXIT_ERROR;
		}
	}
	fw_observer_fn fns[2] = { trace_event_cb, pcap_writer_event_cb };
	void *uds[2] = { tr, pc };
	struct kernel_result res;
	kernel_run_script(s, fns, uds, pc ? 2 : 1, false, &res);
	trace_free(tr);
	if (pc && pcap_writer_close(pc) < 0) {
		fprintf(stderr, "finwave: writing %s: %s\n", pcap_path, strerror(EIO));
		res.status = KERNEL_EXIT_ERROR;
	}
	fflush(out);
	switch (res.status) {
	case KERNEL_EXIT_FAILED:
		fprintf(stderr, "%s\n", res.msg);
		break;
	case KERNEL_EXIT_ERROR:
		fprintf(stderr, "finwave: %s\n", res.msg);
		break;
	case KERNEL_EXIT_SKIPPED:
		fprintf(stderr, "finwave: %s: %d step%s skipped, so the kernel's run is incomplete\n",
			path, res.skipped, res.skipped == 1 ? "" : "s");
		break;
	default:
		break;
	}
	script_free(s);
	return res.status;
}

/* ---- live ------------------------------------------------------------------------------------------ */

struct kernel_live {
	struct klab *k;
};

struct kernel_live *kernel_live_new(uv_loop_t *loop, char *why, size_t cap)
{
	struct kernel_live *kl = calloc(1, sizeof *kl);
	if (!kl) {
		snprintf(why, cap, "out of memory");
		return NULL;
	}
	kl->k = klab_new(loop, NULL, why, cap);
	if (!kl->k) {
		free(kl);
		return NULL;
	}
	return kl;
}

/*
 * A `wait` on the screen is the screen's, but commands fed in a burst (free play's setup, a
 * lesson's earlier steps) must not overtake the segments they wait for: `server recv` right
 * after `client send` would find nothing, and the server's close() would then send RST over
 * the unread data.  So a wait lets the lab run for a moment: up to its duration, at most
 * 200 ms (50 ms for `wait until`), which blocks the screen no longer than a keystroke.
 */
static void live_settle(struct klab *k, const struct cmd *c)
{
	int64_t d = c->form == CMD_F_WAIT_TIME ? c->dur : FW_MS(50);
	if (d > FW_MS(200))
		d = FW_MS(200);
	int64_t end = kclock_now() + d;
	do {
		klab_sync(k);
		struct timespec ts = { 0, 500000 };
		nanosleep(&ts, NULL);
	} while (kclock_now() < end);
}

int kernel_live_exec(struct kernel_live *kl, const struct cmd *c)
{
	char why[300];
	int pid;
	if (cmd_is(c, "wait")) {
		live_settle(kl->k, c);
		return 0;
	}
	/* a kill's exit and a connect's handshake finish by themselves */
	return lab_act(kl->k, c, &pid, why, sizeof why) == ACT_SKIP ? -ENOTSUP : 0;
}

int kernel_live_state(const struct kernel_live *kl, int host, struct kernel_host_view *out)
{
	if (host < 0 || host >= FW_NHOSTS)
		return -EINVAL;
	klab_host_view(kl->k, host, out);
	return 0;
}

const char *kernel_live_why(const struct kernel_live *kl)
{
	return klab_private(kl->k) ? "" : klab_why(kl->k);
}

void kernel_live_free(struct kernel_live *kl)
{
	if (!kl)
		return;
	klab_free(kl->k);
	free(kl);
}

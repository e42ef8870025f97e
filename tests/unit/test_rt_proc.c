/*
 * test_rt_proc.c: each host's application as a real child process.
 *
 * The unit-test binary plays finwave's part here: a constructor turns it into a host's
 * application when it is started with --app-child, exactly as tui/main.c does for finwave.
 * The tests check real pids, real signals, the kernel's FIN or RST after a kill from
 * outside, no zombies, and no child outliving its parent even when the parent is SIGKILLed.
 */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_rt_fixture.h"

__attribute__((constructor)) static void app_child_hook(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], RT_APP_CHILD_ARG) == 0)
		exit(rt_app_child_main(argc, argv));
}

static bool proc_gone(int pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
}

static void read_file(const char *path, char *buf, size_t cap)
{
	FILE *fp = fopen(path, "r");
	CHECK(fp);
	size_t n = fread(buf, 1, cap - 1, fp);
	buf[n] = '\0';
	fclose(fp);
}

/*
 * A child names itself fw-HOST once PR_SET_PDEATHSIG is armed and its parent checked.  (A
 * child whose parent dies before that point sees it and exits by itself, status 1.)
 */
static void await_ready(int pid)
{
	char path[64], buf[64];
	snprintf(path, sizeof path, "/proc/%d/comm", pid);
	for (int i = 0; i < 500; i++) {
		read_file(path, buf, sizeof buf);
		if (strncmp(buf, "fw-", 3) == 0)
			return;
		usleep(2000);
	}
	CHECK(!"the child never got ready");
}

static void timeout_cb(uv_timer_t *t)
{
	*(bool *)t->data = true;
}

/* Run the loop until the runtime has seen n exits in all (at most 5 s). */
static void await_exits(struct rtfx *f, uint64_t n)
{
	bool over = false;
	uv_timer_t t;
	uv_timer_init(&f->loop, &t);
	t.data = &over;
	uv_timer_start(&t, timeout_cb, 5000, 0);
	while (!over && rt_procs_exits(rt_procs_of(f->rt)) < n)
		uv_run(&f->loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(&f->loop, UV_RUN_NOWAIT);
	CHECK_EQ(rt_procs_exits(rt_procs_of(f->rt)), n);
}

static void establish(struct rtfx *f)
{
	CHECK_EQ(world_listen(f->w, FW_SERVER, 80), 0);
	CHECK_EQ(world_connect(f->w, FW_CLIENT, 80), 0);
	rtfx_advance(f, FW_SEC(1));
	CHECK_EQ(world_host_state(f->w, FW_SERVER), TCP_ESTABLISHED);
}

TEST(rt_proc_host_process_is_a_real_app_child)
{
	struct rtfx f;
	rtfx_open(&f, RT_WIRE_UDP, false);
	CHECK_EQ(world_listen(f.w, FW_SERVER, 80), 0);
	int pid = world_proc_pid(f.w, FW_SERVER);
	CHECK(pid > 0);
	CHECK(kill(pid, 0) == 0);
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
	read_file(path, buf, sizeof buf);
	CHECK_STR(buf + strlen(buf) + 1, RT_APP_CHILD_ARG);
	CHECK_STR(buf + strlen(buf) + 1 + strlen(RT_APP_CHILD_ARG) + 1, "server");
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	read_file(path, buf, sizeof buf);
	char want[32];
	snprintf(want, sizeof want, "PPid:\t%d\n", (int)getpid());
	CHECK(strstr(buf, want) != NULL);
	CHECK_EQ(rt_procs_alive(rt_procs_of(f.rt)), 1);
	rtfx_close(&f);
	rtfx_done(&f);
	CHECK(proc_gone(pid));
}

TEST(rt_proc_kill_exits_at_the_virtual_instant_of_the_kill)
{
	struct rtfx f;
	rtfx_open(&f, RT_WIRE_UDP, false);
	establish(&f);
	int pid = world_proc_pid(f.w, FW_SERVER);
	int64_t t0 = world_now(f.w);
	int rc = world_kill(f.w, FW_SERVER, SIGKILL);
	CHECK(rc == 0 || rc == 1);            /* 0: the world applied the exit at once */
	/* the kill was complete when it returned: the child is a zombie until libuv reaps it */
	char path[64], stat[256];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	read_file(path, stat, sizeof stat);
	CHECK(strstr(stat, ") Z ") != NULL);
	CHECK_EQ(rt_procs_pending(rt_procs_of(f.rt)), 1);
	rtfx_advance(&f, FW_MS(10));
	CHECK_EQ(f.nexit, 1);
	CHECK_EQ(f.last_exit_signal, SIGKILL);
	CHECK_EQ(f.last_exit_t, t0);
	CHECK_EQ(world_proc_pid(f.w, FW_SERVER), 0);
	/* libuv reaped it: no zombie left, the pid is free */
	CHECK(proc_gone(pid));
	CHECK(waitpid(pid, NULL, WNOHANG) < 0 && errno == ECHILD);
	rtfx_close(&f);
	fflush(f.log);
	CHECK(strstr(f.trace, "\"ev\":\"send\",\"host\":\"server\",\"conn\":1,\"flags\":[\"FIN\",\"ACK\"]"));
	rtfx_done(&f);
}

TEST(rt_proc_outside_kill_makes_the_kernel_send_fin)
{
	struct rtfx f;
	rtfx_open(&f, RT_WIRE_UDP, false);
	establish(&f);
	int pid = world_proc_pid(f.w, FW_SERVER);
	CHECK_EQ(kill(pid, SIGKILL), 0);      /* as `kill -9 PID` from another terminal */
	await_exits(&f, 1);
	CHECK_EQ(f.last_exit_signal, SIGKILL);
	rtfx_advance(&f, FW_SEC(1));
	CHECK_EQ(world_host_state(f.w, FW_CLIENT), TCP_CLOSE_WAIT);
	rtfx_close(&f);
	CHECK(strstr(f.trace, "\"ev\":\"send\",\"host\":\"server\",\"conn\":1,\"flags\":[\"FIN\",\"ACK\"]"));
	CHECK(!strstr(f.trace, "\"RST\""));
	rtfx_done(&f);
}

TEST(rt_proc_outside_kill_with_unread_data_makes_the_kernel_send_rst)
{
	struct rtfx f;
	rtfx_open(&f, RT_WIRE_UDP, false);
	establish(&f);
	CHECK_EQ(world_send(f.w, FW_CLIENT, "unread", 6), 6);
	rtfx_advance(&f, FW_SEC(1));
	int pid = world_proc_pid(f.w, FW_SERVER);
	CHECK_EQ(kill(pid, SIGKILL), 0);
	await_exits(&f, 1);
	rtfx_advance(&f, FW_SEC(1));
	CHECK_EQ(world_host_state(f.w, FW_CLIENT), TCP_CLOSED);
	CHECK_EQ(world_host_error(f.w, FW_CLIENT), ECONNRESET);
	rtfx_close(&f);
	CHECK(strstr(f.trace, "\"ev\":\"send\",\"host\":\"server\",\"conn\":1,\"flags\":[\"RST\""));
	CHECK(!strstr(f.trace, "\"flags\":[\"FIN\""));
	rtfx_done(&f);
}

TEST(rt_proc_free_reaps_every_child)
{
	struct rtfx f;
	rtfx_open(&f, RT_WIRE_UDP, false);
	establish(&f);
	int pids[2] = { world_proc_pid(f.w, FW_CLIENT), world_proc_pid(f.w, FW_SERVER) };
	CHECK(pids[0] > 0 && pids[1] > 0 && pids[0] != pids[1]);
	rtfx_close(&f);
	rtfx_done(&f);
	CHECK(proc_gone(pids[0]));
	CHECK(proc_gone(pids[1]));
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
	CHECK_EQ(f.nexit, 0);                 /* exits during rt_free are not the world's */
}

/*
 * A middle process runs the runtime and is then SIGKILLed, as finwave might be.  This test
 * process is a subreaper, so the orphaned children come to it: each must already be dead
 * (PR_SET_PDEATHSIG), killed by SIGKILL, and reapable here.
 */
TEST(rt_proc_children_die_when_their_parent_is_killed)
{
	CHECK_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	int p[2];
	CHECK_EQ(pipe(p), 0);
	pid_t mid = fork();
	CHECK(mid >= 0);
	if (mid == 0) {
		struct rtfx f;
		close(p[0]);
		rtfx_open(&f, RT_WIRE_UDP, false);
		establish(&f);
		int pids[2] = { world_proc_pid(f.w, FW_CLIENT), world_proc_pid(f.w, FW_SERVER) };
		if (write(p[1], pids, sizeof pids) != (ssize_t)sizeof pids)
			_exit(3);
		for (;;)
			pause();
	}
	close(p[1]);
	int pids[2];
	CHECK_EQ(read(p[0], pids, sizeof pids), (ssize_t)sizeof pids);
	close(p[0]);
	CHECK(kill(pids[0], 0) == 0 && kill(pids[1], 0) == 0);
	for (int i = 0; i < 2; i++)
		await_ready(pids[i]);
	CHECK_EQ(kill(mid, SIGKILL), 0);
	int st;
	CHECK_EQ(waitpid(mid, &st, 0), mid);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(waitpid(pids[i], &st, 0), pids[i]);
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	}
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
}

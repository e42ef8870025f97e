/*
 * rt_proc.c: each host's application as a real child process with a real pid.
 *
 * A host's process is finwave itself, started again with a hidden first argument:
 *
 *   finwave --app-child HOST PARENT_PID        (the program /proc/self/exe names)
 *
 * In that mode (rt_app_child_main) the child asks the kernel to SIGKILL it when its parent
 * dies (PR_SET_PDEATHSIG), checks that its parent is still the finwave that started it (if
 * finwave died before the prctl took hold, the child would otherwise be orphaned for good),
 * and then sleeps until a signal ends it.  So children never outlive finwave, even when
 * finwave itself is SIGKILLed.
 *
 * libuv spawns and reaps the children (no zombies): the exit callback tells the world which
 * host's process died and of which signal (world_proc_exited), whether the signal came from
 * `kill server`, from a crash, or from `kill -9 PID` typed in another terminal.  A kill the
 * world asks for is normally complete before proc_kill returns (rt_procs_kill); if it is
 * not, it stays "pending" until the exit has been seen, and the clock holds still
 * meanwhile, so the process dies at the virtual instant it was killed either way.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt.h"

struct child {
	uv_process_t h;
	struct rt_procs *owner;
	int host;
	int pid;
	bool exited;
	bool kill_sent;                /* by the world: an exit it is waiting for */
	struct child *next;
};

struct rt_procs {
	uv_loop_t *loop;
	struct fw_world *w;
	char exe[4096];
	struct child *children;        /* every child whose handle is not closed yet */
	int alive;                     /* started, exit not seen */
	int pending;                   /* killed by the world, exit not seen */
	uint64_t exits;                /* exits seen, ever */
	bool closing;                  /* shutting down: exits are no longer reported */
	void (*on_exit)(void *ud);
	void *on_exit_ud;
};

/*
 * The program to start: the path /proc/self/exe names now (under valgrind that is finwave,
 * not valgrind's tool, whereas exec of /proc/self/exe itself would start the tool), or
 * /proc/self/exe itself when the path is gone (the binary was rebuilt while running).
 */
static void self_exe(char *buf, size_t cap)
{
	ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
	if (n > 0 && (size_t)n < cap - 1) {
		buf[n] = '\0';
		if (access(buf, X_OK) == 0)
			return;
	}
	snprintf(buf, cap, "/proc/self/exe");
}

struct rt_procs *rt_procs_new(uv_loop_t *loop, struct fw_world *w, const char *exe)
{
	struct rt_procs *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->loop = loop;
	p->w = w;
	if (exe)
		snprintf(p->exe, sizeof p->exe, "%s", exe);
	else
		self_exe(p->exe, sizeof p->exe);
	return p;
}

void rt_procs_on_exit(struct rt_procs *p, void (*cb)(void *ud), void *ud)
{
	p->on_exit = cb;
	p->on_exit_ud = ud;
}

static void close_cb(uv_handle_t *h)
{
	struct child *c = h->data;
	struct rt_procs *p = c->owner;
	for (struct child **pp = &p->children; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	free(c);
}

static void exit_cb(uv_process_t *h, int64_t status, int term_signal)
{
	struct child *c = h->data;
	struct rt_procs *p = c->owner;
	(void)status;
	c->exited = true;
	p->alive--;
	p->exits++;
	if (c->kill_sent)
		p->pending--;
	uv_close((uv_handle_t *)h, close_cb);
	if (p->closing)
		return;
	world_proc_exited(p->w, c->host, c->pid, term_signal);
	if (p->on_exit)
		p->on_exit(p->on_exit_ud);
}

int rt_procs_spawn(struct rt_procs *p, int host)
{
	if (p->closing)
		return -ESHUTDOWN;
	if (host < 0 || host >= FW_NHOSTS)
		return -EINVAL;
	struct child *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->owner = p;
	c->host = host;
	c->h.data = c;

	char ppid[24];
	snprintf(ppid, sizeof ppid, "%ld", (long)getpid());
	char *args[] = { "finwave", RT_APP_CHILD_ARG, (char *)fw_host_name(host), ppid, NULL };
	uv_stdio_container_t stdio[3] = { { .flags = UV_IGNORE }, { .flags = UV_IGNORE },
					  { .flags = UV_INHERIT_FD, .data.fd = 2 } };
	uv_process_options_t o = {
		.exit_cb = exit_cb,
		.file = p->exe,
		.args = args,
		.stdio = stdio,
		.stdio_count = 3,
	};
	int rc = uv_spawn(p->loop, &c->h, &o);
	if (rc < 0) {
		/* On Unix a failed uv_spawn leaves an initialised handle that must be closed. */
		c->exited = true;
		c->next = p->children;
		p->children = c;
		uv_close((uv_handle_t *)&c->h, close_cb);
		return rc;
	}
	c->pid = c->h.pid;
	c->next = p->children;
	p->children = c;
	p->alive++;
	return c->pid;
}

static struct child *child_find(struct rt_procs *p, int host, int pid)
{
	for (struct child *c = p->children; c; c = c->next)
		if (c->pid == pid && c->host == host && !c->exited)
			return c;
	return NULL;
}

/* Signals whose default action does not end a process: the model knows no such kill. */
static bool sig_ends_process(int sig)
{
	switch (sig) {
	case SIGCHLD: case SIGCONT: case SIGSTOP: case SIGTSTP:
	case SIGTTIN: case SIGTTOU: case SIGURG: case SIGWINCH:
		return false;
	default:
		return sig > 0 && sig < 65;
	}
}

/* Wait up to about a second for the child to die, without reaping it (libuv does that). */
static bool await_death(int pid)
{
	for (int i = 0; i < 10000; i++) {
		siginfo_t si;
		memset(&si, 0, sizeof si);
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
			return false;
		if (si.si_pid == pid)
			return true;
		usleep(i < 100 ? 10 : 100);
	}
	return false;
}

/*
 * Send the signal and, as a rule, wait for the child to die before returning 1: the world
 * can then apply the exit at once, in the same place of the event stream as the pure model
 * does, whatever the scheduler did.  (The exit callback reports it again later; the world
 * ignores a pid it no longer knows.)  If the child is not dead within a second, return 0.
 * Either way the kill counts as pending until libuv has reaped the child and the exit
 * callback has run, and the clock holds still until then.
 */
int rt_procs_kill(struct rt_procs *p, int host, int pid, int sig)
{
	struct child *c = child_find(p, host, pid);
	if (!c)
		return -ESRCH;
	if (!sig_ends_process(sig))
		return -EINVAL;
	int rc = uv_process_kill(&c->h, sig);
	/* ESRCH: it is already dead, not yet reaped; its exit callback is on the way. */
	if (rc < 0 && rc != UV_ESRCH)
		return rc;
	if (!c->kill_sent) {
		c->kill_sent = true;
		p->pending++;
	}
	return await_death(pid) ? 1 : 0;
}

int rt_procs_alive(const struct rt_procs *p) { return p->alive; }
int rt_procs_pending(const struct rt_procs *p) { return p->pending; }
uint64_t rt_procs_exits(const struct rt_procs *p) { return p->exits; }

int rt_procs_pids(const struct rt_procs *p, int *out, int max)
{
	int n = 0;
	for (const struct child *c = p->children; c; c = c->next)
		if (!c->exited) {
			if (n < max)
				out[n] = c->pid;
			n++;
		}
	return n;
}

void rt_procs_shutdown(struct rt_procs *p)
{
	p->closing = true;
	for (struct child *c = p->children; c; c = c->next)
		if (!c->exited && uv_process_kill(&c->h, SIGKILL) < 0)
			continue;      /* dead already: its exit callback comes all the same */
}

int rt_procs_handles(const struct rt_procs *p)
{
	int n = 0;
	for (const struct child *c = p->children; c; c = c->next)
		n++;
	return n;
}

void rt_procs_free(struct rt_procs *p)
{
	free(p);
}

/* ---- the child's side ------------------------------------------------------------------------ */

int rt_app_child_main(int argc, char **argv)
{
	if (argc < 4 || strcmp(argv[1], RT_APP_CHILD_ARG) != 0 || fw_host_parse(argv[2]) < 0) {
		fprintf(stderr, "finwave: %s is for finwave's own use\n", RT_APP_CHILD_ARG);
		return 2;
	}
	long parent = strtol(argv[3], NULL, 10);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return 1;
	/* The parent may have died between fork and prctl: then nobody would kill us. */
	if ((long)getppid() != parent)
		return 1;
	char name[16];
	snprintf(name, sizeof name, "fw-%s", argv[2]);
	prctl(PR_SET_NAME, name);
	/* Every signal keeps its default action, as in any application; a SIGQUIT or SIGABRT
	 * sent to it must not leave a core file behind. */
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	for (;;)
		pause();
}

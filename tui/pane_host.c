/*
 * pane_host.c: a host as the screen shows it: its name, address, process, its state in a
 * large box, its timers as countdown bars with the seconds left, and its sockets; and, for
 * the presentation layout, the same host as one big box with the state in big letters, and
 * the big clock.
 *
 * Everything comes from scene_host() (scene.c); this file only places it.
 */
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "screen.h"

static enum ui_role host_role(int host)
{
	return host == FW_SERVER ? R_SERVER : R_CLIENT;
}

static enum ui_role state_role(enum tcp_state s, bool up)
{
	if (!up || s == TCP_CLOSED)
		return R_STATE_DEAD;
	switch (s) {
	case TCP_LISTEN:
	case TCP_SYN_SENT:
	case TCP_SYN_RECV:
	case TCP_ESTABLISHED:
		return R_STATE;
	default:
		return R_STATE_CLOSE;
	}
}

int pane_host_of(const struct ui *ui, const struct pane *p)
{
	return p == &ui->panes[P_HOST_S] || p == &ui->panes[P_BOX_S] ? FW_SERVER : FW_CLIENT;
}

static const char *addr_str(const struct scene_host *h, char *buf, size_t cap)
{
	uint32_t a = h->addr;
	int n = snprintf(buf, cap, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	if (h->port && n > 0 && (size_t)n < cap)
		snprintf(buf + n, cap - (size_t)n, ":%u", h->port);
	return buf;
}

static const char *sig_short(int sig)
{
	switch (sig) {
	case 9:
		return "SIGKILL";
	case 15:
		return "SIGTERM";
	case 2:
		return "SIGINT";
	case 0:
		return "exit";
	}
	return "signal";
}

static const char *pid_str(const struct scene_host *h, char *buf, size_t cap)
{
	if (h->pid > 0)
		snprintf(buf, cap, "%s %d", i18n(S_PID), h->pid);
	else if (h->dead_pid > 0)
		snprintf(buf, cap, "%s ✝%d %s", i18n(S_PID), h->dead_pid, sig_short(h->dead_signal));
	else
		snprintf(buf, cap, "%s", i18n(S_NO_PROCESS));
	return buf;
}

/* One timer's first line: its name (with retries or probes) and the seconds left. */
static void timer_title(const struct scene_timer *t, char *name, size_t ncap, char *left,
			size_t lcap)
{
	char secs[32];
	if (t->timer == FW_T_RTO && t->retries > 0)
		snprintf(name, ncap, "%s %s%d", i18n_timer(t->timer), glyphs()->retrans, t->retries);
	else if (t->timer == FW_T_KEEPALIVE && t->probes > 0)
		snprintf(name, ncap, "%s %s %d", i18n_timer(t->timer), i18n(S_PROBES), t->probes);
	else
		snprintf(name, ncap, "%s", i18n_timer(t->timer));
	snprintf(left, lcap, "%s", scene_secs_str(t->left, secs, sizeof secs));
}

static enum ui_role timer_role(const struct scene_timer *t)
{
	return t->timer == FW_T_RTO && t->retries > 0 ? R_RETRANS : R_BAR;
}

/* A timer in rows y.. (two or three); returns the rows used. */
static int draw_timer(int y, int x, int w, int ymax, const struct scene_timer *t)
{
	char name[64], left[32], b[32], line[96];
	if (y >= ymax)
		return 0;
	timer_title(t, name, sizeof name, left, sizeof left);
	int lw = draw_width(left);
	draw_text_fit(stdscr, y, x, w - lw - 1, R_NORMAL, name);
	draw_text(stdscr, y, x + w - lw, lw, R_TITLE, left);
	int used = 1;
	if (y + used < ymax) {
		draw_bar(stdscr, y + used, x, w, t->frac, timer_role(t));
		used++;
	}
	if (t->timer == FW_T_RTO && t->budget_left >= 0 && y + used < ymax) {
		snprintf(line, sizeof line, "%s %s", i18n(S_BUDGET),
			 scene_secs_str(t->budget_left, b, sizeof b));
		draw_text_fit(stdscr, y + used, x, w, R_DIM, line);
		used++;
	}
	return used;
}

static const char *sock_str(const struct scene_sock *k, char *buf, size_t cap)
{
	const char *arrow = theme_utf8() ? "→" : ">";
	int n;
	if (k->listener)
		n = snprintf(buf, cap, "*:%u %s", k->lport, tcp_state_name(k->state));
	else
		n = snprintf(buf, cap, "%u%s%u %s", k->lport, arrow, k->rport, tcp_state_name(k->state));
	/* a TIME_WAIT entry says what it is by its state; an orphan needs saying */
	if (n > 0 && (size_t)n < cap && (k->orphan || k->mini) && k->state != TCP_TIME_WAIT)
		snprintf(buf + n, cap - (size_t)n, " (%s)", i18n(S_ORPHAN));
	return buf;
}

/* A crowd in numbers: the sockets in each state, then the ports in use (client). */
static int crowd_counts(const struct scene_host *sh, int y, int x, int w, int ymax)
{
	char buf[128], a[32], b[32], t[64];
	if (y < ymax)
		draw_text_fit(stdscr, y++, x, w, R_TITLE, i18n(S_CROWD_COUNTS));
	for (int st = 0; st < TCP_NSTATES && y < ymax; st++) {
		if (sh->count[st] == 0)
			continue;
		const char *name = tcp_state_name((enum tcp_state)st);
		scene_count_str(sh->count[st], a, sizeof a);
		int aw = draw_width(a);
		draw_text_fit(stdscr, y, x, w - aw - 1, R_NORMAL, name);
		draw_text(stdscr, y, x + w - aw, aw, R_TITLE, a);
		y++;
	}
	if (sh->ports_total > 0 && sh->dport && y + 1 < ymax) {
		snprintf(t, sizeof t, i18n(S_CROWD_PORTS), sh->dport);
		draw_text_fit(stdscr, y++, x, w, R_TITLE, t);
		int freep = sh->ports_total - sh->ports_used;
		if (freep < 0)
			freep = 0;
		scene_count_str(sh->ports_used, a, sizeof a);
		scene_count_str(freep, b, sizeof b);
		int aw = draw_width(a), bw = draw_width(b);
		draw_text_fit(stdscr, y, x, w - aw - 1, R_NORMAL, i18n(S_CROWD_USED));
		draw_text(stdscr, y++, x + w - aw, aw, R_TITLE, a);
		if (y < ymax) {
			/* no port left is the point of lesson 9: said in words too */
			snprintf(buf, sizeof buf, "%s%s", i18n(S_CROWD_FREE), freep ? "" : " !");
			draw_text_fit(stdscr, y, x, w - bw - 1, freep ? R_NORMAL : R_ERROR, buf);
			draw_text(stdscr, y++, x + w - bw, bw, freep ? R_TITLE : R_ERROR, b);
		}
	}
	return y;
}

/* "Linux says": what the real kernel has for this host, under a rule at row y.  The state
 * reads "same" or "differs" in colour, and in its words it is the state itself. */
static void kernel_line(struct ui *ui, int host, int y, int x, int w)
{
	char buf[320], secs[32];
	draw_repeat(stdscr, y, x, w, R_BORDER, glyphs()->h);
	draw_text(stdscr, y, x + 1, w - 1, R_TITLE, i18n(S_LINUX_SAYS));
	struct kernel_host_view v;
	if (!ui->kl) {
		draw_text_fit(stdscr, y + 1, x, w, R_ERROR, ui->kernel_why);
		return;
	}
	if (kernel_live_state(ui->kl, host, &v) < 0 || !v.valid) {
		draw_text_fit(stdscr, y + 1, x, w, R_DIM, i18n(S_KERNEL_NOTHING));
		return;
	}
	if (!v.up)
		snprintf(buf, sizeof buf, "%s %s", glyphs()->cross, i18n(S_HOST_DOWN));
	else if (v.timer == FW_T_TIME_WAIT || v.timer == FW_T_FIN_WAIT_2)
		snprintf(buf, sizeof buf, "%s %s", tcp_state_name(v.state),
			 scene_secs_str(v.timer_left_us, secs, sizeof secs));
	else if (v.timer >= 0)
		snprintf(buf, sizeof buf, "%s %s %s", tcp_state_name(v.state), i18n_timer(v.timer),
			 scene_secs_str(v.timer_left_us, secs, sizeof secs));
	else
		snprintf(buf, sizeof buf, "%s", tcp_state_name(v.state));
	bool same = ui->play.w && world_host_state(ui->play.w, host) == v.state;
	draw_text_fit(stdscr, y + 1, x, w, same ? R_GOOD : R_STATE_CLOSE, buf);
}

void pane_host_draw(struct ui *ui, struct pane *p)
{
	struct scene_host sh;
	char buf[128];
	int host = pane_host_of(ui, p);
	pane_clear(p, R_NORMAL);
	if (!ui->play.scene || p->h < 6 || p->w < 12)
		return;
	scene_host(ui->play.scene, ui->play.w, host, &sh);
	draw_frame(stdscr, p->y, p->x, p->h, p->w, false, R_BORDER, i18n_host(host), host_role(host));
	int x = p->x + 1, w = p->w - 2, y = p->y + 1, ymax = p->y + p->h - 1;
	if (ui->kernel_on && p->h >= 9) {
		ymax -= 2;
		kernel_line(ui, host, ymax, x, w);
	}
	draw_text_fit(stdscr, y++, x, w, R_DIM, addr_str(&sh, buf, sizeof buf));
	draw_text_fit(stdscr, y++, x, w, sh.pid > 0 ? R_NORMAL : R_ERROR, pid_str(&sh, buf, sizeof buf));
	if (!sh.up && y < ymax) {
		snprintf(buf, sizeof buf, "%s %s", glyphs()->cross, i18n(S_HOST_DOWN));
		draw_text_fit(stdscr, y++, x, w, R_ERROR, buf);
	}
	/* the state, large */
	if (y + 3 <= ymax) {
		enum ui_role r = state_role(sh.state, sh.up);
		draw_frame(stdscr, y, x, 3, w, true, r, NULL, r);
		draw_center(stdscr, y + 1, x + 1, w - 2, r, tcp_state_name(sh.state));
		y += 3;
	}
	if (sh.err && y < ymax) {
		snprintf(buf, sizeof buf, "! %s", fw_errno_name(sh.err));
		draw_text_fit(stdscr, y++, x, w, R_ERROR, buf);
	}
	if (sh.crowd)
		y = crowd_counts(&sh, y, x, w, ymax);
	/* timers */
	if (y < ymax) {
		draw_text(stdscr, y++, x, w, R_TITLE, i18n(S_TIMERS));
		if (sh.ntimers == 0 && y < ymax)
			draw_text(stdscr, y++, x, w, R_DIM, i18n(S_NO_TIMERS));
		for (int i = 0; i < sh.ntimers && y < ymax; i++)
			y += draw_timer(y, x, w, ymax, &sh.timers[i]);
	}
	/* sockets, as many as fit */
	if (y + 1 < ymax) {
		draw_text(stdscr, y++, x, w, R_TITLE, i18n(S_SOCKETS));
		if (sh.nsocks == 0)
			draw_text(stdscr, y++, x, w, R_DIM, i18n(S_NO_SOCKETS));
		for (int i = 0; i < sh.nsocks && y < ymax; i++) {
			const struct scene_sock *k = &sh.socks[i];
			bool last_row = y == ymax - 1 && i + 1 < sh.nsocks_all;
			if (last_row) {
				snprintf(buf, sizeof buf, "+%d", sh.nsocks_all - i);
				draw_text(stdscr, y++, x, w, R_DIM, buf);
				break;
			}
			draw_text_fit(stdscr, y++, x, w, R_NORMAL, sock_str(k, buf, sizeof buf));
		}
	}
}

/* ---- the presentation layout ------------------------------------------------------------ */

void pane_box_draw(struct ui *ui, struct pane *p)
{
	struct scene_host sh;
	char buf[160], a[64], pid[64];
	int host = pane_host_of(ui, p);
	pane_clear(p, R_NORMAL);
	if (!ui->play.scene || p->h < 3 || p->w < 12)
		return;
	scene_host(ui->play.scene, ui->play.w, host, &sh);
	enum ui_role r = state_role(sh.state, sh.up);
	snprintf(buf, sizeof buf, "%s  %s  %s", i18n_host(host), addr_str(&sh, a, sizeof a),
		 pid_str(&sh, pid, sizeof pid));
	draw_frame(stdscr, p->y, p->x, p->h, p->w, true, r, buf, host_role(host));
	int x = p->x + 1, w = p->w - 2, y = p->y + 1, ymax = p->y + p->h - 1;
	const char *name = tcp_state_name(sh.state);
	if (!sh.up) {
		snprintf(buf, sizeof buf, "%s %s (%s)", glyphs()->cross, i18n(S_HOST_DOWN), name);
		draw_center(stdscr, y + (ymax - y) / 2, x, w, R_ERROR, buf);
		return;
	}
	if (ymax - y >= 3 && draw_big(stdscr, y, x, w, r, name)) {
		y += 3;
	} else {
		draw_center(stdscr, y, x, w, r, name);
		y++;
	}
	/* the timer that matters most: the first one that is not a delayed ACK */
	const struct scene_timer *t = NULL;
	for (int i = 0; i < sh.ntimers; i++)
		if (sh.timers[i].timer != FW_T_DELACK && !t)
			t = &sh.timers[i];
	if (!t && sh.ntimers)
		t = &sh.timers[0];
	if (t && y < ymax) {
		char name2[64], left[32];
		timer_title(t, name2, sizeof name2, left, sizeof left);
		int nw = draw_width(name2), lw = draw_width(left);
		draw_text(stdscr, y, x + 1, nw, R_TITLE, name2);
		draw_text(stdscr, y, x + w - lw - 1, lw, R_TITLE, left);
		int bw = w - nw - lw - 5;
		if (bw > 3)
			draw_bar(stdscr, y, x + nw + 2, bw, t->frac, timer_role(t));
	} else if (sh.err && y < ymax) {
		snprintf(buf, sizeof buf, "! %s", fw_errno_name(sh.err));
		draw_center(stdscr, y, x, w, R_ERROR, buf);
	} else if (y < ymax) {
		draw_center(stdscr, y, x, w, R_DIM, i18n(S_NO_TIMERS));
	}
}

void pane_clock_draw(struct ui *ui, struct pane *p)
{
	char clock[48], digits[48];
	pane_clear(p, R_NORMAL);
	scene_clock_str(play_now(&ui->play), clock, sizeof clock);
	/* the big font has digits, '.', ':' and 's' */
	size_t j = 0;
	for (size_t i = 0; clock[i] && j + 1 < sizeof digits; i++)
		if (clock[i] != ' ')
			digits[j++] = clock[i];
	digits[j] = '\0';
	if (p->h >= 3 && draw_big(stdscr, p->y, p->x, p->w, R_CLOCK, digits))
		return;
	char t[64];
	snprintf(t, sizeof t, "t = %s", clock);
	draw_center(stdscr, p->y + p->h / 2, p->x, p->w, R_CLOCK, t);
}

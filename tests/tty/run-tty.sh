#!/usr/bin/env bash
# tests/tty/run-tty.sh: the screen, driven through a real pseudo-terminal.
#
# Each test starts `finwave play` (or the home screen, or a lesson: SUB=) in a pane of a private tmux server (tmux -L, its own
# socket, no user configuration), presses keys with send-keys and waits until the screen
# (capture-pane) shows what it should, with a time limit, never with fixed sleeps alone
# (Neovim's screen:expect() style).  After finwave quits, the pane runs `stty -a` and the
# test checks the terminal came back: echo and canonical mode on, cursor visible, the
# alternate screen left.
#
# Needs tmux and no terminal of its own (tmux makes the pty), so it runs in CI.  The binary
# is $FINWAVE (default ./finwave); when $FINWAVE_SAN names the sanitizer build, one test
# runs it too.  Output: "ok NAME" or "FAIL NAME: why" per test, then
# "N passed, N failed".  TTY_KEEP=1 keeps the work directory (screens of failed tests are
# saved there as NAME.screen).

cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
FINWAVE=${FINWAVE:-./finwave}
case "$FINWAVE" in /*) ;; *) FINWAVE="$ROOT/$FINWAVE" ;; esac

passed=0
failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

if ! command -v tmux >/dev/null 2>&1; then
	bad "tmux" "tmux is not installed (apt-get install tmux)"
	echo "$passed passed, $failed failed"
	exit 1
fi
if [ ! -x "$FINWAVE" ]; then
	bad "binary" "$FINWAVE is missing (build it first)"
	echo "$passed passed, $failed failed"
	exit 1
fi

# A build without the screen says so at once; no use waiting for it in every test.
probe=$("$FINWAVE" play </dev/null 2>&1 | head -n 3)
case "$probe" in
*"not yet available"* | *"unknown command"*)
	bad "finwave play" "this build has no screen: $probe"
	echo "$passed passed, $failed failed"
	exit 1 ;;
esac

# The lessons beside the binary, or the tree's when the binary is elsewhere.
export FINWAVE_LESSONS=${FINWAVE_LESSONS:-$ROOT/lessons}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/finwave-tty.XXXXXX") || exit 2
SOCK="finwave-tty-$$"
TMUX_CMD=(tmux -L "$SOCK" -f "$WORK/tmux.conf")
# A UTF-8 locale for tmux and finwave: C.UTF-8 exists on every current glibc.
UTF8_LOCALE=C.UTF-8
locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$' || UTF8_LOCALE=$(locale -a 2>/dev/null | grep -i 'utf-\?8' | head -n 1)
export LANG=${UTF8_LOCALE:-C.UTF-8}
unset LC_ALL LC_MESSAGES LANGUAGE NO_COLOR
TERM_256=tmux-256color
infocmp "$TERM_256" >/dev/null 2>&1 || TERM_256=screen-256color
cat >"$WORK/tmux.conf" <<EOF
set -g default-terminal "$TERM_256"
set -g history-limit 0
set -g status off
EOF

cleanup() {
	# only the panes this script started: their finwave, then the private server
	for f in "$WORK"/*.pid; do
		[ -e "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null
	done
	"${TMUX_CMD[@]}" kill-server 2>/dev/null
	[ -n "$TTY_KEEP" ] && echo "work directory kept: $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

tm() { "${TMUX_CMD[@]}" "$@"; }

# [SUB=play|lesson|""] [HOMEOF=NAME] start NAME COLS ROWS [ENV=VALUE ...] -- [arguments ...]
# The pane runs `finwave SUB arguments` (SUB "" for the home screen; default play), then
# reports its exit status and the terminal's modes.  HOMEOF: use that test's $HOME and
# XDG_STATE_HOME (to see what an earlier test left there).
start() {
	local name=$1 cols=$2 rows=$3
	local sub=${SUB-play} home=${HOMEOF:-$1}
	shift 3
	local envs=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		envs+=("$1")
		shift
	done
	[ "$1" = "--" ] && shift
	mkdir -p "$WORK/home/$home"
	{
		echo '#!/bin/sh'
		echo "cd '$ROOT'"
		echo "export HOME='$WORK/home/$home' XDG_STATE_HOME='$WORK/home/$home/state' LANG='$LANG'"
		for e in "${envs[@]}"; do
			printf 'export %q\n' "$e"
		done
		printf "sh -c 'echo \$\$ > \"\$0\"; exec \"\$@\"' '%s' '%s' %s" "$WORK/$name.pid" "$FINWAVE" "$sub"
		for a in "$@"; do printf ' %q' "$a"; done
		echo
		echo 'echo "FINWAVE-EXIT=$?"'
		echo "stty -a > '$WORK/$name.stty' 2>&1"
		echo 'echo STTY-DONE'
		echo 'exec sleep 600'
	} >"$WORK/$name.sh"
	chmod +x "$WORK/$name.sh"
	rm -f "$WORK/$name.pid"
	tm new-session -d -s "$name" -x "$cols" -y "$rows" "$WORK/$name.sh"
}

screen() { tm capture-pane -p -t "$1" 2>/dev/null; }

# wait_for NAME EXTENDED-REGEX [SECONDS]: until the screen matches; 1 on timeout (and the
# screen is saved for the report).
wait_for() {
	local name=$1 re=$2 secs=${3:-15} i=0
	local tries=$((secs * 20))
	while [ $i -lt $tries ]; do
		if screen "$name" | grep -Eq -- "$re"; then
			return 0
		fi
		sleep 0.05
		i=$((i + 1))
	done
	screen "$name" >"$WORK/$name.screen"
	return 1
}

# wait_gone NAME REGEX [SECONDS]: until the screen no longer matches.
wait_gone() {
	local name=$1 re=$2 secs=${3:-15} i=0
	local tries=$((secs * 20))
	while [ $i -lt $tries ]; do
		if ! screen "$name" | grep -Eq -- "$re"; then
			return 0
		fi
		sleep 0.05
		i=$((i + 1))
	done
	screen "$name" >"$WORK/$name.screen"
	return 1
}

keys() {
	local name=$1
	shift
	tm send-keys -t "$name" "$@"
}

# The virtual clock as the header shows it ("t = 0.049 s").
clock_of() { screen "$1" | head -n 1 | grep -Eo 't = [0-9:.]+( s)?' | head -n 1; }

# The state shown in a host's big box: the first (client) or second (server) ┃ STATE ┃.
box_states() { screen "$1" | grep -Eo '┃ *[A-Z_0-9]+ *┃' | tr -d '┃ '; }
host_state() { box_states "$1" | sed -n "${2}p"; }

# wait_state NAME HOSTNUM STATE [SECONDS]: host 1 (client) or 2 (server) shows STATE.
wait_state() {
	local name=$1 host=$2 st=$3 secs=${4:-15} i=0
	local tries=$((secs * 20))
	while [ $i -lt $tries ]; do
		[ "$(host_state "$name" "$host")" = "$st" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	screen "$name" >"$WORK/$name.screen"
	return 1
}

# quit_and_check NAME KEYS...: quit with the keys (or a signal: "signal TERM") and check the
# terminal came back.  Prints nothing; returns 1 with $why set.
quit_and_check() {
	local name=$1
	shift
	if [ "$1" = signal ]; then
		kill -"$2" "$(cat "$WORK/$name.pid")" 2>/dev/null
	else
		keys "$name" "$@"
	fi
	if ! wait_for "$name" 'STTY-DONE' 15; then
		why="finwave did not exit"
		return 1
	fi
	local st
	st=$(screen "$name" | grep -Eo 'FINWAVE-EXIT=[0-9]+' | head -n 1)
	if [ "$st" != "FINWAVE-EXIT=0" ]; then
		why="exit status: $st"
		return 1
	fi
	local modes
	modes=$(tr '\n' ' ' <"$WORK/$name.stty")
	case " $modes " in
	*" -echo "* | *" -icanon "* | *" -isig "*)
		why="terminal not restored: $modes"
		return 1 ;;
	esac
	case " $modes " in
	*" echo "*) ;;
	*) why="stty -a says no echo: $modes"; return 1 ;;
	esac
	local flags
	flags=$(tm display -p -t "$name" '#{alternate_on} #{cursor_flag}')
	if [ "$flags" != "0 1" ]; then
		why="alternate screen / cursor visible = $flags (want 0 1)"
		return 1
	fi
	return 0
}

finish() { tm kill-session -t "$1" 2>/dev/null; }

# ---- the tests ----------------------------------------------------------------------------

# The four-way close from the keyboard, in a language: both hosts through every state.
t_four_way_close() {
	local name=$1 lang=$2 title=$3
	shift 3
	start "$name" 100 30 "$@" -- --lang "$lang"
	if ! wait_for "$name" "$title" 20 || ! wait_state "$name" 1 ESTABLISHED ||
	   ! wait_state "$name" 2 ESTABLISHED; then
		bad "$name" "free play did not start with an established connection"
		finish "$name"
		return
	fi
	keys "$name" c
	local step
	for step in "1 FIN_WAIT_1" "2 CLOSE_WAIT" "1 FIN_WAIT_2"; do
		if ! wait_state "$name" ${step% *} ${step#* } 10; then
			bad "$name" "after c: host ${step% *} never showed ${step#* }"
			finish "$name"
			return
		fi
	done
	keys "$name" C
	for step in "2 LAST_ACK" "1 TIME_WAIT" "2 CLOSED"; do
		if ! wait_state "$name" ${step% *} ${step#* } 10; then
			bad "$name" "after C: host ${step% *} never showed ${step#* }"
			finish "$name"
			return
		fi
	done
	if ! wait_for "$name" '» (client|server) close' 2; then
		bad "$name" "the log does not show the commands the keys made"
		finish "$name"
		return
	fi
	# TIME_WAIT counts down and ends (fast-forwarded by the follow pace)
	if ! wait_state "$name" 1 CLOSED 20; then
		bad "$name" "TIME_WAIT never ended"
		finish "$name"
		return
	fi
	if ! quit_and_check "$name" q; then
		bad "$name" "$why"
		finish "$name"
		return
	fi
	ok "$name"
	finish "$name"
}

t_drop_first_wave() {
	local name=drop-wave
	start "$name" 100 30 --
	if ! wait_state "$name" 1 ESTABLISHED 20; then
		bad "$name" "no connection"
		finish "$name"
		return
	fi
	keys "$name" 1
	wait_for "$name" '» drop wave 1' 5
	keys "$name" c
	if ! wait_for "$name" '─✗ lost' 10; then
		bad "$name" "no cross where the FIN was lost"
		finish "$name"
		return
	fi
	if ! wait_for "$name" '↻ ?FIN,ACK' 10; then
		bad "$name" "no retransmitted FIN marked ↻"
		finish "$name"
		return
	fi
	if ! wait_state "$name" 2 CLOSE_WAIT 10; then
		bad "$name" "the retransmitted FIN never reached the server"
		finish "$name"
		return
	fi
	quit_and_check "$name" q || { bad "$name" "$why"; finish "$name"; return; }
	ok "$name"
	finish "$name"
}

t_pause_stops_the_clock() {
	local name=pause
	start "$name" 100 30 --
	if ! wait_state "$name" 1 ESTABLISHED 20; then
		bad "$name" "no connection"
		finish "$name"
		return
	fi
	# something pending (a FIN in flight, then timers), so the clock would run
	keys "$name" 1
	keys "$name" c
	wait_state "$name" 1 FIN_WAIT_1 5
	keys "$name" Space
	if ! wait_for "$name" '‖ PAUSED' 5; then
		bad "$name" "no PAUSED mark"
		finish "$name"
		return
	fi
	local a b
	a=$(clock_of "$name")
	sleep 1
	b=$(clock_of "$name")
	if [ -z "$a" ] || [ "$a" != "$b" ]; then
		bad "$name" "the clock moved while paused: '$a' then '$b'"
		finish "$name"
		return
	fi
	# paused and nothing to do: the process sleeps (no wake-ups at all)
	local pid c1 c2
	pid=$(cat "$WORK/$name.pid")
	if [ -r "/proc/$pid/status" ]; then
		sleep 0.3
		c1=$(grep -E '^(non)?voluntary_ctxt_switches' "/proc/$pid/status" | awk '{s+=$2} END {print s}')
		sleep 2
		c2=$(grep -E '^(non)?voluntary_ctxt_switches' "/proc/$pid/status" | awk '{s+=$2} END {print s}')
		if [ "$c1" != "$c2" ]; then
			bad "$name" "finwave woke up while paused ($c1 -> $c2 context switches in 2 s)"
			finish "$name"
			return
		fi
	fi
	keys "$name" Space
	if ! wait_gone "$name" 'PAUSED' 5; then
		bad "$name" "resume did not clear PAUSED"
		finish "$name"
		return
	fi
	local i=0
	b=$(clock_of "$name")
	while [ "$a" = "$b" ] && [ $i -lt 100 ]; do
		sleep 0.05
		b=$(clock_of "$name")
		i=$((i + 1))
	done
	if [ "$a" = "$b" ]; then
		bad "$name" "the clock did not move within 5 s of resuming ('$a')"
		finish "$name"
		return
	fi
	# step: one event at a time, paused
	keys "$name" .
	wait_for "$name" '‖ PAUSED' 5 || { bad "$name" "step did not pause"; finish "$name"; return; }
	quit_and_check "$name" q || { bad "$name" "$why"; finish "$name"; return; }
	ok "$name"
	finish "$name"
}

t_kill_server() {
	local name=kill
	start "$name" 100 30 --
	if ! wait_state "$name" 2 ESTABLISHED 20; then
		bad "$name" "no connection"
		finish "$name"
		return
	fi
	local pid
	pid=$(screen "$name" | grep -Eo 'pid [0-9]+' | sed -n 2p)
	keys "$name" K
	if ! wait_for "$name" "pid ✝[0-9]+ SIGKILL" 10; then
		bad "$name" "the server's pid did not go (was '$pid')"
		finish "$name"
		return
	fi
	if ! wait_for "$name" '◀─+FIN,ACK' 10; then
		bad "$name" "no FIN from the killed server's kernel"
		finish "$name"
		return
	fi
	if ! wait_state "$name" 1 CLOSE_WAIT 10; then
		bad "$name" "the client did not go to CLOSE_WAIT"
		finish "$name"
		return
	fi
	quit_and_check "$name" q || { bad "$name" "$why"; finish "$name"; return; }
	ok "$name"
	finish "$name"
}

t_prompt_completion() {
	local name=prompt
	start "$name" 100 30 --
	if ! wait_state "$name" 1 ESTABLISHED 20; then
		bad "$name" "no connection"
		finish "$name"
		return
	fi
	keys "$name" :
	keys "$name" -l 'cli'
	keys "$name" Tab
	if ! wait_for "$name" '^: client ?$' 5; then
		bad "$name" "Tab did not complete 'cli' to 'client '"
		finish "$name"
		return
	fi
	keys "$name" -l 'clo'
	keys "$name" Tab
	if ! wait_for "$name" '^: client close ?$' 5; then
		bad "$name" "Tab did not complete 'clo' to 'close '"
		finish "$name"
		return
	fi
	keys "$name" Enter
	if ! wait_for "$name" '» client close' 5 || ! wait_state "$name" 2 CLOSE_WAIT 10; then
		bad "$name" "the typed command did not run"
		finish "$name"
		return
	fi
	# an error is shown inline and the line stays for fixing
	keys "$name" :
	keys "$name" -l 'server clise'
	keys "$name" Enter
	if ! wait_for "$name" "✗ error: found 'clise'" 5 || ! wait_for "$name" '^: server clise' 2; then
		bad "$name" "a syntax error was not shown inline with the line kept"
		finish "$name"
		return
	fi
	keys "$name" Escape
	wait_gone "$name" '^: server' 5
	# history survives a restart of finwave
	quit_and_check "$name" q || { bad "$name" "$why"; finish "$name"; return; }
	if ! grep -Eq '^client close ?$' "$WORK/home/$name/state/finwave/history" 2>/dev/null; then
		bad "$name" "the prompt history was not saved under XDG_STATE_HOME"
		finish "$name"
		return
	fi
	ok "$name"
	finish "$name"
}

t_resize() {
	local name=resize
	start "$name" 100 30 --
	if ! wait_state "$name" 1 ESTABLISHED 20; then
		bad "$name" "no connection"
		finish "$name"
		return
	fi
	tm resize-window -t "$name" -x 60 -y 15
	if ! wait_for "$name" 'at least 80x24' 5; then
		bad "$name" "no notice at 60x15"
		finish "$name"
		return
	fi
	# a storm of sizes, then back
	local s
	for s in 80x24 70x20 120x40 90x25 61x16 100x30; do
		tm resize-window -t "$name" -x "${s%x*}" -y "${s#*x}"
	done
	if ! wait_state "$name" 1 ESTABLISHED 5 || ! wait_gone "$name" 'at least 80x24' 5; then
		bad "$name" "the screen did not come back at 100x30"
		finish "$name"
		return
	fi
	tm resize-window -t "$name" -x 80 -y 24
	if ! wait_state "$name" 2 ESTABLISHED 5; then
		bad "$name" "the screen does not work at 80x24"
		finish "$name"
		return
	fi
	quit_and_check "$name" q || { bad "$name" "$why"; finish "$name"; return; }
	ok "$name"
	finish "$name"
}

t_views() {
	local name=views
	start "$name" 100 30 --
	if ! wait_state "$name" 1 ESTABLISHED 20; then
		bad "$name" "no connection"
		finish "$name"
		return
	fi
	keys "$name" c
	wait_state "$name" 2 CLOSE_WAIT 10
	keys "$name" t
	if ! wait_for "$name" 'RFC 9293' 5 || ! wait_for "$name" 'CLOSE_WAIT◂S' 5 ||
	   ! wait_for "$name" 'ESTABLISHED → CLOSE_WAIT' 5; then
		bad "$name" "the state diagram does not mark the server's state and transition"
		finish "$name"
		return
	fi
	keys "$name" t
	keys "$name" '?'
	if ! wait_for "$name" 'finwave keys' 5 || ! wait_for "$name" 'drop wave N' 5; then
		bad "$name" "no help overlay"
		finish "$name"
		return
	fi
	keys "$name" x
	wait_gone "$name" 'finwave keys' 5
	keys "$name" p
	if ! wait_for "$name" '┏━ client' 5; then
		bad "$name" "no presentation layout"
		finish "$name"
		return
	fi
	keys "$name" p
	wait_for "$name" '── events' 5 || { bad "$name" "presentation did not toggle back"; finish "$name"; return; }
	keys "$name" r
	if ! wait_state "$name" 1 ESTABLISHED 10 || ! wait_for "$name" 'restarted' 5; then
		bad "$name" "restart did not bring the connection back"
		finish "$name"
		return
	fi
	quit_and_check "$name" C-c || { bad "$name" "$why (Ctrl-C)"; finish "$name"; return; }
	ok "$name"
	finish "$name"
}

t_present_flag() {
	local name=present
	start "$name" 120 36 -- --present
	if ! wait_for "$name" '┏━ client' 20 || ! wait_for "$name" '┏━ server' 5; then
		bad "$name" "--present did not start in the presentation layout"
		finish "$name"
		return
	fi
	quit_and_check "$name" signal TERM || { bad "$name" "$why (SIGTERM)"; finish "$name"; return; }
	ok "$name"
	finish "$name"
}

t_hangup() {
	local name=hangup
	start "$name" 100 30 --
	wait_state "$name" 1 ESTABLISHED 20
	quit_and_check "$name" signal HUP || { bad "$name" "$why (SIGHUP)"; finish "$name"; return; }
	ok "$name"
	finish "$name"
}

# Colour: 256 colours under tmux-256color, 8 under screen, none with NO_COLOR / --no-color,
# and the marks that carry meaning are there either way.
t_colors() {
	local name=$1 want=$2
	shift 2
	start "$name" 100 30 "$@"
	if ! wait_state "$name" 1 ESTABLISHED 20; then
		bad "$name" "no connection"
		finish "$name"
		return
	fi
	keys "$name" Space
	wait_for "$name" '‖ PAUSED' 5 || { bad "$name" "no PAUSED mark"; finish "$name"; return; }
	local esc
	esc=$(tm capture-pane -e -p -t "$name")
	case $want in
	256)
		grep -q $'\e\\[[0-9;]*38;5;' <<<"$esc" || { bad "$name" "no 256-colour output"; finish "$name"; return; } ;;
	8)
		grep -q $'\e\\[[0-9;]*3[0-7][;m]' <<<"$esc" || { bad "$name" "no 8-colour output"; finish "$name"; return; }
		grep -q $'38;5;' <<<"$esc" && { bad "$name" "256-colour output on an 8-colour terminal"; finish "$name"; return; } ;;
	0)
		if grep -Eq $'\e\\[[0-9;]*(3[0-7]|4[0-7]|38;5|48;5)[;m]' <<<"$esc"; then
			bad "$name" "colour on screen although colour is off"
			finish "$name"
			return
		fi ;;
	esac
	quit_and_check "$name" q || { bad "$name" "$why"; finish "$name"; return; }
	ok "$name"
	finish "$name"
}

# ---- the home screen and the lessons -----------------------------------------------------

# The home screen lists the 14 lessons with their titles in the language, then free play.
t_home() {
	local name=$1 lang=$2 first=$3 last=$4 free=$5
	shift 5
	SUB= start "$name" 80 24 "$@" -- --lang "$lang"
	if ! wait_for "$name" "01  $first" 20 || ! wait_for "$name" "14  $last" 5 ||
	   ! wait_for "$name" "$free" 5; then
		bad "$name" "the home screen does not list the lessons 01 to 14 and free play"
		finish "$name"
		return
	fi
	local n
	n=$(screen "$name" | grep -Ec '^ +(▶)? +[0-9]{2}  ')
	if [ "$n" != 14 ]; then
		bad "$name" "the home screen lists $n lessons, not 14"
		finish "$name"
		return
	fi
	# the language switches on the spot
	keys "$name" L
	if [ "$lang" = en ]; then
		wait_for "$name" '01  四次挥手' 5 || { bad "$name" "L did not switch to Chinese"; finish "$name"; return; }
	else
		wait_for "$name" '01  The four-way close' 5 || { bad "$name" "L did not switch to English"; finish "$name"; return; }
	fi
	quit_and_check "$name" q || { bad "$name" "$why"; finish "$name"; return; }
	ok "$name"
	finish "$name"
}

# lesson_fail NAME WHY: report, keep the screen, end the pane.
lesson_fail() {
	screen "$1" >"$WORK/$1.screen"
	bad "$1" "$2"
	finish "$1"
}

# Lesson 1 played from the keyboard: next, a question answered wrong then right, previous,
# take over (a command at the prompt), back, on to the end; then its mark on the home screen.
t_lesson_01() {
	local name=lesson01
	SUB=lesson start "$name" 100 30 -- --lang en 1
	wait_for "$name" 'step 1/6' 20 && wait_for "$name" 'Two hosts, one connection' 5 &&
		wait_state "$name" 1 ESTABLISHED 10 && wait_state "$name" 2 ESTABLISHED 10 &&
		wait_for "$name" 'step done' 10 ||
		{ lesson_fail "$name" "step 1 did not play to an established connection"; return; }
	keys "$name" Right
	wait_for "$name" 'step 2/6' 5 && wait_for "$name" '\? The FIN is on its way' 10 &&
		wait_for "$name" 'press 1-4 to answer' 5 ||
		{ lesson_fail "$name" "step 2 did not ask its question"; return; }
	keys "$name" 1
	wait_for "$name" '✗ 1 is not right\. Try again' 5 ||
		{ lesson_fail "$name" "a wrong answer was not said to be wrong"; return; }
	wait_state "$name" 1 FIN_WAIT_1 2 ||
		{ lesson_fail "$name" "the lesson did not hold at the question"; return; }
	keys "$name" 2
	wait_for "$name" '✓ Right\.' 5 && wait_for "$name" 'A FIN received in ESTABLISHED moves the server' 5 ||
		{ lesson_fail "$name" "the right answer did not show the explanation"; return; }
	wait_state "$name" 2 CLOSE_WAIT 10 && wait_for "$name" 'step done' 10 ||
		{ lesson_fail "$name" "the step did not play on after the answer"; return; }
	keys "$name" Right
	wait_for "$name" 'step 3/6' 5 && wait_state "$name" 1 FIN_WAIT_2 10 &&
		wait_for "$name" 'step done' 10 ||
		{ lesson_fail "$name" "step 3 did not bring the client to FIN_WAIT_2"; return; }
	# previous: replayed to the start of step 2, which asks again
	keys "$name" Left
	wait_for "$name" 'step 2/6' 10 && wait_for "$name" '\? The FIN is on its way' 10 &&
		wait_state "$name" 1 FIN_WAIT_1 5 && wait_state "$name" 2 ESTABLISHED 5 ||
		{ lesson_fail "$name" "previous did not replay step 2"; return; }
	keys "$name" 2
	wait_for "$name" 'step done' 10 || { lesson_fail "$name" "step 2 did not end again"; return; }
	# take over: free play on the lesson's world, a command at the prompt
	keys "$name" t
	wait_for "$name" 'You have taken over' 5 || { lesson_fail "$name" "t did not take over"; return; }
	keys "$name" :
	keys "$name" -l 'server close'
	keys "$name" Enter
	wait_for "$name" '» server close' 5 && wait_state "$name" 1 TIME_WAIT 10 &&
		wait_state "$name" 2 CLOSED 10 ||
		{ lesson_fail "$name" "the prompt did not act on the lesson's world"; return; }
	# back to the lesson, at the start of the step left
	keys "$name" Escape
	wait_for "$name" 'step 2/6' 10 && wait_for "$name" '\? The FIN is on its way' 10 &&
		wait_state "$name" 2 ESTABLISHED 5 ||
		{ lesson_fail "$name" "Esc did not go back to step 2"; return; }
	keys "$name" 2
	wait_for "$name" 'step done' 10 || { lesson_fail "$name" "step 2 did not end"; return; }
	keys "$name" Right
	wait_for "$name" 'step 3/6' 5 && wait_for "$name" 'step done' 10 ||
		{ lesson_fail "$name" "step 3 did not end"; return; }
	keys "$name" Right
	wait_for "$name" 'step 4/6' 5 && wait_for "$name" 'The client is in FIN_WAIT_2 and receives' 10 ||
		{ lesson_fail "$name" "step 4 did not ask"; return; }
	wait_state "$name" 2 LAST_ACK 5 || { lesson_fail "$name" "the server is not in LAST_ACK"; return; }
	keys "$name" 2
	wait_state "$name" 1 TIME_WAIT 10 && wait_for "$name" 'step done' 10 ||
		{ lesson_fail "$name" "step 4 did not bring the client to TIME_WAIT"; return; }
	keys "$name" Right
	wait_for "$name" 'step 5/6' 5 && wait_for "$name" 'Which side waits in TIME_WAIT' 10 ||
		{ lesson_fail "$name" "step 5 did not ask"; return; }
	wait_state "$name" 2 CLOSED 2 || { lesson_fail "$name" "the server is not CLOSED"; return; }
	keys "$name" 0
	wait_for "$name" 'The answer is 2\.' 5 && wait_for "$name" 'step done' 10 ||
		{ lesson_fail "$name" "0 did not reveal the answer"; return; }
	keys "$name" Enter
	wait_for "$name" 'step 6/6' 5 && wait_for "$name" 'the lesson is over' 20 &&
		wait_state "$name" 1 CLOSED 2 ||
		{ lesson_fail "$name" "the last step did not end with the client CLOSED"; return; }
	# home: the lesson is marked finished
	keys "$name" q
	wait_for "$name" '✓ 01  The four-way close +finished' 10 ||
		{ lesson_fail "$name" "no finished mark on the home screen"; return; }
	quit_and_check "$name" q || { bad "$name" "$why"; finish "$name"; return; }
	ok "$name"
	finish "$name"
	# and it is still there in a new run
	SUB= HOMEOF=lesson01 start home-after 80 24 -- --lang en
	wait_for home-after '✓ 01  The four-way close +finished' 20 &&
		wait_for home-after '^ +  02  Why four and not three *$' 5 ||
		{ lesson_fail home-after "the progress mark was not kept"; return; }
	quit_and_check home-after q || { bad home-after "$why"; finish home-after; return; }
	ok home-after
	finish home-after
}

# Lesson 9: the crowd is counted, not drawn.
t_lesson_09() {
	local name=lesson09
	SUB=lesson start "$name" 100 30 -- --lang en 09-port-exhaustion
	wait_for "$name" 'On the client' 20 || { lesson_fail "$name" "lesson 9 did not ask"; return; }
	keys "$name" 2
	wait_for "$name" '\+ [0-9,]+ crowd segments' 10 && wait_for "$name" 'ports to :80' 5 &&
		wait_for "$name" 'TIME_WAIT +1,000' 15 && wait_for "$name" 'used +1,000' 5 ||
		{ lesson_fail "$name" "no crowd counts"; return; }
	if screen "$name" | grep -Eq 'SYN seq=0'; then
		lesson_fail "$name" "crowd segments were drawn one by one"
		return
	fi
	quit_and_check "$name" q q || { bad "$name" "$why"; finish "$name"; return; }
	ok "$name"
	finish "$name"
}

# One step with a question, in Chinese and without colour.
t_lesson_zh_nocolor() {
	local name=lesson-zh-nocolor
	SUB=lesson start "$name" 80 24 NO_COLOR=1 -- --lang zh 1
	wait_for "$name" '第 1 课: 四次挥手' 20 && wait_for "$name" '第 1/6 步' 5 &&
		wait_for "$name" '本步结束' 10 ||
		{ lesson_fail "$name" "the lesson did not start in Chinese"; return; }
	keys "$name" Right
	wait_for "$name" 'FIN 正在路上' 10 || { lesson_fail "$name" "no question in Chinese"; return; }
	keys "$name" 3
	wait_for "$name" '3 不对' 5 || { lesson_fail "$name" "no feedback in Chinese"; return; }
	keys "$name" 2
	wait_for "$name" '✓ 答对了' 5 || { lesson_fail "$name" "no right answer in Chinese"; return; }
	if tm capture-pane -e -p -t "$name" | grep -Eq $'\e\\[[0-9;]*(3[0-7]|4[0-7]|38;5|48;5)[;m]'; then
		lesson_fail "$name" "colour on screen although NO_COLOR is set"
		return
	fi
	# L: the same step in English
	keys "$name" L
	wait_for "$name" 'lesson 1: The four-way close' 10 && wait_for "$name" 'step 2/6' 5 ||
		{ lesson_fail "$name" "L did not reload the lesson in English at the same step"; return; }
	quit_and_check "$name" q q || { bad "$name" "$why"; finish "$name"; return; }
	ok "$name"
	finish "$name"
}

# "Linux says": the real kernel plays the same commands; after the client's close and the
# server's, the kernel's client is in TIME_WAIT too.  Needs private namespaces (root here).
t_linux_says() {
	local name=linux-says
	if [ "$(id -u)" != 0 ]; then
		echo "skip $name: needs root for the kernel's private namespaces"
		return
	fi
	start "$name" 100 30 -- --kernel
	if ! wait_for "$name" '─Linux' 20 || ! wait_state "$name" 2 ESTABLISHED 20; then
		bad "$name" "no Linux line or no connection"
		finish "$name"
		return
	fi
	keys "$name" c
	if ! wait_for "$name" '│FIN_WAIT_2 [0-9.]+s' 10; then
		bad "$name" "the kernel's client did not reach FIN_WAIT_2"
		finish "$name"
		return
	fi
	keys "$name" C
	if ! wait_for "$name" '│TIME_WAIT [0-9.]+s' 10; then
		bad "$name" "the kernel's client did not reach TIME_WAIT"
		finish "$name"
		return
	fi
	quit_and_check "$name" q || { bad "$name" "$why"; finish "$name"; return; }
	ok "$name"
	finish "$name"
}

t_four_way_close close-en en 'free play'
t_four_way_close close-zh zh '自由练习'
t_four_way_close close-nocolor en 'free play' NO_COLOR=1
t_drop_first_wave
t_pause_stops_the_clock
t_kill_server
t_prompt_completion
t_resize
t_views
t_present_flag
t_hangup
t_colors color-256 256 --
t_colors color-8 8 TERM=screen --
t_colors color-none 0 NO_COLOR=1 --
t_colors color-flag 0 -- --no-color
t_home home-en en 'The four-way close' 'A server process is killed' 'Free play'
t_home home-zh zh '四次挥手' '服务器进程被杀' '自由练习'
t_lesson_01
t_lesson_09
t_lesson_zh_nocolor
t_linux_says

# The same close under AddressSanitizer and UBSan when that build is there (`make test`
# builds it): a leak or undefined behaviour makes finwave's exit status non-zero.
if [ -n "$FINWAVE_SAN" ]; then
	case "$FINWAVE_SAN" in /*) ;; *) FINWAVE_SAN="$ROOT/$FINWAVE_SAN" ;; esac
	if [ -x "$FINWAVE_SAN" ]; then
		FINWAVE=$FINWAVE_SAN
		t_four_way_close close-san en 'free play'
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

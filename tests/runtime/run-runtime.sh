#!/usr/bin/env bash
# tests/runtime/run-runtime.sh: the libuv runtime with a real finwave binary, real sockets
# and real child processes.
#
#   wire        every scenario: datagrams that crossed loopback = SEND - DROP (on the wire)
#               + duplicates, by the wire's own count and, where tcpdump may capture on lo,
#               by the kernel's
#   determinism every scenario 5 times with all CPUs busy (yes > /dev/null): byte-identical
#               traces (pids aside), and identical to the pure model's (--wire memory)
#   kill        a host's process killed from outside with kill -9 (its pid from the trace's
#               proc start event): the kernel's FIN, or an RST when data was unread
#   foreign     10,000 foreign and malformed datagrams sprayed at both wire sockets during a
#               scenario: the trace differs from a clean run by foreign events only
#   leftovers   no child process survives a run, nor finwave itself being SIGKILLed
#   leaks       valgrind --leak-check=full on full scenarios (normal build), and the
#               AddressSanitizer build with detect_leaks=1
#
# FINWAVE (default ./finwave) and FINWAVE_SAN (default build-san/finwave) name the binaries.
# Output: "ok NAME" or "FAIL NAME: why" per test, "skip NAME: why" where the machine cannot
# do it, and last the line "N passed, N failed".

cd "$(dirname "$0")/../.." || exit 2
exec </dev/null

FINWAVE=${FINWAVE:-./finwave}
FINWAVE_SAN=${FINWAVE_SAN:-build-san/finwave}
HERE=tests/runtime
WORK=$(mktemp -d "${TMPDIR:-/tmp}/finwave-runtime.XXXXXX") || exit 2
HOGS=()
BG=()

cleanup() {
	local p
	for p in "${HOGS[@]}" "${BG[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

passed=0
failed=0
ok() {
	echo "ok   $1"
	passed=$((passed + 1))
}
bad() {
	echo "FAIL $1: $2"
	failed=$((failed + 1))
}
skip() { echo "skip $1: $2"; }

# JSON lines with the pids blanked: the one thing allowed to differ between runs.
nopid() { sed -E 's/"pid":[0-9]+/"pid":0/g' "$1"; }
# The pids of the host processes a trace started.
trace_pids() { grep '"action":"start"' "$1" | sed -E 's/.*"pid":([0-9]+).*/\1/'; }
count() { grep -c -- "$1" "$2"; }

# A pid is dead when it is gone or a zombie waiting for whoever adopted it.
dead() {
	local st
	[ -e "/proc/$1" ] || return 0
	st=$(sed -E 's/^[0-9]+ \(.*\) (.) .*/\1/' "/proc/$1/stat" 2>/dev/null) || return 0
	[ "$st" = Z ]
}

if [ ! -x "$FINWAVE" ]; then
	bad "runtime" "$FINWAVE is missing (build it first)"
	echo "$passed passed, $failed failed"
	exit 1
fi

# ---- wire: one datagram per segment that is not dropped ----------------------------------------
# Dropped by a fault rule: never leaves the host.  "host down": crossed, then thrown away by a
# crashed receiver.  A duplicate crosses twice.
for f in tests/scenarios/*.fw; do
	[ -e "$f" ] || continue
	n=$(basename "$f" .fw)
	FINWAVE_WIRE_STATS=1 timeout 120 "$FINWAVE" run "$f" --trace jsonl >"$WORK/$n.jsonl" 2>"$WORK/$n.err"
	rc=$?
	line=$(grep '^wire: ' "$WORK/$n.err")
	if [ -z "$line" ]; then
		bad "wire $n" "exit status $rc and no 'wire:' line on stderr: does 'finwave run' drive the real wire (rt_drive)? $(head -n 1 "$WORK/$n.err")"
		continue
	fi
	if [ "$rc" -ne 0 ]; then
		bad "wire $n" "exit status $rc: $(grep -v '^wire' "$WORK/$n.err" | head -n 1)"
		continue
	fi
	set -- $line
	sent=${8} received=${10} resent=${12} waiting=${20}
	sends=$(count '"ev":"send"' "$WORK/$n.jsonl")
	drops=$(grep '"ev":"drop"' "$WORK/$n.jsonl" | grep -vc '"why":"host down"')
	dups=$(grep '"ev":"fault"' "$WORK/$n.jsonl" | grep -c '"why":"duplicate')
	want=$((sends - drops + dups))
	# every datagram arrived, but those still in the air when the script ended
	if [ "$sent" -eq "$want" ] && [ $((received + waiting)) -eq "$sent" ]; then
		ok "wire $n: $sent datagrams = $sends sent - $drops dropped + $dups duplicated"
	else
		bad "wire $n" "wire sent $sent, received $received (+$waiting in the air); trace: $sends sent - $drops dropped + $dups duplicated = $want"
	fi
	echo "$n $line" >>"$WORK/wire-lines"
done

# The kernel's count: capture finwave's datagrams on lo and count those with the run's token.
if command -v tcpdump >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	# One capture per scenario.  On a loaded machine (the other suites run beside this one)
	# a capture can start late or lose packets in the kernel's buffer, which is the
	# capture's failure, not the wire's: such a run is tried again, up to three times.
	capture_once() {
		local n=$1
		rm -f "$WORK/lo.pcap"
		tcpdump -i lo --immediate-mode -U -n -B 8192 -w "$WORK/lo.pcap" 'udp and udp[8:4] = 0x46575631' \
			2>"$WORK/tcpdump.err" &
		local tcpd=$!
		for _ in $(seq 200); do
			grep -q 'listening on' "$WORK/tcpdump.err" && break
			sleep 0.05
		done
		FINWAVE_WIRE_STATS=1 "$FINWAVE" run "tests/scenarios/$n.fw" --trace jsonl \
			>"$WORK/cap-$n.jsonl" 2>"$WORK/cap-$n.err"
		sleep 0.5
		kill -INT "$tcpd" 2>/dev/null
		wait "$tcpd" 2>/dev/null
		set -- $(grep '^wire: ' "$WORK/cap-$n.err" | tail -n 1)
		token=$3 sent=$8 resent=${12}
		seen=$(python3 "$HERE/fwtool.py" pcapcount "$WORK/lo.pcap" "$token")
		[ -n "$token" ] && [ "$seen" -eq $((sent + resent)) ]
	}
	for n in normal-close wave1-lost wave4-lost time-wait-reack; do
		[ -e "tests/scenarios/$n.fw" ] || continue
		okay=no
		for _ in 1 2 3; do
			if capture_once "$n"; then
				okay=yes
				break
			fi
		done
		if [ "$okay" = yes ]; then
			ok "wire $n on lo: tcpdump saw $seen datagrams of the run, the wire sent $sent (+$resent again)"
		else
			bad "wire $n on lo" "tcpdump saw ${seen:-?} datagrams with token ${token:-?}, the wire sent ${sent:-?} (+${resent:-?}), three times"
		fi
	done
else
	skip "wire on lo" "needs root, tcpdump and python3 to capture on lo"
fi

# ---- determinism under load -------------------------------------------------------------------
wire_memory=no
"$FINWAVE" --help 2>/dev/null | grep -q -- '--wire' && wire_memory=yes
for _ in $(seq "$(nproc 2>/dev/null || echo 2)"); do
	yes >/dev/null &
	HOGS+=("$!")
done
for f in tests/scenarios/*.fw; do
	[ -e "$f" ] || continue
	n=$(basename "$f" .fw)
	nopid "$WORK/$n.jsonl" >"$WORK/$n.ref" 2>/dev/null || continue
	same=yes why=""
	for i in 1 2 3 4 5; do
		timeout 120 "$FINWAVE" run "$f" --trace jsonl >"$WORK/$n.again" 2>/dev/null
		if ! nopid "$WORK/$n.again" | cmp -s - "$WORK/$n.ref"; then
			same=no
			why="run $i differs: $(nopid "$WORK/$n.again" | cmp - "$WORK/$n.ref" 2>&1 | head -n 1)"
			break
		fi
	done
	if [ "$same" = yes ] && [ "$wire_memory" = yes ]; then
		timeout 120 "$FINWAVE" run "$f" --trace jsonl --wire memory >"$WORK/$n.mem" 2>/dev/null
		if ! nopid "$WORK/$n.mem" | cmp -s - "$WORK/$n.ref"; then
			same=no
			why="differs from the pure model (--wire memory): $(nopid "$WORK/$n.mem" | cmp - "$WORK/$n.ref" 2>&1 | head -n 1)"
		fi
	fi
	if [ "$same" = yes ]; then
		ok "determinism $n: 5 busy runs identical$([ "$wire_memory" = yes ] && echo ', and to --wire memory')"
	else
		bad "determinism $n" "$why"
	fi
done
for p in "${HOGS[@]}"; do
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
done
HOGS=()
[ "$wire_memory" = yes ] || skip "determinism against --wire memory" "$FINWAVE has no --wire option"

# ---- kill from outside, foreign spray, leftovers ------------------------------------------------
# run_outside SCRIPT NAME [spray] [sigkill-finwave]: run SCRIPT in the background with an
# outside wait, wait until it sits in that wait with both host processes ready, optionally
# spray 10,000 foreign datagrams at both wire sockets, then kill -9 the server's process (or
# finwave itself).  Leaves NAME.jsonl, NAME.err, NAME.rc and NAME.pids (client, server).
run_outside() {
	local script=$1 name=$2 spray=$3 victim=$4 fw spid cpid i
	FINWAVE_OUTSIDE_WAIT_MS=30000 FINWAVE_WIRE_STATS=1 \
		"$FINWAVE" run "$script" --trace jsonl >"$WORK/$name.jsonl" 2>"$WORK/$name.err" &
	fw=$!
	BG+=("$fw")
	spid="" cpid=""
	for i in $(seq 400); do
		spid=$(pgrep -P "$fw" -f -- '--app-child server' | head -n 1)
		cpid=$(pgrep -P "$fw" -f -- '--app-child client' | head -n 1)
		# ready: both children named themselves (PR_SET_PDEATHSIG armed), finwave waits
		if [ -n "$spid" ] && [ -n "$cpid" ] &&
		   grep -q '^fw-server' "/proc/$spid/comm" 2>/dev/null &&
		   grep -q '^fw-client' "/proc/$cpid/comm" 2>/dev/null &&
		   grep -q 'epoll' "/proc/$fw/wchan" 2>/dev/null; then
			break
		fi
		sleep 0.025
	done
	echo "$cpid $spid" >"$WORK/$name.pids"
	sleep 0.2
	if [ "$spray" = spray ]; then
		local ports
		ports=$(ss -uanpH 2>/dev/null | grep "pid=$fw," | grep -o '127\.0\.0\.1:[0-9]*' | cut -d: -f2)
		if [ -z "$ports" ]; then
			echo "no wire sockets found with ss" >"$WORK/$name.spray"
		else
			python3 "$HERE/fwtool.py" spray 10000 $ports >"$WORK/$name.spray"
			sleep 0.5
		fi
	fi
	if [ "$victim" = finwave ]; then
		kill -9 "$fw"
	else
		kill -9 "$spid"
	fi
	{ wait "$fw"; } 2>/dev/null
	echo $? >"$WORK/$name.rc"
}

# Checks that a run ended well and left no process behind.
outside_checks() {
	local name=$1 test=$2 rc pid
	rc=$(cat "$WORK/$name.rc")
	if [ "$rc" -ne 0 ]; then
		bad "$test" "exit status $rc: $(grep -v '^wire' "$WORK/$name.err" | head -n 2 | tr '\n' ' ')"
		return 1
	fi
	for pid in $(trace_pids "$WORK/$name.jsonl"); do
		if [ -e "/proc/$pid" ]; then
			bad "$test" "process $pid is still there after finwave ended"
			return 1
		fi
	done
	return 0
}

if ! command -v pgrep >/dev/null 2>&1; then
	skip "kill, foreign, leftovers" "needs pgrep"
else
	run_outside "$HERE/outside-kill.fw" kill-fin
	if outside_checks kill-fin "kill -9 from outside: FIN"; then
		read -r _ spid <"$WORK/kill-fin.pids"
		tpid=$(grep '"host":"server"' "$WORK/kill-fin.jsonl" | grep '"action":"start"' | sed -E 's/.*"pid":([0-9]+).*/\1/')
		if [ "$tpid" != "$spid" ]; then
			bad "kill -9 from outside: FIN" "killed pid $spid, the trace started server pid $tpid"
		elif grep -q "\"ev\":\"proc\",\"host\":\"server\",\"pid\":$spid,\"action\":\"exit\",\"signal\":9" "$WORK/kill-fin.jsonl" &&
		     grep -q '"ev":"send","host":"server","conn":1,"flags":\["FIN","ACK"\]' "$WORK/kill-fin.jsonl" &&
		     ! grep -q '"RST"' "$WORK/kill-fin.jsonl"; then
			ok "kill -9 from outside: the kernel's FIN for pid $spid"
		else
			bad "kill -9 from outside: FIN" "no exit by signal 9 followed by the server's FIN"
		fi
	fi

	run_outside "$HERE/outside-kill-unread.fw" kill-rst
	if outside_checks kill-rst "kill -9 from outside with unread data: RST"; then
		if grep -q '"ev":"proc","host":"server","pid":[0-9]*,"action":"exit","signal":9' "$WORK/kill-rst.jsonl" &&
		   grep -q '"ev":"send","host":"server","conn":1,"flags":\["RST"' "$WORK/kill-rst.jsonl" &&
		   grep -q '"ev":"error","host":"client","conn":1,"error":"ECONNRESET"' "$WORK/kill-rst.jsonl"; then
			ok "kill -9 from outside with unread data: the kernel's RST, ECONNRESET"
		else
			bad "kill -9 from outside with unread data: RST" "no RST from the server after its exit"
		fi
	fi

	# the same outside kill twice more: once clean, once under a spray of foreign datagrams
	run_outside "$HERE/outside-kill.fw" clean
	if outside_checks clean "outside kill is deterministic" &&
	   ! nopid "$WORK/clean.jsonl" | cmp -s - <(nopid "$WORK/kill-fin.jsonl"); then
		bad "outside kill is deterministic" "two runs differ: $(nopid "$WORK/clean.jsonl" | cmp - <(nopid "$WORK/kill-fin.jsonl") 2>&1 | head -n 1)"
	elif [ -s "$WORK/clean.jsonl" ]; then
		ok "outside kill is deterministic: two runs identical"
	fi
	if command -v ss >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
		run_outside "$HERE/outside-kill.fw" sprayed spray
		if outside_checks sprayed "10,000 foreign datagrams change nothing"; then
			nf=$(count '"ev":"foreign"' "$WORK/sprayed.jsonl")
			grep -v '"ev":"foreign"' "$WORK/sprayed.jsonl" >"$WORK/sprayed.rest"
			if [ "$(cat "$WORK/sprayed.spray")" != 10000 ]; then
				bad "10,000 foreign datagrams change nothing" "spray: $(cat "$WORK/sprayed.spray")"
			elif [ "$nf" -eq 0 ]; then
				bad "10,000 foreign datagrams change nothing" "no foreign event in the trace"
			elif nopid "$WORK/sprayed.rest" | cmp -s - <(nopid "$WORK/clean.jsonl"); then
				ok "10,000 foreign datagrams change nothing: $nf foreign events, the rest identical to a clean run"
			else
				bad "10,000 foreign datagrams change nothing" "$(nopid "$WORK/sprayed.rest" | cmp - <(nopid "$WORK/clean.jsonl") 2>&1 | head -n 1)"
			fi
		fi
	else
		skip "10,000 foreign datagrams change nothing" "needs ss and python3"
	fi

	# finwave itself SIGKILLed in the middle of a scenario: its children must die too
	run_outside "$HERE/outside-kill.fw" fwkilled "" finwave
	read -r cpid spid <"$WORK/fwkilled.pids"
	if [ -z "$cpid" ] || [ -z "$spid" ]; then
		bad "children die with a SIGKILLed finwave" "the host processes never appeared"
	else
		for _ in $(seq 100); do
			dead "$cpid" && dead "$spid" && break
			sleep 0.02
		done
		if dead "$cpid" && dead "$spid"; then
			ok "children die with a SIGKILLed finwave: pids $cpid and $spid gone"
		else
			bad "children die with a SIGKILLed finwave" "pids $cpid $spid still alive"
			kill -9 "$cpid" "$spid" 2>/dev/null
		fi
	fi

	# no host process left behind by any run above
	left=""
	for j in "$WORK"/*.jsonl; do
		for pid in $(trace_pids "$j"); do
			[ -e "/proc/$pid" ] && grep -q -- '--app-child' "/proc/$pid/cmdline" 2>/dev/null && ! dead "$pid" && left="$left $pid"
		done
	done
	if [ -z "$left" ]; then
		ok "no host process left behind by any run"
	else
		bad "no host process left behind by any run" "still running:$left"
	fi
fi

# ---- leaks ----------------------------------------------------------------------------------------
leak_scenarios=(normal-close kill-process crash-keepalive wave2-lost)
if command -v valgrind >/dev/null 2>&1 && ! grep -q -a __asan_init "$FINWAVE"; then
	for n in "${leak_scenarios[@]}"; do
		[ -e "tests/scenarios/$n.fw" ] || continue
		valgrind -q --leak-check=full --error-exitcode=99 --errors-for-leak-kinds=definite,indirect,possible \
			"$FINWAVE" run "tests/scenarios/$n.fw" --trace jsonl >/dev/null 2>"$WORK/vg-$n.err"
		rc=$?
		if [ "$rc" -eq 0 ]; then
			ok "valgrind $n: no leak, no error (real wire, real processes)"
		else
			bad "valgrind $n" "exit status $rc: $(grep -m1 -E 'definitely|indirectly|possibly|Invalid|uninitialised|finwave' "$WORK/vg-$n.err")"
		fi
	done
else
	skip "valgrind" "valgrind missing or $FINWAVE is a sanitizer build"
fi
if [ -x "$FINWAVE_SAN" ]; then
	for n in "${leak_scenarios[@]}"; do
		[ -e "tests/scenarios/$n.fw" ] || continue
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 \
			"$FINWAVE_SAN" run "tests/scenarios/$n.fw" --trace jsonl >/dev/null 2>"$WORK/san-$n.err"
		rc=$?
		if [ "$rc" -eq 0 ] && ! grep -q -E 'Sanitizer|runtime error' "$WORK/san-$n.err"; then
			ok "sanitizers $n: no leak, no error (real wire, real processes)"
		else
			bad "sanitizers $n" "exit status $rc: $(grep -m1 -E 'Sanitizer|runtime error|finwave' "$WORK/san-$n.err")"
		fi
	done
else
	skip "sanitizers" "$FINWAVE_SAN is missing"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# tests/kernel/run-kernel.sh: the kernel cross-check.
#
# Every scenario test tests/scenarios/*.fw runs twice, in the model and on the real Linux
# kernel (`finwave run --compare FILE`), and passes when the two agree: the same states in
# the same order on both hosts, retransmission gaps, TIME_WAIT and FIN_WAIT_2 lengths
# within the tolerances the comparison prints, and every expectation holding in both runs.
# The kernel's time is real, so:
#   - scenarios whose waits alone need more than $FINWAVE_KERNEL_BUDGET seconds of real
#     time (default 200) are skipped, with that reason;
#   - the rest run in parallel, longest first, $KERNEL_JOBS at a time (default 4: enough
#     to finish in about two minutes, few enough that the relay's timing stays honest on a
#     two-CPU machine);
#   - where no private network namespace can be made (not root and no unprivileged user
#     namespaces), finwave says so and the scenarios needing one are skipped, not failed.
# Then a few checks of the kernel check itself: `finwave kernel` prints the model's JSON
# lines; without namespaces it still plays what it can and skips the rest with a reason;
# an unprivileged user gets the same lab through a user namespace; no application process
# outlives finwave.
#
# Output: "ok NAME", "FAIL NAME: why", "SKIP NAME: why"; the last line "N passed, N failed"
# (skips are neither).  Needs no terminal.  The binary: $FINWAVE, default ./finwave.

cd "$(dirname "$0")/../.." || exit 2
exec </dev/null

FINWAVE=${FINWAVE:-./finwave}
export FINWAVE_KERNEL_BUDGET=${FINWAVE_KERNEL_BUDGET:-200}
JOBS=${KERNEL_JOBS:-4}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/finwave-kernel.XXXXXX") || exit 2
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT

passed=0
failed=0

ok() { echo "ok $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "SKIP $1: $2"; }

if [ ! -x "$FINWAVE" ]; then
	bad "kernel check" "$FINWAVE is missing (build it first)"
	echo "$passed passed, $failed failed"
	exit 1
fi
FINWAVE=$(cd "$(dirname "$FINWAVE")" && pwd)/$(basename "$FINWAVE")

# The real time a script's waits add up to, in seconds (for the longest-first order).
script_seconds() {
	grep -oE '^[[:space:]]*wait[[:space:]]+[0-9.]+(us|ms|s|m|h)\b' "$1" |
		awk '{ v = $2; u = v; sub(/^[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
		       m = (u == "us") ? 1e-6 : (u == "ms") ? 1e-3 : (u == "s") ? 1 : (u == "m") ? 60 : 3600;
		       t += v * m } END { printf "%d\n", t }'
}

# ---- every scenario, in both -----------------------------------------------------------------
run_one() {
	local f=$1 name
	name=$(basename "$f" .fw)
	timeout --kill-after=10 600 "$FINWAVE" run --compare "$f" >"$WORK/$name.out" 2>"$WORK/$name.err"
	echo $? >"$WORK/$name.rc"
}

mapfile -t order < <(for f in tests/scenarios/*.fw; do
	[ -e "$f" ] && printf '%s %s\n' "$(script_seconds "$f")" "$f"
done | sort -rn | cut -d' ' -f2-)

running=0
for f in "${order[@]}"; do
	if [ "$running" -ge "$JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
	run_one "$f" &
	running=$((running + 1))
done
wait

for f in tests/scenarios/*.fw; do
	[ -e "$f" ] || continue
	name=$(basename "$f" .fw)
	rc=$(cat "$WORK/$name.rc" 2>/dev/null || echo 2)
	case "$rc" in
	0) ok "compare $name" ;;
	3)
		why=$(grep -m1 -E 'skipped' "$WORK/$name.err" | sed 's/^finwave: //')
		skip "compare $name" "${why:-skipped}"
		;;
	1)
		why=$( { grep -E 'DIFFERS|expected' "$WORK/$name.out" | sed 's/^ *//'; } | head -n 3 | paste -sd ';' -)
		bad "compare $name" "the model and the kernel differ: ${why:-see finwave run --compare $f}"
		;;
	*)
		why=$(grep -v '^$' "$WORK/$name.err" | tail -n 1)
		bad "compare $name" "exit status $rc: ${why:-no message}"
		;;
	esac
done

# ---- the kernel check itself -------------------------------------------------------------------

# A short scenario the checks below use: on its own ports, no faults, no knobs.
cat >"$WORK/plain.fw" <<'EOF'
server listen 18080
client connect 18080
client send "hello"
wait 50ms
server recv
expect server recv "hello"
client close
wait 100ms
expect client FIN_WAIT_2
expect server CLOSE_WAIT
server close
wait 50ms
expect client TIME_WAIT
expect server CLOSED
EOF

# `finwave kernel` writes the same JSON lines as `finwave run`.
"$FINWAVE" kernel tests/scenarios/wave1-lost.fw --trace jsonl >"$WORK/k.jsonl" 2>"$WORK/k.err"
rc=$?
if [ "$rc" -eq 3 ]; then
	skip "kernel trace" "$(grep -m1 skipped "$WORK/k.err")"
elif [ "$rc" -ne 0 ]; then
	bad "kernel trace" "exit status $rc: $(tail -n 1 "$WORK/k.err")"
elif ! python3 - "$WORK/k.jsonl" <<'EOF'; then
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
assert evs, "no events"
assert all(list(e)[:2] == ["t", "ev"] for e in evs), "keys out of order"
assert all(b["t"] >= a["t"] for a, b in zip(evs, evs[1:])), "time goes backwards"
kinds = {e["ev"] for e in evs}
for k in ("state", "send", "recv", "drop", "call", "proc", "expect"):
    assert k in kinds, "no %s event" % k
drop = [e for e in evs if e["ev"] == "drop"]
assert drop[0]["flags"] == ["FIN", "ACK"] and drop[0]["host"] == "client", drop[0]
assert any(e["ev"] == "send" and e.get("retrans", 0) >= 1 and "FIN" in e["flags"] for e in evs)
EOF
	bad "kernel trace" "the JSON lines are not what the trace contract says"
else
	ok "kernel trace"
fi

# Without a private namespace: the calls still run (on this machine's own loopback; as root
# inside a fresh `unshare -n`, so nothing touches the machine), faults are skipped, said so.
nons() {
	if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
		unshare -n sh -c 'ip link set lo up && exec "$@"' sh "$@"
	else
		"$@"
	fi
}
FINWAVE_KERNEL_NO_NETNS=1 nons "$FINWAVE" kernel "$WORK/plain.fw" --trace jsonl >"$WORK/n.jsonl" 2>"$WORK/n.err"
rc=$?
if [ "$rc" -eq 0 ] && grep -q '"to":"TIME_WAIT"' "$WORK/n.jsonl"; then
	ok "no namespace: plays the calls on loopback"
else
	bad "no namespace: plays the calls on loopback" "exit status $rc: $(tail -n 1 "$WORK/n.err")"
fi
FINWAVE_KERNEL_NO_NETNS=1 nons "$FINWAVE" kernel tests/scenarios/wave1-lost.fw >/dev/null 2>"$WORK/n2.err"
rc=$?
if [ "$rc" -eq 3 ] && grep -q 'drop next client->server FIN: skipped: faults need a private network namespace' "$WORK/n2.err"; then
	ok "no namespace: faults are skipped with the reason"
else
	bad "no namespace: faults are skipped with the reason" "exit status $rc: $(head -n 2 "$WORK/n2.err" | paste -sd ';' -)"
fi

# Not root: the same lab inside an unprivileged user namespace, where the system allows it.
if [ "$(id -u)" != 0 ]; then
	skip "unprivileged user namespace" "already running unprivileged (the scenarios above used it)"
elif ! command -v setpriv >/dev/null 2>&1; then
	skip "unprivileged user namespace" "setpriv (util-linux) is not installed"
elif ! setpriv --reuid=65534 --regid=65534 --clear-groups unshare -Urn true 2>/dev/null; then
	skip "unprivileged user namespace" "this system refuses unprivileged user namespaces"
else
	cp "$FINWAVE" "$WORK/finwave" && cp tests/scenarios/wave3-lost.fw "$WORK/" && chmod 755 "$WORK/finwave"
	chmod 644 "$WORK/wave3-lost.fw"
	(cd "$WORK" && setpriv --reuid=65534 --regid=65534 --clear-groups \
		./finwave run --compare wave3-lost.fw >"$WORK/u.out" 2>"$WORK/u.err")
	rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "unprivileged user namespace"
	else
		bad "unprivileged user namespace" "exit status $rc: $( { grep -E 'DIFFERS|expected' "$WORK/u.out"; tail -n 1 "$WORK/u.err"; } | head -n 2 | paste -sd ';' -)"
	fi
fi

# A killed finwave leaves no application process behind (PR_SET_PDEATHSIG).
"$FINWAVE" kernel tests/scenarios/normal-close.fw >/dev/null 2>&1 &
fw=$!
for _ in $(seq 50); do
	pgrep -x fw-k-client >/dev/null && break
	sleep 0.1
done
{
	kill -9 "$fw"
	wait "$fw"
} 2>/dev/null
sleep 0.5
# (a dead child may stay a zombie until whoever inherited it reaps it: dead all the same)
alive=$(ps -e -o pid=,stat=,comm= | awk '$3 ~ /^fw-k-(client|server)$/ && $2 !~ /^Z/')
if [ -n "$alive" ]; then
	bad "no process outlives finwave" "$alive"
else
	ok "no process outlives finwave"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

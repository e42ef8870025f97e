#!/usr/bin/env bash
# tests/run.sh: the whole test driver (what `make test` runs after building).
#
# It runs, for both the normal build and the sanitizer build:
#   - the unit tests (build/unit_tests, build-san/unit_tests), each unit test counted;
#   - every scenario tests/scenarios/*.fw with `finwave run` (passes on exit status 0);
# and with the normal build:
#   - every bad script tests/scenarios/bad/*.fw: exit status 2, nothing on stdout, and the
#     first line on stderr exactly as listed in tests/scenarios/bad/expected-errors.txt;
#   - a determinism check: each scenario run twice gives byte-identical JSON lines;
# then every further test script tests/*/run-*.sh (runtime, pty, kernel tests ...), each of
# which must end its output with a line "N passed, N failed"; those counts are added in and
# its lines starting with FAIL are shown.
#
# The two builds' groups run in parallel.  Output: one line per failure with its reason,
# then exactly one summary line "N passed, N failed"; exit status 1 if anything failed.
# Needs no terminal and no stdin.  The binaries can be overridden (and are passed on to the
# run-*.sh scripts) with FINWAVE, FINWAVE_SAN, UNIT_TESTS, UNIT_TESTS_SAN.

cd "$(dirname "$0")/.." || exit 2
exec </dev/null

FINWAVE=${FINWAVE:-./finwave}
FINWAVE_SAN=${FINWAVE_SAN:-build-san/finwave}
UNIT_TESTS=${UNIT_TESTS:-build/unit_tests}
UNIT_TESTS_SAN=${UNIT_TESTS_SAN:-build-san/unit_tests}
export FINWAVE FINWAVE_SAN UNIT_TESTS UNIT_TESTS_SAN

# Sanitizers: fail loudly, never ask for a terminal.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/finwave-test.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT

if command -v timeout >/dev/null 2>&1; then
	TIMEOUT="timeout"
else
	TIMEOUT=""
fi

# Run with a time limit (seconds) when `timeout` exists.
limited() {
	local secs=$1
	shift
	if [ -n "$TIMEOUT" ]; then
		timeout --kill-after=10 "$secs" "$@"
	else
		"$@"
	fi
}

# Result lines, one file per group:  P name (a pass)  |  F reason (a failure)  |
# N passed failed (counts from a test program)  |  M reason (a failure it already counted)
pass() { printf 'P %s\n' "$1" >>"$RES"; }
fail() { printf 'F %s\n' "$1" >>"$RES"; }
counted() { printf 'M %s\n' "$1" >>"$RES"; }

# ---- unit tests -----------------------------------------------------------------------------
run_unit() {
	local bin=$1 label=$2 out="$WORK/unit-$2.log"
	if [ ! -x "$bin" ]; then
		fail "unit tests ($label): $bin is missing (build it first)"
		return
	fi
	limited 1800 "$bin" >"$out" 2>&1
	local rc=$?
	local last
	last=$(tail -n 1 "$out")
	if [[ ! "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		fail "unit tests ($label): exit status $rc without a summary line: $(tail -n 2 "$out" | head -n 1)"
		return
	fi
	local np=${BASH_REMATCH[1]} nf=${BASH_REMATCH[2]}
	printf 'N %s %s\n' "$np" "$nf" >>"$RES"
	# Each failed test: its name, with the detail line printed just before it.
	local prev="" line n=0
	while IFS= read -r line; do
		if [[ "$line" == "FAIL "* ]]; then
			counted "unit ($label) ${line#FAIL }${prev:+: ${prev#"${prev%%[![:space:]]*}"}}"
			n=$((n + 1))
			prev=""
			continue
		fi
		[[ "$line" == "  "* ]] && prev=$line
		[[ "$line" == "ok "* ]] && prev=""
	done <"$out"
	if [ "$n" -lt "$nf" ]; then
		counted "unit tests ($label): $((nf - n)) more failed (see $bin's output)"
	fi
	if [ "$nf" -eq 0 ] && [ "$rc" -ne 0 ]; then
		fail "unit tests ($label): exit status $rc although none failed"
	fi
}

# ---- scenarios --------------------------------------------------------------------------------
run_scenarios() {
	local bin=$1 label=$2 f name rc
	if [ ! -x "$bin" ]; then
		fail "scenarios ($label): $bin is missing (build it first)"
		return
	fi
	for f in tests/scenarios/*.fw; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .fw)
		limited 900 "$bin" run "$f" --trace jsonl >"$WORK/$label-$name.jsonl" 2>"$WORK/$label-$name.err"
		rc=$?
		if [ "$rc" -eq 0 ]; then
			pass "scenario $name ($label)"
		else
			local why
			why=$(grep -v '^$' "$WORK/$label-$name.err" | grep -m1 -E 'ERROR|runtime error|expected|error|finwave:' ||
			      tail -n 1 "$WORK/$label-$name.err")
			fail "scenario $f ($label): exit status $rc: ${why:-no message}"
		fi
	done
}

# ---- bad scripts ------------------------------------------------------------------------------
run_bad() {
	local bin=$1 list=tests/scenarios/bad/expected-errors.txt f want got rc
	[ -x "$bin" ] || return
	for f in tests/scenarios/bad/*.fw; do
		[ -e "$f" ] || continue
		want=$(grep -m1 -F "$f:" "$list" 2>/dev/null)
		if [ -z "$want" ]; then
			fail "bad script $f: no expected error line in $list"
			continue
		fi
		limited 60 "$bin" run "$f" >"$WORK/bad.out" 2>"$WORK/bad.err"
		rc=$?
		got=$(head -n 1 "$WORK/bad.err")
		if [ "$rc" -ne 2 ]; then
			fail "bad script $f: exit status $rc, expected 2"
		elif [ "$got" != "$want" ]; then
			fail "bad script $f: got '$got', expected '$want'"
		elif [ -s "$WORK/bad.out" ]; then
			fail "bad script $f: it printed a trace, so something ran"
		else
			pass "bad script $f"
		fi
	done
}

# ---- determinism -------------------------------------------------------------------------------
run_determinism() {
	local bin=$1 f name
	[ -x "$bin" ] || return
	for f in tests/scenarios/*.fw; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .fw)
		[ -f "$WORK/normal-$name.jsonl" ] || continue
		limited 900 "$bin" run "$f" --trace jsonl >"$WORK/again-$name.jsonl" 2>/dev/null
		# Real child processes get new pids on every run; nothing else may differ.
		sed -E 's/"pid":[0-9]+/"pid":0/' "$WORK/normal-$name.jsonl" >"$WORK/first-$name.jsonl"
		sed -E -i 's/"pid":[0-9]+/"pid":0/' "$WORK/again-$name.jsonl"
		if cmp -s "$WORK/first-$name.jsonl" "$WORK/again-$name.jsonl"; then
			pass "determinism $name"
		else
			local where
			where=$(cmp "$WORK/first-$name.jsonl" "$WORK/again-$name.jsonl" 2>&1 | head -n 1)
			fail "determinism $f: two runs of --trace jsonl differ (first at ${where##*differ: })"
		fi
	done
}

# ---- the groups, in parallel --------------------------------------------------------------------
(
	RES="$WORK/normal.res"
	: >"$RES"
	run_unit "$UNIT_TESTS" normal
	run_scenarios "$FINWAVE" normal
	run_bad "$FINWAVE"
	run_determinism "$FINWAVE"
) &
normal_pid=$!
(
	RES="$WORK/san.res"
	: >"$RES"
	run_unit "$UNIT_TESTS_SAN" san
	run_scenarios "$FINWAVE_SAN" san
) &
san_pid=$!
wait "$normal_pid"
wait "$san_pid"

# ---- further test scripts: tests/*/run-*.sh -----------------------------------------------------
# They run side by side (the kernel suite spends most of its time waiting out real timers),
# then their results are read in order.
RES="$WORK/more.res"
: >"$RES"
for s in tests/*/run-*.sh; do
	[ -e "$s" ] || continue
	log="$WORK/$(echo "$s" | tr '/' '_').log"
	( limited 3600 bash "$s" >"$log" 2>&1; echo $? >"$log.rc" ) &
done
wait
for s in tests/*/run-*.sh; do
	[ -e "$s" ] || continue
	log="$WORK/$(echo "$s" | tr '/' '_').log"
	rc=$(cat "$log.rc" 2>/dev/null || echo 2)
	last=$(grep -v '^[[:space:]]*$' "$log" | tail -n 1)
	if [[ ! "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		fail "$s: exit status $rc without a final 'N passed, N failed' line: ${last:-no output}"
		continue
	fi
	p=${BASH_REMATCH[1]}
	f=${BASH_REMATCH[2]}
	printf 'N %s %s\n' "$p" "$f" >>"$RES"
	shown=0
	while IFS= read -r line; do
		if [[ "$line" == FAIL* ]]; then
			counted "$s: ${line#FAIL }"
			shown=$((shown + 1))
		fi
	done <"$log"
	if [ "$shown" -lt "$f" ]; then
		counted "$s: $((f - shown)) more failed without a FAIL line"
	fi
	if [ "$f" -eq 0 ] && [ "$rc" -ne 0 ]; then
		fail "$s: exit status $rc although it reported no failure"
	fi
done

# ---- the summary -----------------------------------------------------------------------------------
passed=0
failed=0
for r in "$WORK/normal.res" "$WORK/san.res" "$WORK/more.res"; do
	[ -f "$r" ] || continue
	while IFS= read -r line; do
		case "$line" in
		"P "*) passed=$((passed + 1)) ;;
		"F "*)
			failed=$((failed + 1))
			echo "FAIL ${line#F }"
			;;
		"M "*) echo "FAIL ${line#M }" ;;
		"N "*)
			set -- $line
			passed=$((passed + $2))
			failed=$((failed + $3))
			;;
		esac
	done <"$r"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# tests/lessons/run-lessons.sh: every lesson is also a test.
#
# It runs, with `finwave run` (virtual time, headless; questions count as answered):
#   - every lesson lessons/LANG/NN-name.fw in every language: exit status 0, so every
#     `expect` in it held;
#   - a check that every lesson exists in every language (the same file names), so that the
#     unit test that compares their steps (tests/unit/test_lesson.c) sees them all;
#   - every broken sample tests/lessons/bad/*.fw: exit status 2, and the first line on
#     stderr (without a leading "finwave: ") exactly as listed in
#     tests/lessons/bad/expected-errors.txt: FILE:LINE:COL, never a crash.
# The last line is "N passed, N failed"; each failure has a line starting with FAIL.
# The binary is $FINWAVE (default ./finwave); run from anywhere.

cd "$(dirname "$0")/../.." || exit 2
exec </dev/null

FINWAVE=${FINWAVE:-./finwave}
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() {
	failed=$((failed + 1))
	echo "FAIL $*"
}

limited() {
	if command -v timeout >/dev/null 2>&1; then
		timeout --kill-after=5 "$@"
	else
		shift
		"$@"
	fi
}

if [ ! -x "$FINWAVE" ]; then
	bad "lessons: $FINWAVE is missing (build it first)"
	echo "$passed passed, $failed failed"
	exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/finwave-lessons.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT

# ---- every lesson, every language ------------------------------------------------------------
langs=()
for d in lessons/*/; do
	[ -d "$d" ] && langs+=("$(basename "$d")")
done
if [ "${#langs[@]}" -eq 0 ]; then
	bad "lessons: no lessons/LANG directories"
fi
for lang in "${langs[@]}"; do
	for f in lessons/"$lang"/*.fw; do
		[ -e "$f" ] || continue
		# jsonl is the cheaper trace to write; nobody reads it here
		limited 120 "$FINWAVE" run "$f" --trace jsonl >/dev/null 2>"$WORK/err"
		rc=$?
		if [ "$rc" -eq 0 ]; then
			ok
		else
			bad "lesson $f: exit status $rc: $(grep -v '^$' "$WORK/err" | head -n 1)"
		fi
	done
done

# ---- every lesson in every language ------------------------------------------------------------
for lang in "${langs[@]}"; do
	for other in "${langs[@]}"; do
		[ "$lang" = "$other" ] && continue
		for f in lessons/"$lang"/*.fw; do
			[ -e "$f" ] || continue
			if [ -e "lessons/$other/$(basename "$f")" ]; then
				ok
			else
				bad "lesson $f has no $other version (lessons/$other/$(basename "$f"))"
			fi
		done
	done
done

# ---- broken samples ------------------------------------------------------------------------------
list=tests/lessons/bad/expected-errors.txt
for f in tests/lessons/bad/*.fw; do
	[ -e "$f" ] || continue
	want=$(grep -m1 -F "$f:" "$list" 2>/dev/null)
	if [ -z "$want" ]; then
		bad "broken sample $f: no expected error line in $list"
		continue
	fi
	limited 60 "$FINWAVE" run "$f" >/dev/null 2>"$WORK/err"
	rc=$?
	got=$(head -n 1 "$WORK/err")
	got=${got#finwave: }
	if [ "$rc" -ne 2 ]; then
		bad "broken sample $f: exit status $rc, expected 2 ($got)"
	elif [ "$got" != "$want" ]; then
		bad "broken sample $f: got '$got', expected '$want'"
	else
		ok
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# tests/bench.sh: what `make bench` runs (after building ./finwave).
#
# Connection lives per second: N complete lives (handshake, one request and its response,
# the four-way close) through finwave's engine over its real loopback wire with real host
# processes, the same through the engine's in-memory wire, and the same N on the real kernel
# (TCP on 127.0.0.1).  It prints lives/s for each, the engine-to-kernel ratio, segments/s
# and each run's peak RSS.  N is BENCH_N (default 10000).
#
# The bench program (tests/bench/bench_rt.c) is compiled here, with the engine's sources,
# into build/bench_rt.

cd "$(dirname "$0")/.." || exit 2
N=${BENCH_N:-10000}
CC=${CC:-cc}
OUT=build/bench_rt
mkdir -p build

# engine/*.c is the model and the runtime; a bench needs no screen.
# shellcheck disable=SC2046
if ! $CC -std=c11 -O2 -g -D_GNU_SOURCE -Iengine -o "$OUT" tests/bench/bench_rt.c engine/*.c \
	$(pkg-config --cflags --libs libuv libpcap) -lm; then
	echo "bench: cannot build $OUT" >&2
	exit 2
fi

# One mode's result lines (see bench_rt.c); stops the bench if the mode fails.
run() {
	"$OUT" "$1" "$N" || { echo "bench: $1 failed" >&2; exit 1; }
}

echo "finwave bench: $N connection lives (handshake, request 100 B, response 200 B, four-way close)"
eng_all=$(run engine) || exit 1
mem=$(run memory) || exit 1
ker=$(run kernel) || exit 1
eng=$(echo "$eng_all" | head -n 1)

field() { echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }

printf '%-34s %12s %14s %12s\n' "" "lives/s" "segments/s" "peak RSS"
for l in "$eng" "$mem" "$ker"; do
	case "$(echo "$l" | cut -d' ' -f1)" in
	engine) name="engine, real wire + processes" ;;
	memory) name="engine, in-memory wire" ;;
	kernel) name="Linux kernel, TCP on 127.0.0.1" ;;
	esac
	printf '%-34s %12s %14s %9s KB\n' "$name" "$(field "$l" lives/s)" "$(field "$l" segments/s)" \
		"$(field "$l" peak_rss_kb)"
done
awk -v e="$(field "$eng" lives/s)" -v m="$(field "$mem" lives/s)" -v k="$(field "$ker" lives/s)" \
	'BEGIN { printf "engine/kernel: %.2f (real wire), %.2f (in-memory wire)\n", e / k, m / k }'
echo "$eng_all" | sed -n 's/^engine datagrams \([0-9]*\) resent \([0-9]*\).*/datagrams over loopback: \1 (resent \2)/p'
echo; bash tests/bench/screen_bench.sh || echo "bench: screen_bench failed" >&2

#!/usr/bin/env bash
# tests/bench/screen_bench.sh: how light the screen is.
#
# Runs `finwave play` in a pseudo-terminal of its own (python3's pty module; no terminal
# needed) at 100x30 and measures, for each phase, the CPU time finwave used and the bytes it
# wrote to the terminal, per second of wall time:
#
#   paused     paused with nothing to do: should be 0% and 0 B/s (nothing wakes up)
#   idle       running, nothing pending: the same
#   animating  a FIN lost again and again (drop all client->server FIN; client close):
#              arrows flying and timers counting down, the clock never resting
#   resize     the same animation while the window size changes 20 times a second
#
# Usage: tests/bench/screen_bench.sh [SECONDS per phase, default 4]; the binary is $FINWAVE
# (default ./finwave).  Prints one line per phase; exit status 1 if finwave died or a
# paused or idle phase was not silent.

cd "$(dirname "$0")/../.." || exit 2
FINWAVE=${FINWAVE:-./finwave}
SECS=${1:-4}
if [ ! -x "$FINWAVE" ]; then
	echo "screen_bench: $FINWAVE is missing (build it first)" >&2
	exit 2
fi
command -v python3 >/dev/null 2>&1 || { echo "screen_bench: needs python3" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/finwave-bench.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT

python3 - "$FINWAVE" "$SECS" "$WORK" <<'PY'
import fcntl, os, pty, select, signal, struct, sys, termios, time

exe, secs, work = sys.argv[1], float(sys.argv[2]), sys.argv[3]
hz = os.sysconf('SC_CLK_TCK')

def winsize(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))

pid, fd = pty.fork()
if pid == 0:
    env = dict(os.environ)
    env.update(TERM='xterm-256color', LANG='C.UTF-8', HOME=work, XDG_STATE_HOME=work)
    for k in ('LC_ALL', 'NO_COLOR'):
        env.pop(k, None)
    os.execve(exe, [exe, 'play'], env)
winsize(fd, 30, 100)
os.kill(pid, signal.SIGWINCH)

def cpu_ticks():
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return int(fields[11]) + int(fields[12])      # utime + stime

def drain(duration, during=None):
    """Read what finwave writes for duration seconds; returns the byte count."""
    n = 0
    end = time.monotonic() + duration
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return n
        if during:
            during()
        r, _, _ = select.select([fd], [], [], min(left, 0.05))
        if r:
            try:
                n += len(os.read(fd, 65536))
            except OSError:
                return n

def send(s):
    os.write(fd, s.encode())

def measure(name, duration, during=None):
    c0, t0 = cpu_ticks(), time.monotonic()
    nbytes = drain(duration, during)
    c1, t1 = cpu_ticks(), time.monotonic()
    wall = t1 - t0
    cpu = (c1 - c0) / hz / wall * 100
    print('screen %-10s cpu %5.1f%%  %9.0f B/s  (%.1f s)' % (name, cpu, nbytes / wall, wall))
    sys.stdout.flush()
    return cpu, nbytes / wall

ok = True
drain(2.5)                                   # start-up: free play sets its connection up
send(' ')                                    # pause
drain(0.5)
cpu, bps = measure('paused', secs)
ok &= bps == 0
send(' ')                                    # resume: nothing is pending, so idle
drain(0.5)
cpu, bps = measure('idle', secs)
ok &= bps == 0
send(':drop all client->server FIN\r')
drain(0.3)
send('c')
drain(0.5)
measure('animating', secs)

sizes = [(30, 100), (24, 80), (40, 130), (26, 90), (35, 120)]
state = {'i': 0, 'next': time.monotonic()}
def storm():
    now = time.monotonic()
    if now >= state['next']:
        r, c = sizes[state['i'] % len(sizes)]
        winsize(fd, r, c)
        os.kill(pid, signal.SIGWINCH)
        state['i'] += 1
        state['next'] = now + 0.05
measure('resize', secs, storm)
print('screen resizes   %d in %.1f s' % (state['i'], secs))

send('q')
try:
    drain(1.0)
    _, status = os.waitpid(pid, 0)
except ChildProcessError:
    status = 0
failed = status != 0
if failed:
    print('screen_bench: finwave ended with status %d' % status)
sys.exit(0 if ok and not failed else 1)
PY

#!/usr/bin/env bash
# journal_bench.sh: how fast `knocklog scan` reads a binary systemd journal, next to the
# same entries as auth.log text. Generates N sshd/PAM/cron entries (a brute force mixed
# into ordinary traffic) as export text, converts it with systemd-journal-remote (Debian:
# apt-get install systemd-journal-remote), writes the auth.log rsyslog would have written
# for the same entries, and prints the median of RUNS scans of each, in lines/s.
#
# Environment (all optional):
#   ENTRIES=500000     entries to generate
#   BENCH_DIR=/tmp/knocklog-journal-bench   where the corpus lives (reused when it matches)
#   RUNS=5             timed runs per row (median reported)
#   THREADS=2          knocklog --threads
#   KNOCKLOG           the binary to time (default: $CARGO_TARGET_DIR/release/knocklog)
set -euo pipefail

ENTRIES=${ENTRIES:-500000}
BENCH_DIR=${BENCH_DIR:-/tmp/knocklog-journal-bench}
RUNS=${RUNS:-5}
THREADS=${THREADS:-2}
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KNOCKLOG=${KNOCKLOG:-${CARGO_TARGET_DIR:-$repo_root/target}/release/knocklog}
remote=$(ls /lib/systemd/systemd-journal-remote /usr/lib/systemd/systemd-journal-remote 2>/dev/null | head -n 1 || true)
[[ -x "$remote" ]] || { echo "systemd-journal-remote is needed (apt-get install systemd-journal-remote)" >&2; exit 1; }
[[ -x "$KNOCKLOG" ]] || { echo "no knocklog binary at $KNOCKLOG (cargo build --release)" >&2; exit 1; }

mkdir -p "$BENCH_DIR/journal" "$BENCH_DIR/text"
if [[ "$(cat "$BENCH_DIR/.entries" 2>/dev/null)" != "$ENTRIES" ]]; then
    echo "== generating $ENTRIES entries in $BENCH_DIR" >&2
    rm -f "$BENCH_DIR"/journal/* "$BENCH_DIR"/text/*
    python3 - "$ENTRIES" "$BENCH_DIR/export.txt" "$BENCH_DIR/text/auth.log" <<'EOF'
import random, sys, time
n, export_path, auth_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = random.Random(7)
t0 = 1767657748 * 1_000_000  # 2026-01-06T00:02:28Z
users = ["root", "admin", "test", "oracle", "ubuntu", "pi", "git", "postgres"]
with open(export_path, "w") as ex, open(auth_path, "w") as au:
    for i in range(n):
        t = t0 + i * 50_000
        r = rng.random()
        pid = 1000 + i // 5
        ip = f"203.0.{(i // 40) % 250}.{rng.randrange(1, 250)}"
        if r < 0.45:
            prog, msg = "sshd", f"Failed password for {rng.choice(users)} from {ip} port {rng.randrange(1024, 65535)} ssh2"
        elif r < 0.65:
            prog, msg = "sshd", f"Invalid user {rng.choice(users)}{i % 97} from {ip} port {rng.randrange(1024, 65535)}"
        elif r < 0.75:
            prog, msg = "sshd", f"Connection closed by {ip} port {rng.randrange(1024, 65535)} [preauth]"
        elif r < 0.85:
            prog, msg = "sshd", f"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}"
        else:
            prog, msg = "CRON", "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"
        ex.write(f"__REALTIME_TIMESTAMP={t}\n__MONOTONIC_TIMESTAMP={t - t0 + 1}\n_BOOT_ID=0123456789abcdef0123456789abcdef\n"
                 f"_HOSTNAME=srv1\nSYSLOG_IDENTIFIER={prog}\n_PID={pid}\n_COMM={prog.lower()}\nMESSAGE={msg}\n\n")
        s = t // 1_000_000
        au.write(time.strftime("%b %e %H:%M:%S", time.gmtime(s)) + f" srv1 {prog}[{pid}]: {msg}\n")
EOF
    "$remote" -o "$BENCH_DIR/journal/system.journal" - <"$BENCH_DIR/export.txt" 2>/dev/null
    rm -f "$BENCH_DIR/export.txt"
    echo "$ENTRIES" >"$BENCH_DIR/.entries"
fi

median_of() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
row() {
    local name=$1 dir=$2 times=()
    shift 2
    "$KNOCKLOG" scan "$dir" --timezone utc --threads "$THREADS" --quiet --out "$work/out" "$@" >/dev/null 2>&1 || true
    for _ in $(seq "$RUNS"); do
        local start end
        start=$(date +%s.%N)
        "$KNOCKLOG" scan "$dir" --timezone utc --threads "$THREADS" --quiet --out "$work/out" "$@" >/dev/null 2>&1 || true
        end=$(date +%s.%N)
        times+=("$(echo "$end - $start" | bc -l)")
    done
    local med bytes
    med=$(printf '%s\n' "${times[@]}" | median_of)
    bytes=$(du -cb "$dir" | tail -n 1 | cut -f1)
    printf '%-24s %9.3f s %12.0f lines/s %8.1f MB on disk\n' "$name" "$med" "$(echo "$ENTRIES / $med" | bc -l)" \
        "$(echo "$bytes / 1000000" | bc -l)"
}
echo "knocklog scan, $ENTRIES entries, --threads $THREADS, median of $RUNS runs (warm cache)"
row "journal (.journal)" "$BENCH_DIR/journal"
row "auth.log (same lines)" "$BENCH_DIR/text"
# Reading and parsing alone: every entry falls before --since, so nothing is judged or written.
row "journal, read+parse" "$BENCH_DIR/journal" --since 2030-01-01
row "auth.log, read+parse" "$BENCH_DIR/text" --since 2030-01-01

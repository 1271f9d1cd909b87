#!/usr/bin/env bash
# scan_bench.sh: end-to-end throughput of `knocklog scan` on a >= 1 GB access-log
# rotation (plain and gzipped), next to the floor set by cat/wc/zcat and, when they are
# installed, the peers (GoAccess, lnav, fail2ban-regex, CrowdSec, rhit). Prints median
# seconds, lines/s, MB/s, CPU time and CPU per line, the kernel's share of it, peak RSS
# and RSS per distinct address, and the ratios the project quotes (2 threads vs 1, gz vs
# zcat, knocklog vs each peer).
#
# The peers are one to three orders of magnitude slower, so they (and knocklog beside
# them) read a slice of the corpus, its first PEER_LINES lines: their ratio to knocklog
# compares runs over the same lines.
#
# Environment (all optional):
#   MIX=attack          knocklog-gen's mix: attack (a small site under heavy scanning),
#                       site (a busy site: nearly every address benign, ~1 per 1000 bytes)
#                       or storm (every line a probe, ~1 scanner per 330 bytes)
#   SIZE=1GB            corpus size (knocklog-gen units: 200MB, 1GB, 2GiB ...)
#   FILES=8             number of rotated files
#   BENCH_DIR=/tmp/knocklog-bench   where the corpus lives (reused when it matches;
#                       the site and storm mixes default to /tmp/knocklog-bench-site
#                       and /tmp/knocklog-bench-storm)
#   RUNS=5              rounds of timed runs, one run of every command each (the
#                       median per command is reported)
#   PEER_LINES=400000   lines in the slice the peers read
#   PEER_RUNS=3         rounds for the peers and for knocklog on the slice
#   FORMAT=both         knocklog --format: csv | parquet | both
#   CARGO_TARGET_DIR    honoured for the release build (default: target)
#   KNOCKLOG, KNOCKLOG_GEN   use these binaries instead of the ones just built
#   SKIP_BUILD=1        do not run cargo (use existing or given binaries)
#
# The page cache cannot be dropped without root tricks, so every number here is a
# warm-cache number: the corpus is read (untimed) before every timed run, so all tools see it hot.
set -euo pipefail

MIX=${MIX:-attack}
SIZE=${SIZE:-1GB}
FILES=${FILES:-8}
case "$MIX" in
attack) BENCH_DIR=${BENCH_DIR:-/tmp/knocklog-bench} ;;
site) BENCH_DIR=${BENCH_DIR:-/tmp/knocklog-bench-site} ;;
storm) BENCH_DIR=${BENCH_DIR:-/tmp/knocklog-bench-storm} ;;
*) printf 'MIX must be attack, site or storm, not %s\n' "$MIX" >&2; exit 1 ;;
esac
RUNS=${RUNS:-5}
PEER_LINES=${PEER_LINES:-400000}
PEER_RUNS=${PEER_RUNS:-3}
FORMAT=${FORMAT:-both}

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"
target_dir=${CARGO_TARGET_DIR:-target}
case "$target_dir" in /*) ;; *) target_dir="$repo_root/$target_dir" ;; esac

say() { printf '%s\n' "$*" >&2; }

# --- build ------------------------------------------------------------------------------
build_log=$(mktemp)
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    say "== cargo build --release --bins (target dir: $target_dir)"
    if ! cargo build --release --bins >"$build_log" 2>&1; then
        say "!! release build failed; falling back to existing binaries. Last lines:"
        tail -n 15 "$build_log" | sed 's/^/   /' >&2
    fi
fi
rm -f "$build_log"
KNOCKLOG=${KNOCKLOG:-$target_dir/release/knocklog}
KNOCKLOG_GEN=${KNOCKLOG_GEN:-$target_dir/release/knocklog-gen}

# --- corpus -----------------------------------------------------------------------------
plain_dir="$BENCH_DIR/plain"
gz_dir="$BENCH_DIR/gz"
request="SIZE=$SIZE FILES=$FILES MIX=$MIX"
if [[ -f "$BENCH_DIR/knocklog-gen.stamp" && "$(cat "$BENCH_DIR/.request" 2>/dev/null)" == "$request" ]]; then
    say "== reusing corpus in $BENCH_DIR ($(cat "$BENCH_DIR/knocklog-gen.stamp"))"
else
    if [[ ! -x "$KNOCKLOG_GEN" ]]; then
        say "!! no corpus for '$request' in $BENCH_DIR and no generator at $KNOCKLOG_GEN"
        exit 1
    fi
    say "== generating $SIZE in $FILES files into $BENCH_DIR (plain + gz)"
    rm -rf "$plain_dir" "$gz_dir"
    "$KNOCKLOG_GEN" bench --out "$BENCH_DIR" --size "$SIZE" --files "$FILES" --mix "$MIX" --gzip
    printf '%s' "$request" >"$BENCH_DIR/.request"
fi
mapfile -t plain_files < <(find "$plain_dir" -type f -name 'access.log*' | sort -V)
mapfile -t gz_files < <(find "$gz_dir" -type f -name 'access.log*.gz' | sort -V)
((${#plain_files[@]} > 0 && ${#gz_files[@]} > 0)) || { say "!! corpus is empty"; exit 1; }

plain_bytes=$(stat -c %s "${plain_files[@]}" | awk '{ t += $1 } END { print t }')
gz_bytes=$(stat -c %s "${gz_files[@]}" | awk '{ t += $1 } END { print t }')
# Reads both sets, untimed. Done again before every timed run: some hosts reclaim page
# cache that sits idle for a few seconds (this one runs DAMON's pageout on unmapped file
# pages idle for ~3 s), so the corpus read at the start of a round was partly on disk
# again by the time a later command of the round ran (cat plain took 1.1 s instead of
# 0.14 s after goaccess's minute). Every command, baselines included, starts warm.
# It also starts with no writeback pending: `sync` first, or the kernel would write the
# previous command's outputs (knocklog's are 70 MB, not fsynced) during the next one
# (gz scans side by side without it: 2.48 s against 2.02 s with it).
warm() {
    sync
    cat "${plain_files[@]}" "${gz_files[@]}" >/dev/null
}
say "== warming the page cache (one cat of both sets), counting lines"
warm
lines=$(cat "${plain_files[@]}" | wc -l)
# Distinct addresses that sent a line, as the generator counted them (older stamps lack it).
addresses=$(sed -n 's/.* addresses=\([0-9]*\).*/\1/p' "$BENCH_DIR/knocklog-gen.stamp")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The peers' slice: the oldest lines first, as they were written.
slice_dir="$work/slice"
mkdir -p "$slice_dir"
{ cat "${plain_files[@]}" || true; } | head -n "$PEER_LINES" >"$slice_dir/access.log"
slice_lines=$(wc -l <"$slice_dir/access.log")
slice_bytes=$(stat -c %s "$slice_dir/access.log")

# --- timing -----------------------------------------------------------------------------
declare -A median=() cpu_median=() sys_median=() rss_kb=() skipped=() lines_of=() bytes_of=()
order=()

have() { command -v "$1" >/dev/null 2>&1; }

median_of() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Peak RSS (KiB) of one run of a shell command: GNU time if present, else poll VmHWM.
peak_rss() {
    local cmd=$1
    if [[ -x /usr/bin/time ]]; then
        /usr/bin/time -f '%M' -o "$work/rss" bash -c "$cmd" >/dev/null 2>&1 || true
        tail -n 1 "$work/rss"
    else
        bash -c "exec $cmd" >/dev/null 2>&1 &
        local pid=$! hwm=0 now
        while kill -0 "$pid" 2>/dev/null; do
            now=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
            [[ -n "$now" ]] && ((now > hwm)) && hwm=$now
            sleep 0.05
        done
        wait "$pid" || true
        echo "$hwm"
    fi
}

# bench NAME CMD [rss] [slow]: one untimed run now (warm-up, and a failure becomes a
# skipped row); the timed runs come later, in rounds (see run_rounds).
declare -a timed=()
declare -A cmd_of=() wants_rss=() is_slow=()
bench() {
    local name=$1 cmd=$2 want_rss=${3:-} slow=${4:-}
    order+=("$name")
    say "-- $name: $cmd"
    # A slow command's untimed run waits for its own rounds (see run_rounds).
    if [[ -z "$slow" ]] && ! bash -c "$cmd" >/dev/null 2>"$work/err"; then
        skipped[$name]="failed: $(tail -n 2 "$work/err" | tr '\n' ' ')"
        say "   ${skipped[$name]}"
        return
    fi
    timed+=("$name")
    cmd_of[$name]=$cmd
    wants_rss[$name]=$want_rss
    is_slow[$name]=$slow
}

# RUNS rounds, each running every command once, in order: on a shared host whose speed
# drifts over minutes, a ratio of two medians is only fair when both commands ran in
# the same minutes. The median of each command's runs is kept.
# The peers (and knocklog on their slice) get PEER_RUNS rounds of their own afterwards:
# the runs right after a minute of goaccess were slower on this host (knocklog plain:
# 2.48, 2.14, 1.92, 1.81 s in a row, against 1.7 s before it), which is the host
# recovering, not the next command.
run_rounds() {
    local pass round i start end rounds
    for pass in fast slow; do
        rounds=$RUNS
        [[ $pass == slow ]] && rounds=$PEER_RUNS
        for ((round = 1; round <= rounds; round++)); do
            say "-- $pass round $round of $rounds"
            for i in "${!timed[@]}"; do
                [[ "${is_slow[${timed[$i]}]:+slow}" == "${pass/fast/}" ]] || continue
                [[ -z "${skipped[${timed[$i]}]:-}" ]] || continue
                if [[ $pass == slow && $round == 1 ]] && ! bash -c "${cmd_of[${timed[$i]}]}" >/dev/null 2>"$work/err"; then
                    skipped[${timed[$i]}]="failed: $(tail -n 2 "$work/err" | tr '\n' ' ')"
                    continue
                fi
                warm
                start=$(date +%s.%N)
                if [[ -x /usr/bin/time ]]; then
                    /usr/bin/time -f '%U %S' -o "$work/cpu" bash -c "${cmd_of[${timed[$i]}]}" >/dev/null
                    awk '{ printf "%.2f\n", $1 + $2 }' "$work/cpu" >>"$work/cpu.$i"
                    awk '{ printf "%.2f\n", $2 }' "$work/cpu" >>"$work/sys.$i"
                else
                    bash -c "${cmd_of[${timed[$i]}]}" >/dev/null
                fi
                end=$(date +%s.%N)
                awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f\n", b - a }' >>"$work/times.$i"
            done
        done
    done
    for i in "${!timed[@]}"; do
        [[ -z "${skipped[${timed[$i]}]:-}" ]] || continue
        median[${timed[$i]}]=$(median_of <"$work/times.$i")
        [[ -s "$work/cpu.$i" ]] && cpu_median[${timed[$i]}]=$(median_of <"$work/cpu.$i")
        [[ -s "$work/sys.$i" ]] && sys_median[${timed[$i]}]=$(median_of <"$work/sys.$i")
        if [[ -n "${wants_rss[${timed[$i]}]}" ]]; then
            warm
            rss_kb[${timed[$i]}]=$(peak_rss "${cmd_of[${timed[$i]}]}")
        fi
    done
}

skip() { order+=("$1"); skipped[$1]=$2; say "-- $1: skipped ($2)"; }

q() { printf '%q ' "$@"; } # shell-quote a command for bash -c

bench "cat plain" "cat $(q "${plain_files[@]}")> /dev/null"
bench "wc -l plain" "wc -l $(q "${plain_files[@]}")> /dev/null"
bench "zcat gz" "zcat $(q "${gz_files[@]}")> /dev/null"

knocklog_cmd() { q "$KNOCKLOG" scan --threads "$1" --quiet --format "$FORMAT" --out "$work/out" "$2" ${3:+"$3"}; }
knocklog_ok=""
if [[ ! -x "$KNOCKLOG" ]]; then
    knocklog_why="no binary at $KNOCKLOG"
elif ! "$KNOCKLOG" scan --threads 2 --quiet --format "$FORMAT" --out "$work/out" "$plain_dir" >"$work/probe.log" 2>&1; then
    knocklog_why="'knocklog scan' failed: $(tail -n 3 "$work/probe.log" | tr '\n' ' ')"
else
    knocklog_ok=1
fi
# The no-rules row is the scan with detection off: no built-in rules, so no events,
# no suspicion statistics and no sessions are written. It bounds what detection costs
# end to end; classification alone is measured by `cargo bench --bench parsers`
# (classify/*: parse versus parse+classify on the same lines).
for spec in "knocklog -j1 plain:1:$plain_dir:" "knocklog -j2 plain:2:$plain_dir:" "knocklog -j2 gz:2:$gz_dir:" \
    "knocklog -j2 no learn:2:$plain_dir:--no-learn" "knocklog -j2 no rules:2:$plain_dir:--no-builtin-rules"; do
    IFS=: read -r name threads dir extra <<<"$spec"
    if [[ -n "$knocklog_ok" ]]; then
        bench "$name" "$(knocklog_cmd "$threads" "$dir" "$extra")" rss
    else
        skip "$name" "$knocklog_why"
    fi
done

# --- the peers, on the slice ---------------------------------------------------------------
slice="$slice_dir/access.log"
peer() { # peer NAME CMD: a slow row over the slice
    lines_of[$1]=$slice_lines
    bytes_of[$1]=$slice_bytes
    bench "$1" "$2" rss slow
}
if [[ -n "$knocklog_ok" ]]; then
    peer "knocklog -j2 slice" "$(knocklog_cmd 2 "$slice_dir" "")"
else
    skip "knocklog -j2 slice" "$knocklog_why"
fi
if have goaccess; then
    peer "goaccess slice" "goaccess $(q "$slice")--log-format=COMBINED --no-global-config --no-progress -o $(q "$work/goaccess.json")> /dev/null"
else
    skip "goaccess slice" "goaccess not installed"
fi
# lnav parses every line into its access_log table to answer the query.
if have lnav; then
    peer "lnav slice" "lnav -n -c $(q ';SELECT count(*), count(DISTINCT c_ip) FROM access_log') $(q "$slice")> /dev/null"
else
    skip "lnav slice" "lnav not installed"
fi
# fail2ban's filter for web scanners in access logs (Debian's path, or F2B_FILTER).
f2b_filter=${F2B_FILTER:-/etc/fail2ban/filter.d/nginx-botsearch.conf}
if have fail2ban-regex && [[ -f "$f2b_filter" ]]; then
    peer "fail2ban-regex slice" "fail2ban-regex $(q "$slice" "$f2b_filter")> /dev/null"
else
    skip "fail2ban-regex slice" "fail2ban-regex or $f2b_filter not installed"
fi
# CrowdSec's replay mode (-dsn, -no-api) with its nginx parser from the hub.
if have crowdsec && have cscli && cscli parsers list 2>/dev/null | grep -q 'nginx-logs'; then
    peer "crowdsec slice" "crowdsec -dsn $(q "file://$slice") -type nginx -no-api > /dev/null"
else
    skip "crowdsec slice" "crowdsec with the crowdsecurity/nginx-logs parser not installed"
fi
if have rhit; then
    peer "rhit slice" "rhit --silent-load --color no --length 0 $(q "$slice")> /dev/null"
else
    skip "rhit slice" "rhit not installed"
fi

run_rounds

# --- report -----------------------------------------------------------------------------
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo
echo "knocklog scan benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine : $(nproc) cores, ${cpu:-unknown CPU}, $(uname -sr)"
echo "timing  : median of $RUNS runs, in rounds (every command once per round; the slice rows in $PEER_RUNS rounds of their own after), warm page cache"
printf 'corpus  : %s, %d files, %d lines, %.1f MB plain, %.1f MB gz (%.1fx)\n' \
    "$BENCH_DIR" "${#plain_files[@]}" "$lines" "$(awk -v b="$plain_bytes" 'BEGIN { print b / 1e6 }')" \
    "$(awk -v b="$gz_bytes" 'BEGIN { print b / 1e6 }')" "$(awk -v p="$plain_bytes" -v g="$gz_bytes" 'BEGIN { print p / g }')"
printf 'slice   : the first %d lines (%.1f MB) of the plain files, read by the peers and "knocklog -j2 slice"\n' \
    "$slice_lines" "$(awk -v b="$slice_bytes" 'BEGIN { print b / 1e6 }')"
echo "mix     : $MIX, ${addresses:-an unknown number of} distinct addresses"
echo "knocklog: --format $FORMAT; MB/s and lines/s count uncompressed data for the gz rows too"
echo "cpu     : median user+system seconds; µs/line = cpu per line; kernel = system share of cpu; cores = cpu / wall"
echo "          (a one-thread scan still writes its events table on a thread of its own)"
echo "memory  : peak RSS, and per distinct address for the rows over the whole corpus (RSS / addresses)"
echo
row_format='%-20s %9s %12s %8s %8s %8s %7s %6s %10s %8s\n'
# (µ is two bytes: printf pads by bytes)
printf "${row_format/\%8s \%7s/%9s %7s}" "command" "median s" "lines/s" "MB/s" "cpu s" "µs/line" "kernel" "cores" "peak RSS" "B/addr"
printf "$row_format" "-------" "--------" "-------" "----" "-----" "-------" "------" "-----" "--------" "------"
for name in "${order[@]}"; do
    if [[ -n "${skipped[$name]:-}" ]]; then
        printf '%-20s %9s   (%s)\n' "$name" "-" "${skipped[$name]}"
        continue
    fi
    awk -v n="$name" -v s="${median[$name]}" -v c="${cpu_median[$name]:-}" -v k="${sys_median[$name]:-}" \
        -v l="${lines_of[$name]:-$lines}" -v b="${bytes_of[$name]:-$plain_bytes}" -v r="${rss_kb[$name]:-}" \
        -v a="$([[ -z "${lines_of[$name]:-}" ]] && echo "${addresses:-}")" -v f="$row_format" \
        'BEGIN { have_cpu = c != "" && c > 0
                 printf f, n, sprintf("%.3f", s), sprintf("%.0f", l / s), sprintf("%.1f", b / 1e6 / s),
                     have_cpu ? sprintf("%.2f", c) : "-", have_cpu ? sprintf("%.3f", c * 1e6 / l) : "-",
                     have_cpu && k != "" ? sprintf("%.0f%%", 100 * k / c) : "-", have_cpu ? sprintf("%.2f", c / s) : "-",
                     r == "" ? "-" : sprintf("%.0f MiB", r / 1024), r == "" || a == "" ? "-" : sprintf("%.0f", r * 1024 / a) }'
done

ratio() { # ratio LABEL NUMERATOR DENOMINATOR [TIMES]: NUMERATOR/DENOMINATOR of the medians in TIMES (median: wall time, the default; cpu_median)
    local label=$1
    local -n values=${4:-median}
    local a=${values[$2]:-} b=${values[$3]:-}
    if [[ -n "$a" && -n "$b" ]]; then
        awk -v l="$label" -v a="$a" -v b="$b" 'BEGIN { printf "  %-64s %6.2fx\n", l, a / b }'
    else
        printf '  %-64s %7s\n' "$label" "n/a"
    fi
}
echo
echo "ratios:"
ratio "speedup, knocklog 2 threads over 1 (higher=better)" "knocklog -j1 plain" "knocklog -j2 plain"
ratio "knocklog CPU time, 2 threads / 1 (1.00=no overhead)" "knocklog -j2 plain" "knocklog -j1 plain" cpu_median
ratio "knocklog gz (2 threads) / zcat, time (lower=better)" "knocklog -j2 gz" "zcat gz"
ratio "knocklog plain (2 thr.) / cat, time (lower=better)" "knocklog -j2 plain" "cat plain"
ratio "learning on / off, time (lower=better)" "knocklog -j2 plain" "knocklog -j2 no learn"
ratio "detection on / off (rules+events+stats), time" "knocklog -j2 plain" "knocklog -j2 no rules"
for peer_name in goaccess lnav fail2ban-regex crowdsec rhit; do
    ratio "speedup, knocklog over $peer_name on the slice (higher=better)" "$peer_name slice" "knocklog -j2 slice"
done

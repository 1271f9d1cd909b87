#!/usr/bin/env bash
# report_load.sh: how big report.html gets and how long headless Chromium takes to load
# it (navigation start to the report frame's load event), for a generated corpus of
# SIZE, next to the shipped sample-logs' report as the baseline of the same session.
# Prints the page sizes, every load time and the medians and their ratio.
#
# Environment (all optional):
#   SIZE=1GB            corpus size (knocklog-gen units: 200MB, 1GB ...)
#   FILES=8             number of rotated files
#   BENCH_DIR=/tmp/knocklog-bench   where the corpus lives (shared with scan_bench.sh)
#   RUNS=5              page loads per report (the median is reported)
#   CHROMIUM=chromium   the browser
#   CARGO_TARGET_DIR    where the release binaries are (default: target)
#
# The load is timed inside the browser (performance.now() in a wrapper page's iframe
# onload), so the browser's own start-up is not counted.
set -euo pipefail

SIZE=${SIZE:-1GB}
FILES=${FILES:-8}
BENCH_DIR=${BENCH_DIR:-/tmp/knocklog-bench}
RUNS=${RUNS:-5}
CHROMIUM=${CHROMIUM:-chromium}

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$repo_root/target}
KNOCKLOG=${KNOCKLOG:-$target_dir/release/knocklog}
KNOCKLOG_GEN=${KNOCKLOG_GEN:-$target_dir/release/knocklog-gen}
command -v "$CHROMIUM" >/dev/null || { echo "report_load.sh: $CHROMIUM not found" >&2; exit 1; }

request="SIZE=$SIZE FILES=$FILES"
if [[ "$(cat "$BENCH_DIR/.request" 2>/dev/null)" != "$request" ]]; then
    rm -rf "$BENCH_DIR/plain" "$BENCH_DIR/gz"
    "$KNOCKLOG_GEN" bench --out "$BENCH_DIR" --size "$SIZE" --files "$FILES" --gzip >&2
    printf '%s' "$request" >"$BENCH_DIR/.request"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$KNOCKLOG" scan "$repo_root/sample-logs" --quiet --format parquet --out "$work/sample" 2>/dev/null || true
"$KNOCKLOG" scan "$BENCH_DIR/gz" --quiet --format parquet --out "$work/corpus" 2>/dev/null || true

load_ms() { # report.html -> milliseconds to its load event
    cat >"$work/wrap.html" <<HTML
<!doctype html><title>pending</title>
<iframe style="width:1280px;height:900px" src="file://$1"
 onload="document.title='loaded '+performance.now().toFixed(0)"></iframe>
HTML
    "$CHROMIUM" --headless --no-sandbox --disable-gpu --allow-file-access-from-files \
        --user-data-dir="$work/profile" --dump-dom "file://$work/wrap.html" 2>/dev/null \
        | sed -n 's/.*<title>loaded \([0-9]*\)<.*/\1/p'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A med
for name in sample corpus; do
    page="$work/$name/report.html"
    times=()
    for _ in $(seq "$RUNS"); do times+=("$(load_ms "$page")"); done
    med[$name]=$(printf '%s\n' "${times[@]}" | median)
    printf '%-7s report.html %10d bytes  loads (ms): %s  median %s ms\n' \
        "$name" "$(stat -c %s "$page")" "${times[*]}" "${med[$name]}"
done
awk -v c="${med[corpus]}" -v s="${med[sample]}" 'BEGIN { printf "corpus / sample load: %.2fx\n", c / s }'

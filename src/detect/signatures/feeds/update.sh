#!/usr/bin/env bash
# Refreshes the vendored feed files from checkouts of their repositories, then
# regenerates the signature files made from them:
#   src/detect/signatures/feeds/update.sh HUB_CHECKOUT CRS_CHECKOUT [NUCLEI_CHECKOUT]
# HUB_CHECKOUT: a clone of https://github.com/crowdsecurity/hub (MIT)
# CRS_CHECKOUT: a clone of https://github.com/coreruleset/coreruleset (Apache-2.0)
# NUCLEI_CHECKOUT: a clone of https://github.com/projectdiscovery/nuclei-templates (MIT);
#   the templates listed in nuclei-templates/SOURCE are refreshed at its HEAD (the
#   selection stays the same; add a path there to take one more).
# Only data is taken: the HTTP scenarios whose filters name request paths, two CRS
# data files, and CRS's request-attack rules (ids, paranoia levels, variables,
# transformations and regexes) with the data files they read. Review the diff of feed-*.txt before committing: the benign-corpus test
# (tests/detection.rs) must still pass.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
hub="$1"
crs="$2"

rm -rf "$here/crowdsec-hub" "$here/coreruleset"
mkdir -p "$here/crowdsec-hub/scenarios" "$here/coreruleset"

git -C "$hub" show HEAD:LICENSE > "$here/crowdsec-hub/LICENSE"
printf 'https://github.com/crowdsecurity/hub\n%s\nMIT\n' "$(git -C "$hub" rev-parse HEAD)" > "$here/crowdsec-hub/SOURCE"
git -C "$hub" ls-tree -r --name-only HEAD scenarios/ | grep '\.yaml$' | while read -r path; do
    body="$(git -C "$hub" show "HEAD:$path")"
    # Scenarios over web access logs that name the request path.
    if grep -qE 'http_path|Parsed\.request' <<<"$body"; then
        author="$(basename "$(dirname "$path")")"
        printf '%s\n' "$body" > "$here/crowdsec-hub/scenarios/$author--$(basename "$path")"
    fi
done

git -C "$crs" show HEAD:LICENSE > "$here/coreruleset/LICENSE"
printf 'https://github.com/coreruleset/coreruleset\n%s\nApache-2.0\n' "$(git -C "$crs" rev-parse HEAD)" > "$here/coreruleset/SOURCE"
for file in restricted-files.data scanners-user-agents.data; do
    git -C "$crs" show "HEAD:rules/$file" > "$here/coreruleset/$file"
done
# The request-attack rules the payload rules come from, and the data files they read.
mkdir -p "$here/coreruleset/rules"
for file in REQUEST-921-PROTOCOL-ATTACK.conf REQUEST-930-APPLICATION-ATTACK-LFI.conf \
    REQUEST-931-APPLICATION-ATTACK-RFI.conf REQUEST-932-APPLICATION-ATTACK-RCE.conf \
    REQUEST-933-APPLICATION-ATTACK-PHP.conf REQUEST-934-APPLICATION-ATTACK-GENERIC.conf \
    REQUEST-941-APPLICATION-ATTACK-XSS.conf REQUEST-942-APPLICATION-ATTACK-SQLI.conf \
    REQUEST-943-APPLICATION-ATTACK-SESSION-FIXATION.conf lfi-os-files.data \
    php-function-names-933150.data php-variables.data ssrf-no-scheme.data ssrf.data \
    unix-shell.data windows-powershell-commands.data; do
    git -C "$crs" show "HEAD:rules/$file" > "$here/coreruleset/rules/$file"
done

if [[ $# -ge 3 ]]; then
    nuclei="$3"
    dir="$here/nuclei-templates"
    paths="$(grep -P '^http/\S+\t' "$dir/SOURCE" | cut -f1)"
    head="$(git -C "$nuclei" rev-parse HEAD)"
    git -C "$nuclei" show HEAD:LICENSE > "$dir/LICENSE"
    header="$(grep -vP '^http/\S+\t' "$dir/SOURCE")"
    rm -rf "$dir/http"
    { printf '%s\n' "$header"; for path in $paths; do
        mkdir -p "$dir/$(dirname "$path")"
        git -C "$nuclei" show "HEAD:$path" > "$dir/$path"
        printf '%s\t%s\n' "$path" "$head"
    done; } > "$dir/SOURCE.new"
    mv "$dir/SOURCE.new" "$dir/SOURCE"
fi

cd "$here/../../../.."
cargo run --release --locked --bin knocklog-gen -- feeds

#!/bin/sh
# check.sh: the loading snippets koble writes next to a CSV delivery
# (NAME.csv.load.R, .load.py, .load.sql) really load it, with its types,
# in R (readr), pandas and DuckDB. Not part of `go test`: it needs R with
# readr, Python with pandas and Node.js (DuckDB through the pinned
# @duckdb/node-api of bench/duckdb). A tool that is missing is reported
# and skipped, unless REQUIRE_ALL=1.
#
#   bench/loaders/check.sh            # from the repository root
#
# On Debian: apt-get install -y r-base-core r-cran-readr python3-pandas nodejs npm
#
# The delivery: synthetic death records with an int64 serial (values above
# 2^53), a code with leading zeros, Latin-1 text (æøå), the text "NA" and
# empty fields, written Latin-1 with ';' as delimiter.
set -eu
root=$(pwd)
test -f bench/loaders/check.sh || { echo "run from the repository root" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/koble" ./cmd/koble
k="$work/koble"
"$k" synth -q --persons 200 --rows 400 --bad-ids 0 --out "$work/data"
# Add the awkward columns to the death register.
awk -F, 'BEGIN{OFS=","} NR==1{print $0,"code","place","note"; next}
  {p = (NR%3==0) ? "Tromsø" : ((NR%3==1) ? "Ålesund" : ""); n = (NR%2==0) ? "NA" : "";
   print $0, sprintf("%04d", NR%50), p, n}' "$work/data/death.csv" > "$work/in.csv"
printf 'pass phrase for the check\n' > "$work/pass"
"$k" keygen -q --project loaders-check --out "$work/project.key" --passphrase-file "$work/pass" >/dev/null
mkdir "$work/delivery"
"$k" prepare -q --key "$work/project.key" --passphrase-file "$work/pass" --in "$work/in.csv" \
  --out "$work/delivery/death.csv" --id-column fnr --serial-encoding int64 \
  --out-delimiter ';' --out-encoding latin-1 --shift-dates death_date --window 30
cd "$work/delivery"
"$k" verify -q . >/dev/null
rows=$(($(wc -l < death.csv) - 1))
# The expected values, from the file itself (Latin-1, ';', no quoting needed).
iconv -f latin1 -t utf-8 death.csv | tail -n +2 > "$work/expect.txt"

status=0
missing() {
  echo "loaders: $1 not found: skipped" >&2
  if [ "${REQUIRE_ALL:-0}" = 1 ]; then status=1; fi
}

if command -v Rscript >/dev/null && Rscript -e 'library(readr)' >/dev/null 2>&1; then
  Rscript "$root/bench/loaders/check.R" "$work/expect.txt" "$rows" || status=1
else
  missing "R with readr"
fi

if command -v python3 >/dev/null && python3 -c 'import pandas' 2>/dev/null; then
  python3 "$root/bench/loaders/check.py" "$work/expect.txt" "$rows" || status=1
else
  missing "Python with pandas"
fi

if command -v npm >/dev/null; then
  cache=${KOBLE_DUCKDB_CACHE:-$HOME/.cache/koble-bench}
  mkdir -p "$cache"
  if ! cmp -s "$root/bench/duckdb/package-lock.json" "$cache/package-lock.json" || [ ! -d "$cache/node_modules/@duckdb/node-api" ]; then
    cp "$root/bench/duckdb/package.json" "$root/bench/duckdb/package-lock.json" "$cache/"
    (cd "$cache" && npm ci --no-audit --no-fund >&2)
  fi
  cp "$root/bench/loaders/check.mjs" "$cache/loaders-check.mjs"
  node "$cache/loaders-check.mjs" "$work/expect.txt" "$rows" || status=1
else
  missing "Node.js (for DuckDB)"
fi
exit $status

#!/bin/sh
# check.sh: makes a delivery with every command that writes one (prepare
# to Parquet, CSV and Arrow; link, distributed and centralised; the
# pseudonymous-register extract; convert) from synthetic registers, and
# opens every output with DuckDB, polars (check.mjs) and R (check.R),
# checking row counts against the manifests and column types against the
# deliveries' descriptions. Not part of .ci/run or `go test`: it needs
# Node.js with npm (DuckDB and polars are installed, pinned by
# package-lock.json, into $KOBLE_READERS_CACHE, default
# ~/.cache/koble-readers) and R with readr and jsonlite (Debian:
# apt-get install -y nodejs npm r-base-core r-cran-readr r-cran-jsonlite).
# nodejs-polars 0.25.2 needs Node.js 22 or later (its native package says
# so, and npm skips it on older Node.js): polars is then reported and
# skipped. A tool that is missing is reported and skipped, unless REQUIRE_ALL=1;
# KEEP=1 keeps the deliveries and says where.
# The results of runs are in README.md beside this script.
#
#   bench/readers/check.sh            # from the repository root
set -eu
test -f bench/readers/check.sh || { echo "run from the repository root" >&2; exit 2; }
root=$(pwd)
work=$(mktemp -d)
if [ "${KEEP:-0}" = 1 ]; then echo "readers: deliveries kept in $work" >&2; else trap 'rm -rf "$work"' EXIT; fi
go build -o "$work/koble" ./cmd/koble
k="$work/koble"
"$k" synth -q --persons 400 --rows 1500 --bad-ids 0 --out "$work/csv"
"$k" synth -q --persons 400 --rows 1500 --bad-ids 0 --format parquet --out "$work/parquet"
printf 'pass phrase for the readers check\n' > "$work/pass"
"$k" keygen -q --project heart-and-cancer-2026 --out "$work/project.key" --passphrase-file "$work/pass" >/dev/null
d="$work/deliveries"
prep() { # OUT IN [flags...]: prepare with the key, ID column fnr
  out=$1 in=$2; shift 2
  "$k" prepare -q --key "$work/project.key" --passphrase-file "$work/pass" --in "$in" --out "$out" --id-column fnr "$@"
}
shift_patient='--shift-dates admit_date,discharge_date,control_date --window 182 --drop birth_date'
# prepare: from CSV to each format, from Parquet to CSV, with int64 serials once.
prep "$d/prepare-csv-parquet/patient.parquet" "$work/csv/patient.csv" $shift_patient --infer-types
prep "$d/prepare-csv-csv/patient.csv" "$work/csv/patient.csv" $shift_patient --serial-encoding int64
prep "$d/prepare-csv-arrow/death.arrow" "$work/csv/death.csv" --shift-dates death_date --window 182
prep "$d/prepare-parquet-csv/cancer.csv" "$work/parquet/cancer.parquet" --shift-dates diagnosis_date --window 182
# convert: CSV with declared and inferred types, Parquet to CSV.
mkdir -p "$d/convert"
"$k" convert -q "$work/csv/death.csv" "$d/convert/death.parquet" --types death_date:date
"$k" convert -q "$work/csv/patient.csv" "$d/convert/patient.arrow" --infer-types
"$k" convert -q "$work/parquet/cancer.parquet" "$d/convert/cancer.csv"
# link: the test plans, on CSV and on Parquet sources.
mkdir -p "$work/plans"
cp "$work/project.key" "$work/plans/"
ln -s "$work/parquet" "$work/plans/data"
for plan in distributed centralised-a centralised-b; do
  cp "$root/testdata/plans/$plan.toml" "$work/plans/"
  "$k" link -q "$work/plans/$plan.toml" --passphrase-file "$work/pass"
done
sed 's#^path = "data/\(.*\)\.parquet"#path = "csv/\1.csv"#; s#delivery-distributed#delivery-distributed-csv#' \
  "$root/testdata/plans/distributed.toml" > "$work/plans/distributed-csv.toml"
ln -s "$work/csv" "$work/plans/csv"
"$k" link -q "$work/plans/distributed-csv.toml" --passphrase-file "$work/pass"
for p in distributed distributed-csv centralised-a centralised-b; do mv "$work/plans/delivery-$p" "$d/link-$p"; done
# the pseudonymous-register flow, as the demo runs it.
"$k" demo -q --persons 400 --dir "$work/demo" >/dev/null
mv "$work/demo/delivery-pseudoreg" "$d/pseudoreg"
dirs=$(find "$d" -mindepth 1 -maxdepth 1 -type d | sort)

status=0
missing() {
  echo "readers: $1 not found: skipped" >&2
  if [ "${REQUIRE_ALL:-0}" = 1 ]; then status=1; fi
}
if command -v npm >/dev/null; then
  cache=${KOBLE_READERS_CACHE:-$HOME/.cache/koble-readers}
  mkdir -p "$cache"
  if ! cmp -s bench/readers/package-lock.json "$cache/package-lock.json" || [ ! -d "$cache/node_modules/nodejs-polars" ]; then
    cp bench/readers/package.json bench/readers/package-lock.json "$cache/"
    (cd "$cache" && npm ci --no-audit --no-fund >&2)
  fi
  cp bench/readers/check.mjs "$cache/readers-check.mjs"
  # shellcheck disable=SC2086
  node "$cache/readers-check.mjs" $dirs || status=1
else
  missing "Node.js with npm (DuckDB, polars)"
fi
if command -v Rscript >/dev/null && Rscript -e 'library(readr); library(jsonlite)' >/dev/null 2>&1; then
  # shellcheck disable=SC2086
  Rscript bench/readers/check.R $dirs || status=1
else
  missing "R with readr and jsonlite"
fi
exit $status

#!/bin/sh
# Issue 12 at register scale: the peak RSS of every prepare mode on 10
# million rows (item 11), and prepare's rows/s before and after the
# fail-closed work (the 5% rule), each figure with its CPU time.
#
#   bench/issue12.sh DIR [BEFORE]      (from the repository root)
#
# DIR receives the binaries, the data (made once by koble synth, kept) and
# the outputs. BEFORE is the commit before the fail-closed work (default
# fe1c395). Every run is one process at a time, timed by /usr/bin/time
# (wall, user, sys, peak RSS). Prints Markdown rows for bench/RESULTS.md.
# The instruction counts of the 5% rule (bench/RESULTS.md, "the cost of
# failing closed, in instructions") come from one run of the same job
# under valgrind, on 200,000 rows:
#   GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 valgrind --tool=callgrind \
#     koble prepare ... --workers 1 $shift_args
set -eu
DIR=${1:?usage: bench/issue12.sh DIR [BEFORE]}
BEFORE=${2:-fe1c395}
ROUNDS=${ROUNDS:-3}
PARTS=${PARTS:-memory compare} # memory: every mode's peak RSS; compare: before and after
WORKERS=${WORKERS:-1 2}        # the worker counts of both parts
MODES=${MODES:-shift first}     # memory: shift (three format pairs), first (relative dates, distinct IDs)
mkdir -p "$DIR/out"
go build -o "$DIR/koble" ./cmd/koble
if [ ! -x "$DIR/koble-before" ]; then
	git worktree add --detach "$DIR/before-src" "$BEFORE" >/dev/null 2>&1
	(cd "$DIR/before-src" && go build -o "$DIR/koble-before" ./cmd/koble)
	git worktree remove --force "$DIR/before-src"
fi
K="$DIR/koble"
[ -f "$DIR/pq/patient.parquet" ] || $K synth --persons 1000000 --rows 10000000 --layout scattered --format parquet --out "$DIR/pq" --seed 1 --quiet
case $PARTS in *memory*) ;; *) SKIP_DATA=1 ;; esac
[ -n "${SKIP_DATA:-}" ] || [ -f "$DIR/csv/patient.csv" ] || $K synth --persons 1000000 --rows 10000000 --layout scattered --format csv --out "$DIR/csv" --seed 1 --quiet
case $MODES in *first*) ;; *) SKIP_DISTINCT=1 ;; esac
[ -n "${SKIP_DATA:-}${SKIP_DISTINCT:-}" ] || [ -f "$DIR/distinct/patient.parquet" ] || $K synth --persons 10000000 --rows 10000000 --layout scattered --format parquet --out "$DIR/distinct" --seed 2 --quiet
# A test identity (the scripts' own) opens the bench key.
echo AGE-SECRET-KEY-1UV4H88TXNSASU2FXYURD93FCJSNQV7KJ2MQM4E3SY6KZ74C2H8XS0WK89H >"$DIR/bench.identity"
[ -f "$DIR/bench.key" ] || $K keygen --project bench --out "$DIR/bench.key" --recipient age1v6myrw0lp4jy0lyhc4r5z5z3uhelef44mh0m4ncfxgycsxx7nutq6npxx6 --quiet

# run NAME BINARY IN OUT ARGS...: one timed prepare; prints a table row.
run() {
	name=$1 bin=$2 in=$3 out=$4
	shift 4
	# A binary that refuses unshifted dates beside shifted ones is told
	# that control_date and birth_date go through on purpose: the same job.
	extra=
	case " $* " in *" --shift-dates "*)
		if "$bin" prepare --help 2>&1 | grep -q -- --unshifted-dates; then extra="--unshifted-dates control_date,birth_date"; fi ;;
	esac
	t=$(mktemp "$DIR/time.XXXXXX")
	/usr/bin/time -f "%e %U %S %M" -o "$t" "$bin" prepare --key "$DIR/bench.key" -i "$DIR/bench.identity" \
		--in "$in" --out "$DIR/out/$out" --id-column fnr --overwrite --quiet $extra "$@"
	read -r wall user sys rss <"$t"
	rm -f "$t"
	echo "| $name | $wall | $(echo "$user + $sys" | bc) | $(echo "10000000 / $wall / 1000000" | bc -l | cut -c1-4) M | $((rss / 1024)) |"
}
# Every date column is shifted: koble refuses to deliver an unshifted date
# beside shifted ones (the difference would give the offset away).
shift_args="--shift-dates admit_date,discharge_date,control_date,birth_date --window 182"
first_args="--relative-dates first(admit_date,discharge_date):admit_date,discharge_date,control_date"

case $PARTS in *memory*)
echo "| mode | wall s | CPU s (user+sys) | rows/s | peak RSS MiB |"
echo "| --- | --- | --- | --- | --- |"
for w in $WORKERS; do
	case $MODES in *shift*)
		run "Parquet -> Parquet, $w worker(s), shift" "$K" "$DIR/pq/patient.parquet" p.parquet --workers $w $shift_args
		run "CSV -> CSV, $w worker(s), shift" "$K" "$DIR/csv/patient.csv" p.csv --workers $w $shift_args
		run "CSV -> Parquet, $w worker(s), shift" "$K" "$DIR/csv/patient.csv" c.parquet --workers $w $shift_args
		;;
	esac
	case $MODES in *first*)
		run "Parquet -> Parquet, $w worker(s), relative to first(), 10M distinct IDs" "$K" "$DIR/distinct/patient.parquet" f.parquet --workers $w $first_args
		;;
	esac
done
;; esac

case $PARTS in *compare*) ;; *) exit 0 ;; esac
echo
echo "Before ($BEFORE) and after, interleaved, $ROUNDS rounds:"
echo "| round | binary | mode | wall s | CPU s (user+sys) | rows/s | peak RSS MiB |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for r in $(seq "$ROUNDS"); do
	for w in $WORKERS; do
		echo "| $r | before $(run "Parquet -> Parquet, $w worker(s)" "$DIR/koble-before" "$DIR/pq/patient.parquet" b.parquet --workers $w $shift_args | cut -c2-)"
		echo "| $r | after $(run "Parquet -> Parquet, $w worker(s)" "$K" "$DIR/pq/patient.parquet" a.parquet --workers $w $shift_args | cut -c2-)"
	done
done

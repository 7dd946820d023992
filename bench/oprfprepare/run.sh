#!/bin/sh
# Prepare with serials from the OPRF service against prepare with the
# project key, on the same synthetic patient register, on loopback:
#
#   sh bench/oprfprepare/run.sh PERSONS ROWS [WORKERS]
#
# It builds koble, writes the register (koble synth), a key, a self-signed
# PKI and a service configuration (the client's quota: the persons) into a
# temporary folder, runs 'koble serve' in the background, then times
# 'koble prepare --key' and 'koble prepare --serials oprf' (wall, user and
# system CPU of the client, and the server's CPU from /proc), checks the
# audit log, and prints one Markdown table row per run.
set -eu
persons=${1:-20000}
rows=${2:-200000}
workers=${3:-2}
dir=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
koble="$dir/koble"
go build -o "$koble" ./cmd/koble
"$koble" -q synth --persons "$persons" --rows "$rows" --format parquet --seed 1 --out "$dir/data"
printf 'bench passphrase\n' > "$dir/pass"
"$koble" -q keygen --project bench --out "$dir/bench.key" --passphrase-file "$dir/pass" > /dev/null
pub=$("$koble" key info "$dir/bench.key" --passphrase-file "$dir/pass" | sed -n 's/^oprf public key: //p')
"$koble" -q serve testpki --out "$dir/pki" --client registry
cat > "$dir/serve.toml" <<CONF
listen = "127.0.0.1:0"
tls_cert = "pki/server.crt"
tls_key = "pki/server.key"
client_ca = "pki/ca.crt"
audit_log = "audit.jsonl"
max_batch = 1000

[[project]]
name = "bench"
key_file = "bench.key"

[[client]]
name = "registry"
  [[client.grant]]
  project = "bench"
  cohort = $persons
  deliveries = 1
  rate = 1e9
CONF
"$koble" serve --config "$dir/serve.toml" --passphrase-file "$dir/pass" --ready-file "$dir/ready" 2> "$dir/serve.log" &
server=$!
while [ ! -s "$dir/ready" ]; do sleep 0.2; done
url=$(cat "$dir/ready")
in="$dir/data/patient.parquet"
common="--in $in --id-column fnr --workers $workers --drop hospital"
cpu() { awk '{print ($14+$15)/100}' "/proc/$1/stat"; }

echo "| run | wall s | client CPU s (user+sys) | server CPU s |"
echo "| --- | --- | --- | --- |"
/usr/bin/time -f "%e %U %S" -o "$dir/t.key" "$koble" -q prepare $common --out "$dir/key/out.parquet" \
	--key "$dir/bench.key" --passphrase-file "$dir/pass"
awk '{printf "| prepare --key | %s | %.2f | - |\n", $1, $2+$3}' "$dir/t.key"
s0=$(cpu $server)
/usr/bin/time -f "%e %U %S" -o "$dir/t.oprf" "$koble" -q prepare $common --out "$dir/oprf/out.parquet" \
	--serials oprf --server "$url" --project bench --public-key "$pub" --server-ca "$dir/pki/ca.crt" \
	--client-cert "$dir/pki/registry.crt" --client-key "$dir/pki/registry.key"
s1=$(cpu $server)
awk -v s="$(echo "$s1 - $s0" | bc)" '{printf "| prepare --serials oprf | %s | %.2f | %s |\n", $1, $2+$3, s}' "$dir/t.oprf"
kill -TERM $server; wait $server || true
"$koble" audit verify "$dir/audit.jsonl"
grep -c '"status":200' "$dir/audit.jsonl" | sed 's/^/granted requests: /'
awk -F'"count":' '{split($2,a,","); n+=a[1]} END {print "evaluations: " n " (persons: '"$persons"')"}' "$dir/audit.jsonl"

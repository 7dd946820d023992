#!/bin/sh
# render.sh: draws every plan of testdata/plans as SVG, dot and Mermaid
# and renders the SVG to PNG, to look at. Not part of `go test` (the
# geometry of the SVG is tested by linkage's TestGraphGeometry); it needs
# rsvg-convert (Debian: apt-get install -y librsvg2-bin).
#
#   bench/drawings/render.sh [OUT]     # from the repository root; OUT defaults to /tmp/koble-drawings
set -eu
test -f bench/drawings/render.sh || { echo "run from the repository root" >&2; exit 2; }
command -v rsvg-convert >/dev/null || { echo "rsvg-convert not found: apt-get install -y librsvg2-bin" >&2; exit 1; }
out=${1:-/tmp/koble-drawings}
mkdir -p "$out"
go build -o "$out/koble" ./cmd/koble
for plan in testdata/plans/*.toml; do
  name=$(basename "$plan" .toml)
  if ! "$out/koble" plan graph "$plan" -o "$out/$name.svg" 2>/dev/null; then
    echo "$name: not drawn (the plan is refused: koble plan check $plan says why)"
    continue
  fi
  "$out/koble" plan graph --format dot "$plan" -o "$out/$name.dot"
  "$out/koble" plan graph --format mermaid "$plan" -o "$out/$name.mmd"
  rsvg-convert "$out/$name.svg" -o "$out/$name.png"
  echo "$name: $out/$name.png"
done

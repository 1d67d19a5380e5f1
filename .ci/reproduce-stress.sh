#!/usr/bin/env bash
# The scorecards of docs/stress.md: every bundled battery (worlds/stress/*.json) over its
# config's own seeds, each table (`scorecard.md`'s, the worst seed and grade per cell, the
# mean in brackets) spliced between the page's `stress-<name>:` markers. Nothing else of
# the page changes; the prose that reads the tables is written by hand.
# Usage: .ci/reproduce-stress.sh [JOBS]     (make reproduce-stress JOBS=2)
set -euo pipefail
source "$(dirname "$0")/reproduce-common.sh"
jobs=${1:-2}
cascade=${CASCADE:-.build/release/cascade}
page=${PAGE:-docs/stress.md}
work=$(mktemp -d "${TMPDIR:-/tmp}/cascade-stress.XXXXXX")
trap 'rm -rf "$work"' EXIT

for config in worlds/stress/*.json; do
  name=$(basename "$config" .json)
  marker="stress-$name"
  echo "stress: $name" >&2
  "$cascade" stress "$config" --jobs "$jobs" --out "$work/$name" >"$work/$name.out"
  table="$work/$name.md"
  {
    # The command and what it ran, then the scorecard's table (its first table).
    runs=$(sed -n 's/^.*= \([0-9]*\) runs, \([0-9]*\) not applicable.*$/\1 runs, \2 scenario(s) not applicable/p' \
      "$work/$name.out")
    seeds=$(sed -n 's/^.*seeds \([0-9.]*\), Cascade.*$/\1/p' "$work/$name/scorecard.md")
    echo "\`cascade stress $config\`: seeds $seeds, $runs."
    echo
    awk '/^\| scenario \|/ { on = 1 } on && /^$/ { exit } on { print }' "$work/$name/scorecard.md"
  } >"$table"
  seeds=$seeds splice_table
done

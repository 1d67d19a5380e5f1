# Sourced by the .ci/reproduce*.sh scripts, which write docs/validation.md's tables: each
# script lists its variants and the columns of its table; this file holds what they share —
# arguments, the scratch folder, one `cascade sweep` per variant, reading its CSV files, and
# splicing the table between the page's markers.
#
#   reproduce_begin MARKER "$@"      seeds, jobs, cascade, work, page, table, marker
#   sweep_variant INDEX NAME WORLD OVERRIDES    sweeps into $work/INDEX; sets points, runs
#   column NAME FILE                 the values of CSV column NAME ("" when it is absent)
#   overrides_shown OVERRIDES        the overrides as inline code, or —
#   splice_table                     $table between <!-- MARKER:begin/end --> of $page

# MARKER names the page's markers and the progress lines; the rest are the script's own
# arguments: [SEEDS] [JOBS]. CASCADE and PAGE come from the environment.
reproduce_begin() {
  marker=$1
  seeds=${2:-100}
  jobs=${3:-2}
  cascade=${CASCADE:-.build/release/cascade}
  page=${PAGE:-docs/validation.md}
  work=$(mktemp -d "${TMPDIR:-/tmp}/cascade-$marker.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  table="$work/table.md"
}

# One variant over seeds 1..$seeds; OVERRIDES are space-separated --set values, no spaces
# inside one. Its points.csv gives the percentiles (nearest rank, exact), its runs.csv the
# per-seed figures (docs/sweeps.md).
sweep_variant() {
  local index=$1 name=$2 world=$3 overrides=$4 value
  local sets=()
  for value in $overrides; do sets+=(--set "$value"); done
  echo "validation ($marker): $name ($seeds seeds)" >&2
  "$cascade" sweep "$world" "${sets[@]}" --seeds "1..$seeds" --jobs "$jobs" \
    --out "$work/$index" >/dev/null
  points="$work/$index/points.csv"
  runs="$work/$index/runs.csv"
}

# No field of these sweeps holds a comma.
column() {
  awk -F, -v name="$1" '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
    { print (c ? $c : "") }' "$2"
}

overrides_shown() {
  local overrides=$1
  local shown=${overrides:+\`${overrides// /\` \`}\`}
  echo "${shown:-—}"
}

# Keeps the page's prose; refuses a page without the markers.
splice_table() {
  awk -v table="$table" -v begin="<!-- $marker:begin -->" -v end="<!-- $marker:end -->" '
    $0 == begin { print; while ((getline line < table) > 0) print line; skip = 1; next }
    $0 == end { skip = 0 }
    !skip { print }' "$page" >"$work/page.md"
  grep -q "$marker:begin" "$work/page.md" || { echo "$marker: no markers in $page" >&2; exit 1; }
  mv "$work/page.md" "$page"
  echo "$marker: wrote $page ($seeds seeds)" >&2
}

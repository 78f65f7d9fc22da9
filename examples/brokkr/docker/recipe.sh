#!/bin/sh
# The planner's recipe (what cargo-chef's `prepare` makes): every Cargo.toml of
# the workspace with stub sources, so the cacher's cache key changes only when
# the dependencies do, not with every source change.
#   recipe.sh OUT_DIR   (run in the workspace root)
set -eu
out=$1
mkdir -p "$out"
cp Cargo.toml "$out/"
for manifest in crates/*/Cargo.toml; do
  crate=$(dirname "$manifest")
  mkdir -p "$out/$crate/src"
  cp "$manifest" "$out/$crate/"
  [ ! -f "$crate/src/lib.rs" ] || : >"$out/$crate/src/lib.rs"
  [ ! -f "$crate/src/main.rs" ] || echo 'fn main() {}' >"$out/$crate/src/main.rs"
done

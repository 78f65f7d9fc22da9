#!/usr/bin/env bash
# Builds every libFuzzer target in tests/fuzz/ (clang, ASan + UBSan) into
# build/fuzz/ and runs each for FUZZ_SECONDS (default 10; or the first
# argument: `bash scripts/fuzz.sh 600`).  The seeds in tests/fuzz/corpus/<target>/
# are only read: new inputs go to a temporary directory.  Exits non-zero when
# any target crashes, leaks, breaks a property or times out; a crashing input
# is kept as build/fuzz/<target>-crash-... (add it to the corpus once fixed).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-${FUZZ_SECONDS:-10}}"
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [seconds per target]" >&2; exit 2; }
out=build/fuzz
mkdir -p "$out"
cflags=(-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined
        -fno-omit-frame-pointer -Wall -Wextra -Werror -D_GNU_SOURCE -Icsrc
        "-DMA_VERSION=\"$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml)\"")
read -ra libs <<<"$(pkg-config --libs libcjson libgit2 libcurl)"
read -ra incs <<<"$(pkg-config --cflags libcjson libgit2 libcurl)"

# One target per kind of outside input (tests/fuzz/<target>.c).
targets=(fuzz_semver fuzz_tags fuzz_platforms fuzz_registry fuzz_config fuzz_metadata fuzz_stderr
         fuzz_index fuzz_cienv fuzz_ghevent fuzz_records fuzz_source fuzz_rawjson fuzz_wwwauth fuzz_link fuzz_dockercfg
         fuzz_indexcompose fuzz_cachespec fuzz_sizes fuzz_manifestrefs fuzz_rfc3339 fuzz_prune)

# The C core (all of csrc/ but the Python binding) built once, instrumented,
# as an archive: each target links only the objects it uses.
rm -f "$out"/*.build-failed "$out"/core/*.o
mkdir -p "$out/core"
build() { "$@" || touch "$out/$(basename "${@: -1}").build-failed"; }
for src in csrc/*.c; do
  [ "$src" = csrc/module.c ] && continue
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n || true; done
  build clang "${cflags[@]}" -fsanitize=fuzzer-no-link "${incs[@]}" -c "$src" -o "$out/core/$(basename "$src" .c).o" &
done
wait
rm -f "$out/libcore.a"
ls "$out"/*.build-failed >/dev/null 2>&1 || ar rcs "$out/libcore.a" "$out"/core/*.o
for name in "${targets[@]}"; do
  [ -f "$out/libcore.a" ] || break
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n || true; done
  build clang "${cflags[@]}" -fsanitize=fuzzer "${incs[@]}" "tests/fuzz/$name.c" "$out/libcore.a" "${libs[@]}" \
    -o "$out/$name" &
done
wait
if ls "$out"/*.build-failed >/dev/null 2>&1 || [ ! -f "$out/libcore.a" ]; then
  echo "fuzz: build failed: $(cd "$out" && ls -- *.build-failed 2>/dev/null | sed 's/\.build-failed//')" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0
for name in "${targets[@]}"; do
  mkdir -p "$work/$name"
  args=(-max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$out/$name-")
  [ -f "tests/fuzz/$name.dict" ] && args+=(-dict="tests/fuzz/$name.dict")
  log="$out/$name.log"
  if "$out/$name" "${args[@]}" "$work/$name" "tests/fuzz/corpus/$name" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz: $name ok, ${runs:-?} runs in ${seconds}s"
  else
    failed=1
    echo "fuzz: $name FAILED (log $log; input kept as $out/$name-*):"
    grep -E 'ERROR|SUMMARY|property failed|runtime error|Test unit written' "$log" | head -n 8 |
      sed 's/^/  /' || true
  fi
done
exit $failed

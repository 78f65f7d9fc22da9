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
cflags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
        -fno-omit-frame-pointer -Wall -Wextra -Werror -D_GNU_SOURCE -Icsrc)
cjson=$(pkg-config --cflags --libs libcjson)

# Each target and the csrc/ files it needs ("+cjson": links cJSON).
targets=(
  "fuzz_semver   semver tagrules strlist error"
  "fuzz_tags     tagrules semver strlist error"
  "fuzz_platforms platform strlist error"
  "fuzz_registry plan platform tagrules semver config textfile strlist error +cjson"
  "fuzz_config   config platform textfile strlist error +cjson"
  "fuzz_metadata buildx sha256 textfile error +cjson"
  "fuzz_stderr   buildx sha256 textfile error +cjson"
  "fuzz_index    registry sha256 strlist error +cjson"
  "fuzz_cienv    cienv tagrules semver strlist error"
)

# Two compilers at a time; a failed build leaves <target>.build-failed.
rm -f "$out"/*.build-failed
for entry in "${targets[@]}"; do
  read -r name deps <<<"$entry"
  srcs=() libs=()
  for d in $deps; do
    if [ "$d" = +cjson ]; then read -ra libs <<<"$cjson"; else srcs+=("csrc/$d.c"); fi
  done
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n || true; done
  { clang "${cflags[@]}" "tests/fuzz/$name.c" "${srcs[@]}" "${libs[@]}" -o "$out/$name" ||
      touch "$out/$name.build-failed"; } &
done
wait
if ls "$out"/*.build-failed >/dev/null 2>&1; then
  echo "fuzz: build failed: $(cd "$out" && ls -- *.build-failed | sed 's/\.build-failed//')" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0
for entry in "${targets[@]}"; do
  read -r name _ <<<"$entry"
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

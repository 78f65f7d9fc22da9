#!/usr/bin/env bash
# valgrind memcheck over every C unit test program (the ctest list): fails on
# any memory error or definitely lost block.  A plain -O0 -g build in
# build/valgrind; each program's valgrind output is kept next to it
# (<name>.valgrind.log) and printed when it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null 2>&1 || { echo "error: valgrind not found (apt-get install valgrind)" >&2; exit 1; }

dir=build/valgrind
cmake -S . -B "$dir" -DMULTIARCH_SANITIZE=OFF -DCMAKE_BUILD_TYPE= -DCMAKE_C_FLAGS="-O0 -g" >/dev/null
cmake --build "$dir" -j 2 >/dev/null

mapfile -t tests < <(ctest --test-dir "$dir" -N | sed -n 's/^ *Test *#[0-9]*: *//p')
[ ${#tests[@]} -gt 0 ] || { echo "error: ctest lists no tests in $dir" >&2; exit 1; }
failed=()
for t in "${tests[@]}"; do
  log="$t.valgrind.log"
  # ctest runs each program in the build directory; so does this loop
  if (cd "$dir" && valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite \
        --error-exitcode=1 "./$t" >"$log" 2>&1); then
    echo "valgrind ok    $t"
  else
    echo "valgrind FAIL  $t"
    cat "$dir/$log"
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "valgrind: ${#failed[@]} of ${#tests[@]} test programs failed: ${failed[*]}" >&2
  exit 1
fi
echo "valgrind: ${#tests[@]} test programs, no memory errors, no definite leaks"

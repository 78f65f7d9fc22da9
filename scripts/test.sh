#!/usr/bin/env bash
# Every test: set up, then the C unit tests (ctest, plain, under
# AddressSanitizer/UBSan, and under valgrind memcheck), the libFuzzer targets
# (scripts/fuzz.sh, 10 s each) and the pytest suite (real git, real angreal
# CLI, a real registry on 127.0.0.1, the buildx emulator from tests/support).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

for variant in plain asan; do
  dir="build/ctest-$variant"
  sanitize=OFF
  [ "$variant" = asan ] && sanitize=ON
  cmake -S . -B "$dir" -DMULTIARCH_SANITIZE="$sanitize" >/dev/null
  cmake --build "$dir" -j 2 >/dev/null
  ctest --test-dir "$dir" --output-on-failure
done
# the same C tests under valgrind memcheck: memory errors and definite leaks
bash scripts/valgrind.sh

bash scripts/fuzz.sh

ANGREAL_NO_AUTO_COMPLETION=1 python3 -m pytest tests -q -p no:cacheprovider

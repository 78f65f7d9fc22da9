#!/usr/bin/env bash
# Every test: set up, then the C unit tests (ctest, plain, under
# AddressSanitizer/UBSan, in strict POSIX mode, and under valgrind memcheck), the libFuzzer targets
# (scripts/fuzz.sh, 10 s each) and the pytest suite (real git, real angreal
# CLI, a real registry on 127.0.0.1, the buildx emulator from tests/support;
# tests/test_wheel.py builds the wheel and installs it in a bare Debian root).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# strict: the core compiled as on a POSIX system without Linux's extensions
# (no _GNU_SOURCE), so the portable paths of csrc/cloexec.c and csrc/proc.c
# are built and tested
for variant in plain asan strict; do
  dir="build/ctest-$variant"
  sanitize=OFF strict=OFF
  [ "$variant" = asan ] && sanitize=ON
  [ "$variant" = strict ] && strict=ON
  cmake -S . -B "$dir" -DMULTIARCH_SANITIZE="$sanitize" -DMULTIARCH_STRICT_POSIX="$strict" >/dev/null
  cmake --build "$dir" -j 2 >/dev/null
  ctest --test-dir "$dir" --output-on-failure
done
# the same C tests under valgrind memcheck: memory errors and definite leaks
bash scripts/valgrind.sh

bash scripts/fuzz.sh

ANGREAL_NO_AUTO_COMPLETION=1 python3 -m pytest tests -q -p no:cacheprovider

#!/usr/bin/env bash
# The main job: set up, then a dry-run plan of `angreal build multi-arch all`
# on the example project in examples/brokkr (a release build, pushed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cd examples/brokkr
ANGREAL_NO_AUTO_COMPLETION=1 angreal build multi-arch all --tag v1.2.3 --push --dry-run

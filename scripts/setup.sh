#!/usr/bin/env bash
# Installs everything multiarch needs on a fresh Debian machine (run as root),
# starts the real build stack (scripts/stack.sh), then builds and installs the
# extension.  Used by both README commands.
set -euo pipefail
cd "$(dirname "$0")/.."

# mmdebstrap: the bare Debian root tests/test_wheel.py installs the wheel into;
# openssl: the CAs and certificates of the registry client's TLS tests
apt_packages=(libgit2-dev libcjson-dev libcurl4-openssl-dev openssl pkg-config git cmake gcc clang docker-registry
              skopeo valgrind tmux mmdebstrap)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# scripts/fuzz.sh needs libFuzzer's runtime, which clang only recommends.
[ -f "$(clang -print-file-name="libclang_rt.fuzzer-$(uname -m).a" 2>/dev/null)" ] ||
  missing+=(libclang-rt-dev)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# dockerd, buildx, QEMU, the loopback registry, the base image, the builder
bash scripts/stack.sh

# jsonschema, pyyaml: tests/test_wheel_workflow.py validates the release workflow
python3 -m pip install -q --root-user-action=ignore angreal pytest jsonschema pyyaml
python3 -m pip install -q --root-user-action=ignore .

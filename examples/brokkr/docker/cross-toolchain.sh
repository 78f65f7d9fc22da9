#!/bin/sh
# The cross toolchain for TARGETARCH on the build platform: Debian's rustc and
# cargo for the build platform, the target's standard library
# (libstd-rust-dev:ARCH, a multiarch package) and a gcc that links for it.
# Writes the Rust target triple to /rust-target and the linker to cargo's
# config.   cross-toolchain.sh TARGETARCH
set -eu
arch=$1
case "$arch" in
  amd64) triple=x86_64-unknown-linux-gnu gnu=x86_64-linux-gnu ;;
  arm64) triple=aarch64-unknown-linux-gnu gnu=aarch64-linux-gnu ;;
  *) echo "cross-toolchain.sh: no cross toolchain for $arch" >&2; exit 1 ;;
esac
crates="librust-serde-dev librust-serde-derive-dev librust-serde-json-dev"
if [ "$arch" = "$(dpkg --print-architecture)" ]; then
  extra="gcc"
else
  dpkg --add-architecture "$arch"
  extra="gcc-$gnu libc6-dev-$arch-cross libstd-rust-dev:$arch"
fi
apt-get update
# shellcheck disable=SC2086  # word lists
apt-get install -y --no-install-recommends cargo rustc $crates $extra
rm -rf /var/lib/apt/lists/*
echo "$triple" >/rust-target
printf '\n[target.%s]\nlinker = "%s-gcc"\n' "$triple" "$gnu" >>"$CARGO_HOME/config.toml"

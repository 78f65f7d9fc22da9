#!/usr/bin/env bash
# The real build stack, on a fresh Debian bookworm machine (as root), or reused
# where it already runs.  Idempotent: each step checks first and does only what
# is missing.  Used by scripts/setup.sh, so by both README commands.
#
#   engine    Debian trixie's docker.io 26, containerd 1.7 and docker-buildx
#             0.13 (bookworm's are too old for multi-platform images), from a
#             trixie apt source pinned at priority 100 so that nothing else
#             comes from trixie; cosign 2.5 from trixie too (signing).  The
#             base system is never upgraded.  containerd, then dockerd with the
#             containerd image store (multi-platform images on the docker
#             driver); a docker engine that already answers is reused.
#   QEMU      trixie's qemu-user 10 (static binaries, no dependencies; pinned
#             like the engine), registered for aarch64 through binfmt_misc:
#             linux/arm64 RUN steps run here.  Bookworm's QEMU 7.2 deadlocks
#             now and then when a multithreaded program forks (cargo spawning
#             rustc hung for good in a Brokkr build: the child stuck on a
#             QEMU lock before its exec).
#   registry  Debian's docker-registry on $MULTIARCH_STACK_REGISTRY
#             (127.0.0.1:5555), plain HTTP on loopback, holding the base image.
#   base      $MULTIARCH_STACK_REGISTRY/multiarch/busybox:1, two platforms,
#             made from Debian's busybox-static (amd64 and arm64 .debs):
#             nothing can be pulled from Docker Hub here.
#   debian    $MULTIARCH_STACK_REGISTRY/multiarch/debian:bookworm, two
#             platforms, a slim Debian base (mmdebstrap --variant=minbase: no
#             docs, man pages or locales, no apt lists; apt-get update in a RUN
#             step reaches deb.debian.org), arm64 through QEMU; what the Brokkr
#             example builds on.
#   builder   `multiarch-remote`, a buildx `remote` builder backed by dockerd's
#             own BuildKit through tests/support/buildkit_proxy.py (a
#             docker-container builder would pull moby/buildkit).
# Logs and state: /var/lib/multiarch-stack, /run/multiarch.
set -euo pipefail
cd "$(dirname "$0")/.."

REGISTRY="${MULTIARCH_STACK_REGISTRY:-127.0.0.1:5555}"
BUILDER="${MULTIARCH_REMOTE_BUILDER:-multiarch-remote}"
STATE=/var/lib/multiarch-stack
RUN_DIR=/run/multiarch
PROXY_SOCKET="$RUN_DIR/buildkit.sock"
BASE_IMAGE="$REGISTRY/multiarch/busybox:1"
DEBIAN_IMAGE="$REGISTRY/multiarch/debian:bookworm"
mkdir -p "$STATE" "$RUN_DIR"

say() { echo "stack: $*" >&2; }
die() { echo "stack: error: $*" >&2; exit 1; }

# wait_for SECONDS CMD...: run CMD every 0.5 s until it succeeds or time is up
wait_for() {
  local limit=$(( $1 * 2 )); shift
  local i
  for ((i = 0; i < limit; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}

# --- packages -------------------------------------------------------------
trixie_list=/etc/apt/sources.list.d/multiarch-trixie.sources
trixie_pin=/etc/apt/preferences.d/multiarch-trixie
apt_updated=0
apt_update() { [ $apt_updated = 1 ] || { apt-get update -qq; apt_updated=1; }; }
apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }

docker_ok() { docker info >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1; }

# the installed version of a package, or nothing
version_of() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }
want_trixie=()
if ! docker_ok; then
  [[ "$(version_of docker.io)" == 2[6-9].* ]] || want_trixie+=(docker.io/trixie)
  [[ "$(version_of containerd)" == 1.7.* ]] || want_trixie+=(containerd/trixie)
  [ -n "$(version_of docker-buildx)" ] || want_trixie+=(docker-buildx/trixie)
fi
command -v cosign >/dev/null 2>&1 || want_trixie+=(cosign/trixie)
qemu_new=0
case "$(version_of qemu-user)" in 1:9.[1-9]* | 1:[1-9][0-9].*) ;; *) qemu_new=1 ;; esac
want=()
for p in busybox-static apache2-utils mmdebstrap arch-test; do
  dpkg -s "$p" >/dev/null 2>&1 || want+=("$p")
done
if [ $(( ${#want_trixie[@]} + qemu_new )) -gt 0 ]; then
  if [ ! -f "$trixie_list" ]; then
    say "adding a trixie apt source pinned at priority 100 (only ${want_trixie[*]} come from it)"
    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' >"$trixie_list"
    printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' >"$trixie_pin"
  fi
  apt_update
fi
if [ $(( ${#want_trixie[@]} + ${#want[@]} )) -gt 0 ]; then
  apt_update
  say "installing ${want_trixie[*]} ${want[*]}"
  apt_install "${want_trixie[@]}" "${want[@]}"
fi
if [ $qemu_new = 1 ]; then
  # replaces bookworm's qemu-user-static 7.2 if there (it Breaks it); without
  # its recommends, which would bring systemd for the binfmt registration
  apt_update
  say "installing qemu-user/trixie"
  apt_install --no-install-recommends qemu-user/trixie
fi

# --- QEMU for linux/arm64 RUN steps ---------------------------------------
binfmt=/proc/sys/fs/binfmt_misc
[ -e "$binfmt/register" ] || mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null || true
# the kernel keeps the interpreter it opened at registration (flag F), so a
# registration made before QEMU changed is made again
qemu_conf=/usr/share/qemu/binfmt.d/qemu-aarch64.conf
qemu_registered="$STATE/qemu-aarch64.registered"
mkdir -p "$STATE"
if [ -f "$qemu_conf" ] && { [ ! -e "$binfmt/qemu-aarch64" ] ||
     [ "$(cat "$qemu_registered" 2>/dev/null)" != "$(version_of qemu-user)" ]; }; then
  say "registering QEMU $(version_of qemu-user) for linux/arm64"
  [ ! -e "$binfmt/qemu-aarch64" ] || echo -1 >"$binfmt/qemu-aarch64"
  cat "$qemu_conf" >"$binfmt/register"
  version_of qemu-user >"$qemu_registered"
fi
[ -e "$binfmt/qemu-aarch64" ] || say "warning: no binfmt handler for aarch64; linux/arm64 RUN steps will fail"

# --- the engine -----------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
  if [ ! -f /etc/docker/daemon.json ]; then
    mkdir -p /etc/docker
    echo '{"features": {"containerd-snapshotter": true}}' >/etc/docker/daemon.json
  fi
  if ! ctr --address /run/containerd/containerd.sock version >/dev/null 2>&1; then
    say "starting containerd"
    setsid containerd >"$STATE/containerd.log" 2>&1 </dev/null &
    wait_for 30 ctr --address /run/containerd/containerd.sock version ||
      die "containerd did not start (log: $STATE/containerd.log)"
  fi
  # a dockerd killed with the session leaves its pid file; a live process
  # that took the pid over would stop the new dockerd from starting
  if [ -f /var/run/docker.pid ] && ! grep -qs dockerd "/proc/$(cat /var/run/docker.pid)/cmdline"; then
    rm -f /var/run/docker.pid
  fi
  say "starting dockerd (containerd image store)"
  setsid dockerd --containerd=/run/containerd/containerd.sock >"$STATE/dockerd.log" 2>&1 </dev/null &
  wait_for 60 docker info || die "dockerd did not start (log: $STATE/dockerd.log)"
fi
docker buildx version >/dev/null 2>&1 || die "docker buildx does not answer (apt-get install docker-buildx)"
[[ "$(docker info --format '{{json .DriverStatus}}')" == *io.containerd.snapshotter* ]] ||
  say "warning: dockerd runs without the containerd image store; the docker driver cannot build two platforms"

# --- the loopback registry --------------------------------------------------
registry_up() { curl -fs -o /dev/null "http://$REGISTRY/v2/"; }
if ! registry_up; then
  say "starting docker-registry on $REGISTRY"
  mkdir -p "$STATE/registry"
  cat >"$STATE/registry.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $STATE/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY
EOF
  setsid docker-registry serve "$STATE/registry.yml" >"$STATE/registry.log" 2>&1 </dev/null &
  wait_for 15 registry_up || die "docker-registry did not answer on $REGISTRY (log: $STATE/registry.log)"
fi

# --- the two-platform base image ----------------------------------------------
busybox_root() {  # ARCH BUSYBOX_BINARY -> $STATE/busybox-ARCH.tar
  local arch=$1 bin=$2 root="$STATE/rootfs-$1"
  rm -rf "$root"
  mkdir -p "$root/bin" "$root/tmp" "$root/etc"
  cp "$bin" "$root/bin/busybox"
  local applet
  for applet in sh ls cat echo uname sleep mkdir rm cp mv true false env sed grep head tail \
                wc sha256sum printf test yes date seq tr cut sort touch dd; do
    ln -sf busybox "$root/bin/$applet"
  done
  tar -C "$root" -cf "$STATE/busybox-$arch.tar" .
  rm -rf "$root"
}
if ! docker buildx imagetools inspect --raw "$BASE_IMAGE" >/dev/null 2>&1; then
  say "making $BASE_IMAGE from Debian's busybox-static (amd64, arm64)"
  deb=$(ls "$STATE"/busybox-static_*_arm64.deb 2>/dev/null | head -n1 || true)
  if [ -z "$deb" ]; then
    dpkg --add-architecture arm64
    apt-get update -qq
    (cd "$STATE" && apt-get download -qq busybox-static:arm64 2>/dev/null) || { dpkg --remove-architecture arm64; die "cannot download busybox-static:arm64"; }
    dpkg --remove-architecture arm64
    apt-get update -qq
    deb=$(ls "$STATE"/busybox-static_*_arm64.deb | head -n1)
  fi
  rm -rf "$STATE/arm64-deb"
  dpkg-deb -x "$deb" "$STATE/arm64-deb"
  busybox_root amd64 /bin/busybox
  busybox_root arm64 "$STATE/arm64-deb/bin/busybox"
  rm -rf "$STATE/arm64-deb"
  for arch in amd64 arm64; do
    docker import --platform "linux/$arch" "$STATE/busybox-$arch.tar" "$REGISTRY/multiarch/busybox:$arch" >/dev/null
    docker push -q "$REGISTRY/multiarch/busybox:$arch" >/dev/null
  done
  docker buildx imagetools create --progress plain -t "$BASE_IMAGE" \
    "$REGISTRY/multiarch/busybox:amd64" "$REGISTRY/multiarch/busybox:arm64" >/dev/null 2>&1 ||
    die "cannot create $BASE_IMAGE"
fi

# --- the two-platform Debian base ---------------------------------------------
# minbase is essential + apt; merged /usr by symlinks (else init-system-helpers
# pulls usrmerge and a whole perl, 50 MB); dpkg's path-exclude (kept in the image, so later
# apt-get installs skip docs too) and an empty /var/lib/apt/lists keep it slim
debian_root() {  # ARCH -> $STATE/debian-ARCH.tar
  mmdebstrap --quiet --variant=minbase --architectures="$1" \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*' \
    bookworm "$STATE/debian-$1.tar" "deb http://deb.debian.org/debian bookworm main" >"$STATE/mmdebstrap-$1.log" 2>&1 ||
    die "mmdebstrap for $1 failed (log: $STATE/mmdebstrap-$1.log)"
}
if ! docker buildx imagetools inspect --raw "$DEBIAN_IMAGE" >/dev/null 2>&1; then
  say "making $DEBIAN_IMAGE with mmdebstrap (amd64 natively, arm64 through QEMU: a few minutes)"
  for arch in amd64 arm64; do
    debian_root "$arch"
    docker import --platform "linux/$arch" "$STATE/debian-$arch.tar" "$DEBIAN_IMAGE-$arch" >/dev/null
    docker push -q "$DEBIAN_IMAGE-$arch" >/dev/null
    rm -f "$STATE/debian-$arch.tar"
  done
  docker buildx imagetools create --progress plain -t "$DEBIAN_IMAGE" "$DEBIAN_IMAGE-amd64" "$DEBIAN_IMAGE-arm64" >/dev/null 2>&1 ||
    die "cannot create $DEBIAN_IMAGE"
fi

# --- the remote builder (dockerd's BuildKit through a unix-socket proxy) -----
proxy_up() { [ -S "$PROXY_SOCKET" ] && curl -fsS --max-time 2 -o /dev/null --unix-socket /var/run/docker.sock http://docker/_ping && pgrep -f "buildkit_proxy.py --listen $PROXY_SOCKET" >/dev/null; }
if ! proxy_up; then
  say "starting the BuildKit proxy on $PROXY_SOCKET"
  install -m 0755 tests/support/buildkit_proxy.py "$STATE/buildkit_proxy.py"
  setsid python3 "$STATE/buildkit_proxy.py" --listen "$PROXY_SOCKET" >"$STATE/proxy.log" 2>&1 </dev/null &
  wait_for 10 test -S "$PROXY_SOCKET" || die "the BuildKit proxy did not start (log: $STATE/proxy.log)"
fi
if ! docker buildx inspect "$BUILDER" >/dev/null 2>&1; then
  docker buildx create --name "$BUILDER" --driver remote "unix://$PROXY_SOCKET" >/dev/null
fi
wait_for 30 docker buildx inspect --bootstrap "$BUILDER" || die "builder $BUILDER does not boot"
say "ready: docker $(docker version --format '{{.Server.Version}}'), buildx $(docker buildx version | cut -d' ' -f2), builder $BUILDER, registry $REGISTRY, bases $BASE_IMAGE $DEBIAN_IMAGE"

#!/usr/bin/env bash
# The main job: set up the real stack, then publish examples/hello for real
# (`angreal build multi-arch all --tag v1.0.0 --push`: two images, linux/amd64
# and linux/arm64, into the loopback registry 127.0.0.1:5555) and read the
# published indexes back.  Before it, the dry-run plan of the Brokkr release
# on examples/brokkr (whose Dockerfiles need the internet, so only planned).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/setup.sh
export ANGREAL_NO_AUTO_COMPLETION=1

echo "== The Brokkr release, planned (examples/brokkr; nothing runs) =="
(cd examples/brokkr && angreal build multi-arch all --tag v1.2.3 --push --dry-run)

# examples/hello as its own git repository with a fixed commit (fixed author,
# dates and content give the same commit id every time), tagged v1.0.0: so a
# second run of this script is a re-run of the same release.
work=$(mktemp -d "${TMPDIR:-/tmp}/multiarch-example.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -rL examples/hello "$work/hello"
cd "$work/hello"
export GIT_AUTHOR_NAME=multiarch GIT_AUTHOR_EMAIL=example@multiarch.invalid \
       GIT_COMMITTER_NAME=multiarch GIT_COMMITTER_EMAIL=example@multiarch.invalid \
       GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z \
       GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
git init -q -b main
git remote add origin https://github.com/colliery-io/multiarch-hello.git
echo ".angreal/" >.gitignore  # the task file is this checkout's, not the example's
git add -A
git commit -q -m "hello: two components, two platforms"
git tag v1.0.0
# one namespace per commit of the example: running this again re-runs the
# same release (it resumes, nothing built); a changed example is a new one
registry="127.0.0.1:5555/examples-$(git rev-parse --short=7 HEAD)"

echo
echo "== Publishing examples/hello for real =="
angreal build multi-arch all --tag v1.0.0 --push --registry "$registry"

echo
echo "== Read back from the registry =="
platforms='{{range .Manifest.Manifests}}{{if ne .Platform.OS "unknown"}}  {{.Platform.OS}}/{{.Platform.Architecture}}  {{.Digest}}{{"\n"}}{{end}}{{end}}'
for image in hello-web hello-worker; do
  ref="$registry/$image:v1.0.0"
  echo "$ref -> sha256:$(docker buildx imagetools inspect --raw "$ref" | sha256sum | cut -d' ' -f1)"
  docker buildx imagetools inspect "$ref" --format "$platforms"
  for platform in linux/amd64 linux/arm64; do
    echo "  docker run --platform $platform: $(docker run --rm -q --pull always --platform "$platform" "$ref")"
  done
done

#!/usr/bin/env bash
# The main job: set up the real stack, then publish an example for real and
# read the published indexes back.
#
#   bash scripts/example.sh          examples/hello (the default, quick): two
#                                    images, linux/amd64 and linux/arm64, after
#                                    the dry-run plan of the Brokkr release
#   bash scripts/example.sh brokkr   examples/brokkr: Brokkr's three images
#                                    (Rust broker and agent, a Node.js ui)
#                                    really built, on both platforms (arm64
#                                    under QEMU: a first run takes minutes)
#
# Either way `angreal build multi-arch all --tag v1.0.0 --push` into the
# loopback registry 127.0.0.1:5555, then each image runs on both platforms,
# and `angreal build status all` shows what the registry now holds.
set -euo pipefail
example=${1:-hello}
case "$example" in
  hello) images=(hello-web hello-worker) run_args=() remote=multiarch-hello ;;
  brokkr) images=(brokkr-broker brokkr-agent brokkr-ui) run_args=(--version) remote=brokkr ;;
  *) echo "usage: bash scripts/example.sh [hello|brokkr]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export ANGREAL_NO_AUTO_COMPLETION=1

if [ "$example" = hello ]; then
  echo "== The Brokkr release, planned (examples/brokkr; nothing runs) =="
  (cd examples/brokkr && angreal build multi-arch all --tag v1.2.3 --push --dry-run)
  echo
fi

# the example as its own git repository with a fixed commit (fixed author,
# dates and content give the same commit id every time), tagged v1.0.0: so a
# second run of this script is a re-run of the same release.
work=$(mktemp -d "${TMPDIR:-/tmp}/multiarch-example.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -rL "examples/$example" "$work/$example"
cd "$work/$example"
export GIT_AUTHOR_NAME=multiarch GIT_AUTHOR_EMAIL=example@multiarch.invalid \
       GIT_COMMITTER_NAME=multiarch GIT_COMMITTER_EMAIL=example@multiarch.invalid \
       GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z \
       GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
git init -q -b main
git remote add origin "https://github.com/colliery-io/$remote.git"
echo ".angreal/" >.gitignore  # the task file is this checkout's, not the example's
git add -A
git commit -q -m "$example: the example"
git tag v1.0.0
# one namespace per commit of the example: running this again re-runs the
# same release (it resumes, nothing built); a changed example is a new one
registry="127.0.0.1:5555/examples-$(git rev-parse --short=7 HEAD)"

echo "== Publishing examples/$example for real =="
# examples/hello names its registry and builder in multiarch.json; Brokkr
# keeps the seed's defaults (ghcr.io/colliery-io, brokkr-builder), so both are
# given here
angreal build multi-arch all --tag v1.0.0 --push --registry "$registry" --builder multiarch-remote

echo
echo "== Read back from the registry =="
platforms='{{range .Manifest.Manifests}}{{if ne .Platform.OS "unknown"}}  {{.Platform.OS}}/{{.Platform.Architecture}}  {{.Digest}}{{"\n"}}{{end}}{{end}}'
for image in "${images[@]}"; do
  ref="$registry/$image:v1.0.0"
  echo "$ref -> sha256:$(docker buildx imagetools inspect --raw "$ref" | sha256sum | cut -d' ' -f1)"
  docker buildx imagetools inspect "$ref" --format "$platforms"
  for platform in linux/amd64 linux/arm64; do
    echo "  docker run --platform $platform${run_args[*]:+ … ${run_args[*]}}: $(docker run --rm -q --pull always --platform "$platform" "$ref" "${run_args[@]}")"
  done
done

echo
echo "== What is published: angreal build status =="
# read-only: versions, aliases, sizes per platform, HEAD's sha- tag, drift
angreal build status all --registry "$registry"

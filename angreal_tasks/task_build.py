"""angreal tasks: `angreal build multi-arch <component>` and `angreal build merge <component>`.

Copy this file into a project's `.angreal/` directory (the `multiarch`
extension must be installed: `pip install <path to this repository>`).
Each command declares its arguments and calls one function; everything
else, including printing and errors, happens in the extension.
"""

import os
import sys

import angreal

build = angreal.command_group(name="build", about="Build the project's artifacts")

# The options both commands take, declared once so they read the same.
OPTIONS = {
    "component": dict(required=True, help="broker, agent, ui, or all"),
    "tag": dict(long="tag", default_value="dev",
                help="image tag: a literal (dev, v1.2.3 gives v1.2.3, v1.2, v1, latest) or 'auto' (from git and CI)"),
    "registry": dict(long="registry", help="registry and namespace [default: ghcr.io/colliery-io]"),
    "dry_run": dict(long="dry-run", is_flag=True, takes_value=False,
                    help="print the tags and the exact commands, run nothing"),
    "json": dict(long="json", is_flag=True, takes_value=False,
                 help="with --dry-run: print the plan as one JSON document"),
    "config": dict(long="config", help="config file [default: multiarch.json in the project root]"),
    "jobs": dict(long="jobs", help="commands run at once, e.g. the images of `all` [default: 3]"),
    "retries": dict(long="retries", help="retries of a transient registry failure [default: 3]"),
    "allow_overwrite": dict(long="allow-overwrite", is_flag=True, takes_value=False,
                            help="replace an immutable tag (vX.Y.Z, sha-...) that already names another digest"),
    "progress": dict(long="progress",
                     help="auto, tty (a board redrawn in place) or plain (prefixed lines) [default: auto: the board at "
                          "a terminal, groups and annotations in GitHub Actions, else plain]"),
    "username": dict(long="username", help="user for docker login when MULTIARCH_REGISTRY_TOKEN or GITHUB_TOKEN "
                                           "is set [default: $GITHUB_ACTOR]"),
    "sign": dict(long="sign", is_flag=True, takes_value=False,
                 help="sign each image's index digest with cosign after verification, before any tag moves"),
    "sign_key": dict(long="sign-key", help="with --sign: cosign --key (a file, env://VAR or a KMS URI; password in "
                                           "COSIGN_PASSWORD) [default: keyless, the GitHub Actions OIDC identity]"),
    "sign_offline": dict(long="sign-offline", is_flag=True, takes_value=False,
                         help="with --sign: no transparency log upload (private setups)"),
    "provenance": dict(long="provenance", help="provenance attestation: min, max or false [default: buildx's, "
                                               "min where the builder supports attestations]"),
    "sbom": dict(long="sbom", is_flag=True, takes_value=False, help="attach an SBOM attestation [default: off]"),
}


def options(*names):
    """Declare the named OPTIONS on a command."""
    def declare(fn):
        for name in reversed(names):
            fn = angreal.argument(name=name, **OPTIONS[name])(fn)
        return fn
    return declare


@build()
@angreal.command(
    name="multi-arch",
    about="Build multi-architecture container images (and publish them with --push)",
)
@options("component", "tag", "registry")
@angreal.argument(
    name="platforms", long="platforms",
    help="comma-separated platforms [default: linux/amd64,linux/arm64 with --push, else this machine's]",
)
@angreal.argument(name="push", long="push", is_flag=True, takes_value=False, help="publish to the registry")
@options("dry_run", "json")
@angreal.argument(name="builder", long="builder", help="buildx builder to use [default: brokkr-builder]")
@options("config", "jobs", "retries", "allow_overwrite", "username", "progress")
@angreal.argument(
    name="push_by_digest", long="push-by-digest", is_flag=True, takes_value=False,
    help="build one platform (--platforms), push it by digest only (no tags) and record it in --digest-dir "
         "for `angreal build merge`",
)
@angreal.argument(name="digest_dir", long="digest-dir", help="with --push-by-digest: where to record the digest")
@angreal.argument(
    name="cache_from", long="cache-from",
    help="buildx --cache-from, or 'none' [default: the registry cache <image>:buildcache-<platforms>]",
)
@angreal.argument(
    name="cache_to", long="cache-to",
    help="buildx --cache-to, or 'none' [default with a push: <image>:buildcache-<platforms>, mode=max]",
)
@options("sign", "sign_key", "sign_offline", "provenance", "sbom")
def multi_arch(component, tag="dev", registry=None, platforms=None, push=False, dry_run=False,
               json=False, builder=None, config=None, jobs=None, retries=None, allow_overwrite=False,
               username=None, push_by_digest=False, digest_dir=None, cache_from=None, cache_to=None, progress=None,
               sign=False, sign_key=None, sign_offline=False, provenance=None, sbom=False):
    multiarch = _extension()
    if multiarch is None:
        return 1
    return multiarch.cli(
        component, tag=tag, registry=registry, platforms=platforms, push=push, dry_run=dry_run,
        json=json, repo=_project_root(), config=config, builder=builder, jobs=jobs, retries=retries,
        allow_overwrite=allow_overwrite, username=username, push_by_digest=push_by_digest,
        digest_dir=digest_dir, cache_from=cache_from, cache_to=cache_to, progress=progress, sign=sign,
        sign_key=sign_key, sign_offline=sign_offline, provenance=provenance, sbom=sbom,
    )


@build()
@angreal.command(
    name="merge",
    about="Tag one multi-platform index made of the digests `multi-arch --push-by-digest` recorded",
)
@options("component")
@angreal.argument(
    name="digest_dir", long="digest-dir", required=True,
    help="the folder holding the digest files of every platform's run",
)
@options("tag", "registry")
@angreal.argument(
    name="platforms", long="platforms",
    help="the platforms the index must hold, each exactly once [default: linux/amd64,linux/arm64]",
)
@options("dry_run", "json", "config", "jobs", "retries", "allow_overwrite", "username", "progress", "sign",
         "sign_key", "sign_offline")
def merge(component, digest_dir=None, tag="dev", registry=None, platforms=None, dry_run=False, json=False,
          config=None, jobs=None, retries=None, allow_overwrite=False, username=None, progress=None, sign=False,
          sign_key=None, sign_offline=False):
    multiarch = _extension()
    if multiarch is None:
        return 1
    return multiarch.cli(
        component, tag=tag, registry=registry, platforms=platforms, dry_run=dry_run, json=json,
        repo=_project_root(), config=config, jobs=jobs, retries=retries, allow_overwrite=allow_overwrite,
        username=username, merge=True, digest_dir=digest_dir, progress=progress, sign=sign, sign_key=sign_key,
        sign_offline=sign_offline,
    )


def _extension():
    try:
        import multiarch
    except ImportError as exc:
        print(f"error: the multiarch extension is not installed ({exc}): pip install <multiarch checkout>",
              file=sys.stderr)
        return None
    return multiarch


def _project_root():
    return os.path.dirname(os.path.abspath(angreal.get_root()))

"""Tests of the TEST SUPPORT itself: the buildx emulator (tests/support/docker)
against a real docker-registry, checked with real tools (skopeo and, once,
the real `docker manifest inspect`).  If these fail, the product tests that
rely on the emulator can't be trusted.  They cover only what those remaining
emulator tests use (tests/test_publish.py, tests/test_matrix.py: the call log,
login, builder creation, a publish's build/push/imagetools/cache commands and
the no-metadata, bad-metadata and wrong-platforms faults); everything else
runs on the real stack (tests/test_real_*.py)."""

import json
import os
import shutil
import subprocess
import urllib.request

import pytest

from support.fixtures import EMULATOR_SCRIPT
from support.registry import free_port

QUIET = {"MULTIARCH_EMULATOR_DELAY": "0"}
DOCKERFILE = """\
FROM rust:1.80 AS build
WORKDIR /src
COPY . .
RUN cargo build --release

FROM debian:bookworm-slim
ARG V
COPY --from=build /src/target/release/broker /usr/bin/broker
"""
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CACHE_CONFIG = "application/vnd.buildkit.cacheconfig.v0"


@pytest.fixture
def context(tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile.broker").write_text(DOCKERFILE)
    return ctx


@pytest.fixture
def builder(emulator):
    res = emulator.run(["buildx", "create", "--name", "multiarch", "--driver",
                        "docker-container", "--bootstrap"])
    assert res.returncode == 0, res.stderr
    return "multiarch"


def build(emulator, context, *extra, env=None, builder="multiarch"):
    args = ["buildx", "build", "--builder", builder, "-f", str(context / "Dockerfile.broker")]
    args += list(extra) + [str(context)]
    return emulator.run(args, extra_env=dict(QUIET, **(env or {})))


def metadata(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def blob(registry, repo, digest):
    """A blob straight from the registry's HTTP API."""
    with urllib.request.urlopen(f"{registry.url}/v2/{repo}/blobs/{digest}", timeout=30) as resp:
        return resp.read()


# -- plain commands ----------------------------------------------------------


def test_version(emulator):
    res = emulator.run(["buildx", "version"])
    assert res.returncode == 0
    assert res.stdout == "github.com/docker/buildx v0.19.3-emulator 0000000\n"


def test_state_dir_is_required(emulator):
    env = emulator.env()
    del env["MULTIARCH_EMULATOR_STATE"]
    res = subprocess.run([emulator.docker, "buildx", "version"], env=env, capture_output=True,
                         text=True, timeout=30, check=False)
    assert res.returncode != 0
    assert "MULTIARCH_EMULATOR_STATE" in res.stderr


def test_unknown_command_is_what_docker_without_plugin_says(emulator):
    res = emulator.run(["compose", "up"])
    assert res.returncode == 1
    assert res.stderr.startswith("docker: unknown command: docker compose\n")


def test_every_call_is_logged_without_stdin_content(emulator, tmp_path):
    token = "s3cr3t-token-value"
    res = emulator.run(["login", "127.0.0.1:5000", "-u", "ci", "--password-stdin"],
                       input=token + "\n")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "Login Succeeded\n"
    emulator.run(["buildx", "version"])
    calls = emulator.calls()
    assert [c["argv"] for c in calls] == [
        ["login", "127.0.0.1:5000", "-u", "ci", "--password-stdin"], ["buildx", "version"]]
    assert calls[0]["stdin_bytes"] == len(token) + 1
    assert calls[1]["stdin_bytes"] == 0
    assert calls[0]["cwd"] == os.getcwd()
    assert emulator.logins() == [{"server": "127.0.0.1:5000", "user": "ci",
                                  "password_length": len(token), "password_source": "stdin",
                                  "config_dir": os.environ.get("DOCKER_CONFIG")}]
    for name in os.listdir(emulator.state_dir):  # the token is nowhere in state
        with open(os.path.join(emulator.state_dir, name), "rb") as fh:
            assert token.encode() not in fh.read(), name


def test_login_errors_like_docker(emulator):
    empty = emulator.run(["login", "-u", "ci", "--password-stdin", "r.example"], input="")
    assert empty.returncode == 1
    assert "Error: Cannot perform an interactive login from a non TTY device" in empty.stderr
    no_user = emulator.run(["login", "--password-stdin"], input="x\n")
    assert no_user.returncode == 1
    assert "requires --username" in no_user.stderr
    argv_pw = emulator.run(["login", "--username=ci", "--password", "pw", "r.example"])
    assert argv_pw.returncode == 0
    assert "WARNING! Using --password via the CLI is insecure. Use --password-stdin." \
        in argv_pw.stderr
    denied = emulator.run(["login", "-u", "ci", "--password-stdin", "r.example"], input="x",
                          extra_env=emulator.faults("login-denied"))
    assert denied.returncode == 1 and "unauthorized" in denied.stderr
    assert [r["password_source"] for r in emulator.logins()] == ["argv"]


def test_inspect_and_create_builders(emulator):
    default = emulator.run(["buildx", "inspect"])
    assert default.returncode == 0
    assert "Name:          default" in default.stdout
    assert "Driver:        docker\n" in default.stdout

    missing = emulator.run(["buildx", "inspect", "multiarch"])
    assert missing.returncode == 1
    assert missing.stderr == 'ERROR: no builder "multiarch" found\n'

    made = emulator.run(["buildx", "create", "--name=multiarch", "--driver",
                         "docker-container", "--use"])
    assert (made.returncode, made.stdout) == (0, "multiarch\n")
    inactive = emulator.run(["buildx", "inspect", "multiarch"])
    assert "Status:           inactive" in inactive.stdout
    booted = emulator.run(["buildx", "inspect", "--bootstrap", "multiarch"])
    assert booted.returncode == 0
    assert "Driver:        docker-container" in booted.stdout
    assert "Status:           running" in booted.stdout
    assert emulator.builders()["current"] == "multiarch"

    again = emulator.run(["buildx", "create", "--name", "multiarch", "--driver",
                          "docker-container"])
    assert again.returncode == 1
    assert again.stderr == ('ERROR: existing instance for "multiarch" but no append mode, '
                            "specify the node name to make changes for existing instances\n")


# -- build and push ------------------------------------------------------------


def test_multi_platform_push_lands_in_registry(emulator, registry, registry_repo, context,
                                               builder, tmp_path):
    v1, latest = registry.ref(registry_repo, "v1"), registry.ref(registry_repo, "latest")
    meta = tmp_path / "meta.json"
    res = build(emulator, context, "--platform", "linux/amd64,linux/arm64",
                "--label", "org.opencontainers.image.version=1.0", "--label=team=infra",
                "--tag", v1, f"-t={latest}", "--provenance=false", "--push",
                "--metadata-file", str(meta))
    assert res.returncode == 0, res.stderr
    assert res.stderr.startswith('#0 building with "multiarch" instance using '
                                 "docker-container driver\n")
    assert "[internal] load build definition from Dockerfile.broker" in res.stderr
    assert "[linux/arm64 build 4/4] RUN cargo build --release" in res.stderr

    digest = registry.digest(v1)
    assert registry.digest(latest) == digest
    assert registry.tags(registry_repo) == ["latest", "v1"]
    assert registry.platforms(v1) == ["linux/amd64", "linux/arm64"]
    index = registry.manifest(v1)
    assert index["mediaType"] == "application/vnd.oci.image.index.v1+json"
    for plat in ("linux/amd64", "linux/arm64"):
        assert registry.labels(v1, plat) == {"org.opencontainers.image.version": "1.0",
                                             "team": "infra"}
        cfg = registry.config(v1, plat)
        assert (cfg["os"], cfg["architecture"]) == tuple(plat.split("/"))
        assert len(cfg["rootfs"]["diff_ids"]) == 1
    assert f"pushing manifest for {v1}@{digest}" in res.stderr

    md = metadata(meta)
    assert md["containerimage.digest"] == digest
    assert md["containerimage.descriptor"] == {
        "mediaType": "application/vnd.oci.image.index.v1+json", "digest": digest,
        "size": len(registry.raw(v1))}
    assert md["image.name"] == f"{v1},{latest}"
    assert md["buildx.build.ref"].startswith("multiarch/multiarch0/")
    assert md["containerimage.config.digest"].startswith("sha256:")

    call = emulator.calls()[-1]
    assert call["argv"][:2] == ["buildx", "build"] and call["stdin_bytes"] == 0


def test_real_docker_manifest_inspect_sees_the_push(emulator, registry, registry_repo, context,
                                                    builder, tmp_path):
    ref = registry.ref(registry_repo, "v1")
    res = build(emulator, context, "--platform=linux/amd64,linux/arm/v7", "-t", ref,
                "--provenance", "false", "--push")
    assert res.returncode == 0, res.stderr
    real_docker = shutil.which("docker")
    if not real_docker or os.path.realpath(real_docker) == os.path.realpath(EMULATOR_SCRIPT):
        pytest.skip("the real docker CLI is not installed")
    env = dict(os.environ, DOCKER_CONFIG=str(tmp_path / "docker-config"))
    out = subprocess.run([real_docker, "manifest", "inspect", "--insecure", ref], env=env,
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)
    plats = [(m["platform"]["os"], m["platform"]["architecture"], m["platform"].get("variant"))
             for m in listed["manifests"]]
    assert plats == [("linux", "amd64", None), ("linux", "arm", "v7")]
    assert [m["digest"] for m in listed["manifests"]] == \
        [m["digest"] for m in registry.manifest(ref)["manifests"]]


def test_same_inputs_same_digest_other_inputs_other_digest(emulator, registry, registry_repo,
                                                           context, builder):
    refs = [registry.ref(registry_repo, t) for t in ("a", "b", "c")]
    common = ["--platform", "linux/amd64,linux/arm64", "--provenance=false", "--push"]
    for ref, arg in zip(refs, ["V=1", "V=1", "V=2"]):
        res = build(emulator, context, *common, "--build-arg", arg, "-t", ref)
        assert res.returncode == 0, res.stderr
    a, b, c = (registry.digest(r) for r in refs)
    assert a == b
    assert c != a


def test_push_by_digest_pushes_no_tag(emulator, registry, registry_repo, context, builder,
                                      tmp_path):
    name = registry.ref(registry_repo)
    meta = tmp_path / "meta.json"
    res = build(emulator, context, "--platform", "linux/arm64", "--provenance=false",
                "--output", f"type=image,name={name},push=true,push-by-digest=true,"
                "name-canonical=true", "--metadata-file", str(meta))
    assert res.returncode == 0, res.stderr
    digest = metadata(meta)["containerimage.digest"]
    assert registry.tags(registry_repo) == []
    assert registry.digest(f"{name}@{digest}") == digest
    # a single requested platform without attestations is a plain manifest
    assert registry.manifest(f"{name}@{digest}")["mediaType"] == \
        "application/vnd.oci.image.manifest.v1+json"
    assert registry.platforms(f"{name}@{digest}") == ["linux/arm64"]
    assert f"pushing manifest for {name}@{digest}" in res.stderr

    res2 = build(emulator, context, "--platform", "linux/amd64,linux/arm64",
                 "--output", f"type=registry,name={name},push-by-digest=true",
                 "--metadata-file", str(meta))
    assert res2.returncode == 0, res2.stderr
    index_digest = metadata(meta)["containerimage.digest"]
    assert registry.tags(registry_repo) == []
    assert registry.platforms(f"{name}@{index_digest}") == ["linux/amd64", "linux/arm64"]


def test_default_provenance_adds_attestation_manifests(emulator, registry, registry_repo,
                                                       context, builder):
    ref = registry.ref(registry_repo, "v1")
    res = build(emulator, context, "--platform", "linux/amd64", "-t", ref, "--push")
    assert res.returncode == 0, res.stderr
    assert registry.platforms(ref) == ["linux/amd64"]
    assert registry.platforms(ref, include_attestations=True) == ["linux/amd64",
                                                                  "unknown/unknown"]


# -- imagetools --------------------------------------------------------------------


def test_imagetools_inspect_raw(emulator, registry, registry_repo, context, builder):
    ref = registry.ref(registry_repo, "v1")
    assert build(emulator, context, "--platform", "linux/amd64,linux/s390x", "-t", ref,
                 "--push").returncode == 0
    by_tag = subprocess.run([emulator.docker, "buildx", "imagetools", "inspect", "--raw", ref],
                            env=emulator.env(), capture_output=True, timeout=60, check=False)
    assert by_tag.returncode == 0
    assert by_tag.stdout == registry.raw(ref)
    pinned = registry.ref(registry_repo, digest=registry.digest(ref))
    by_digest = subprocess.run([emulator.docker, "buildx", "imagetools", "inspect", "--raw",
                                pinned], env=emulator.env(), capture_output=True, timeout=60,
                               check=False)
    assert by_digest.stdout == registry.raw(ref)

    absent = registry.ref(registry_repo, "nope")
    missing = emulator.run(["buildx", "imagetools", "inspect", "--raw", absent])
    assert (missing.returncode, missing.stderr) == (1, f"ERROR: {absent}: not found\n")

    down = f"127.0.0.1:{free_port()}/t/x:v1"
    refused = emulator.run(["buildx", "imagetools", "inspect", "--raw", down])
    assert refused.returncode == 1
    assert refused.stderr.startswith("ERROR: ")
    assert "dial tcp 127.0.0.1:" in refused.stderr
    assert refused.stderr.endswith("connect: connection refused\n")


def test_imagetools_create_retags_exact_digest(emulator, registry, registry_repo, context,
                                               builder, tmp_path):
    name = registry.ref(registry_repo)
    meta = tmp_path / "meta.json"
    assert build(emulator, context, "--platform", "linux/amd64,linux/arm64",
                 "--provenance=false", "--output",
                 f"type=image,name={name},push=true,push-by-digest=true",
                 "--metadata-file", str(meta)).returncode == 0
    digest = metadata(meta)["containerimage.digest"]
    other_repo = registry_repo + "-release"
    tags = [registry.ref(registry_repo, "1.2.3"), registry.ref(registry_repo, "latest"),
            registry.ref(other_repo, "1.2.3")]

    dry = emulator.run(["buildx", "imagetools", "create", "--dry-run", "-t", tags[0],
                        f"{name}@{digest}"])
    assert dry.returncode == 0
    assert json.loads(dry.stdout)["manifests"] == registry.manifest(f"{name}@{digest}")[
        "manifests"]
    assert registry.tags(registry_repo) == []

    res = emulator.run(["buildx", "imagetools", "create", "--tag", tags[0], "-t", tags[1],
                        f"--tag={tags[2]}", f"{name}@{digest}"], extra_env=QUIET)
    assert res.returncode == 0, res.stderr
    # one progress vertex per repository, one "pushing" log per tag, as buildx
    assert f"[internal] pushing {name}\n" in res.stderr
    assert f"[internal] pushing {registry.ref(other_repo)}\n" in res.stderr
    assert f" copying {digest} from {name}@{digest} to {registry.ref(other_repo)}" \
        not in res.stderr  # the index is copied as its children, not as itself
    for tag in tags:
        assert f" pushing {digest} to {tag}\n" in res.stderr
    for tag in tags:
        assert registry.digest(tag) == digest
    assert registry.tags(registry_repo) == ["1.2.3", "latest"]
    assert registry.tags(other_repo) == ["1.2.3"]
    assert registry.platforms(tags[2]) == ["linux/amd64", "linux/arm64"]

    from_tag = emulator.run(["buildx", "imagetools", "create", "-t",
                             registry.ref(registry_repo, "stable"), tags[1]])
    assert from_tag.returncode == 0, from_tag.stderr
    assert registry.digest(registry.ref(registry_repo, "stable")) == digest


def test_imagetools_create_errors(emulator, registry, registry_repo):
    absent = registry.ref(registry_repo, digest="sha256:" + "0" * 64)
    res = emulator.run(["buildx", "imagetools", "create", "-t",
                        registry.ref(registry_repo, "x"), absent])
    assert (res.returncode, res.stderr) == (1, f"ERROR: {absent}: not found\n")
    no_tag = emulator.run(["buildx", "imagetools", "create", absent])
    assert no_tag.returncode == 1 and "can't push with no tags specified" in no_tag.stderr
    assert registry.tags(registry_repo) == []


# -- faults ------------------------------------------------------------------------


def test_fault_metadata(emulator, registry, registry_repo, context, builder, tmp_path):
    ref = registry.ref(registry_repo, "v1")
    none = tmp_path / "none.json"
    res = build(emulator, context, "-t", ref, "--push", "--metadata-file", str(none),
                env=emulator.faults("no-metadata"))
    assert res.returncode == 0 and not none.exists()
    assert registry.exists(ref)
    bad = tmp_path / "bad.json"
    res = build(emulator, context, "-t", ref, "--push", "--metadata-file", str(bad),
                env=emulator.faults("bad-metadata"))
    assert res.returncode == 0
    with pytest.raises(json.JSONDecodeError):
        metadata(bad)


def test_fault_wrong_platforms(emulator, registry, registry_repo, context, builder):
    ref = registry.ref(registry_repo, "v1")
    res = build(emulator, context, "--platform", "linux/arm64,linux/amd64", "-t", ref,
                "--provenance=false", "--push", env=emulator.faults("wrong-platforms"))
    assert res.returncode == 0, res.stderr
    assert registry.platforms(ref) == ["linux/arm64"]


def test_output_names_follow_buildx_csv_rules(emulator, registry, registry_repo, context,
                                              builder):
    a, b = registry.ref(registry_repo, "a"), registry.ref(registry_repo, "b")
    unquoted = build(emulator, context, "--output", f"type=image,name={a},{b},push=true")
    assert unquoted.returncode == 1 and f"invalid value {b}" in unquoted.stderr
    quoted = build(emulator, context, "--platform", "linux/amd64,linux/arm64",
                   "--output", f'type=image,"name={a},{b}",push=true')
    assert quoted.returncode == 0, quoted.stderr
    assert registry.digest(a) == registry.digest(b)
    no_stage = build(emulator, context, "--target", "nope", "-t", a, "--push")
    assert no_stage.returncode == 1
    assert no_stage.stderr.splitlines()[-1] == \
        'ERROR: failed to solve: target stage "nope" could not be found'


# -- the build cache (every emulated publish passes --cache-from/--cache-to) ----------------


def test_cache_to_pushes_a_registry_cache(emulator, registry, registry_repo, context, builder):
    ref = registry.ref(registry_repo, "v1")
    cache = registry.ref(registry_repo, "buildcache-linux-arm64")
    args = ["--platform", "linux/arm64", "-t", ref, "--push",
            "--cache-from", f"type=registry,ref={cache}",
            "--cache-to", f"type=registry,ref={cache},mode=max,image-manifest=true,"
                          "oci-mediatypes=true"]
    first = build(emulator, context, *args)
    assert first.returncode == 0, first.stderr
    assert f"importing cache manifest from {cache}\n" in first.stderr
    assert (f"ERROR: failed to configure registry cache importer: {cache}: not found\n"
            in first.stderr)  # reported, not fatal
    assert "exporting cache to registry\n" in first.stderr
    assert registry.tags(registry_repo) == ["buildcache-linux-arm64", "v1"]

    manifest = registry.manifest(cache)
    assert manifest["mediaType"] == OCI_MANIFEST
    assert manifest["config"]["mediaType"] == CACHE_CONFIG
    assert f"writing cache image manifest {registry.digest(cache)} " in first.stderr
    config = json.loads(blob(registry, registry_repo, manifest["config"]["digest"]))
    assert [layer["blob"] for layer in config["layers"]] == \
        [layer["digest"] for layer in manifest["layers"]]
    assert len(config["records"]) > 1  # mode=max: intermediate steps too
    image_layers = registry.manifest(
        registry.ref(registry_repo, digest=registry.child_digest(ref, "linux/arm64")))["layers"]
    assert [layer["digest"] for layer in manifest["layers"]] == \
        [layer["digest"] for layer in image_layers]

    second = build(emulator, context, *args)
    assert second.returncode == 0, second.stderr
    assert f"inferred cache manifest type: {OCI_MANIFEST} done" in second.stderr
    assert "cache importer" not in second.stderr

    # buildkit's default layout: an index of the layers and the cache config;
    # a bare ref means type=registry, and no image output is needed
    bare = registry.ref(registry_repo, "cache-index")
    res = build(emulator, context, "--platform", "linux/amd64", "--cache-to", bare)
    assert res.returncode == 0, res.stderr
    index = registry.manifest(bare)
    assert index["mediaType"] == OCI_INDEX
    assert index["manifests"][-1]["mediaType"] == CACHE_CONFIG
    assert f"writing manifest {registry.digest(bare)} " in res.stderr



"""Tests of the TEST SUPPORT itself: the buildx emulator (tests/support/docker)
against a real docker-registry, checked with real tools (skopeo and, once,
the real `docker manifest inspect`).  If these fail, the product tests that
rely on the emulator can't be trusted."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request

import pytest

from support.fixtures import EMULATOR_SCRIPT
from support.registry import Registry, free_port

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
NO_ATTESTATIONS = {"BUILDX_NO_DEFAULT_ATTESTATIONS": "1"}


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


def push_by_digest(emulator, context, registry, repo, platform, meta, *extra, env=None):
    """One single-platform push-by-digest build, as a CI matrix job does it;
    returns the digest the metadata file reports."""
    name = registry.ref(repo)
    res = build(emulator, context, "--platform", platform, "--output",
                f"type=image,name={name},push-by-digest=true,name-canonical=true,push=true",
                "--metadata-file", str(meta), *extra, env=env)
    assert res.returncode == 0, res.stderr
    data = metadata(meta)
    assert data["image.name"] == f"{name}@{data['containerimage.digest']}"
    return data["containerimage.digest"]


def create(emulator, *args, env=None):
    return emulator.run(["buildx", "imagetools", "create", *args],
                        extra_env=dict(QUIET, **(env or {})))


def go_index(entries, media_type=OCI_INDEX):
    """The bytes Go's json.MarshalIndent(index, "", "  ") gives for an index
    of ENTRIES [(mediaType, digest, size, platform dict or None)], written
    out by hand so the test does not share the emulator's encoder."""
    parts = []
    for media, digest, size, plat in entries:
        text = (f'    {{\n      "mediaType": "{media}",\n      "digest": "{digest}",\n'
                f'      "size": {size}')
        if plat is not None:
            fields = [f'        "architecture": "{plat["architecture"]}"',
                      f'        "os": "{plat["os"]}"']
            if plat.get("variant"):
                fields.append(f'        "variant": "{plat["variant"]}"')
            text += ',\n      "platform": {\n' + ",\n".join(fields) + "\n      }"
        parts.append(text + "\n    }")
    return (f'{{\n  "schemaVersion": 2,\n  "mediaType": "{media_type}",\n  "manifests": [\n'
            + ",\n".join(parts) + "\n  ]\n}").encode()


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


def test_load(emulator, context, builder):
    multi = build(emulator, context, "--platform", "linux/amd64,linux/arm64", "--load",
                  "-t", "broker:dev")
    assert multi.returncode == 1
    assert multi.stderr.endswith(
        "ERROR: docker exporter does not currently support exporting manifest lists\n")
    single = build(emulator, context, "--platform", "linux/arm64", "--output", "type=docker",
                   "-t", "broker:dev")
    assert single.returncode == 0, single.stderr
    loaded = emulator.loaded()
    assert [(x["names"], x["platform"]) for x in loaded] == \
        [(["docker.io/library/broker:dev"], "linux/arm64")]


def test_build_argument_errors(emulator, registry, registry_repo, context, builder, tmp_path):
    ref = registry.ref(registry_repo, "v1")
    unknown = build(emulator, context, "--bogus", "--push", "-t", ref)
    assert (unknown.returncode, unknown.stderr) == (1, "ERROR: unknown flag: --bogus\n")

    no_tag = build(emulator, context, "--platform", "linux/amd64,linux/arm64", "--push")
    assert no_tag.returncode == 1
    assert "tag is needed when pushing to registry" in no_tag.stderr.splitlines()[-1]

    missing = emulator.run(["buildx", "build", "--builder", "multiarch", "--file",
                            str(tmp_path / "Dockerfile.nope"), "--push", "-t", ref,
                            str(context)], extra_env=QUIET)
    assert missing.returncode == 1
    assert missing.stderr.splitlines()[-1] == ("ERROR: failed to solve: failed to read "
                                               "dockerfile: open Dockerfile.nope: no such file "
                                               "or directory")

    bad_platform = build(emulator, context, "--platform", "linux/amd64,plan10/z80", "--push",
                         "-t", ref)
    assert bad_platform.returncode == 1 and "plan10/z80" in bad_platform.stderr

    no_builder = build(emulator, context, "--push", "-t", ref, builder="nope")
    assert (no_builder.returncode, no_builder.stderr) == (1, 'ERROR: no builder "nope" found\n')

    docker_driver = build(emulator, context, "--platform", "linux/amd64,linux/arm64", "--push",
                          "-t", ref, builder="default")
    assert docker_driver.returncode == 1
    assert "Multi-platform build is not supported for the docker driver" in docker_driver.stderr

    not_dir = emulator.run(["buildx", "build", "--builder", "multiarch", str(tmp_path / "x")])
    assert not_dir.returncode == 1 and "unable to prepare context" in not_dir.stderr
    assert registry.tags(registry_repo) == []


def test_push_to_unreachable_registry(emulator, context, builder):
    ref = f"127.0.0.1:{free_port()}/t/down:v1"
    res = build(emulator, context, "--platform", "linux/amd64", "-t", ref, "--push")
    assert res.returncode == 1
    last = res.stderr.splitlines()[-1]
    assert last.startswith(f"ERROR: failed to solve: failed to push {ref}: ")
    assert last.endswith("connect: connection refused")


def test_progress_streams_live(emulator, registry, registry_repo, context, builder):
    ref = registry.ref(registry_repo, "v1")
    args = [emulator.docker, "buildx", "build", "--builder", "multiarch",
            "-f", str(context / "Dockerfile.broker"), "--platform", "linux/amd64,linux/arm64",
            "-t", ref, "--push", str(context)]
    proc = subprocess.Popen(args, env=emulator.env({"MULTIARCH_EMULATOR_DELAY": "0.05"}),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stderr.readline()
        assert first.startswith("#0 building with")
        assert proc.poll() is None  # the first line arrived while still building
        rest = proc.stderr.read()
        assert proc.wait(timeout=60) == 0, rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


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


def test_imagetools_create_wraps_a_single_manifest(emulator, registry, registry_repo, context,
                                                   builder):
    """As in buildx: a single image manifest source becomes a new index."""
    src = registry.ref(registry_repo, "single")
    assert build(emulator, context, "--platform", "linux/arm64", "--provenance=false", "-t",
                 src, "--push").returncode == 0
    dst = registry.ref(registry_repo, "wrapped")
    res = emulator.run(["buildx", "imagetools", "create", "-t", dst, src])
    assert res.returncode == 0, res.stderr
    assert registry.digest(dst) != registry.digest(src)
    assert [m["digest"] for m in registry.manifest(dst)["manifests"]] == [registry.digest(src)]
    assert registry.platforms(dst) == ["linux/arm64"]
    # the new index is Go-marshalled; --dry-run shows exactly what was pushed
    dry = emulator.run(["buildx", "imagetools", "create", "--dry-run", src])
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.encode() == registry.raw(dst) + b"\n"
    assert registry.raw(dst) == go_index([(OCI_MANIFEST, registry.digest(src),
                                           len(registry.raw(src)),
                                           {"architecture": "arm64", "os": "linux"})])
    # --prefer-index=false keeps the manifest itself (a carbon copy)
    kept = registry.ref(registry_repo, "kept")
    res = emulator.run(["buildx", "imagetools", "create", "--prefer-index=false", "-t", kept,
                        src])
    assert res.returncode == 0, res.stderr
    assert registry.digest(kept) == registry.digest(src)


# -- faults ------------------------------------------------------------------------


def test_fault_push_5xx_counts_across_calls(emulator, registry, registry_repo, context,
                                            builder):
    ref = registry.ref(registry_repo, "v1")
    fault = emulator.faults("push-5xx=2")
    first = build(emulator, context, "--platform", "linux/amd64,linux/arm64", "-t", ref,
                  "--push", env=fault)
    assert first.returncode == 1
    assert first.stderr.splitlines()[-1] == (
        f"ERROR: failed to solve: failed to push {ref}: unexpected status from PUT request "
        f"to http://{registry.host}/v2/{registry_repo}/manifests/v1: 503 Service Unavailable")
    assert registry.tags(registry_repo) == []

    second = build(emulator, context, "--platform", "linux/amd64,linux/arm64", "-t", ref,
                   "--push", env=fault)
    assert second.returncode == 1 and "503 Service Unavailable" in second.stderr
    third = build(emulator, context, "--platform", "linux/amd64,linux/arm64", "-t", ref,
                  "--push", env=fault)
    assert third.returncode == 0, third.stderr
    assert registry.tags(registry_repo) == ["v1"]

    # imagetools create draws from the same counter: 2 used, so a budget of 3
    # fails exactly one more write
    fault = emulator.faults("push-5xx=3")
    promoted = registry.ref(registry_repo, "release")
    args = ["buildx", "imagetools", "create", "-t", promoted, ref]
    failed = emulator.run(args, extra_env=fault)
    assert failed.returncode == 1
    assert failed.stderr.splitlines()[-1] == (
        f"ERROR: failed to push {promoted}: unexpected status from PUT request to "
        f"http://{registry.host}/v2/{registry_repo}/manifests/release: 503 Service Unavailable")
    assert registry.tags(registry_repo) == ["v1"]
    retried = emulator.run(args, extra_env=fault)
    assert retried.returncode == 0, retried.stderr
    assert registry.digest(promoted) == registry.digest(ref)


def test_fault_build_fail(emulator, registry, registry_repo, context, builder):
    ok_ref = registry.ref(registry_repo, "fine")
    bad_ref = registry.ref(registry_repo, "broker-bad")
    fault = emulator.faults("build-fail=broker-bad")
    bad = build(emulator, context, "--platform", "linux/amd64", "-t", bad_ref, "--push",
                env=fault)
    assert bad.returncode == 1
    assert bad.stderr.splitlines()[-1] == (
        'ERROR: failed to solve: process "/bin/sh -c cargo build --release" did not complete '
        "successfully: exit code: 101")
    assert "#0 building with" in bad.stderr
    ok = build(emulator, context, "--platform", "linux/amd64", "-t", ok_ref, "--push",
               env=fault)
    assert ok.returncode == 0, ok.stderr
    assert registry.tags(registry_repo) == ["fine"]


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


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_fault_slow_build_is_cancelled_by_signal(emulator, registry, registry_repo, context,
                                                 builder, signum):
    ref = registry.ref(registry_repo, "v1")
    args = [emulator.docker, "buildx", "build", "--builder", "multiarch",
            "-f", str(context / "Dockerfile.broker"), "-t", ref, "--push", str(context)]
    env = emulator.env(dict(QUIET, **emulator.faults("slow-build=30")))
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        marker = os.path.join(emulator.state_dir, f"build-started.{proc.pid}")
        deadline = time.monotonic() + 15
        while not os.path.exists(marker) and time.monotonic() < deadline \
                and proc.poll() is None:
            time.sleep(0.02)
        assert os.path.exists(marker)
        started = time.monotonic()
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=15)
        assert time.monotonic() - started < 5
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 1
    assert err.splitlines()[-1] == "ERROR: failed to solve: Canceled: context canceled"
    assert registry.tags(registry_repo) == []


# -- the registry fixture itself ----------------------------------------------------


def test_registry_restart_keeps_storage(emulator, context, builder):
    with Registry() as reg:
        ref = reg.ref("t/keep", "v1")
        assert build(emulator, context, "--platform", "linux/amd64,linux/arm64", "-t", ref,
                     "--push").returncode == 0
        digest = reg.digest(ref)
        reg.stop()
        down = emulator.run(["buildx", "imagetools", "inspect", "--raw", ref])
        assert down.returncode == 1 and "connection refused" in down.stderr
        reg.restart()
        assert reg.digest(ref) == digest
        assert reg.tags("t/keep") == ["v1"]
        assert reg.tags("t/never-pushed") == []


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


# -- imagetools create with several sources (buildx's Resolver.combine) ---------------


def test_single_platform_by_digest_metadata(emulator, registry, registry_repo, context,
                                            builder, tmp_path):
    """With the default provenance a single-platform push is an index (image +
    attestation); without attestations it is the plain image manifest."""
    name = registry.ref(registry_repo)
    with_att = push_by_digest(emulator, context, registry, registry_repo, "linux/arm64",
                              tmp_path / "a.json")
    data = metadata(tmp_path / "a.json")
    assert data["containerimage.descriptor"] == {
        "mediaType": OCI_INDEX, "digest": with_att,
        "size": len(registry.raw(f"{name}@{with_att}"))}
    assert registry.manifest(f"{name}@{with_att}")["mediaType"] == OCI_INDEX
    assert registry.platforms(f"{name}@{with_att}", include_attestations=True) == [
        "linux/arm64", "unknown/unknown"]

    plain = push_by_digest(emulator, context, registry, registry_repo, "linux/arm64",
                           tmp_path / "p.json", env=NO_ATTESTATIONS)
    assert metadata(tmp_path / "p.json")["containerimage.descriptor"]["mediaType"] == OCI_MANIFEST
    raw, digest = registry.fetch_manifest(registry_repo, plain)
    assert digest == plain and json.loads(raw)["mediaType"] == OCI_MANIFEST
    assert registry.platform_images(registry.ref(registry_repo), plain) == [
        {"platform": "linux/arm64", "digest": plain, "media_type": OCI_MANIFEST, "labels": {}}]
    with pytest.raises(LookupError):
        registry.fetch_manifest(registry_repo, "nope")
    # the image of the index is that same manifest
    assert registry.child_digest(f"{name}@{with_att}", "linux/arm64") == plain
    assert registry.tags(registry_repo) == []


def test_merge_two_by_digest_builds_into_one_index(emulator, registry, registry_repo, context,
                                                   builder, tmp_path):
    name, v1 = registry.ref(registry_repo), registry.ref(registry_repo, "v1")
    d_amd = push_by_digest(emulator, context, registry, registry_repo, "linux/amd64",
                           tmp_path / "amd.json", "--label", "team=infra")
    d_arm = push_by_digest(emulator, context, registry, registry_repo, "linux/arm64",
                           tmp_path / "arm.json", "--label", "team=infra")
    res = create(emulator, "--tag", v1, f"{name}@{d_amd}", f"{name}@{d_arm}")
    assert res.returncode == 0, res.stderr
    assert f"#1 [internal] pushing {name}\n" in res.stderr

    raw, digest = registry.fetch_manifest(registry_repo, "v1")
    assert f" pushing {digest} to {v1}\n" in res.stderr
    assert registry.fetch_manifest(registry_repo, digest) == (raw, digest)
    index = json.loads(raw)
    assert index["mediaType"] == OCI_INDEX
    # each source index contributes all its entries: image + attestation
    assert registry.platforms(v1, include_attestations=True) == [
        "linux/amd64", "unknown/unknown", "linux/arm64", "unknown/unknown"]
    sources = registry.manifest(f"{name}@{d_amd}")["manifests"] + \
        registry.manifest(f"{name}@{d_arm}")["manifests"]
    assert [m["digest"] for m in index["manifests"]] == [m["digest"] for m in sources]
    images = registry.platform_images(registry_repo, "v1")
    assert [(i["platform"], i["labels"]) for i in images] == [
        ("linux/amd64", {"team": "infra"}), ("linux/arm64", {"team": "infra"})]
    assert [i["digest"] for i in images] == [
        registry.child_digest(f"{name}@{d_amd}", "linux/amd64"),
        registry.child_digest(f"{name}@{d_arm}", "linux/arm64")]
    assert registry.tag_exists(registry_repo, "v1")
    assert not registry.tag_exists(registry_repo, "v2")
    assert registry.tags(registry_repo) == ["v1"]


def test_dry_run_prints_exactly_the_bytes_pushed(emulator, registry, registry_repo, context,
                                                 builder, tmp_path):
    name = registry.ref(registry_repo)
    other = registry_repo + "-release"
    d_amd = push_by_digest(emulator, context, registry, registry_repo, "linux/amd64",
                           tmp_path / "amd.json", env=NO_ATTESTATIONS)
    d_arm = push_by_digest(emulator, context, registry, registry_repo, "linux/arm/v7",
                           tmp_path / "arm.json", env=NO_ATTESTATIONS)
    expected = go_index([
        (OCI_MANIFEST, d_amd, len(registry.raw(f"{name}@{d_amd}")),
         {"architecture": "amd64", "os": "linux"}),
        (OCI_MANIFEST, d_arm, len(registry.raw(f"{name}@{d_arm}")),
         {"architecture": "arm", "os": "linux", "variant": "v7"})])

    tag, release = registry.ref(registry_repo, "v1"), registry.ref(other, "v1")
    dry = create(emulator, "--dry-run", "-t", tag, "-t", release, f"{name}@{d_amd}",
                 f"{name}@{d_arm}")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.encode() == expected + b"\n"
    # bare digests take the repository of the tags
    bare = create(emulator, "--dry-run", "-t", tag, d_amd, d_arm)
    assert bare.returncode == 0, bare.stderr
    assert bare.stdout == dry.stdout
    assert registry.tags(registry_repo) == [] and registry.tags(other) == []

    meta = tmp_path / "create.json"
    res = create(emulator, "-t", tag, "-t", release, "--metadata-file", str(meta),
                 f"{name}@{d_amd}", f"{name}@{d_arm}")
    assert res.returncode == 0, res.stderr
    want = "sha256:" + hashlib.sha256(dry.stdout[:-1].encode()).hexdigest()
    assert registry.digest(tag) == want and registry.digest(release) == want
    assert registry.raw(release) == expected
    # the children were copied into the other repository before the index
    assert f"copying {d_arm} from {name}@{d_arm} to {registry.ref(other)}" in res.stderr
    assert registry.platforms(release) == ["linux/amd64", "linux/arm/v7"]
    assert registry.digest(registry.ref(other, digest=d_arm)) == d_arm
    assert metadata(meta) == {
        "containerimage.descriptor": {"mediaType": OCI_INDEX, "digest": want,
                                      "size": len(expected)},
        "image.name": ",".join(sorted([registry.ref(registry_repo), registry.ref(other)]))}


def test_imagetools_create_missing_source_pushes_nothing(emulator, registry, registry_repo,
                                                         context, builder, tmp_path):
    name = registry.ref(registry_repo)
    other = registry_repo + "-release"
    d_amd = push_by_digest(emulator, context, registry, registry_repo, "linux/amd64",
                           tmp_path / "amd.json")
    missing = "sha256:" + "0" * 64
    tags = ["-t", registry.ref(other, "v1"), "-t", registry.ref(registry_repo, "v1")]
    res = create(emulator, *tags, f"{name}@{d_amd}", f"{name}@{missing}")
    assert (res.returncode, res.stderr) == (1, f"ERROR: {name}@{missing}: not found\n")
    assert registry.tags(registry_repo) == [] and registry.tags(other) == []
    assert not registry.exists(registry.ref(other, digest=d_amd))  # nothing copied either

    no_repo = registry.ref(registry_repo + "-never", digest=d_amd)
    res = create(emulator, "-t", registry.ref(registry_repo, "v1"), no_repo, d_amd)
    assert res.returncode == 1
    assert res.stderr == (f'ERROR: multiple repositories specified, cannot infer repository '
                          f'for "{d_amd}"\n')
    res = create(emulator, "-t", registry.ref(registry_repo, "v1"), f"{name}@{d_amd}", no_repo)
    assert (res.returncode, res.stderr) == (1, f"ERROR: {no_repo}: not found\n")
    short = create(emulator, "-t", registry.ref(registry_repo, "v1"), "sha256:abc")
    assert short.returncode == 1 and short.stderr.endswith(
        "valid sources are digests, references and descriptors: "
        "invalid checksum digest length\n")
    nowhere = create(emulator, "--dry-run", d_amd)
    assert nowhere.stderr == ("ERROR: no repositories specified, please set a reference in "
                              "tag or source\n")
    assert registry.tags(registry_repo) == [] and registry.tags(other) == []


def test_imagetools_create_duplicates_as_buildx(emulator, registry, registry_repo, context,
                                                builder, tmp_path):
    name = registry.ref(registry_repo)
    one = push_by_digest(emulator, context, registry, registry_repo, "linux/amd64",
                         tmp_path / "1.json", "--build-arg", "V=1", env=NO_ATTESTATIONS)
    two = push_by_digest(emulator, context, registry, registry_repo, "linux/amd64",
                         tmp_path / "2.json", "--build-arg", "V=2", env=NO_ATTESTATIONS)
    assert one != two

    # the same platform twice is no error: the index just holds it twice
    tag = registry.ref(registry_repo, "twice")
    res = create(emulator, "-t", tag, f"{name}@{one}", f"{name}@{two}")
    assert res.returncode == 0, res.stderr
    assert registry.platforms(tag) == ["linux/amd64", "linux/amd64"]
    assert [m["digest"] for m in registry.manifest(tag)["manifests"]] == [one, two]

    # the same digest twice is one entry
    same = create(emulator, "--dry-run", "-t", tag, f"{name}@{one}", one)
    assert same.returncode == 0, same.stderr
    assert [m["digest"] for m in json.loads(same.stdout)["manifests"]] == [one]

    # an index and one of its own children: the child is merged into the first
    # entry for its digest (later platform and annotations win)
    meta = tmp_path / "idx.json"
    idx = push_by_digest(emulator, context, registry, registry_repo, "linux/amd64", meta)
    entries = registry.manifest(f"{name}@{idx}")["manifests"]
    att = entries[1]["digest"]
    merged = create(emulator, "--dry-run", "-t", tag, f"{name}@{att}", f"{name}@{idx}")
    assert merged.returncode == 0, merged.stderr
    doc = json.loads(merged.stdout)
    assert [m["digest"] for m in doc["manifests"]] == [att, entries[0]["digest"]]
    assert doc["manifests"][0]["annotations"] == entries[1]["annotations"]
    assert doc["manifests"][0]["platform"] == {"architecture": "unknown", "os": "unknown"}
    assert registry.tags(registry_repo) == ["twice"]


def test_imagetools_create_push_5xx_with_several_sources(emulator, registry, registry_repo,
                                                         context, builder, tmp_path):
    name = registry.ref(registry_repo)
    d_amd = push_by_digest(emulator, context, registry, registry_repo, "linux/amd64",
                           tmp_path / "amd.json", env=NO_ATTESTATIONS)
    d_arm = push_by_digest(emulator, context, registry, registry_repo, "linux/arm64",
                           tmp_path / "arm.json", env=NO_ATTESTATIONS)
    other = registry_repo + "-release"
    args = ["-t", registry.ref(other, "v1"), f"{name}@{d_amd}", f"{name}@{d_arm}"]
    fault = emulator.faults("push-5xx=1")
    failed = create(emulator, *args, env=fault)
    assert failed.returncode == 1
    assert failed.stderr.splitlines()[-1].endswith("/manifests/v1: 503 Service Unavailable")
    assert registry.tags(other) == [] and not registry.exists(registry.ref(other, digest=d_amd))
    retried = create(emulator, *args, env=fault)
    assert retried.returncode == 0, retried.stderr
    assert registry.platforms(registry.ref(other, "v1")) == ["linux/amd64", "linux/arm64"]


# -- build arguments, labels and the build cache -----------------------------------------


def test_labels_and_declared_build_args(emulator, registry, registry_repo, context, builder):
    (context / "Dockerfile.broker").write_text(
        "ARG BASE=debian\nFROM rust:1.80 AS build\nLABEL stage=build\nRUN cargo build\n"
        "FROM build AS test\nLABEL tested=yes\n"
        "FROM debian:bookworm-slim\nARG VERSION\nLABEL component=broker vendor=acme\n"
        "COPY --from=build /x /y\n")
    refs = {t: registry.ref(registry_repo, t) for t in ("a", "b", "c", "d")}
    common = ["--platform", "linux/amd64,linux/arm64", "--provenance=false", "--push",
              "--label", "vendor=other", "--label", "team=infra"]
    for tag, args in (("a", ["--build-arg", "VERSION=1"]), ("b", ["--build-arg", "VERSION=2"]),
                      ("c", ["--build-arg", "VERSION=1", "--build-arg", "UNUSED=1"]),
                      ("d", ["--build-arg", "VERSION=1", "--build-arg", "UNUSED=2"])):
        res = build(emulator, context, *common, *args, "-t", refs[tag])
        assert res.returncode == 0, res.stderr
    digests = {t: registry.digest(r) for t, r in refs.items()}
    assert digests["a"] != digests["b"]              # a declared ARG changes the image
    assert digests["a"] == digests["c"] == digests["d"]  # an undeclared one does not
    for image in registry.platform_images(registry_repo, "a"):
        # the final stage's LABELs (not the build stage's), --label winning
        assert image["labels"] == {"component": "broker", "vendor": "other", "team": "infra"}

    target = build(emulator, context, "--platform", "linux/amd64", "--provenance=false",
                   "--target", "test", "--push", "-t", registry.ref(registry_repo, "t"))
    assert target.returncode == 0, target.stderr
    assert registry.labels(registry.ref(registry_repo, "t"), "linux/amd64") == {
        "stage": "build", "tested": "yes"}  # a stage inherits the labels it is FROM


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


def test_cache_spec_errors(emulator, registry, registry_repo, context, builder):
    ref = registry.ref(registry_repo, "v1")

    def run(*args, env=None):
        return build(emulator, context, "--platform", "linux/amd64", "-t", ref, "--push", *args,
                     env=env)

    for spec, message in (
            ("type=bogus,ref=x", 'ERROR: failed to solve: unknown cache exporter: "bogus"'),
            ("ref=x,mode=max", 'ERROR: type required for "ref=x,mode=max"'),
            ("type=registry,ref", "ERROR: invalid value ref"),
            ("type=registry,mode=max",
             "ERROR: failed to solve: failed to configure registry cache exporter: missing ref"),
            (f"type=registry,ref={ref}-cache,image-manifest=maybe",
             'ERROR: failed to solve: failed to parse image-manifest: strconv.ParseBool: '
             'parsing "maybe": invalid syntax'),
            (f"type=registry,ref={registry.ref(registry_repo, 'c')},image-manifest=true,"
             "oci-mediatypes=false",
             "ERROR: failed to solve: invalid configuration for remote cache")):
        res = run("--cache-to", spec)
        assert res.returncode == 1, spec
        assert res.stderr.splitlines()[-1] == message, spec
    cache = registry.ref(registry_repo, "c")
    dup = run("--cache-to", f"type=registry,ref={cache}",
              "--cache-to", f"type=registry,ref={cache},mode=max")
    assert dup.returncode == 1
    assert dup.stderr.splitlines()[-1] == \
        "ERROR: failed to solve: duplicate cache exports [registry]"
    remote = run("--cache-to", "type=registry,ref=ghcr.io/acme/broker:cache")
    assert remote.returncode == 1 and "refusing to contact ghcr.io" in remote.stderr
    docker_driver = build(emulator, context, "--cache-to", f"type=registry,ref={cache}",
                          builder="default")
    assert docker_driver.returncode == 1
    assert docker_driver.stderr.startswith(
        "ERROR: Cache export is not supported for the docker driver.\n")
    # the v1 image of the failed builds was pushed once (the image export runs
    # before the cache export, as in buildkit), but no cache went anywhere
    assert "c" not in registry.tags(registry_repo)

    # cache sources never fail a build
    ok = run("--cache-from", "type=registry,ref=ghcr.io/acme/broker:cache",
             "--cache-from", "type=bogus", "--cache-from", "type=gha,scope=broker",
             env={"ACTIONS_RUNTIME_TOKEN": ""})
    assert ok.returncode == 0, ok.stderr
    assert "importing cache manifest from ghcr.io/acme/broker:cache\n" in ok.stderr
    assert "not contacting ghcr.io" in ok.stderr
    assert "ERROR: unknown cache importer: bogus\n" in ok.stderr
    assert "gha" not in ok.stderr  # no token, no URL: buildx drops the entry

    # credentials in a cache spec are not written to the emulator's call log
    secret = "s3cr3t-cache-token"
    res = build(emulator, context, "--platform", "linux/amd64",
                "--cache-from", f"type=gha,token={secret},url=http://127.0.0.1:1/",
                f"--cache-to=type=gha,mode=max,token={secret},url=http://127.0.0.1:1/")
    assert res.returncode == 1 and 'cache type "gha" is not supported' in res.stderr
    logged = json.dumps(emulator.calls()[-1])
    assert secret not in logged and "token=<redacted>" in logged

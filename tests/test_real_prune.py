"""`angreal build prune` on the real stack: releases built by buildx on the
remote builder (two platforms, provenance attestations, a cosign-signed
release) into the registry the tests start themselves with deletes enabled
(support/fixtures.py's `registry`, never the shared one), then `--pr 15`
reported and deleted."""

import json
import subprocess
import uuid

import pytest

from support.project import clean_env
from support.realrun import PLATFORMS, image, multi_arch
from test_real_sign import PASSWORD, cosign_verify, key_pair  # noqa: F401 (key_pair: a fixture)

pytestmark = pytest.mark.real


def publish(project, ns, tag, *extra, env=None):
    """One release of broker, without the registry cache: its export is what
    other runs on the shared builder most often break (`exporting cache to
    registry: not found`), and test_prune.py keeps a cache manifest already."""
    project.commit(f"change for {tag}")
    r = multi_arch(project, "broker", "--tag", tag, "--push", "--registry", ns, "--provenance", "min",
                   "--cache-from", "none", "--cache-to", "none", *extra, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]


def children(registry, ref):
    """Every manifest the index at ref lists (platforms and attestations)."""
    return [m["digest"] for m in registry.manifest(ref)["manifests"]]


def pulls(registry, ref, platform, dest):
    """A pull of one platform of ref, every blob fetched and checked (skopeo copy to a directory)."""
    os_, arch = platform.split("/")
    return subprocess.run(["skopeo", "copy", "--src-tls-verify=false", f"--override-os={os_}",
                           f"--override-arch={arch}", f"docker://{ref}", f"dir:{dest}"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)


def test_prune_a_pull_request_keeps_every_release(real_project, registry, key_pair, tmp_path):
    ns = f"{registry.host}/r-{uuid.uuid4().hex[:8]}"
    repo = image(ns, "broker")
    private, public = key_pair
    publish(real_project, ns, "v1.2.3", "--sign", "--sign-key", str(private), "--sign-offline",
            env={"COSIGN_PASSWORD": PASSWORD})
    for _ in range(3):
        publish(real_project, ns, "main")
    publish(real_project, ns, "pr-15")
    first_pr = registry.digest(f"{repo}:pr-15")
    publish(real_project, ns, "pr-15")
    pr_index = registry.digest(f"{repo}:pr-15")
    pr_children = children(registry, f"{repo}:pr-15")
    assert len(pr_children) == 4   # two platforms, an attestation manifest each
    kept_tags = ["v1.2.3", "v1.2", "v1", "latest", "main"]
    before = {t: registry.digest(f"{repo}:{t}") for t in kept_tags}

    args = ("build", "prune", "broker", "--registry", ns, "--pr", "15", "--json")
    report = real_project.angreal(*args)
    assert report.returncode == 0, report.stderr
    doc = json.loads(report.stdout)["repositories"][0]
    would = sorted(d["digest"] for d in doc["delete"])
    assert would == sorted([pr_index] + pr_children)
    assert doc["tags_removed"] == ["pr-15"] and doc["bytes_freed"] > 0
    why = {k["digest"]: k["why"] for k in doc["kept"]}
    assert why[before["v1.2.3"]] in ("v1.2.3", "v1.2", "v1", "latest")
    sig = before["v1.2.3"].replace(":", "-") + ".sig"
    assert why[registry.digest(f"{repo}:{sig}")] == sig
    assert registry.exists(f"{repo}:pr-15")          # a report deletes nothing

    done = real_project.angreal(*args[:-1], "--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert sorted(json.loads(done.stdout)["repositories"][0]["deleted"]) == would
    assert not registry.exists(f"{repo}:pr-15")
    assert not any(registry.exists(f"{repo}@{d}") for d in would)
    # the index pr-15 named before its last move is untagged: a distribution registry cannot list
    # it, so it stays (--untagged on GHCR removes it)
    assert registry.exists(f"{repo}@{first_pr}")
    for tag in kept_tags:
        assert registry.digest(f"{repo}:{tag}") == before[tag]
        for platform in PLATFORMS:
            pulled = pulls(registry, f"{repo}:{tag}", platform, tmp_path / f"{tag}-{platform.replace('/', '-')}")
            assert pulled.returncode == 0, pulled.stderr[-2000:]
    verify = cosign_verify(public, f"{repo}:v1.2.3", real_project.docker_env)
    assert verify.returncode == 0, verify.stderr[-2000:]

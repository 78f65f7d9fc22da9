"""On the real stack: what the registry shows and what users can verify.  The
index annotations GHCR reads (both flows, read back from the registry), and
signed releases: cosign signs each index digest after verification and before
any tag moves, with the password only in cosign's environment."""

import json
import os
import re
import stat
import subprocess
import sys
import uuid

import pytest

from support.github import parse_github_output
from support.project import clean_env
from support.realrun import COMPONENTS, PLATFORMS, assert_error, error_lines, image, image_tags, multi_arch

pytestmark = pytest.mark.real

REMOTE = "git@github.com:colliery-io/brokkr.git"
SOURCE = "https://github.com/colliery-io/brokkr"
PASSWORD = "pw-" + uuid.uuid4().hex  # never printed, logged or planned
DESCRIPTIONS = {"broker": "Central management service", "agent": "Kubernetes cluster agent",
                "ui": "Administrative web interface"}
A = "org.opencontainers.image."


@pytest.fixture
def ns(registry):
    return f"{registry.host}/s-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def key_pair(tmp_path):
    """A cosign key pair encrypted with PASSWORD: (private key, public key)."""
    d = tmp_path / "keys"
    d.mkdir()
    subprocess.run(["cosign", "generate-key-pair"], cwd=d, env=clean_env({"COSIGN_PASSWORD": PASSWORD}),
                   stdin=subprocess.DEVNULL, capture_output=True, check=True, timeout=60)
    return d / "cosign.key", d / "cosign.pub"


@pytest.fixture
def leak_watch(tmp_path):
    """A `docker` on PATH in front of the real one that records any docker
    process started with COSIGN_PASSWORD in its environment."""
    d, record = tmp_path / "watch", tmp_path / "leaks"
    d.mkdir()
    real = subprocess.run(["sh", "-c", "command -v docker"], capture_output=True, text=True).stdout.strip()
    script = d / "docker"
    script.write_text(f'#!/bin/sh\necho "$1" >> "{record}.calls"\n'
                      f'[ -z "${{COSIGN_PASSWORD+x}}" ] || echo "$*" >> "{record}"\nexec {real} "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return {"PATH": f"{d}:{os.environ['PATH']}"}, record


def cosign_verify(public_key, ref, docker_env):
    return subprocess.run(["cosign", "verify", "--key", str(public_key), "--insecure-ignore-tlog",
                           "--allow-http-registry", ref], env=clean_env(dict(docker_env)),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)


def signatures(registry, repo, digest):
    """The signature layers of DIGEST, read from its cosign .sig tag."""
    doc = registry.manifest(f"{repo}:{digest.replace(':', '-')}.sig")
    return [layer for layer in doc["layers"] if "dev.cosignproject.cosign/signature" in (layer.get("annotations") or {})]


def index_annotations(registry, ref):
    return registry.manifest(ref).get("annotations") or {}


def assert_annotations(registry, repo, ref, head, comp, version, licenses=None):
    got = index_annotations(registry, ref)
    want = {A + "source": SOURCE, A + "revision": head, A + "version": version, A + "title": f"brokkr-{comp}",
            A + "description": DESCRIPTIONS[comp], A + "url": SOURCE}
    if licenses:
        want[A + "licenses"] = licenses
    created = got.pop(A + "created", "")
    assert created.endswith("Z") and got == want, got


def test_annotations_are_on_the_index_and_a_rerun_still_resumes(real_project, registry, ns, tmp_path):
    real_project.git("remote", "add", "origin", REMOTE)
    (real_project.path / "multiarch.json").write_text(json.dumps({"licenses": "Apache-2.0"}))
    real_project.commit("config")
    outputs = tmp_path / "github_output"
    r = multi_arch(real_project, "broker", "--tag", "v1.2.3", "--push", "--registry", ns,
                   env={"GITHUB_OUTPUT": str(outputs)})
    assert r.returncode == 0, r.stderr[-3000:]
    repo, head = image(ns, "broker"), real_project.head()
    for tag in ("v1.2.3", "latest"):
        assert_annotations(registry, repo, f"{repo}:{tag}", head, "broker", "v1.2.3", "Apache-2.0")
    # each platform manifest carries them too
    for platform in PLATFORMS:
        child = registry.child_digest(registry.ref(repo.split("/", 1)[1], tag="v1.2.3"), platform)
        assert registry.manifest(f"{repo}@{child}")["annotations"][A + "description"] == DESCRIPTIONS["broker"]
    got = parse_github_output(outputs.read_text())
    assert json.loads(got["annotations"])["broker"][A + "licenses"] == "Apache-2.0"
    # the re-run reads revision and version from the index annotations: nothing built
    again = multi_arch(real_project, "broker", "--tag", "v1.2.3", "--push", "--registry", ns)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "already published" in again.stdout + again.stderr and "resumed" in again.stdout


def test_annotations_are_on_the_merged_index_and_merge_signs(real_project, registry, ns, tmp_path, key_pair):
    real_project.git("remote", "add", "origin", REMOTE)
    digests = tmp_path / "digests"
    for platform in PLATFORMS:  # one runner after the other (see test_real_matrix.py)
        r = multi_arch(real_project, "broker", "--platforms", platform, "--push-by-digest", "--digest-dir",
                       str(digests), "--tag", "v1.2.3", "--registry", ns)
        assert r.returncode == 0, r.stderr[-3000:]
    private, public = key_pair
    r = real_project.angreal("build", "merge", "broker", "--digest-dir", str(digests), "--tag", "v1.2.3",
                             "--registry", ns, "--sign", "--sign-key", str(private), "--sign-offline",
                             env={"COSIGN_PASSWORD": PASSWORD}, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert PASSWORD not in r.stdout + r.stderr
    repo, head = image(ns, "broker"), real_project.head()
    assert_annotations(registry, repo, f"{repo}:v1.2.3", head, "broker", "v1.2.3")
    assert registry.platforms(f"{repo}:latest") == PLATFORMS
    for tag in ("v1.2.3", "latest"):
        v = cosign_verify(public, f"{repo}:{tag}", real_project.docker_env)
        assert v.returncode == 0, v.stderr[-2000:]
    # signed before any tag moved
    lines = r.stderr.splitlines()
    signed_at = next(i for i, line in enumerate(lines) if line.startswith("[broker] $ cosign sign"))
    tagged_at = next(i for i, line in enumerate(lines) if line.startswith("[broker] PUT ") and ":v1.2.3 " in line)
    assert signed_at < tagged_at
    # the index was put by digest (untagged) to be signed, before any tag
    put_by_digest = next(i for i, line in enumerate(lines) if line.startswith("[broker] PUT ") and "@sha256:" in line)
    assert put_by_digest < signed_at
    assert "imagetools" not in r.stderr


def test_signed_release_verifies_and_a_rerun_leaves_one_signature(real_project, registry, ns, tmp_path, key_pair,
                                                                  leak_watch):
    real_project.git("remote", "add", "origin", REMOTE)
    private, public = key_pair
    watch_env, leaks = leak_watch
    outputs, summary = tmp_path / "github_output", tmp_path / "step_summary"
    args = ("all", "--tag", "v1.2.3", "--push", "--registry", ns, "--sign", "--sign-key", str(private),
            "--sign-offline")
    env = dict(watch_env, COSIGN_PASSWORD=PASSWORD, GITHUB_OUTPUT=str(outputs), GITHUB_STEP_SUMMARY=str(summary))
    r = multi_arch(real_project, *args, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    # a good first signed release's log holds no error: not published, not signed yet are said as such
    assert not error_lines(r.stdout, r.stderr)
    assert re.search(rf"^\[ui\] {re.escape(image(ns, 'ui'))}@sha256:[0-9a-f]{{64}}: not signed yet$", r.stderr, re.M)
    digests = {}
    for comp in COMPONENTS:
        repo = image(ns, comp)
        digests[comp] = registry.digest(f"{repo}:v1.2.3")
        for tag in ("v1.2.3", "latest"):
            v = cosign_verify(public, f"{repo}:{tag}", real_project.docker_env)
            assert v.returncode == 0, v.stderr[-2000:]
        assert len(signatures(registry, repo, digests[comp])) == 1
        lines = r.stderr.splitlines()
        signed_at = next(i for i, line in enumerate(lines) if line.startswith(f"[{comp}] $ cosign sign"))
        tagged_at = next(i for i, line in enumerate(lines) if line.startswith(f"[{comp}] PUT "))
        assert signed_at < tagged_at
    plan = subprocess.run(["angreal", "build", "multi-arch", *args, "--dry-run", "--json"], cwd=real_project.path,
                          env=clean_env(dict(real_project.docker_env, COSIGN_PASSWORD=PASSWORD)),
                          capture_output=True, text=True, timeout=60)
    assert plan.returncode == 0 and json.loads(plan.stdout)["sign"]["key"] == str(private)

    # a re-run signs nothing again: one signature per digest, read from the registry
    again = multi_arch(real_project, *args, env=env, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "signed already" in again.stdout and "$ cosign sign" not in again.stderr
    for comp in COMPONENTS:
        repo = image(ns, comp)
        assert registry.digest(f"{repo}:latest") == digests[comp]
        assert len(signatures(registry, repo, digests[comp])) == 1

    # the password is nowhere: outputs, summary, plan, and no docker process had it
    for text in (r.stdout, r.stderr, again.stdout, again.stderr, outputs.read_text(), summary.read_text(),
                 plan.stdout, plan.stderr):
        assert PASSWORD not in text
    assert not leaks.exists(), leaks.read_text()
    calls = (leaks.parent / "leaks.calls").read_text().split()
    assert "buildx" in calls and "login" not in calls  # the watch stood in front of every docker


def test_a_wrong_key_password_moves_no_tag(real_project, registry, ns, key_pair):
    private, _ = key_pair
    wrong = "wrong-" + uuid.uuid4().hex
    r = multi_arch(real_project, "all", "--tag", "v1.2.3", "--push", "--registry", ns, "--sign", "--sign-key",
                   str(private), "--sign-offline", env={"COSIGN_PASSWORD": wrong})
    assert_error(r, 1, "cannot open the signing key")
    assert wrong not in r.stdout + r.stderr
    for comp in COMPONENTS:
        assert image_tags(registry, image(ns, comp)) == []


def test_sign_options_are_checked(real_project, ns):
    r = multi_arch(real_project, "broker", "--tag", "v1.2.3", "--push", "--registry", ns, "--sign-key", "k")
    assert_error(r, 2, "--sign-key goes with --sign")
    r = multi_arch(real_project, "broker", "--tag", "v1.2.3", "--push", "--registry", ns, "--provenance", "full")
    assert_error(r, 2, "invalid --provenance 'full'")
    # keyless outside GitHub Actions: nothing to sign with
    r = multi_arch(real_project, "broker", "--tag", "v1.2.3", "--push", "--registry", ns, "--sign")
    assert_error(r, 2, "id-token: write")


def test_provenance_asked_for_is_read_back(real_project, registry, ns):
    r = multi_arch(real_project, "broker", "--tag", "v1.2.3", "--push", "--registry", ns, "--provenance", "max",
                   "--platforms", "linux/amd64")
    assert r.returncode == 0, r.stderr[-3000:]
    repo = image(ns, "broker")
    doc = registry.manifest(f"{repo}:v1.2.3")
    kinds = [(m.get("annotations") or {}).get("vnd.docker.reference.type") for m in doc["manifests"]]
    assert kinds.count("attestation-manifest") == 1 and registry.platforms(f"{repo}:v1.2.3") == ["linux/amd64"]
    # one platform, but attestations make an index: the annotations are on it
    assert index_annotations(registry, f"{repo}:v1.2.3")[A + "description"] == DESCRIPTIONS["broker"]


def test_cosign_missing_is_said_before_anything_is_built(real_project, registry, ns, tmp_path):
    # a PATH with docker (its buildx plugin is found without PATH) and angreal, but no cosign
    bindir = tmp_path / "bin"
    bindir.mkdir()
    real = subprocess.run(["sh", "-c", "command -v docker"], capture_output=True, text=True).stdout.strip()
    (bindir / "docker").symlink_to(real)
    path = f"{bindir}:{os.path.dirname(sys.executable)}"  # the venv's angreal and python
    r = multi_arch(real_project, "broker", "--tag", "v1.2.3", "--push", "--registry", ns, "--sign", "--sign-key",
                   "k.key", env={"PATH": path})
    assert_error(r, 1, "--sign needs cosign, which is not installed")
    assert "apt-get install -t trixie cosign" in r.stderr
    assert image_tags(registry, image(ns, "broker")) == []

"""Racing releases on the real stack: `v1.3.0` is published, then `v1.2.4`
from checkouts that do not know the `v1.3.0` git tag (a clone that lacks it,
and `git clone --depth 1 --branch v1.2.4`, what actions/checkout gives).  The
tag rules alone would move `latest` and `v1` back to v1.2.4; the registry
says they name v1.3.0, so they stay, and the run says so.  The same through
`build merge`.  One platform (amd64) keeps the builds short: the guard reads
tags, not platforms."""

import json
import subprocess
import uuid

import multiarch
import pytest

from support.project import clean_env
from support.realrun import image, tag_digests

pytestmark = pytest.mark.real

NOTICE = "latest kept at v1.3.0, newer than v1.2.4"


class Checkout:
    """Another git checkout of the project (a CI runner's), run with the project's docker env."""

    def __init__(self, path, docker_env):
        self.path = path
        self.docker_env = docker_env

    def git(self, *args):
        return subprocess.run(["git", *args], cwd=self.path, env=clean_env(), check=True, capture_output=True,
                              text=True, timeout=60).stdout.strip()

    def angreal(self, *args, env=None, timeout=300):
        builder = ["--builder", self.docker_env.builder] if args[1] == "multi-arch" else []
        return subprocess.run(["angreal", *args, *builder], cwd=self.path,
                              env=clean_env(dict(self.docker_env, **(env or {}))), capture_output=True, text=True,
                              timeout=timeout)


def clone(real_project, dest, *args):
    subprocess.run(["git", "clone", "-q", *args, f"file://{real_project.path}", str(dest)], env=clean_env(),
                   check=True, capture_output=True, timeout=60)
    return Checkout(dest, real_project.docker_env)


@pytest.fixture
def releases(real_project):
    """v1.2.4 on an older commit, v1.3.0 on the newer HEAD."""
    real_project.tag("v1.2.4")
    old = real_project.head()
    real_project.commit("a change for v1.3.0")
    real_project.tag("v1.3.0")
    return old, real_project.head()


def publish(checkout, ns, *args, env=None):
    return checkout.angreal("build", "multi-arch", "broker", "--tag", "auto", "--push", "--platforms",
                            "linux/amd64", "--registry", ns, *args, env=env)


def assert_aliases_kept(registry, repo, newer, r):
    """latest and v1 still name v1.3.0's index; v1.2.4 and v1.2 name this run's."""
    assert r.returncode == 0, r.stderr[-3000:]
    digests = tag_digests(registry, repo)
    assert digests["latest"] == digests["v1"] == digests["v1.3.0"] == newer
    assert digests["v1.2.4"] == digests["v1.2"] != newer
    assert registry.labels(f"{repo}:latest", "linux/amd64")["org.opencontainers.image.version"] == "v1.3.0"
    assert NOTICE in r.stdout + r.stderr
    assert "v1 kept at v1.3.0, newer than v1.2.4" in r.stdout + r.stderr
    assert "ERROR" not in r.stdout + r.stderr


def test_an_older_release_from_a_checkout_without_the_newer_tag_moves_no_alias_back(
        real_project, releases, registry, tmp_path, monkeypatch):
    old, _ = releases
    ns = f"{registry.host}/race-{uuid.uuid4().hex[:8]}"
    repo = image(ns, "broker")
    first = publish(Checkout(real_project.path, real_project.docker_env), ns)
    assert first.returncode == 0, first.stderr[-3000:]
    newer = tag_digests(registry, repo)["latest"]

    # a clone whose v1.3.0 tag is gone (fetched before it was pushed), on v1.2.4
    stale = clone(real_project, tmp_path / "stale")
    stale.git("tag", "-d", "v1.3.0")
    stale.git("checkout", "-q", "v1.2.4")
    assert stale.git("rev-parse", "HEAD") == old
    # what the checkout alone knows would move latest and v1 back
    dry = stale.angreal("build", "multi-arch", "broker", "--tag", "auto", "--dry-run", "--json")
    assert json.loads(dry.stdout)["tags"] == ["v1.2.4", "v1.2", "v1", "latest", "sha-" + old[:7]]
    r = publish(stale, ns)
    assert_aliases_kept(registry, repo, newer, r)

    # what actions/checkout gives: one commit, no other tag; in GitHub Actions the notice is a ::notice
    shallow = clone(real_project, tmp_path / "shallow", "--depth", "1", "--branch", "v1.2.4")
    outputs = tmp_path / "github_output"
    r = publish(shallow, ns, env={"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(outputs)})
    assert_aliases_kept(registry, repo, newer, r)
    assert f"::notice title=broker::{NOTICE}" in r.stdout + r.stderr

    # publish() says it too: the aliases it kept, and why
    for key, value in real_project.docker_env.items():
        monkeypatch.setenv(key, value)
    result = multiarch.publish("broker", tag="auto", push=True, registry=ns, platforms="linux/amd64",
                               builder=real_project.docker_env.builder, repo=str(shallow.path), env={})
    img, = result["images"]
    assert result["ok"] is True and img["result"] == "resumed", result
    assert img["kept"] == ["v1", "latest"] and img["moved"] == []
    assert NOTICE in img["notes"] and "v1 kept at v1.3.0, newer than v1.2.4" in img["notes"]
    assert tag_digests(registry, repo)["latest"] == newer


def test_an_older_release_through_merge_moves_no_alias_back(real_project, releases, registry, tmp_path):
    ns = f"{registry.host}/race-{uuid.uuid4().hex[:8]}"
    repo = image(ns, "broker")
    first = publish(Checkout(real_project.path, real_project.docker_env), ns)
    assert first.returncode == 0, first.stderr[-3000:]
    newer = tag_digests(registry, repo)["latest"]

    shallow = clone(real_project, tmp_path / "shallow", "--depth", "1", "--branch", "v1.2.4")
    digests = tmp_path / "digests"
    runner = shallow.angreal("build", "multi-arch", "broker", "--tag", "auto", "--platforms", "linux/amd64",
                             "--push-by-digest", "--digest-dir", str(digests), "--registry", ns)
    assert runner.returncode == 0, runner.stderr[-3000:]
    r = shallow.angreal("build", "merge", "broker", "--tag", "auto", "--platforms", "linux/amd64",
                        "--digest-dir", str(digests), "--registry", ns)
    assert_aliases_kept(registry, repo, newer, r)

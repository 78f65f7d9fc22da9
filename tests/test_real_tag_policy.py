"""A switch of tag policy on the real stack: `v1.4.0` is published under the
default policy (`latest` names it), then `1.3.0` under `version_prefix ""`
from a checkout that does not know the `v1.4.0` git tag.  The tag rules alone
would move `latest` to 1.3.0; the registry's `latest` names `v1.4.0`, which
the alias guard reads as a higher version whatever its spelling, so it stays.
One platform (amd64) keeps the builds short: the guard reads tags."""

import json
import uuid

import pytest

from support.realrun import image, tag_digests
from test_real_aliases import Checkout, clone, publish

pytestmark = pytest.mark.real


def test_a_bare_release_keeps_latest_at_a_newer_v_release(real_project, registry, tmp_path):
    real_project.tag("v1.3.0")
    old = real_project.head()
    real_project.commit("a change for v1.4.0")
    real_project.tag("v1.4.0")
    ns = f"{registry.host}/policy-{uuid.uuid4().hex[:8]}"
    repo = image(ns, "broker")

    first = publish(Checkout(real_project.path, real_project.docker_env), ns)
    assert first.returncode == 0, first.stderr[-3000:]
    newer = tag_digests(registry, repo)["latest"]
    assert registry.labels(f"{repo}:latest", "linux/amd64")["org.opencontainers.image.version"] == "v1.4.0"

    # a checkout of v1.3.0 that lacks the v1.4.0 tag, now under version tags without v
    stale = clone(real_project, tmp_path / "stale")
    stale.git("tag", "-d", "v1.4.0")
    stale.git("checkout", "-q", "v1.3.0")
    (stale.path / "multiarch.json").write_text(json.dumps({"tags": {"version_prefix": ""}}))
    dry = stale.angreal("build", "multi-arch", "broker", "--tag", "auto", "--dry-run", "--json")
    assert json.loads(dry.stdout)["tags"] == ["1.3.0", "1.3", "1", "latest", "sha-" + old[:7]]

    r = publish(stale, ns)
    out = r.stdout + r.stderr
    assert r.returncode == 0, r.stderr[-3000:]
    digests = tag_digests(registry, repo)
    assert digests["latest"] == digests["v1.4.0"] == newer   # kept: v1.4.0 > 1.3.0
    assert digests["1.3.0"] == digests["1.3"] != newer         # this release's own tags
    assert registry.labels(f"{repo}:1.3.0", "linux/amd64")["org.opencontainers.image.version"] == "1.3.0"
    assert registry.labels(f"{repo}:latest", "linux/amd64")["org.opencontainers.image.version"] == "v1.4.0"
    assert "latest kept at v1.4.0, newer than 1.3.0" in out
    assert out.count('Version tags are spelled without v (tags.version_prefix ""): 1.3.0') == 1
    assert "ERROR" not in out

"""Monorepo release tags (`--tag-prefix`, `tag_prefix` in multiarch.json): on
real git repositories, through the Python API and the real `angreal` CLI."""

import json

import multiarch
import pytest

from support.project import clean_env


def tags(project, tag="auto", tag_prefix=None, **env):
    return multiarch.compute_tags(tag, repo=str(project.path), env=clean_env(env), tag_prefix=tag_prefix)


def sha(project):
    return "sha-" + project.head()[:7]


def monorepo(project):
    """broker and agent released from one repository; a plain v9.0.0 from before the split."""
    project.tag("v9.0.0")
    project.tag("agent-v3.0.0")
    project.commit("broker 1.2")
    project.tag("broker-v1.2.0")
    project.commit("broker 1.1 backport")
    project.tag("broker-v1.1.5", annotated=True)


def test_only_the_prefix_releases_count_and_the_image_tags_drop_it(project):
    monorepo(project)
    # the alias rule weighs only broker-v*: v1.2.0 outranks the backport, v9.0.0 and agent-v3.0.0 do not count
    assert tags(project, tag_prefix="broker-") == ["v1.1.5", "v1.1", sha(project)]
    # without the prefix, broker-v1.1.5 is no release: the branch
    assert tags(project) == ["main", sha(project)]
    # another prefix has no release on HEAD
    assert tags(project, tag_prefix="agent-") == ["main", sha(project)]


def test_the_highest_release_of_the_prefix_gets_latest(project):
    project.tag("v9.0.0")
    project.tag("broker-v1.0.0")
    project.commit("next")
    project.tag("broker-v2.0.0")
    assert tags(project, tag_prefix="broker-") == ["v2.0.0", "v2.0", "v2", "latest", sha(project)]


def test_an_explicit_tag_with_or_without_the_prefix_is_the_same_release(project):
    monorepo(project)
    want = ["v1.3.0", "v1.3", "v1", "latest"]
    assert tags(project, "broker-v1.3.0", tag_prefix="broker-") == want
    assert tags(project, "v1.3.0", tag_prefix="broker-") == want
    # v1.1.9 is below the prefix's v1.2.0: no v1 nor latest
    assert tags(project, "broker-v1.1.9", tag_prefix="broker-") == ["v1.1.9", "v1.1"]


@pytest.mark.parametrize("env", [
    dict(GITHUB_ACTIONS="true", GITHUB_REF="refs/tags/broker-v1.4.0"),
    dict(GITLAB_CI="true", CI_COMMIT_TAG="broker-v1.4.0", CI_COMMIT_REF_NAME="broker-v1.4.0"),
    dict(BUILDKITE="true", BUILDKITE_TAG="broker-v1.4.0", BUILDKITE_BRANCH="broker-v1.4.0",
         BUILDKITE_PULL_REQUEST="false"),
])
def test_ci_building_a_prefixed_tag_releases_its_version(project, env):
    monorepo(project)
    project.detach()
    assert tags(project, tag_prefix="broker-", **env) == ["v1.4.0", "v1.4", "v1", "latest", sha(project)]


def test_the_config_sets_the_prefix_per_component(project):
    monorepo(project)
    (project.path / "multiarch.json").write_text(json.dumps({
        "tag_prefix": "agent-",
        "components": {"broker": {"tag_prefix": "broker-"}, "agent": {}},
    }))
    env = clean_env()
    broker = multiarch.plan("broker", tag="auto", repo=str(project.path), env=env)
    assert broker["tags"] == ["v1.1.5", "v1.1", sha(project)] and broker["tag_prefix"] == "broker-"
    agent = multiarch.plan("agent", tag="auto", repo=str(project.path), env=env)
    assert agent["tags"] == ["main", sha(project)] and agent["tag_prefix"] == "agent-"
    # --tag-prefix wins over the config; '' means none
    assert multiarch.plan("broker", tag="auto", repo=str(project.path), env=env, tag_prefix="agent-")["tags"] == \
        ["main", sha(project)]
    assert multiarch.plan("broker", tag="auto", repo=str(project.path), env=env, tag_prefix="")["tag_prefix"] is None
    # `all` cannot build two prefixes in one run
    with pytest.raises(ValueError, match="components 'broker' and 'agent' have different tag_prefix"):
        multiarch.plan("all", tag="auto", repo=str(project.path), env=env)


def test_a_bad_prefix_is_a_usage_error(project):
    r = project.angreal("build", "multi-arch", "broker", "--tag-prefix", "broker/", "--dry-run")
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("error: invalid --tag-prefix 'broker/'")
    (project.path / "multiarch.json").write_text(json.dumps({"tag_prefix": "a/b"}))
    r = project.angreal("build", "multi-arch", "broker", "--dry-run")
    assert r.returncode == 1 and "'tag_prefix' must be 1-64 characters" in r.stderr
    assert "Traceback" not in r.stderr


def test_the_cli_plan_json_and_merge_take_the_prefix(project, tmp_path):
    monorepo(project)
    r = project.angreal("build", "multi-arch", "broker", "--tag", "auto", "--tag-prefix", "broker-", "--push",
                        "--dry-run", "--json")
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    assert plan["tags"] == ["v1.1.5", "v1.1", sha(project)] and plan["tag_prefix"] == "broker-"
    assert f"ghcr.io/colliery-io/brokkr-broker:v1.1.5" in plan["images"][0]["refs"]

    digests = tmp_path / "digests"
    digests.mkdir()
    for arch, digest in [("amd64", "a" * 64), ("arm64", "b" * 64)]:
        (digests / f"broker-linux-{arch}.json").write_text(json.dumps({
            "component": "broker", "image": "ghcr.io/colliery-io/brokkr-broker", "platform": f"linux/{arch}",
            "digest": f"sha256:{digest}", "revision": project.head()}))
    r = project.angreal("build", "merge", "broker", "--digest-dir", str(digests), "--tag", "broker-v1.3.0",
                        "--tag-prefix", "broker-", "--dry-run", "--json")
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    assert plan["mode"] == "merge" and plan["tags"] == ["v1.3.0", "v1.3", "v1", "latest"]

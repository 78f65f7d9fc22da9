"""A project's own tag policy (`tags` in multiarch.json, --version-prefix,
--sha-tag, --major-zero, --latest, --schedule-tag): on real git repositories
shaped like each CI event, through the real `angreal` CLI and the Python API.
"Brokkr today" is the README's recipe: version tags without v, no sha- tag,
`nightly` from a scheduled run."""

import json

import multiarch
import pytest

from support.project import clean_env

BROKKR_TODAY = {"tags": {"version_prefix": "", "sha": False}}


def brokkr_today(project, **tags):
    (project.path / "multiarch.json").write_text(json.dumps({"tags": dict(BROKKR_TODAY["tags"], **tags)}))


def released(project, version):
    """A release commit tagged `version`, then a CI checkout of it (detached)."""
    project.commit(f"release {version}")
    project.tag(version, annotated=True)
    project.detach()


# The CI events, as GitHub Actions and GitLab CI describe them to the run.
TAG_PUSH = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_REF_TYPE": "tag"}
MAIN_PUSH = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main",
             "GITHUB_REF_NAME": "main", "GITHUB_REF_TYPE": "branch"}
PULL_REQUEST_15 = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/15/merge",
                   "GITHUB_REF_NAME": "15/merge", "GITHUB_HEAD_REF": "feature/login", "GITHUB_BASE_REF": "main"}
GITHUB_SCHEDULE = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "schedule", "GITHUB_REF": "refs/heads/main",
                   "GITHUB_REF_NAME": "main", "GITHUB_REF_TYPE": "branch"}
GITLAB_SCHEDULE = {"GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_REF_NAME": "main",
                   "CI_COMMIT_BRANCH": "main"}


def tag_push(version):
    return dict(TAG_PUSH, GITHUB_REF=f"refs/tags/{version}", GITHUB_REF_NAME=version)


def planned(project, *args, env=None):
    """The tags `angreal build multi-arch all --tag auto --push --dry-run --json` plans, and the plan."""
    r = project.angreal("build", "multi-arch", "all", "--tag", "auto", "--push", "--dry-run", "--json", *args,
                        env=env)
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    return plan["tags"], plan


def assert_no_sha_tag_anywhere(plan):
    text = json.dumps(plan)
    assert "sha-" not in text.replace(plan["revision"], ""), text


def test_brokkr_today_a_release_tag_push(project):
    project.tag("v1.1.0")
    released(project, "v1.2.3")
    brokkr_today(project)
    tags, plan = planned(project, env=tag_push("v1.2.3"))
    assert tags == ["1.2.3", "1.2", "1", "latest"]
    assert_no_sha_tag_anywhere(plan)
    assert plan["tag_policy"] == {"version_prefix": "", "sha": False, "major_zero": True, "latest": True,
                                  "schedule": "nightly"}
    broker = plan["images"][0]
    assert broker["refs"] == [f"ghcr.io/colliery-io/brokkr-broker:{t}" for t in tags]
    assert broker["immutable_tags"] == ["1.2.3"] and broker["mutable_tags"] == ["1.2", "1", "latest"]
    # the version label, annotation and VERSION build argument carry the image's version tag
    assert "org.opencontainers.image.version=1.2.3" in broker["labels"]
    assert "org.opencontainers.image.version=1.2.3" in broker["annotations"]
    assert "VERSION=1.2.3" in broker["command"]
    # the same checkout with no CI: the release tag on HEAD
    assert planned(project)[0] == tags


def test_brokkr_today_a_zero_major_release(project):
    released(project, "v0.9.1")
    brokkr_today(project)
    tags, plan = planned(project, env=tag_push("v0.9.1"))
    assert tags == ["0.9.1", "0.9", "0", "latest"]
    assert_no_sha_tag_anywhere(plan)
    brokkr_today(project, major_zero=False)
    tags, plan = planned(project, env=tag_push("v0.9.1"))
    assert tags == ["0.9.1", "0.9", "latest"]
    assert plan["tag_policy"]["major_zero"] is False
    assert_no_sha_tag_anywhere(plan)
    # the option over the config
    assert planned(project, "--major-zero", "true", env=tag_push("v0.9.1"))[0] == ["0.9.1", "0.9", "0", "latest"]


@pytest.mark.parametrize("env, want", [
    (MAIN_PUSH, ["main"]),
    (PULL_REQUEST_15, ["pr-15"]),
    (GITHUB_SCHEDULE, ["nightly"]),
    (GITLAB_SCHEDULE, ["nightly"]),
], ids=["push-to-main", "pull-request-15", "github-schedule", "gitlab-schedule"])
def test_brokkr_today_branch_pull_request_and_schedule(project, env, want):
    project.tag("v0.9.1")  # released before: these events publish no release
    project.commit("work on main")
    project.detach()
    brokkr_today(project)
    tags, plan = planned(project, env=env)
    assert tags == want
    assert_no_sha_tag_anywhere(plan)
    assert plan["images"][0]["immutable_tags"] == []
    assert "org.opencontainers.image.version=" + want[0] in plan["images"][0]["labels"]


def test_a_schedule_on_a_tagged_commit_publishes_nightly_only(project):
    released(project, "v1.2.3")
    brokkr_today(project)
    assert planned(project, env=GITHUB_SCHEDULE)[0] == ["nightly"]


def test_the_default_config_keeps_the_seed_tags_for_every_event(project):
    project.tag("v0.9.1")
    project.commit("work on main")
    project.detach()
    sha = "sha-" + project.head()[:7]
    assert planned(project, env=MAIN_PUSH)[0] == ["main", sha]
    assert planned(project, env=PULL_REQUEST_15)[0] == ["pr-15", sha]
    # a scheduled run publishes the schedule tag, with its sha- tag as every build
    assert planned(project, env=GITHUB_SCHEDULE)[0] == ["nightly", sha]
    project.tag("v1.2.3")
    tags, plan = planned(project, env=tag_push("v1.2.3"))
    assert tags == ["v1.2.3", "v1.2", "v1", "latest", sha]
    assert plan["tag_policy"] == {"version_prefix": "v", "sha": True, "major_zero": True, "latest": True,
                                  "schedule": "nightly"}


def test_the_options_over_the_config_and_in_python(project):
    released(project, "v1.2.3")
    brokkr_today(project)
    env = clean_env()
    repo = str(project.path)
    assert multiarch.compute_tags("auto", repo=repo, env=env) == ["1.2.3", "1.2", "1", "latest"]
    sha = "sha-" + project.head()[:7]
    assert multiarch.compute_tags("auto", repo=repo, env=env, version_prefix="v", sha_tag=True) == \
        ["v1.2.3", "v1.2", "v1", "latest", sha]
    assert multiarch.compute_tags("auto", repo=repo, env=env, latest=False) == ["1.2.3", "1.2", "1"]
    assert multiarch.compute_tags("auto", repo=repo, env=dict(env, **GITHUB_SCHEDULE), schedule_tag="edge") == \
        ["edge"]
    # --tag 1.2.3 and --tag v1.2.3 name one release
    assert multiarch.compute_tags("1.2.4", repo=repo, env=env) == ["1.2.4", "1.2", "1", "latest"]
    assert multiarch.compute_tags("v1.2.4", repo=repo, env=env) == ["1.2.4", "1.2", "1", "latest"]
    # the same on the command line, '' for no prefix
    (project.path / "multiarch.json").unlink()
    tags, plan = planned(project, "--version-prefix", "", "--sha-tag", "false", "--latest", "false")
    assert tags == ["1.2.3", "1.2", "1"]
    assert plan["tag_policy"]["version_prefix"] == "" and plan["tag_policy"]["latest"] is False


def test_the_dry_run_says_once_how_version_tags_are_spelled(project):
    released(project, "v1.2.3")
    brokkr_today(project)
    r = project.angreal("build", "multi-arch", "broker", "--tag", "auto", "--push", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "Tags: 1.2.3, 1.2, 1, latest\n" in r.stdout
    assert r.stdout.count('Version tags are spelled without v (tags.version_prefix ""): 1.2.3') == 1
    # the seed's spelling says nothing new
    (project.path / "multiarch.json").unlink()
    r = project.angreal("build", "multi-arch", "broker", "--tag", "auto", "--push", "--dry-run")
    assert r.returncode == 0 and "spelled" not in r.stdout


def test_merge_follows_the_policy(project, tmp_path):
    released(project, "v1.3.0")
    brokkr_today(project)
    digests = tmp_path / "digests"
    digests.mkdir()
    for arch, digest in [("amd64", "a" * 64), ("arm64", "b" * 64)]:
        (digests / f"broker-linux-{arch}.json").write_text(json.dumps({
            "component": "broker", "image": "ghcr.io/colliery-io/brokkr-broker", "platform": f"linux/{arch}",
            "digest": f"sha256:{digest}", "revision": project.head()}))
    r = project.angreal("build", "merge", "broker", "--digest-dir", str(digests), "--tag", "auto", "--dry-run",
                        "--json", env=tag_push("v1.3.0"))
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    assert plan["mode"] == "merge" and plan["tags"] == ["1.3.0", "1.3", "1", "latest"]
    assert "org.opencontainers.image.version=1.3.0" in plan["images"][0]["annotations"]


@pytest.mark.parametrize("args, message", [
    (["--latest", "maybe"], "error: invalid --latest 'maybe': true or false"),
    (["--sha-tag", "no"], "error: invalid --sha-tag 'no': true or false"),
    (["--major-zero", "1"], "error: invalid --major-zero '1': true or false"),
    (["--version-prefix", "V"], "error: invalid --version-prefix 'V'"),
    (["--schedule-tag", "latest"], "error: invalid --schedule-tag 'latest'"),
    (["--schedule-tag", "1.2"], "error: invalid --schedule-tag '1.2'"),
])
def test_bad_policy_options_are_usage_errors(project, args, message):
    r = project.angreal("build", "multi-arch", "broker", "--dry-run", *args)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith(message), r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("tags, message", [
    ({"version_prefix": "release-"}, "'version_prefix' in 'tags' must be \"v\""),
    ({"sha": "false"}, "'sha' in 'tags' must be true or false"),
    ({"schedule": "v2"}, "'schedule' in 'tags' must be a Docker tag that is no release tag"),
    ({"nightly": True}, "unknown key 'nightly' in 'tags'"),
])
def test_a_bad_tags_object_is_refused(project, tags, message):
    (project.path / "multiarch.json").write_text(json.dumps({"tags": tags}))
    r = project.angreal("build", "multi-arch", "broker", "--dry-run")
    assert r.returncode == 1 and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_python_takes_bools_and_refuses_other_types(project):
    env = clean_env()
    assert multiarch.compute_tags("v1.0.0", repo=str(project.path), env=env, latest=False,
                                  version_prefix="") == ["1.0.0", "1.0", "1"]
    with pytest.raises(TypeError, match="argument 'latest' must be bool, str or None"):
        multiarch.compute_tags("v1.0.0", repo=str(project.path), env=env, latest=1)
    with pytest.raises(ValueError, match="invalid --latest 'yes'"):
        multiarch.compute_tags("v1.0.0", repo=str(project.path), env=env, latest="yes")


def test_a_branch_that_reads_as_a_bare_version_is_refused_under_the_bare_spelling(project):
    project.git("checkout", "-q", "-b", "1.2")
    brokkr_today(project)
    with pytest.raises(ValueError, match="branch '1.2' would produce the release tag '1.2'"):
        multiarch.compute_tags("auto", repo=str(project.path), env=clean_env())
    # under the seed's spelling 1.2 is no release tag: the branch builds as ever
    (project.path / "multiarch.json").unlink()
    assert multiarch.compute_tags("auto", repo=str(project.path), env=clean_env())[0] == "1.2"

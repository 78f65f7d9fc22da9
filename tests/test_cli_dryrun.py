"""The real `angreal build multi-arch ... --dry-run` in projects that copied
the task into .angreal/, as the README tells them to."""

import json
import shlex

import multiarch
import pytest

from support.project import clean_env


def test_done_criterion_release_plan_prints_seed_tags_and_commands(project):
    r = project.angreal("build", "multi-arch", "all", "--tag", "v1.2.3", "--push", "--dry-run")
    assert r.returncode == 0, r.stderr
    for comp in ("broker", "agent", "ui"):
        for tag in ("v1.2.3", "v1.2", "v1", "latest"):
            assert f"ghcr.io/colliery-io/brokkr-{comp}:{tag}\n" in r.stdout
    commands = [line.strip()[2:] for line in r.stdout.splitlines() if line.strip().startswith("$ ")]
    assert len(commands) == 3  # the build of each image; the registry steps are lines of their own
    plan = multiarch.plan("all", tag="v1.2.3", push=True, repo=str(project.path), env=clean_env())
    assert [shlex.split(c) for c in commands] == [img["command"] for img in plan["images"]]
    steps = [line.strip() for line in r.stdout.splitlines() if line.strip().startswith(("GET ", "PUT "))]
    expected = []
    for img in plan["images"]:
        expected += [f"GET {img['image']}:{t}" for t in img["immutable_tags"]]
        expected += [f"PUT {s['ref']} \u2190 {s['digest']}" for s in img["promote"]]
    assert steps == expected
    assert "imagetools" not in r.stdout


def test_json_dry_run_is_exactly_the_plan(project):
    project.tag("v1.2.3", annotated=True)
    r = project.angreal("build", "multi-arch", "all", "--tag", "auto", "--push", "--dry-run", "--json")
    assert r.returncode == 0, r.stderr
    printed = json.loads(r.stdout)
    assert printed == multiarch.plan("all", tag="auto", push=True, repo=str(project.path), env=clean_env())
    assert printed["tags"] == ["v1.2.3", "v1.2", "v1", "latest", "sha-" + project.head()[:7]]


def test_json_dry_run_in_detached_ci_checkout(project):
    project.detach()
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
           "GITHUB_REF": "refs/pull/9/merge", "GITHUB_HEAD_REF": "fix/x"}
    r = project.angreal("build", "multi-arch", "broker", "--tag", "auto", "--dry-run", "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["images"][0]["tags"] == ["pr-9", "sha-" + project.head()[:7]]


def pr_target_env(tmp_path, payload, head_ref="master"):
    """pull_request_target: GITHUB_REF names the base branch, the number is only in the payload."""
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request_target", "GITHUB_REF": "refs/heads/master",
           "GITHUB_REF_NAME": "master", "GITHUB_HEAD_REF": head_ref, "GITHUB_BASE_REF": "master"}
    if payload is not None:
        (tmp_path / "event.json").write_text(json.dumps(payload))
        env["GITHUB_EVENT_PATH"] = str(tmp_path / "event.json")
    return env


def auto_tags(project, env):
    r = project.angreal("build", "multi-arch", "broker", "--tag", "auto", "--push", "--dry-run", "--json", env=env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["images"][0]["tags"]


def test_pull_request_target_from_a_fork_named_master_never_gets_the_branch_tag(project, tmp_path):
    project.git("checkout", "-q", "-B", "master")  # the base branch checked out, as pull_request_target does
    sha = "sha-" + project.head()[:7]
    payload = {"action": "synchronize", "number": 15,
               "pull_request": {"number": 15, "head": {"ref": "master", "repo": {"fork": True}}}}
    assert auto_tags(project, pr_target_env(tmp_path, payload)) == ["pr-15", sha]
    # the head checked out (a detached checkout), GITHUB_HEAD_REF the fork's `master`
    project.detach()
    assert auto_tags(project, pr_target_env(tmp_path, payload)) == ["pr-15", sha]
    # only the top-level number
    assert auto_tags(project, pr_target_env(tmp_path, {"number": 16})) == ["pr-16", sha]
    # a version tag on the pull request's commit does not make it a release
    project.tag("v9.9.9")
    assert auto_tags(project, pr_target_env(tmp_path, payload)) == ["pr-15", sha]


def test_gitlab_external_pull_request_gets_its_number(project):
    env = {"GITLAB_CI": "true", "CI_EXTERNAL_PULL_REQUEST_IID": "8", "CI_COMMIT_REF_NAME": "master",
           "CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME": "master"}
    assert auto_tags(project, env) == ["pr-8", "sha-" + project.head()[:7]]


@pytest.mark.parametrize("payload, what", [
    (None, "GITHUB_REF is refs/heads/master and GITHUB_EVENT_PATH is not set"),
    ({"action": "opened"}, "has no pull_request.number nor number"),
    ({"number": "15"}, "not a positive whole number"),
])
def test_pull_request_event_without_a_number_is_refused(project, tmp_path, payload, what):
    r = project.angreal("build", "multi-arch", "broker", "--tag", "auto", "--push", "--dry-run",
                        env=pr_target_env(tmp_path, payload))
    assert_one_line_error(r, 2, "a pull_request_target event, but no pull request number was found")
    assert what in r.stderr


def test_defaults_registry_platform_and_tag(project):
    r = project.angreal("build", "multi-arch", "broker", "--dry-run", "--json")
    assert r.returncode == 0, r.stderr
    img = json.loads(r.stdout)["images"][0]
    assert img["tags"] == ["dev"] and img["image"] == "ghcr.io/colliery-io/brokkr-broker"
    assert "--load" in img["command"] and len(img["platforms"]) == 1


def test_registry_and_platforms_flags(project):
    r = project.angreal("build", "multi-arch", "broker", "--tag", "dev", "--registry", "myregistry.io/myorg",
                        "--push", "--platforms", "linux/arm64", "--dry-run", "--json")
    img = json.loads(r.stdout)["images"][0]
    assert img["image"] == "myregistry.io/myorg/brokkr-broker" and img["platforms"] == ["linux/arm64"]


def assert_one_line_error(r, status, text):
    assert r.returncode == status, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0], r.stderr
    assert "Traceback" not in r.stdout + r.stderr


@pytest.mark.parametrize("bad, why", [
    ("myteam/images", "'myteam' is not a registry host (a host has a '.' or a ':' or is localhost), so docker "
                      "would push to Docker Hub: did you mean docker.io/myteam/images?"),
    ("test.com:http", "invalid registry 'test.com:http': 'test.com:http' is not a host[:port]"),
    ("[fc00::1]8080/x", "'[fc00::1]8080' is not a host[:port]"),
    ("ghcr.io/a..b", "invalid registry 'ghcr.io/a..b': the namespace must be lowercase path components"),
])
def test_registry_outside_docker_grammar_is_refused_before_anything(project, bad, why):
    r = project.angreal("build", "multi-arch", "broker", "--tag", "dev", "--push", "--registry", bad, "--dry-run")
    assert_one_line_error(r, 2, why)


def test_unknown_component(project):
    r = project.angreal("build", "multi-arch", "db", "--dry-run")
    assert_one_line_error(r, 2, "unknown component 'db' (expected one of: broker, agent, ui, all)")


def test_invalid_tag(project):
    r = project.angreal("build", "multi-arch", "broker", "--tag", ".bad", "--dry-run")
    assert_one_line_error(r, 2, "invalid tag '.bad'")


def test_invalid_platform(project):
    r = project.angreal("build", "multi-arch", "broker", "--platforms", "linux/x86_64", "--dry-run")
    assert_one_line_error(r, 2, "did you mean linux/amd64")


def test_json_without_dry_run(project):
    r = project.angreal("build", "multi-arch", "broker", "--json")
    assert_one_line_error(r, 2, "--json")


def test_auto_outside_git(plain_project):
    r = plain_project.angreal("build", "multi-arch", "broker", "--tag", "auto", "--dry-run")
    assert_one_line_error(r, 1, "not a git repository")


def test_bad_config(project):
    (project.path / "multiarch.json").write_text("{")
    r = project.angreal("build", "multi-arch", "broker", "--dry-run")
    assert_one_line_error(r, 1, "invalid JSON")


def test_text_dry_run_quotes_arguments_for_the_shell(project):
    (project.path / "multiarch.json").write_text(json.dumps(
        {"components": {"api": {"build_args": {"GREETING": "hello world; rm -rf /"}}}}))
    r = project.angreal("build", "multi-arch", "api", "--dry-run")
    assert r.returncode == 0, r.stderr
    line = next(l for l in r.stdout.splitlines() if "buildx build" in l)
    assert "'GREETING=hello world; rm -rf /'" in line
    assert "GREETING=hello world; rm -rf /" in shlex.split(line.strip()[2:])


def test_a_bad_progress_value_is_exit_2(project):
    r = project.angreal("build", "multi-arch", "broker", "--dry-run", "--progress", "fancy")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1] == "error: invalid --progress 'fancy': expected auto, tty or plain"
    r = project.angreal("build", "multi-arch", "broker", "--dry-run", "--progress", "tty")
    assert r.returncode == 0 and "--progress" not in r.stdout  # the plan is the same in every view


def test_a_merge_takes_records_of_any_spelling_of_its_platforms(project, tmp_path):
    """buildx may record an arm64 host's platform as linux/arm64/v8: that is --platforms linux/arm64."""
    digests = tmp_path / "digests"
    digests.mkdir()
    repo = "ghcr.io/colliery-io/brokkr-broker"
    records = {"linux/amd64/v1": "sha256:" + "1" * 64, "linux/arm64/v8": "sha256:" + "2" * 64}
    for platform, digest in records.items():
        (digests / f"broker-{platform.replace('/', '-')}.json").write_text(json.dumps(
            {"component": "broker", "image": repo, "platform": platform, "digest": digest,
             "revision": project.head()}))
    r = project.angreal("build", "merge", "broker", "--digest-dir", str(digests), "--tag", "v1.2.3",
                        "--platforms", "linux/amd64,linux/arm64", "--dry-run", "--json")
    assert r.returncode == 0, r.stderr
    img = json.loads(r.stdout)["images"][0]
    assert img["sources"] == [f"{repo}@{records['linux/amd64/v1']}", f"{repo}@{records['linux/arm64/v8']}"]


@pytest.mark.parametrize("platforms, twice", [
    ("linux/amd64,linux/amd64/v1", "linux/amd64/v1 is listed twice (as linux/amd64)"),
    ("linux/arm/v7,linux/arm", "linux/arm is listed twice (as linux/arm/v7)"),
    ("linux/arm64/v8.0,linux/arm64", "linux/arm64 is listed twice (as linux/arm64/v8.0)"),
])
def test_one_platform_in_two_spellings_is_refused(project, platforms, twice):
    r = project.angreal("build", "multi-arch", "broker", "--push", "--platforms", platforms, "--dry-run")
    assert_one_line_error(r, 2, twice)


def test_arm64_variants_are_accepted(project):
    r = project.angreal("build", "multi-arch", "broker", "--push", "--platforms", "linux/amd64,linux/arm64/v8.2",
                        "--dry-run", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["images"][0]["platforms"] == ["linux/amd64", "linux/arm64/v8.2"]

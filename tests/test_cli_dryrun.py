"""The real `angreal build multi-arch ... --dry-run` in projects that copied
the task into .angreal/, as the README tells them to."""

import json
import shlex

import multiarch

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

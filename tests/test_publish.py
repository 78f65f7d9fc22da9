"""Real runs of `angreal build multi-arch ... --push` against a real registry
on 127.0.0.1, with the buildx emulator (tests/support/docker) standing in for
the missing Docker engine.  Every fault test asserts the message, the exit
status and that no mutable tag moved."""

import json
import os
import re
import signal
import subprocess
import time
import uuid

import pytest

from support.github import parse_github_output
from support.project import clean_env

COMPONENTS = ("broker", "agent", "ui")
RELEASE_TAGS = ["latest", "v1", "v1.2", "v1.2.3"]


@pytest.fixture
def ns(registry):
    """A fresh registry namespace per test: HOST/t-xxxxxxxx."""
    return f"{registry.host}/t-{uuid.uuid4().hex[:8]}"


def run(project, emulator, *args, faults=(), env=None, timeout=180):
    extra = {"PATH": emulator.env()["PATH"], "MULTIARCH_EMULATOR_STATE": emulator.state_dir,
             "MULTIARCH_EMULATOR_DELAY": "0.005"}
    if faults:
        extra.update(emulator.faults(*faults))
    extra.update(env or {})
    return project.angreal("build", "multi-arch", *args, env=extra, timeout=timeout)


def image(ns, comp):
    return f"{ns}/brokkr-{comp}"


def image_tags(registry, repo):
    """The repository's tags without the registry build cache (buildcache-*)."""
    return [t for t in registry.tags(repo) if not t.startswith("buildcache-")]


def tag_digests(registry, repo):
    return {t: registry.digest(f"{repo}:{t}") for t in image_tags(registry, repo)}


def publish_release(project, emulator, ns, tag="v1.2.3", *extra, **kw):
    r = run(project, emulator, "all", "--tag", tag, "--push", "--registry", ns, *extra, **kw)
    return r


def test_release_publish_all_images_both_platforms_one_digest(project, emulator, registry, ns):
    r = publish_release(project, emulator, ns)
    assert r.returncode == 0, r.stderr[-3000:]
    head = project.head()
    for comp in COMPONENTS:
        repo = image(ns, comp)
        digests = tag_digests(registry, repo)
        assert sorted(digests) == RELEASE_TAGS
        assert len(set(digests.values())) == 1
        digest = digests["v1.2.3"]
        assert registry.platforms(f"{repo}:latest") == ["linux/amd64", "linux/arm64"]
        # the reference to deploy by is printed, and it is what the registry holds
        assert f"{repo}@{digest}" in r.stdout
        labels = registry.labels(f"{repo}:v1.2.3", "linux/arm64")
        assert labels["org.opencontainers.image.revision"] == head
        assert labels["org.opencontainers.image.version"] == "v1.2.3"
    # publish order: per image, build, then immutable tags, then mutable ones
    calls = [c["argv"] for c in emulator.calls()]
    for comp in COMPONENTS:
        repo = image(ns, comp)
        mine = [a for a in calls if any(repo in x for x in a)]
        kinds = [a[1] if a[0] == "buildx" and a[1] == "build" else " ".join(a[:3]) for a in mine]
        build = kinds.index("build")
        creates = [i for i, a in enumerate(mine) if a[:3] == ["buildx", "imagetools", "create"]]
        assert len(creates) == 2 and build < creates[0] < creates[1]
        assert mine[creates[0]].count("--tag") == 1 and mine[creates[0]][mine[creates[0]].index("--tag") + 1].endswith(":v1.2.3")
        assert {mine[creates[1]][i + 1].rsplit(":", 1)[1] for i, x in enumerate(mine[creates[1]]) if x == "--tag"} == {"v1.2", "v1", "latest"}
    # the summary table
    assert re.search(r"^broker\s+published\s+\d+\.\ds\s+", r.stdout, re.M)
    assert "[broker] " in r.stderr and "[agent] " in r.stderr and "[ui] " in r.stderr


def test_github_step_outputs_carry_the_digests(project, emulator, registry, ns, tmp_path):
    outputs, summary = tmp_path / "github_output", tmp_path / "step_summary"
    outputs.write_text("earlier=kept\n")
    r = publish_release(project, emulator, ns, "v3.0.0",
                        env={"GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary)})
    assert r.returncode == 0, r.stderr[-2000:]
    got = parse_github_output(outputs.read_text())
    assert got.pop("earlier") == "kept"
    assert got.pop("tags") == "v3.0.0,v3.0,v3,latest" and got.pop("version") == "v3.0.0"
    assert "digest" not in got  # three images: one digest each, below
    refs = got.pop("refs").split(",")
    plan = json.loads(got.pop("json"))
    assert plan["mode"] == "push" and [i["component"] for i in plan["images"]] == list(COMPONENTS)
    for comp in COMPONENTS:
        digest = registry.digest(f"{image(ns, comp)}:v3.0.0")
        assert got.pop(f"{comp}-digest") == digest
        assert got.pop(f"{comp}-ref") == f"{image(ns, comp)}@{digest}"
        assert {f"{image(ns, comp)}:{t}" for t in ("v3.0.0", "v3.0", "v3", "latest")} <= set(refs)
    assert got == {} and len(refs) == 12
    table = summary.read_text()
    assert "| Component | Result | Image | Tags |" in table
    for comp in COMPONENTS:
        digest = registry.digest(f"{image(ns, comp)}:v3.0.0")
        assert f"| {comp} | published | `{image(ns, comp)}@{digest}` | `v3.0.0` `v3.0` `v3` `latest` |" in table


def test_builder_is_created_once_and_reused(project, emulator, ns):
    assert publish_release(project, emulator, ns, "v1.0.0").returncode == 0
    builders = emulator.builders()["builders"]
    assert builders["brokkr-builder"]["driver"] == "docker-container"
    creates = [c for c in emulator.calls() if c["argv"][:2] == ["buildx", "create"]]
    assert len(creates) == 1
    assert publish_release(project, emulator, ns, "v1.0.1").returncode == 0
    assert len([c for c in emulator.calls() if c["argv"][:2] == ["buildx", "create"]]) == 1


def test_auto_on_a_branch_publishes_branch_and_sha(project, emulator, registry, ns):
    project.git("checkout", "-q", "-b", "feature/login")
    r = run(project, emulator, "broker", "--tag", "auto", "--push", "--registry", ns)
    assert r.returncode == 0, r.stderr[-2000:]
    sha = "sha-" + project.head()[:7]
    assert sorted(image_tags(registry, image(ns, "broker"))) == sorted(["feature-login", sha])


def test_push_of_a_mutable_tag_only(project, emulator, registry, ns):
    r = run(project, emulator, "broker", "--tag", "dev", "--push", "--registry", ns)
    assert r.returncode == 0, r.stderr[-2000:]
    assert image_tags(registry, image(ns, "broker")) == ["dev"]
    assert registry.platforms(f"{image(ns, 'broker')}:dev") == ["linux/amd64", "linux/arm64"]


def seed_previous_release(project, emulator, registry, ns):
    """Publish v1.2.2 so `latest` exists; return the digests of every tag."""
    r = publish_release(project, emulator, ns, "v1.2.2")
    assert r.returncode == 0, r.stderr[-2000:]
    (project.path / "docker" / "Dockerfile.broker").write_text("FROM scratch\nLABEL changed=yes\n")
    (project.path / "docker" / "Dockerfile.agent").write_text("FROM scratch\nLABEL changed=yes\n")
    (project.path / "docker" / "Dockerfile.ui").write_text("FROM scratch\nLABEL changed=yes\n")
    return {comp: tag_digests(registry, image(ns, comp)) for comp in COMPONENTS}


def assert_nothing_moved(registry, ns, before):
    for comp in COMPONENTS:
        assert tag_digests(registry, image(ns, comp)) == before[comp], comp


def assert_error(r, status, text):
    assert r.returncode == status, (r.returncode, r.stderr[-2000:])
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("error: "), last
    assert text in r.stdout + r.stderr, r.stdout + r.stderr[-2000:]
    assert "Traceback" not in r.stdout + r.stderr


def test_build_failure_moves_no_tag_anywhere_and_others_finish(project, emulator, registry, ns):
    before = seed_previous_release(project, emulator, registry, ns)
    r = publish_release(project, emulator, ns, faults=["build-fail=brokkr-agent"])
    assert_error(r, 1, "did not complete successfully: exit code: 101")
    assert re.search(r"^agent\s+failed\s+.*build failed", r.stdout, re.M)
    assert re.search(r"^broker\s+not tagged", r.stdout, re.M)
    assert re.search(r"^ui\s+not tagged", r.stdout, re.M)
    # the other builds did finish (pushed by digest), the failed one was not retried
    builds = [c for c in emulator.calls() if c["argv"][:2] == ["buildx", "build"]]
    assert len([b for b in builds if any("brokkr-agent" in a for a in b["argv"])]) == 2  # v1.2.2 + this one
    assert len(builds) == 6
    assert_nothing_moved(registry, ns, before)


def test_transient_push_failures_are_retried(project, emulator, registry, ns):
    r = run(project, emulator, "broker", "--tag", "v2.0.0", "--push", "--registry", ns, faults=["push-5xx=2"])
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stderr.count("retrying after a transient failure") == 2
    assert sorted(image_tags(registry, image(ns, "broker"))) == ["latest", "v2", "v2.0", "v2.0.0"]


def test_transient_failures_give_up_after_the_retries(project, emulator, registry, ns):
    before = seed_previous_release(project, emulator, registry, ns)
    r = run(project, emulator, "broker", "--tag", "v1.2.3", "--push", "--registry", ns, "--retries", "1",
            faults=["push-5xx=5"])
    assert_error(r, 1, "503 Service Unavailable")
    assert "gave up after 1 retries" in r.stdout
    assert_nothing_moved(registry, ns, before)


@pytest.mark.parametrize("fault, message", [
    ("no-metadata", "no metadata file"),
    ("bad-metadata", "metadata"),
    ("wrong-platforms", "but not linux/arm64"),
])
def test_metadata_and_verification_faults(project, emulator, registry, ns, fault, message):
    before = seed_previous_release(project, emulator, registry, ns)
    r = publish_release(project, emulator, ns, faults=[fault])
    assert_error(r, 1, message)
    assert_nothing_moved(registry, ns, before)


def test_registry_down(project, emulator, tmp_path):
    from support.registry import Registry
    reg = Registry(str(tmp_path / "reg"))
    reg.start()
    ns = f"{reg.host}/down"
    try:
        reg.stop()
        r = run(project, emulator, "broker", "--tag", "v1.0.0", "--push", "--registry", ns, "--retries", "1")
        assert_error(r, 1, "connection refused")
        reg.start()
        assert image_tags(reg, f"{ns}/brokkr-broker") == []
    finally:
        reg.cleanup()


def test_immutable_tag_at_another_digest_is_not_overwritten(project, emulator, registry, ns):
    assert publish_release(project, emulator, ns).returncode == 0
    before = {comp: tag_digests(registry, image(ns, comp)) for comp in COMPONENTS}
    (project.path / "docker" / "Dockerfile.ui").write_text("FROM scratch\nLABEL rebuilt=1\n")
    first = project.head()
    project.commit("rebuild ui")  # another commit: v1.2.3 of the first one is a conflict
    r = publish_release(project, emulator, ns)
    assert_error(r, 1, "immutable tag " + image(ns, "ui") + ":v1.2.3 already exists at")
    assert f"made from commit {first}, version v1.2.3" in r.stdout and "refused before building" in r.stdout
    assert "--allow-overwrite" in r.stdout
    assert not [c for c in emulator.calls()[-12:] if c["argv"][:2] == ["buildx", "build"]]
    assert_nothing_moved(registry, ns, before)
    r = publish_release(project, emulator, ns, "v1.2.3", "--allow-overwrite")
    assert r.returncode == 0, r.stderr[-2000:]
    after = tag_digests(registry, image(ns, "ui"))
    assert after["v1.2.3"] != before["ui"]["v1.2.3"] and len(set(after.values())) == 1
    assert "replaced " + image(ns, "ui") + ":v1.2.3" in r.stdout


def test_rerunning_an_identical_release_is_idempotent(project, emulator, registry, ns):
    assert publish_release(project, emulator, ns).returncode == 0
    before = {comp: tag_digests(registry, image(ns, comp)) for comp in COMPONENTS}
    builds = len([c for c in emulator.calls() if c["argv"][:2] == ["buildx", "build"]])
    r = publish_release(project, emulator, ns)
    assert r.returncode == 0, r.stderr[-2000:]
    for comp in COMPONENTS:
        assert re.search(rf"^{comp}\s+resumed\s", r.stdout, re.M)
    assert r.stdout.count("already published at sha256:") == 3
    assert len([c for c in emulator.calls() if c["argv"][:2] == ["buildx", "build"]]) == builds
    assert_nothing_moved(registry, ns, before)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_mid_build_stops_builds_and_exits_130(project, emulator, registry, ns, sig):
    before = seed_previous_release(project, emulator, registry, ns)
    env = clean_env({"PATH": emulator.env()["PATH"], "MULTIARCH_EMULATOR_STATE": emulator.state_dir,
                     **emulator.faults("slow-build=60")})
    proc = subprocess.Popen(["angreal", "build", "multi-arch", "all", "--tag", "v1.2.3", "--push", "--registry", ns],
                            cwd=project.path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len([f for f in os.listdir(emulator.state_dir)
                                               if f.startswith("build-started.")]) < 3:
        time.sleep(0.05)
    assert time.monotonic() < deadline, "the builds never started"
    started = time.monotonic()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    assert time.monotonic() - started < 15
    assert proc.returncode == 130, err[-2000:]
    assert re.search(r"^broker\s+cancelled", out, re.M) and re.search(r"^ui\s+cancelled", out, re.M)
    assert err.strip().splitlines()[-1].startswith("error: interrupted")
    build_pids = [c["pid"] for c in emulator.calls() if c["argv"][:2] == ["buildx", "build"]][-3:]
    for pid in build_pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert_nothing_moved(registry, ns, before)


def test_local_build_loads_one_platform(project, emulator):
    r = run(project, emulator, "broker", "--tag", "dev")
    assert r.returncode == 0, r.stderr[-2000:]
    loaded = emulator.loaded()
    assert any("ghcr.io/colliery-io/brokkr-broker:dev" in str(entry) for entry in loaded)
    assert re.search(r"^broker\s+built\s+", r.stdout, re.M)


def test_local_build_with_two_platforms_is_refused_before_running(project, emulator):
    r = run(project, emulator, "broker", "--platforms", "linux/amd64,linux/arm64")
    assert_error(r, 2, "add --push to publish a multi-platform image")
    assert emulator.calls() == []


def test_missing_dockerfile_fails_before_any_build(project, emulator, ns):
    (project.path / "docker" / "Dockerfile.agent").unlink()
    r = publish_release(project, emulator, ns)
    assert_error(r, 1, "Dockerfile for agent not found")
    assert emulator.calls() == []


def test_missing_docker_binary(project, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "angreal").symlink_to(subprocess.run(["which", "angreal"], capture_output=True, text=True).stdout.strip())
    r = project.angreal("build", "multi-arch", "broker", "--tag", "dev", env={"PATH": str(bin_dir)})
    assert_error(r, 1, "docker not found on PATH: install")


def test_missing_buildx_plugin_with_the_real_docker_cli(project, tmp_path):
    real = "/usr/local/bin/docker" if os.path.exists("/usr/local/bin/docker") else "/usr/bin/docker"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").symlink_to(real)
    angreal = subprocess.run(["which", "angreal"], capture_output=True, text=True).stdout.strip()
    (bin_dir / "angreal").symlink_to(angreal)
    r = project.angreal("build", "multi-arch", "broker", "--tag", "dev",
                        env={"PATH": str(bin_dir), "DOCKER_CONFIG": str(tmp_path / "dockercfg")})
    assert_error(r, 1, "docker has no buildx plugin: install the buildx plugin")


def test_login_token_goes_to_stdin_only(project, emulator, registry, ns):
    token = "ghp_" + uuid.uuid4().hex
    r = run(project, emulator, "broker", "--tag", "v1.0.0", "--push", "--registry", ns,
            env={"GITHUB_TOKEN": token, "GITHUB_ACTOR": "release-bot"})
    assert r.returncode == 0, r.stderr[-2000:]
    logins = emulator.logins()
    assert [(l["server"], l["user"]) for l in logins] == [(registry.host, "release-bot")]
    login_calls = [c for c in emulator.calls() if c["argv"][0] == "login"]
    assert login_calls[0]["stdin_bytes"] >= len(token)
    assert all(token not in " ".join(c["argv"]) for c in emulator.calls())
    assert token not in r.stdout + r.stderr


def test_token_without_user_is_refused(project, emulator, ns):
    r = run(project, emulator, "broker", "--tag", "v1.0.0", "--push", "--registry", ns,
            env={"MULTIARCH_REGISTRY_TOKEN": "secret"})
    assert_error(r, 2, "pass --username")


def test_explicit_builder_is_used_as_is_never_created(project, emulator, ns):
    r = run(project, emulator, "broker", "--tag", "v1.0.0", "--push", "--registry", ns, "--builder", "remote-arm")
    assert_error(r, 1, "buildx builder 'remote-arm' not found")
    assert not [c for c in emulator.calls() if c["argv"][:2] == ["buildx", "create"]]
    assert emulator.run(["buildx", "create", "--name", "remote-arm", "--driver", "docker-container"]).returncode == 0
    r = run(project, emulator, "broker", "--tag", "v1.0.0", "--push", "--registry", ns, "--builder", "remote-arm")
    assert r.returncode == 0, r.stderr[-2000:]
    build = [c for c in emulator.calls() if c["argv"][:2] == ["buildx", "build"]][-1]["argv"]
    assert build[build.index("--builder") + 1] == "remote-arm"


def test_jobs_option_is_validated(project, emulator):
    r = run(project, emulator, "all", "--jobs", "0")
    assert_error(r, 2, "invalid --jobs '0'")


def test_jobs_one_runs_builds_one_at_a_time(project, emulator, ns):
    r = publish_release(project, emulator, ns, "v1.0.0", "--jobs", "1")
    assert r.returncode == 0, r.stderr[-2000:]
    # one command at a time: agent's build starts only after broker's build pushed
    lines = r.stderr.splitlines()
    broker_pushed = next(i for i, l in enumerate(lines) if l.startswith("[broker]") and "pushing manifest" in l)
    agent_build = next(i for i, l in enumerate(lines) if l.startswith("[agent] $ docker buildx build"))
    assert agent_build > broker_pushed


def test_jobs_default_runs_builds_concurrently(project, emulator, ns):
    r = publish_release(project, emulator, ns, "v1.0.0")
    assert r.returncode == 0, r.stderr[-2000:]
    lines = r.stderr.splitlines()
    broker_pushed = next(i for i, l in enumerate(lines) if l.startswith("[broker]") and "pushing manifest" in l)
    agent_build = next(i for i, l in enumerate(lines) if l.startswith("[agent] $ docker buildx build"))
    assert agent_build < broker_pushed

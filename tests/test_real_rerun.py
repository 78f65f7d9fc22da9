"""Re-runs, conflicts and builders on the real stack (dockerd, buildx,
BuildKit, QEMU, a real registry): a release run again resumes instead of
failing, a conflicting release is refused before anything is built, and
builds need nothing from the internet."""

import re
import time
import uuid

import pytest

from support.real import real_dockerfile
from support.realrun import COMPONENTS, RELEASE_TAGS, tag_digests

pytestmark = pytest.mark.real

BUILD_LINE = re.compile(r"^\[\w+\] \$ docker buildx build ", re.M)


@pytest.fixture
def ns(registry):
    return f"{registry.host}/rr-{uuid.uuid4().hex[:8]}"


def publish(project, ns, *args, tag="v1.2.3", component="all", builder=None):
    builder = builder or project.docker_env.builder
    return project.angreal("build", "multi-arch", component, "--tag", tag, "--push", "--registry", ns,
                           "--builder", builder, *args)


def test_a_rerun_of_a_published_release_builds_nothing_and_moves_nothing(real_project, registry, ns):
    first = publish(real_project, ns)
    assert first.returncode == 0, first.stderr[-3000:]
    assert len(BUILD_LINE.findall(first.stderr)) == 3
    before = {c: tag_digests(registry, f"{ns}/brokkr-{c}") for c in COMPONENTS}
    again = publish(real_project, ns)
    assert again.returncode == 0, again.stderr[-3000:]
    assert BUILD_LINE.findall(again.stderr) == []
    for comp in COMPONENTS:
        repo = f"{ns}/brokkr-{comp}"
        assert tag_digests(registry, repo) == before[comp]
        digest = before[comp]["v1.2.3"]
        assert re.search(rf"^{comp}\s+resumed\s+.*{re.escape(repo)}@{digest}$", again.stdout, re.M)
        assert f"already published at {digest}: built nothing, moved no tag" in again.stdout


def test_a_half_finished_release_is_completed_by_a_rerun(real_project, registry, ns, docker_env):
    assert publish(real_project, ns).returncode == 0
    repo = f"{ns}/brokkr-ui"
    released = registry.digest(f"{repo}:v1.2.3")
    # as if the mutable tags had failed on a network blip: `latest` and `v1`
    # still name another image (here: an index of the amd64 image alone)
    amd64 = registry.child_digest(f"{repo}:v1.2.3", "linux/amd64")
    docker_env.docker("buildx", "imagetools", "create", "--tag", f"{repo}:latest", "--tag", f"{repo}:v1",
                      f"{repo}@{amd64}")
    other = registry.digest(f"{repo}:latest")
    assert other != released and registry.digest(f"{repo}:v1") == other

    r = publish(real_project, ns, component="ui")
    assert r.returncode == 0, r.stderr[-3000:]
    assert BUILD_LINE.findall(r.stderr) == []
    assert tag_digests(registry, repo) == {t: released for t in RELEASE_TAGS}
    note = re.search(r"resumed the release at (\S+): built nothing, completed (.*)$", r.stdout, re.M)
    assert note and note.group(1) == released
    assert sorted(note.group(2).split(", ")) == ["latest", "v1"]


def test_a_conflicting_release_is_refused_before_anything_is_built(real_project, registry, ns):
    assert publish(real_project, ns).returncode == 0
    first = real_project.head()
    before = {c: tag_digests(registry, f"{ns}/brokkr-{c}") for c in COMPONENTS}
    real_project.dockerfile("ui", real_dockerfile("ui", "RUN echo changed > /changed\n"))
    real_project.commit("change ui")
    started = time.monotonic()
    r = publish(real_project, ns)
    elapsed = time.monotonic() - started
    assert r.returncode == 1, r.stderr[-3000:]
    assert BUILD_LINE.findall(r.stderr) == []
    assert elapsed < 20, elapsed
    for comp in COMPONENTS:
        repo = f"{ns}/brokkr-{comp}"
        digest = before[comp]["v1.2.3"]
        line = next(l for l in r.stdout.splitlines() if l.startswith(comp + " "))
        assert "failed" in line and f"immutable tag {repo}:v1.2.3 already exists at {digest}" in line
        assert f"made from commit {first}, version v1.2.3" in line and "--allow-overwrite" in line
        assert tag_digests(registry, repo) == before[comp]
    assert r.stderr.strip().splitlines()[-1].startswith("error: 3 of 3 images did not publish")


def test_a_local_build_with_no_builder_needs_nothing_from_the_internet(real_project, docker_env):
    ref = f"ghcr.io/colliery-io/brokkr-broker:t-{uuid.uuid4().hex[:8]}"
    tag = ref.rsplit(":", 1)[1]
    r = real_project.angreal("build", "multi-arch", "broker", "--tag", tag)
    try:
        assert r.returncode == 0, r.stderr[-3000:]
        assert re.search(r"^broker\s+built\s+", r.stdout, re.M)
        listed = docker_env.docker("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
        assert ref in listed
        # no brokkr-builder was created (it would pull moby/buildkit)
        assert "brokkr-builder" not in docker_env.docker("buildx", "ls").stdout
        assert "using builder default (docker driver" in r.stderr
    finally:
        docker_env.docker("rmi", ref, check=False)


def test_a_leftover_builder_that_does_not_boot_is_passed_over(real_project, docker_env):
    # an older run left an inactive docker-container builder behind
    docker_env.docker("buildx", "create", "--name", "brokkr-builder", "--driver", "docker-container")
    tag = f"t-{uuid.uuid4().hex[:8]}"
    r = real_project.angreal("build", "multi-arch", "broker", "--tag", tag)
    try:
        assert r.returncode == 0, r.stderr[-3000:]
        assert "builder brokkr-builder does not boot: trying the current builder" in r.stderr
    finally:
        docker_env.docker("rmi", f"ghcr.io/colliery-io/brokkr-broker:{tag}", check=False)
        docker_env.docker("buildx", "rm", "brokkr-builder", check=False)


def test_a_builder_the_run_created_and_could_not_boot_is_removed(real_project, docker_env, registry, tmp_path):
    # push by digest cannot run on the docker driver, so with no builder the
    # run creates a docker-container one, which cannot pull moby/buildkit here
    r = real_project.angreal("build", "multi-arch", "broker", "--platforms", "linux/amd64", "--push-by-digest",
                             "--digest-dir", str(tmp_path / "d"), "--registry", f"{registry.host}/boot")
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("error: cannot boot the buildx builder 'brokkr-builder' this run created")
    assert "removed it again" in last and "--builder NAME" in last and "moby/buildkit" in last
    assert "brokkr-builder" not in docker_env.docker("buildx", "ls").stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_a_docker_driver_publish_of_all(real_project, registry, ns, docker_env):
    r = publish(real_project, ns, builder="default")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "using builder default (docker driver: pushes under the first immutable tag" in r.stderr
    for comp in COMPONENTS:
        repo = f"{ns}/brokkr-{comp}"
        digests = tag_digests(registry, repo)
        assert sorted(digests) == RELEASE_TAGS and len(set(digests.values())) == 1
        assert registry.platforms(f"{repo}:latest") == ["linux/amd64", "linux/arm64"]
        assert f"{repo}@{digests['v1.2.3']}" in r.stdout
    # and its re-run resumes like any other
    again = publish(real_project, ns, builder="default")
    assert again.returncode == 0 and BUILD_LINE.findall(again.stderr) == []


def test_a_platform_the_builder_cannot_build_is_refused_before_building(real_project, ns):
    r = publish(real_project, ns, "--platforms", "linux/amd64,linux/s390x")
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: buildx builder '{real_project.docker_env.builder}' cannot build linux/s390x")
    assert "qemu-user-static" in last and "--push-by-digest" in last
    assert BUILD_LINE.findall(r.stderr) == []


def test_matrix_reruns_reuse_the_pushed_digest_and_the_merge_resumes(real_project, registry, ns, tmp_path):
    digests = tmp_path / "digests"
    pushed = {}
    for platform in ("linux/amd64", "linux/arm64"):
        r = real_project.angreal("build", "multi-arch", "broker", "--platforms", platform, "--push-by-digest",
                                 "--digest-dir", str(digests), "--tag", "v1.2.3", "--registry", ns,
                                 "--builder", real_project.docker_env.builder)
        assert r.returncode == 0, r.stderr[-3000:]
        pushed[platform] = re.search(r"@(sha256:[0-9a-f]{64})", r.stdout).group(1)
    again = real_project.angreal("build", "multi-arch", "broker", "--platforms", "linux/arm64", "--push-by-digest",
                                 "--digest-dir", str(digests), "--tag", "v1.2.3", "--registry", ns,
                                 "--builder", real_project.docker_env.builder)
    assert again.returncode == 0, again.stderr[-3000:]
    assert BUILD_LINE.findall(again.stderr) == []
    assert f"@{pushed['linux/arm64']}" in again.stdout and "nothing built" in again.stdout

    merge = ("build", "merge", "broker", "--digest-dir", str(digests), "--tag", "v1.2.3", "--registry", ns)
    r = real_project.angreal(*merge)
    assert r.returncode == 0, r.stderr[-3000:]
    repo = f"{ns}/brokkr-broker"
    before = tag_digests(registry, repo)
    assert sorted(before) == RELEASE_TAGS
    r = real_project.angreal(*merge)
    assert r.returncode == 0, r.stderr[-3000:]
    assert re.search(r"^broker\s+resumed\s", r.stdout, re.M)
    assert tag_digests(registry, repo) == before

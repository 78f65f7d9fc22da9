"""Preflight's docker processes (`docker buildx version`, the builder's
`inspect --bootstrap`) run while the registry is asked what needs no
builder (push rights, each image's immutable tags), on the real stack.  A
`docker` on PATH that waits before `buildx version` and then runs the real
one stands in for a slow docker (a cold CLI, a builder booting): the log
shows the registry checks answered before docker did, and a conflict found
meanwhile ends the run without waiting for docker, its process stopped."""

import os
import shutil
import sys
import time
import uuid

import pytest

from support.real import alive, processes_matching
from support.realrun import assert_error, image, multi_arch
from support.regservers import FaultProxy, push_test_image

pytestmark = pytest.mark.real

SLOW_DOCKER = """#!{python}
import os, sys, time
def note(text):
    with open({mark!r}, "a") as fh:
        fh.write(text + "\\n")
if sys.argv[1:3] == ["buildx", "version"]:
    note(str(os.getpid()))
    time.sleep({seconds})
    note(f"{{time.monotonic()}} version-answered")
elif sys.argv[1:3] == ["buildx", "build"]:
    note(f"{{time.monotonic()}} build-started")
os.execv({real!r}, [{real!r}] + sys.argv[1:])
"""


def slow_docker(tmp_path, seconds):
    """A bin directory whose `docker` waits `seconds` before `buildx version`; the file its pids go to."""
    real = shutil.which("docker", path="/usr/local/bin:/usr/bin:/bin")
    bin_dir, mark = tmp_path / "slow-bin", tmp_path / "slow-pids"
    bin_dir.mkdir()
    script = bin_dir / "docker"
    script.write_text(SLOW_DOCKER.format(python=sys.executable, mark=str(mark), seconds=seconds, real=real))
    script.chmod(0o755)
    return {"PATH": f"{bin_dir}:{os.environ['PATH']}"}, mark


def test_a_conflict_found_while_docker_answers_ends_the_run_without_waiting(real_project, registry, tmp_path):
    ns = f"{registry.host}/o{uuid.uuid4().hex[:8]}"
    repo = image(ns, "broker").split("/", 1)[1]
    other, _ = push_test_image(registry.url, repo, "v1.2.3", seed=b"another build")
    env, mark = slow_docker(tmp_path, 60)
    t0 = time.monotonic()
    r = multi_arch(real_project, "broker", "--tag", "v1.2.3", "--push", "--registry", ns, env=env)
    took = time.monotonic() - t0
    assert_error(r, 1, "did not publish")
    assert f"immutable tag {image(ns, 'broker')}:v1.2.3 already exists at {other}" in r.stdout + r.stderr
    assert "$ docker buildx build" not in r.stderr
    # docker was asked, had not answered, and was stopped: the run did not wait its 60 s
    assert "[setup] $ docker buildx version" in r.stderr and "github.com/docker/buildx" not in r.stderr
    # (stopped so soon that it may not have got to write its pid)
    pids = [int(p) for p in mark.read_text().split() if p.isdigit()] if mark.exists() else []
    assert not any(alive(p) for p in pids)
    assert processes_matching(str(mark.parent / "slow-bin")) == []
    assert took < 50, took
    assert registry.digest(f"{image(ns, 'broker')}:v1.2.3") == other


def test_the_registry_checks_are_answered_while_docker_is_still_starting(real_project, registry, tmp_path):
    # a proxy in front of the registry notes when each request came; the
    # wrapper notes when `buildx version` answered and when the build started
    proxy = FaultProxy(registry.url).start()
    try:
        ns = f"{proxy.host}/o{uuid.uuid4().hex[:8]}"
        env, mark = slow_docker(tmp_path, 2)
        real_project.dockerfile("broker", "FROM scratch\nTHIS-IS-NOT-AN-INSTRUCTION\n")  # the build fails at once
        real_project.commit("a Dockerfile BuildKit refuses")
        r = multi_arch(real_project, "broker", "--tag", "v1.2.3", "--push", "--registry", ns, env=env)
        assert_error(r, 1, "build failed")
        events = dict(line.split(" ", 1)[::-1] for line in mark.read_text().splitlines() if " " in line)
        answered, built = float(events["version-answered"]), float(events["build-started"])
        repo = image(ns, "broker").split("/", 1)[1]
        upload = next(t for t, m, path in proxy.timeline if m == "POST" and path == f"/v2/{repo}/blobs/uploads/")
        read = next(t for t, m, path in proxy.timeline if m == "GET" and path == f"/v2/{repo}/manifests/v1.2.3")
        # both asked while docker still had more than a second to go; the build only after it answered
        assert upload < answered - 1 and read < answered - 1, (upload, read, answered)
        assert answered <= built
    finally:
        proxy.stop()

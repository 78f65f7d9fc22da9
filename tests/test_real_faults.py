"""Faults on the real stack: an immutable tag that already names another
digest, the registry down, a failing RUN step, SIGINT/SIGTERM during a real
`RUN sleep`, a real htpasswd login (good and bad token), the registry cache
after the builder's own cache is pruned, and real 5xx from a proxy in front
of the registry.  Every test checks the exit status, the one-line `error:`
and what the registry holds afterwards."""

import json
import random
import re
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest

from support.real import (alive, cache_records, catalog, descendants, layer_file, processes_matching,
                          prune_cache_records, real_dockerfile)
from support.realrun import (COMPONENTS, PLATFORMS, RELEASE_TAGS, assert_error, image, image_tags, multi_arch,
                             registry_puts, run_step_lines, tag_digests)
from support.registry import Registry

pytestmark = pytest.mark.real


@pytest.fixture
def ns(registry):
    return f"{registry.host}/f-{uuid.uuid4().hex[:8]}"


def publish(project, ns, tag="v1.2.3", component="all", *extra, **kw):
    return multi_arch(project, component, "--tag", tag, "--push", "--registry", ns, *extra, **kw)


def seed_release(project, registry, ns, components=COMPONENTS):
    """Publish v1.2.2 of every component; return each one's tag -> digest."""
    for comp in components:
        r = publish(project, ns, "v1.2.2", comp)
        assert r.returncode == 0, r.stderr[-3000:]
    before = {comp: tag_digests(registry, image(ns, comp)) for comp in components}
    for comp in components:
        assert sorted(before[comp]) == ["latest", "v1", "v1.2", "v1.2.2"]
    return before


def assert_nothing_moved(registry, ns, before):
    for comp, digests in before.items():
        assert tag_digests(registry, image(ns, comp)) == digests, comp


# -- immutable tags --------------------------------------------------------------


def test_an_immutable_tag_at_another_digest_is_not_overwritten(real_project, registry, ns):
    r = publish(real_project, ns, "v1.2.3", "ui")
    assert r.returncode == 0, r.stderr[-3000:]
    repo = image(ns, "ui")
    before = {"ui": tag_digests(registry, repo)}
    assert sorted(before["ui"]) == RELEASE_TAGS
    real_project.dockerfile("ui", real_dockerfile("ui", "RUN echo rebuilt > /rebuilt\n"))
    real_project.commit("ui changed")
    r = publish(real_project, ns, "v1.2.3", "ui")
    assert_error(r, 1, f"immutable tag {repo}:v1.2.3 already exists at")
    assert "--allow-overwrite" in r.stdout
    assert re.search(r"^ui\s+(not tagged|failed)", r.stdout, re.M)
    assert_nothing_moved(registry, ns, before)
    r = publish(real_project, ns, "v1.2.3", "ui", "--allow-overwrite")
    assert r.returncode == 0, r.stderr[-3000:]
    after = tag_digests(registry, repo)
    assert after["v1.2.3"] != before["ui"]["v1.2.3"] and len(set(after.values())) == 1
    assert f"replaced {repo}:v1.2.3" in r.stdout
    assert layer_file(registry, repo, "v1.2.3", "linux/arm64", "/rebuilt") == b"rebuilt\n"


# -- the registry down ----------------------------------------------------------------


def test_the_registry_down(real_project, tmp_path):
    reg = Registry(str(tmp_path / "reg"))
    reg.start()
    ns = f"{reg.host}/down"
    try:
        reg.stop()
        r = publish(real_project, ns, "v1.0.0", "broker", "--retries", "1")
        assert_error(r, 1, "Connection refused")  # the system's word, through the registry client
        assert re.search(r"^broker\s+failed", r.stdout, re.M)
        reg.start()
        assert catalog(reg) == []
    finally:
        reg.cleanup()


# -- a failing RUN step -------------------------------------------------------------


def test_a_failing_run_step_moves_no_tag_anywhere_and_the_others_finish(real_project, registry, ns):
    before = seed_release(real_project, registry, ns)
    real_project.dockerfile("agent", real_dockerfile("agent", "RUN echo agent-step-fails && exit 3\n"))
    real_project.commit("agent breaks")
    r = publish(real_project, ns, "v1.2.3")
    assert_error(r, 1, "did not complete successfully: exit code: 3")
    assert re.search(r"^agent\s+failed\s+.*build failed", r.stdout, re.M)
    assert re.search(r"^broker\s+not tagged", r.stdout, re.M)
    assert re.search(r"^ui\s+not tagged", r.stdout, re.M)
    # the failed build is not retried; the two others built and pushed by digest
    assert r.stderr.count("[agent] $ docker buildx build") == 1
    assert "[agent] " in r.stderr and "agent-step-fails" in r.stderr
    for comp in ("broker", "ui"):
        digest = re.search(rf"^{comp}\s+not tagged.*?(sha256:[0-9a-f]{{64}})", r.stdout, re.M).group(1)
        assert registry.platforms(f"{image(ns, comp)}@{digest}") == PLATFORMS
    assert_nothing_moved(registry, ns, before)


# -- SIGINT / SIGTERM during a real RUN sleep -------------------------------------------


class Reader(threading.Thread):
    """Collects a pipe's lines as they come."""

    def __init__(self, pipe):
        super().__init__(daemon=True)
        self.pipe, self.lines = pipe, []

    def run(self):
        for line in self.pipe:
            self.lines.append(line)

    @property
    def text(self):
        return "".join(self.lines)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_during_a_real_run_sleep_stops_everything_and_exits_130(real_project, registry, ns, sig):
    seconds = random.randint(600, 899)  # a duration no one else sleeps: it names our RUN's processes
    real_project.dockerfile("broker", real_dockerfile("broker", f"RUN sleep {seconds}\n"))
    real_project.commit("slow broker")
    proc = real_project.popen("build", "multi-arch", "broker", "--tag", "v1.2.3", "--push", "--registry", ns,
                              "--builder", real_project.docker_env.builder)
    out_reader, err_reader = Reader(proc.stdout), Reader(proc.stderr)
    out_reader.start()
    err_reader.start()
    try:
        # wait until the RUN really sleeps on the builder (both platforms' steps show up)
        sleeping, deadline = [], time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            sleeping = processes_matching(f"sleep {seconds}")
            if sleeping and f"RUN sleep {seconds}" in err_reader.text:
                break
            time.sleep(0.1)
        assert sleeping, f"the RUN sleep never started:\n{err_reader.text[-3000:]}"
        tree = descendants(proc.pid)
        buildx = [pid for pid, line in tree.items() if line and "buildx" in line and " build " in f" {line} "]
        assert buildx, f"no buildx build below angreal: {tree}"
        started = time.monotonic()
        proc.send_signal(sig)
        proc.wait(timeout=30)
        assert time.monotonic() - started < 20
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    out_reader.join(timeout=10)
    err_reader.join(timeout=10)
    out, err = out_reader.text, err_reader.text
    assert proc.returncode == 130, err[-3000:]
    assert re.search(r"^broker\s+cancelled", out, re.M), out
    assert err.strip().splitlines()[-1].startswith("error: interrupted")
    # every process angreal started is gone, and BuildKit stopped the RUN
    for pid in tree:
        assert not alive(pid), (pid, tree[pid])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and processes_matching(f"sleep {seconds}"):
        time.sleep(0.2)
    assert processes_matching(f"sleep {seconds}") == []
    # nothing pushed, nothing tagged
    prefix = ns.split("/", 1)[1] + "/"
    assert [repo for repo in catalog(registry) if repo.startswith(prefix)] == []
    assert image_tags(registry, image(ns, "broker")) == []


# -- a real login --------------------------------------------------------------------


@pytest.fixture(scope="module")
def auth_registry(tmp_path_factory):
    user, password = "release-bot", "tok-" + uuid.uuid4().hex
    reg = Registry(str(tmp_path_factory.mktemp("auth-registry")), htpasswd=(user, password))
    reg.start()
    try:
        yield reg
    finally:
        reg.cleanup()


def test_a_real_login_with_a_good_token_publishes_to_an_auth_registry(real_project, auth_registry):
    user, token = auth_registry.auth
    ns = f"{auth_registry.host}/a-{uuid.uuid4().hex[:8]}"
    # the registry really refuses anonymous pushes
    with pytest.raises(urllib.error.HTTPError, match="401"):
        urllib.request.urlopen(auth_registry.url + "/v2/", timeout=10)
    r = publish(real_project, ns, "v1.0.0", "broker", "--username", user,
                env={"MULTIARCH_REGISTRY_TOKEN": token})
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"$ docker login {auth_registry.host} --username {user} --password-stdin" in r.stderr
    assert token not in r.stdout + r.stderr
    # the login went through the real docker CLI into this test's DOCKER_CONFIG
    config = json.loads((real_project.docker_env.config_dir / "config.json").read_text())
    assert auth_registry.host in config.get("auths", {})
    repo = image(ns, "broker")
    digests = tag_digests(auth_registry, repo)
    assert sorted(digests) == ["latest", "v1", "v1.0", "v1.0.0"] and len(set(digests.values())) == 1
    assert auth_registry.platforms(f"{repo}:v1.0.0") == PLATFORMS
    assert layer_file(auth_registry, repo, "v1.0.0", "linux/arm64", "/arch") == b"aarch64\nbroker\n"


def test_a_real_login_with_a_bad_token_fails_in_one_line(real_project, auth_registry):
    user, _ = auth_registry.auth
    bad = "bad-" + uuid.uuid4().hex
    ns = f"{auth_registry.host}/b-{uuid.uuid4().hex[:8]}"
    r = publish(real_project, ns, "v1.0.0", "broker", "--username", user, env={"MULTIARCH_REGISTRY_TOKEN": bad})
    assert_error(r, 1, "login")
    last = r.stderr.strip().splitlines()[-1]
    assert "login" in last and auth_registry.host in last, last
    assert bad not in r.stdout + r.stderr
    assert "$ docker buildx build" not in r.stderr  # nothing was built
    prefix = ns.split("/", 1)[1] + "/"
    assert [repo for repo in catalog(auth_registry) if repo.startswith(prefix)] == []


# -- the registry cache ------------------------------------------------------------------


def test_after_the_builder_cache_is_pruned_a_rebuild_hits_the_registry_cache(real_project, registry, ns):
    token = "cache-" + uuid.uuid4().hex[:12]
    step = f"cat /proc/sys/kernel/random/uuid > /rand && echo {token}"
    real_project.dockerfile("broker", real_dockerfile("broker", f"RUN {step}\n"))
    real_project.commit("a RUN whose output differs every time it really runs")
    repo = image(ns, "broker")

    def rand(tag, platform):
        value = layer_file(registry, repo, tag, platform, "/rand")
        assert value and len(value) == 37, value
        return value

    r = publish(real_project, ns, "v1.0.0", "broker")
    assert r.returncode == 0, r.stderr[-3000:]
    assert [t for t in registry.tags(repo) if t.startswith("buildcache-")] == ["buildcache-linux-amd64_linux-arm64"]
    first = {p: rand("v1.0.0", p) for p in PLATFORMS}

    # control: with the builder's records gone and no registry cache, the RUN really runs again
    assert prune_cache_records(real_project.docker_env, token) >= 2
    r = publish(real_project, ns, "v1.0.1", "broker", "--cache-from", "none", "--cache-to", "none")
    assert r.returncode == 0, r.stderr[-3000:]
    for platform in PLATFORMS:
        lines = run_step_lines(r.stderr, "broker", platform, token)
        assert lines and not any(l.endswith(" CACHED") for l in lines), lines
        assert rand("v1.0.1", platform) != first[platform]

    # the test: builder cache pruned again, the default registry cache is imported and the RUN is CACHED
    assert prune_cache_records(real_project.docker_env, token) >= 2
    assert cache_records(real_project.docker_env, token) == []
    r = publish(real_project, ns, "v1.0.2", "broker")
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"importing cache manifest from {repo}:buildcache-" in r.stderr
    for platform in PLATFORMS:
        lines = run_step_lines(r.stderr, "broker", platform, token)
        assert any(l.endswith(" CACHED") for l in lines), (platform, lines, r.stderr[-6000:])
        assert rand("v1.0.2", platform) == first[platform]  # the layer of the first build, from the registry


# -- transient 5xx from a proxy in front of the registry ---------------------------------


def test_transient_5xx_are_retried_until_the_publish_succeeds(real_project, registry, fault_proxy):
    # the first two tag writes (the registry client's PUT of the index under v2.0.0) get a 503:
    # the client retries them itself, and the log line of that PUT says how many attempts it took
    proxy = fault_proxy(2, match=r"^PUT /v2/.*/manifests/v")
    ns = f"{proxy.host}/t-{uuid.uuid4().hex[:8]}"
    r = publish(real_project, ns, "v2.0.0", "broker", "--retries", "3")
    assert r.returncode == 0, r.stderr[-3000:]
    assert proxy.failed == 2 and proxy.forwarded_writes > 0, proxy.failed_requests
    assert all(req.endswith("/manifests/v2.0.0") for req in proxy.failed_requests), proxy.failed_requests
    puts = [p for p in registry_puts(r.stderr, "broker")]
    assert [ref.rsplit(":", 1)[1] for ref, _ in puts] == ["v2.0.0", "v2.0", "v2", "latest"], puts
    put_line = next(line for line in r.stderr.splitlines() if line.startswith("[broker] PUT ") and ":v2.0.0 " in line)
    assert put_line.endswith("(3 attempts)"), put_line
    assert "retrying after a transient failure" not in r.stderr  # not retried again on top of the client
    assert "imagetools" not in r.stderr
    # what landed, read from the registry itself (behind the proxy)
    repo = f"{registry.host}/{ns.split('/', 1)[1]}/brokkr-broker"
    digests = tag_digests(registry, repo)
    assert sorted(digests) == ["latest", "v2", "v2.0", "v2.0.0"] and len(set(digests.values())) == 1
    assert registry.platforms(f"{repo}:v2.0.0") == PLATFORMS


def test_transient_5xx_give_up_after_the_retries_and_tag_nothing(real_project, registry, fault_proxy):
    proxy = fault_proxy(1000)  # every write: BuildKit's push retries, then gives up; so does the product
    ns = f"{proxy.host}/g-{uuid.uuid4().hex[:8]}"
    r = publish(real_project, ns, "v2.0.0", "broker", "--retries", "1")
    assert_error(r, 1, "503 Service Unavailable")
    assert "gave up after 1 retries" in r.stdout
    assert r.stderr.count("retrying after a transient failure") == 1
    assert proxy.failed >= 2 and proxy.forwarded_writes == 0
    repo = f"{registry.host}/{ns.split('/', 1)[1]}/brokkr-broker"
    assert image_tags(registry, repo) == []

"""Push rights checked before any build (issue 24), on the real stack: a
token server with per-repository rules (pusher: pull and push on team/,
reader: pull only), an htpasswd registry behind a proxy that refuses one
user's blob uploads, an htpasswd registry asked anonymously, a cache
repository the user cannot write, and rights revoked between preflight and
the push.  Each test checks the exit status, the one-line error and that no
tag moved."""

import base64
import json
import os
import uuid

import pytest

from support.realrun import assert_error, image, multi_arch
from support.registry import Registry
from support.regservers import FaultProxy, RuleTokenServer, TokenRegistry

pytestmark = pytest.mark.real

USERS = {"pusher": "push-" + uuid.uuid4().hex[:8], "reader": "read-" + uuid.uuid4().hex[:8]}
RULES = {"pusher": [("team/", {"pull", "push"}), ("cache/", {"pull"})], "reader": [("team/", {"pull"})]}


def login(project, host, user, password):
    """docker's credentials for host in the test's DOCKER_CONFIG (what `docker login` writes)."""
    path = project.docker_env.config_dir / "config.json"
    config = json.loads(path.read_text()) if path.exists() else {}
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    config.setdefault("auths", {})[host] = {"auth": auth}
    path.write_text(json.dumps(config))


def publish(project, ns, component="broker", *extra):
    return multi_arch(project, component, "--tag", "v1.2.3", "--push", "--registry", ns, *extra)


def assert_refused_before_building(r, *said):
    assert_error(r, 2, "push refused before building")
    last = r.stderr.strip().splitlines()[-1]
    for text in said:
        assert text in last, (text, last)
    assert "$ docker buildx build" not in r.stderr and "#1 " not in r.stderr  # no BuildKit output at all
    assert "build failed" not in r.stderr


def assert_nothing_in(registry, ns):
    """No repository under ns in the registry's storage (read there: a token
    registry's catalog needs a catalog token)."""
    repos = os.path.join(registry.storage, "docker", "registry", "v2", "repositories", ns.split("/", 1)[1])
    # a started and cancelled upload leaves an empty _uploads folder; no layer, no manifest, no tag
    written = [os.path.join(d, n) for d, dirs, _ in os.walk(repos) for n in dirs if n in ("_layers", "_manifests")]
    assert written == []


@pytest.fixture
def token_registry(tmp_path):
    tokens = RuleTokenServer(str(tmp_path), USERS, {k: list(v) for k, v in RULES.items()},
                             push_grants={}).start()
    reg = TokenRegistry(tokens, ("pusher", USERS["pusher"])).start()
    try:
        yield reg
    finally:
        reg.cleanup()
        tokens.stop()


def test_a_pull_only_user_is_refused_before_any_build_with_token_auth(real_project, token_registry):
    reg = token_registry
    login(real_project, reg.host, "reader", USERS["reader"])
    ns = f"{reg.host}/team/r{uuid.uuid4().hex[:6]}"
    r = publish(real_project, ns)
    assert_refused_before_building(r, "user reader", f"{image(ns, 'broker')}", "may not push",
                                   "--username", "docker login")
    assert USERS["reader"] not in r.stdout + r.stderr
    # the token server was asked for push, and granted pull only
    assert any(scope.endswith(":pull,push") and authed for scope, authed, _ in reg.token.issued)
    assert_nothing_in(reg, ns)


def test_a_read_only_user_is_refused_before_any_build_with_basic_auth(real_project, tmp_path):
    # distribution's htpasswd auth has no read-only users: the proxy in front
    # refuses this user's blob uploads, as a registry with per-user rights does
    reg = Registry(str(tmp_path / "basic"), htpasswd=("reader", USERS["reader"])).start()
    proxy = FaultProxy(reg.url, refuse_upload_user="reader").start()
    try:
        login(real_project, proxy.host, "reader", USERS["reader"])
        ns = f"{proxy.host}/team/b{uuid.uuid4().hex[:6]}"
        r = publish(real_project, ns)
        assert_refused_before_building(r, "user reader", f"{proxy.host}/team/", "HTTP 403", "DENIED")
        assert ("POST", f"/v2/{ns.split('/', 1)[1]}/brokkr-broker/blobs/uploads/", 403) in proxy.seen
        assert_nothing_in(reg, ns)
    finally:
        proxy.stop()
        reg.cleanup()


def test_anonymous_on_a_registry_that_requires_auth_is_told_how_to_give_credentials(real_project, tmp_path):
    reg = Registry(str(tmp_path / "auth"), htpasswd=("someone", USERS["pusher"])).start()
    try:
        ns = f"{reg.host}/team/a{uuid.uuid4().hex[:6]}"
        r = publish(real_project, ns)
        assert_refused_before_building(r, "anonymous", "no credentials", str(real_project.docker_env.config_dir),
                                       "--username", "MULTIARCH_REGISTRY_TOKEN", "docker login",
                                       "credential helper")
        assert_nothing_in(reg, ns)
    finally:
        reg.cleanup()


def test_a_cache_repository_the_user_cannot_write_is_refused_before_the_build(real_project, token_registry):
    reg = token_registry
    login(real_project, reg.host, "pusher", USERS["pusher"])
    ns = f"{reg.host}/team/c{uuid.uuid4().hex[:6]}"
    cache = f"{reg.host}/cache/brokkr"
    r = publish(real_project, ns, "broker", "--cache-to", f"type=registry,ref={cache}:buildcache,mode=max")
    assert_refused_before_building(r, "user pusher", cache, "build cache of broker")
    assert image(ns, "broker") not in r.stderr.strip().splitlines()[-1]  # the image's own repository may be written
    assert_nothing_in(reg, ns)


def test_a_push_refused_mid_run_says_push_refused_and_moves_nothing(real_project, token_registry):
    reg = token_registry
    # one grant of push: preflight's check gets it, BuildKit's push comes after the rights are gone
    reg.token.push_grants["pusher"] = 1
    login(real_project, reg.host, "pusher", USERS["pusher"])
    ns = f"{reg.host}/team/m{uuid.uuid4().hex[:6]}"
    r = publish(real_project, ns, "broker", "--platforms", "linux/amd64", "--cache-to", "none")
    assert r.returncode == 1, r.stderr[-3000:]
    assert "$ docker buildx build" in r.stderr  # preflight let it through
    out = r.stdout + r.stderr
    assert "push refused: " in out and "build failed" not in out, out[-3000:]
    assert any(w in r.stderr for w in ("insufficient_scope", "denied", "unauthorized", "401")), r.stderr[-3000:]
    assert reg.token.push_grants["pusher"] == 0
    for tag in ("v1.2.3", "latest"):
        assert not reg.exists(f"{image(ns, 'broker')}:{tag}")

"""The C registry client (multiarch.registry) against real registries:
docker-registry over TLS with a CA in certs.d, htpasswd and token auth,
docker's credential helpers, a fault proxy, and paged tag lists."""

import base64
import hashlib
import json
import os
import stat
import time
import urllib.request

import pytest

import multiarch
from support.registry import Registry
from support.regservers import FaultProxy, TlsRegistry, TokenServer, push_test_image

pytestmark = pytest.mark.real

USER, PASSWORD = "alice", "pa55-Very-Secret"


def basic(user=USER, password=PASSWORD):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def docker_config(tmp_path, content, name="docker-config"):
    cfg = tmp_path / name
    cfg.mkdir(exist_ok=True)
    (cfg / "config.json").write_text(json.dumps(content))
    return {"DOCKER_CONFIG": str(cfg), "PATH": os.environ["PATH"], "HOME": str(tmp_path)}


def auths(host, user=USER, password=PASSWORD):
    return {"auths": {host: {"auth": base64.b64encode(f"{user}:{password}".encode()).decode()}}}


def no_secret_in(value, *secrets):
    text = json.dumps(value, default=lambda b: b.decode("utf-8", "replace"))
    for s in secrets:
        assert s not in text


@pytest.fixture
def tls_registry():
    reg = TlsRegistry(htpasswd=(USER, PASSWORD)).start()
    try:
        yield reg
    finally:
        reg.cleanup()
    assert not os.path.exists(reg.certs_dir)


def manifest_digest_in(reg, repo, tag, authorization, context=None):
    req = urllib.request.Request(f"{reg.url}/v2/{repo}/manifests/{tag}", method="GET")
    req.add_header("Accept", "application/vnd.oci.image.manifest.v1+json")
    req.add_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(req, timeout=30, context=context) as resp:
            return "sha256:" + hashlib.sha256(resp.read()).hexdigest()
    except urllib.error.HTTPError as err:
        if err.code == 404:
            return None
        raise


def test_tls_registry_with_htpasswd_reads_and_moves_a_tag(tls_registry, tmp_path):
    reg = tls_registry
    digest, manifest = push_test_image(reg.url, "team/app", "v1.2.3", basic(), reg.ssl_context())
    env = docker_config(tmp_path, auths(reg.host))

    got = multiarch.registry("get", reg.host, "team/app", "v1.2.3", env=env)
    assert got["found"] and got["digest"] == digest and got["body"] == manifest
    assert got["media_type"] == "application/vnd.oci.image.manifest.v1+json"
    assert got["steps"] == [f"GET {reg.host}/team/app:v1.2.3"]
    head = multiarch.registry("head", reg.host, "team/app", digest, env=env)
    assert head["found"] and head["digest"] == digest and head["size"] == len(manifest)
    config = json.loads(manifest)["config"]
    blob = multiarch.registry("blob", reg.host, "team/app", config["digest"], env=env)
    assert blob["found"] and blob["size"] == config["size"]
    assert not multiarch.registry("blob", reg.host, "team/app", "sha256:" + "0" * 64, env=env)["found"]
    assert multiarch.registry("head", reg.host, "team/app", "nope", env=env)["found"] is False

    moved = multiarch.registry("tag", reg.host, "team/app", "v1.2.3", tag="latest", env=env)
    assert moved["digest"] == digest
    assert moved["steps"] == [f"GET {reg.host}/team/app:v1.2.3", f"PUT {reg.host}/team/app:latest \u2190 {digest}"]
    # one ping, the GET, the PUT: Basic credentials go up front once the ping asked for them
    assert moved["requests"] == 3
    assert manifest_digest_in(reg, "team/app", "latest", basic(), reg.ssl_context()) == digest
    no_secret_in(moved, PASSWORD)

    # wrong credentials: a clear error that never quotes them
    bad_env = docker_config(tmp_path, auths(reg.host, USER, "wrong-password-xyz"))
    with pytest.raises(multiarch.Error, match=r"HTTP 401.*docker login") as exc:
        multiarch.registry("get", reg.host, "team/app", "v1.2.3", env=bad_env)
    assert "wrong-password-xyz" not in str(exc.value)

    # without certs.d the registry's CA is unknown: refused, and no fallback to plain HTTP for a TLS host
    with pytest.raises(multiarch.Error, match="registry 127.0.0.1"):
        multiarch.registry("get", reg.host, "team/app", "v1.2.3", env=env, certs_dir=str(tmp_path / "none"))


HELPER = """#!/bin/sh
# a docker credential helper for the tests: `get` with the server on stdin
read -r server
echo "$0 $1 $server" >> "{log}"
if [ "$1" = get ] && [ "$server" = "{host}" ]; then
  printf '{{"ServerURL":"%s","Username":"{user}","Secret":"{password}"}}' "$server"
  exit 0
fi
echo "credentials not found in native keychain"
exit 1
"""


def write_helper(bindir, name, host, log):
    path = bindir / f"docker-credential-{name}"
    path.write_text(HELPER.format(log=log, host=host, user=USER, password=PASSWORD))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.mark.parametrize("kind", ["credHelpers", "credsStore"])
def test_credential_helpers_authenticate_without_showing_the_secret(tls_registry, tmp_path, kind):
    reg = tls_registry
    digest, _ = push_test_image(reg.url, "team/helped", "v1", basic(), reg.ssl_context())
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "helper.log"
    write_helper(bindir, "mytest", reg.host, log)
    config = {"credHelpers": {reg.host: "mytest"}} if kind == "credHelpers" else {"credsStore": "mytest"}
    env = docker_config(tmp_path, config)
    env["PATH"] = f"{bindir}:{os.environ['PATH']}"
    got = multiarch.registry("tag", reg.host, "team/helped", "v1", tag="stable", env=env)
    assert got["digest"] == digest
    assert manifest_digest_in(reg, "team/helped", "stable", basic(), reg.ssl_context()) == digest
    # asked once for the run, with the server on stdin (never in its argv)
    assert log.read_text().splitlines() == [f"{bindir}/docker-credential-mytest get {reg.host}"]
    no_secret_in(got, PASSWORD)

    # a helper that is missing: a clear error naming it
    env["PATH"] = os.environ["PATH"]
    with pytest.raises(multiarch.Error, match="docker-credential-mytest"):
        multiarch.registry("get", reg.host, "team/helped", "v1", env=env)


def test_client_certificate_from_certs_d(tmp_path):
    reg = TlsRegistry(client_certs=True).start()
    try:
        digest, _ = push_test_image(reg.url, "team/app", "v1", None, reg.ssl_context())
        env = docker_config(tmp_path, {})
        assert multiarch.registry("get", reg.host, "team/app", "v1", env=env)["digest"] == digest
        # the same CA without the client certificate: the handshake is refused
        bare = tmp_path / "certs.d" / reg.host
        bare.mkdir(parents=True)
        (bare / "ca.crt").write_text(open(reg.ca).read())
        with pytest.raises(multiarch.Error, match=f"cannot reach registry {reg.host}: over HTTPS: .+; "
                           "over plain HTTP: GET /v2/ answered HTTP 400"):
            multiarch.registry("get", reg.host, "team/app", "v1", env=env, certs_dir=str(tmp_path / "certs.d"),
                               retries=0)
    finally:
        reg.cleanup()


REFRESH = "identity-token-7f3a"


@pytest.fixture
def token_registry(tmp_path):
    tokens = TokenServer(str(tmp_path), USER, PASSWORD, refuse_push_repo="team/locked",
                         refresh_token=REFRESH).start()
    reg = TlsRegistry(token=tokens)
    try:
        reg.start()
        yield reg, tokens
    finally:
        reg.cleanup()
        tokens.stop()


def test_token_auth_pull_anonymously_push_with_credentials_refuse_push(token_registry, tmp_path):
    reg, tokens = token_registry
    ctx = reg.ssl_context()
    tokens.refuse_push_repo = None  # while the test fills both repositories
    for repo in ("team/app", "team/locked"):
        with urllib.request.urlopen(urllib.request.Request(
                f"{tokens.realm}?service=multiarch-test&scope=repository:{repo}:pull,push",
                headers={"Authorization": basic()}), timeout=30) as resp:
            digest, _ = push_test_image(reg.url, repo, "v1", "Bearer " + json.load(resp)["token"], ctx)
    tokens.refuse_push_repo = "team/locked"
    tokens.issued.clear()

    anonymous = docker_config(tmp_path, {}, "anonymous")
    got = multiarch.registry("get", reg.host, "team/app", "v1", env=anonymous)
    assert got["digest"] == digest
    assert tokens.issued == [("repository:team/app:pull", False, True)]

    tokens.issued.clear()
    env = docker_config(tmp_path, auths(reg.host))
    moved = multiarch.registry("tag", reg.host, "team/app", "v1", tag="latest", env=env)
    assert moved["digest"] == digest
    # one token per scope for the run: pull for the GET, pull+push for the PUT
    assert tokens.issued == [("repository:team/app:pull", True, True),
                             ("repository:team/app:pull,push", True, True)]
    assert moved["requests"] == 5  # ping, 2 tokens, GET, PUT
    no_secret_in(moved, PASSWORD)

    # anonymous push: the token server refuses the push scope
    with pytest.raises(multiarch.Error, match=r"token server refused repository:team/app:pull,push.*docker login"):
        multiarch.registry("tag", reg.host, "team/app", "v1", tag="other", env=anonymous)
    # the push scope refused on one repository, with credentials: a clear error
    with pytest.raises(multiarch.Error,
                       match=r"token server refused repository:team/locked:pull,push \(HTTP 403\)$") as exc:
        multiarch.registry("tag", reg.host, "team/locked", "v1", tag="latest", env=env)
    no_secret_in(str(exc.value), PASSWORD)


@pytest.fixture
def proxied():
    backend = Registry().start()
    proxy = FaultProxy(backend.url).start()
    try:
        yield backend, proxy
    finally:
        proxy.stop()
        backend.cleanup()


def test_fault_proxy_retries_what_may_pass(proxied, tmp_path):
    backend, proxy = proxied
    digest, manifest = push_test_image(backend.url, "team/app", "v1", None)
    env = docker_config(tmp_path, {})
    proxy.faults = [("GET", "/manifests/v1", "500"), ("GET", "/manifests/v1", "503"),
                    ("GET", "/manifests/v1", "429"), ("GET", "/manifests/v1", "drop")]
    start = time.monotonic()
    got = multiarch.registry("get", proxy.host, "team/app", "v1", env=env, retries=4, retry_backoff_ms=50)
    took = time.monotonic() - start
    assert got["digest"] == digest and got["body"] == manifest
    statuses = [s for m, p, s in proxy.seen if p.endswith("/manifests/v1")]
    assert statuses == [500, 503, 429, "drop", 200]
    assert took >= 1.0  # Retry-After: 1 was honoured over the 50 ms back-off
    assert got["steps"] == [f"GET {proxy.host}/team/app:v1 (5 attempts)"]  # the log shows the retries

    # retries run out: the last answer, and how many attempts were made
    proxy.seen.clear()
    proxy.faults = [("GET", "/manifests/v1", "500")] * 3
    with pytest.raises(multiarch.Error, match=r"GET team/app:v1: HTTP 500: UNAVAILABLE try again \(after 2 attempts\)"):
        multiarch.registry("get", proxy.host, "team/app", "v1", env=env, retries=1, retry_backoff_ms=10)
    proxy.faults = []

    # other 4xx are never retried
    proxy.seen.clear()
    proxy.faults = [("GET", "/manifests/v1", "400")]
    with pytest.raises(multiarch.Error, match=r"HTTP 400: UNAVAILABLE try again$"):
        multiarch.registry("get", proxy.host, "team/app", "v1", env=env, retries=3, retry_backoff_ms=10)
    assert [s for m, p, s in proxy.seen if "/manifests/" in p] == [400]


def test_fault_proxy_a_body_with_the_wrong_digest_is_refused_and_never_tagged(proxied, tmp_path):
    backend, proxy = proxied
    digest, _ = push_test_image(backend.url, "team/app", "v1", None)
    env = docker_config(tmp_path, {})
    proxy.faults = [("GET", "/manifests/v1", "corrupt")]
    with pytest.raises(multiarch.Error, match=rf"the body's digest is sha256:\w+, not {digest}: refused"):
        multiarch.registry("tag", proxy.host, "team/app", "v1", tag="latest", env=env, retry_backoff_ms=10)
    assert not [1 for m, p, s in proxy.seen if m == "PUT"]
    assert backend.tags("team/app") == ["v1"]
    # by digest, too
    proxy.faults = [("GET", f"/manifests/{digest}", "corrupt")]
    with pytest.raises(multiarch.Error, match="refused"):
        multiarch.registry("get", proxy.host, "team/app", digest, env=env)


def test_tags_list_across_pages(proxied, tmp_path):
    backend, proxy = proxied
    names = [f"v1.{i}.0" for i in range(7)] + ["latest"]
    for i, tag in enumerate(names):
        push_test_image(backend.url, "team/app", tag, None, seed=f"s{i}".encode())
    env = docker_config(tmp_path, {})
    got = multiarch.registry("tags", proxy.host, "team/app", env=env, page_size=3)
    assert sorted(got["tags"]) == sorted(names)
    assert len(got["tags"]) == len(names)
    assert got["steps"] == [f"GET {proxy.host}/team/app/tags/list"] * 3
    pages = [p for m, p, s in proxy.seen if "/tags/list" in p]
    assert pages[0] == "/v2/team/app/tags/list?n=3" and "last=" in pages[1] and len(pages) == 3
    # a repository that does not exist has no tags
    assert multiarch.registry("tags", proxy.host, "team/none", env=env)["tags"] == []


def test_identity_token_is_exchanged_at_the_realm(token_registry, tmp_path):
    reg, tokens = token_registry
    with urllib.request.urlopen(urllib.request.Request(
            f"{tokens.realm}?service=multiarch-test&scope=repository:team/app:pull,push",
            headers={"Authorization": basic()}), timeout=30) as resp:
        digest, _ = push_test_image(reg.url, "team/app", "v1", "Bearer " + json.load(resp)["token"],
                                    reg.ssl_context())
    tokens.issued.clear()
    env = docker_config(tmp_path, {"auths": {reg.host: {"identitytoken": REFRESH}}})
    moved = multiarch.registry("tag", reg.host, "team/app", "v1", tag="latest", env=env)
    assert moved["digest"] == digest
    assert tokens.issued == [("repository:team/app:pull", True, True), ("repository:team/app:pull,push", True, True)]
    no_secret_in(moved, REFRESH)
    # an identity token the server does not know: refused, never quoted
    env = docker_config(tmp_path, {"auths": {reg.host: {"identitytoken": "stale-token-x"}}}, "stale")
    with pytest.raises(multiarch.Error, match=r"token server refused repository:team/app:pull \(HTTP 401\)") as exc:
        multiarch.registry("get", reg.host, "team/app", "v1", env=env)
    assert "stale-token-x" not in str(exc.value)


def test_independent_reads_go_side_by_side(proxied, tmp_path):
    backend, proxy = proxied
    digests = [push_test_image(backend.url, "team/app", f"v{i}", None, seed=f"s{i}".encode())[0] for i in range(4)]
    env = docker_config(tmp_path, {})
    proxy.faults = [("HEAD", f"/manifests/v{i}", "slow") for i in range(4)]
    start = time.monotonic()
    got = multiarch.registry("heads", proxy.host, "team/app", "v0,v1,v2,v3,absent", env=env)
    took = time.monotonic() - start
    assert got["digests"] == digests + [""]
    assert sorted(got["steps"]) == sorted(f"HEAD {proxy.host}/team/app:{r}" + (" (HTTP 404)" if r == "absent" else "")
                                          for r in ("v0", "v1", "v2", "v3", "absent"))
    assert got["requests"] == 1 + 5  # the plain-HTTP ping (loopback without TLS files: HTTP first), the five reads
    assert took < 1.5, f"four reads of 0.5 s each took {took:.2f} s: not side by side"


def test_a_head_without_docker_content_digest_is_read_whole(proxied, tmp_path):
    backend, proxy = proxied
    digest, _ = push_test_image(backend.url, "team/app", "v1", None)
    env = docker_config(tmp_path, {})
    proxy.faults = [("HEAD", "/manifests/v1", "nodigest")]
    got = multiarch.registry("head", proxy.host, "team/app", "v1", env=env)
    assert got["found"] and got["digest"] == digest
    assert got["steps"] == [f"HEAD {proxy.host}/team/app:v1", f"GET {proxy.host}/team/app:v1"]


def test_build_merge_speaks_to_a_token_registry_through_a_credential_helper(token_registry, tmp_path, project):
    """The release on the client, end to end without a build: `build merge` of two recorded digests on a
    TLS registry (CA in certs.d) with token auth, the credentials from a credHelpers helper (the identity
    docker would use): the index is composed, put under every tag and read back; the helper is asked
    once for the run, its secret shown nowhere, and no imagetools runs."""
    reg, tokens = token_registry
    ctx = reg.ssl_context()
    repo = "team/brokkr-broker"
    with urllib.request.urlopen(urllib.request.Request(
            f"{tokens.realm}?service=multiarch-test&scope=repository:{repo}:pull,push",
            headers={"Authorization": basic()}), timeout=30) as resp:
        bearer = "Bearer " + json.load(resp)["token"]
    digests = tmp_path / "digests"
    digests.mkdir()
    pushed = {}
    for platform in ("linux/amd64", "linux/arm64"):
        digest, _ = push_test_image(reg.url, repo, f"runner-{platform.split('/')[1]}", bearer, ctx,
                                    seed=platform.encode())
        pushed[platform] = digest
        (digests / f"broker-{platform.replace('/', '-')}.json").write_text(json.dumps(
            {"component": "broker", "image": f"{reg.host}/{repo}", "platform": platform, "digest": digest,
             "revision": project.head()}))
    tokens.issued.clear()
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "helper.log"
    write_helper(bindir, "mytest", reg.host, log)
    env = docker_config(tmp_path, {"credHelpers": {reg.host: "mytest"}})
    env = {"DOCKER_CONFIG": env["DOCKER_CONFIG"], "PATH": f"{bindir}:{os.environ['PATH']}"}

    r = project.angreal("build", "merge", "broker", "--digest-dir", str(digests), "--tag", "v1.2.3",
                        "--registry", f"{reg.host}/team", env=env, timeout=120)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    puts = [line for line in r.stderr.splitlines() if line.startswith("[broker] PUT ")]
    index = puts[0].rsplit(" ", 1)[1] if puts else None
    assert [p.split(" ")[2] for p in puts] == [f"{reg.host}/{repo}:{t}" for t in ("v1.2.3", "v1.2", "v1", "latest")]
    for tag in ("v1.2.3", "v1.2", "v1", "latest"):
        req = urllib.request.Request(f"{reg.url}/v2/{repo}/manifests/{tag}", method="GET")
        req.add_header("Accept", "application/vnd.oci.image.index.v1+json")
        req.add_header("Authorization", bearer)
        with urllib.request.urlopen(req, timeout=30, context=ctx) as resp:
            raw = resp.read()
        assert "sha256:" + hashlib.sha256(raw).hexdigest() == index
    children = {m["digest"]: m["platform"] for m in json.loads(raw)["manifests"]}
    assert children == {pushed["linux/amd64"]: {"architecture": "amd64", "os": "linux"},
                        pushed["linux/arm64"]: {"architecture": "arm64", "os": "linux"}}
    # the helper, asked once for the run, with the server on stdin; tokens fetched with its credentials
    assert log.read_text().splitlines() == [f"{bindir}/docker-credential-mytest get {reg.host}"]
    assert ("repository:team/brokkr-broker:pull,push", True, True) in tokens.issued
    assert PASSWORD not in r.stdout + r.stderr
    assert "imagetools" not in r.stdout + r.stderr

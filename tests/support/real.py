"""TEST SUPPORT: the real build stack for `@pytest.mark.real` tests.

real_stack (session)  makes sure scripts/stack.sh's stack runs (dockerd with
                      the containerd image store, QEMU, the loopback registry
                      with the two-platform busybox base, and the `remote`
                      builder backed by dockerd's BuildKit) and describes it.
docker_env            a per-test DOCKER_CONFIG (logins never leak between
                      tests) in which the remote builder is registered, plus
                      the PATH of the real docker CLI: the env for the product.
real_project          a GitProject whose Dockerfiles build FROM the base image
                      and RUN a step on every platform (`uname -m` into /arch).
fault_proxy           fault_proxy(n, match=None): a loopback HTTP proxy in front
                      of the test registry that answers 503 to the first N
                      (matching) writes (FaultProxy).

Helpers read what landed: layer_file() fetches an image's layers straight
from the registry's blob API and returns one file's bytes.
"""

import gzip
import hashlib
import http.client
import io
import json
import os
import re
import socketserver
import subprocess
import tarfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.cacherecords import cache_record_ids, prune_records
from support.project import REPO_ROOT, GitProject, clean_env
from support.registry import free_port

STACK_SCRIPT = REPO_ROOT / "scripts" / "stack.sh"
STACK_REGISTRY = os.environ.get("MULTIARCH_STACK_REGISTRY", "127.0.0.1:5555")
REMOTE_BUILDER = os.environ.get("MULTIARCH_REMOTE_BUILDER", "multiarch-remote")
PROXY_SOCKET = "/run/multiarch/buildkit.sock"
BASE_IMAGE = f"{STACK_REGISTRY}/multiarch/busybox:1"
DOCKER_TIMEOUT = 120


@dataclass
class RealStack:
    base_image: str
    builder: str
    proxy_socket: str


def _stack_ready():
    checks = (["docker", "info"], ["docker", "buildx", "inspect", REMOTE_BUILDER],
              ["docker", "buildx", "imagetools", "inspect", "--raw", BASE_IMAGE])
    for argv in checks:
        if subprocess.run(argv, capture_output=True, timeout=DOCKER_TIMEOUT).returncode != 0:
            return False
    return os.path.exists(PROXY_SOCKET)


@pytest.fixture(scope="session")
def real_stack():
    if not _stack_ready():
        proc = subprocess.run(["bash", str(STACK_SCRIPT)], capture_output=True, text=True, timeout=900)
        if proc.returncode != 0:
            pytest.fail(f"the real stack could not be set up (bash scripts/stack.sh):\n{proc.stderr[-3000:]}")
    return RealStack(base_image=BASE_IMAGE, builder=REMOTE_BUILDER, proxy_socket=PROXY_SOCKET)


class DockerEnv(dict):
    """Environment variables for the product and the docker CLI: a private
    DOCKER_CONFIG holding only the remote builder."""

    def __init__(self, config_dir, builder):
        super().__init__(DOCKER_CONFIG=str(config_dir))
        self.config_dir = Path(config_dir)
        self.builder = builder

    def docker(self, *args, input=None, timeout=DOCKER_TIMEOUT, check=True):
        env = clean_env(dict(self))
        proc = subprocess.run(["docker", *args], env=env, input=input, capture_output=True, text=True,
                              timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)} failed: {proc.stderr[-2000:]}")
        return proc


def remote_docker_env(real_stack, root):
    """A docker CLI configuration of its own under ROOT whose builder is the
    stack's BuildKit (a `remote` builder on the proxy socket)."""
    env = DockerEnv(root / "docker-config", real_stack.builder)
    env.config_dir.mkdir()
    env.docker("buildx", "create", "--name", real_stack.builder, "--driver", "remote",
               f"unix://{real_stack.proxy_socket}")
    return env


@pytest.fixture
def docker_env(real_stack, tmp_path):
    return remote_docker_env(real_stack, tmp_path)


def real_dockerfile(component, extra=""):
    return (f"FROM {BASE_IMAGE}\n"
            f"RUN uname -m > /arch && echo {component} >> /arch\n"
            f"{extra}")


class RealProject(GitProject):
    """A project whose images really build: FROM the base, a RUN per platform."""

    def __init__(self, path, docker_env):
        super().__init__(path)
        for comp in ("broker", "agent", "ui"):
            self.dockerfile(comp, real_dockerfile(comp))
        self.commit("real Dockerfiles")
        self.docker_env = docker_env

    def dockerfile(self, component, text):
        (self.path / "docker" / f"Dockerfile.{component}").write_text(text)

    def angreal(self, *args, env=None, timeout=300):
        merged = dict(self.docker_env)
        merged.update(env or {})
        return super().angreal(*args, env=merged, timeout=timeout)

    def popen(self, *args, env=None):
        merged = dict(self.docker_env)
        merged.update(env or {})
        return subprocess.Popen(["angreal", *args], cwd=self.path, env=clean_env(merged),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def real_project(tmp_path, docker_env):
    return RealProject(tmp_path / "proj", docker_env)


# -- reading what landed ---------------------------------------------------------

def _blob(registry, repo, digest):
    with registry.open_url(f"/v2/{repo}/blobs/{digest}", timeout=60) as response:
        data = response.read()
    assert "sha256:" + hashlib.sha256(data).hexdigest() == digest, f"blob {digest} does not hash to its digest"
    return data


def layer_file(registry, repo, reference, platform, path):
    """The bytes of PATH in PLATFORM's image of REPO at REFERENCE (tag or
    digest), read from the pushed layers (the topmost layer holding it wins);
    None when no layer holds it."""
    if repo.startswith(registry.host + "/"):
        repo = repo[len(registry.host) + 1:]
    ref = registry.ref(repo, digest=reference) if reference.startswith("sha256:") else \
        registry.ref(repo, tag=reference)
    child = registry.child_digest(ref, platform)
    manifest = json.loads(registry.raw(registry.ref(repo, digest=child)))
    wanted = path.lstrip("/")
    found = None
    for layer in manifest["layers"]:
        data = _blob(registry, repo, layer["digest"])
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            for member in tar.getmembers():
                if member.name.lstrip("./") == wanted and member.isfile():
                    found = tar.extractfile(member).read()
    return found


# -- a registry that fails the first N writes -------------------------------------

class FaultProxy:
    """A loopback HTTP proxy in front of a registry.  The first `fail_writes`
    write requests (POST, PUT, PATCH, DELETE) get `503 Service Unavailable`;
    everything else is forwarded unchanged.  With `match` (a regular
    expression searched in "METHOD /path?query"), only the writes it matches
    count and fail.  `host` is "127.0.0.1:PORT".

    Note: BuildKit itself retries a 5xx during its push ("retrying in 1s"), so
    a few failed blob writes never reach buildx's caller; `imagetools create`
    does not retry."""

    WRITES = ("POST", "PUT", "PATCH", "DELETE")

    def __init__(self, upstream_host, fail_writes, match=None):
        self.upstream_host = upstream_host
        self.fail_writes = fail_writes
        self.match = re.compile(match) if match else None
        self.failed_requests = []
        self.failed = 0
        self.forwarded_writes = 0
        self.lock = threading.Lock()
        self.port = free_port()
        self.server = None
        self.thread = None

    @property
    def host(self):
        return f"127.0.0.1:{self.port}"

    def _should_fail(self, method, target):
        with self.lock:
            if method in self.WRITES and (self.match is None or self.match.search(f"{method} {target}")):
                if self.failed < self.fail_writes:
                    self.failed += 1
                    self.failed_requests.append(f"{method} {target}")
                    return True
                self.forwarded_writes += 1
            return False

    def start(self):
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                while proxy._one_request(self.rfile, self.wfile):
                    pass

        class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def _one_request(self, rfile, wfile):
        first = rfile.peek(1)[:1]
        if first == b"\x16":
            # a TLS ClientHello: answer as Go's plain-HTTP server does, so that
            # containerd's resolver sees "server gave HTTP response to HTTPS
            # client" and falls back to plain HTTP, as with the registry itself
            wfile.write(b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")
            wfile.flush()
            return False
        line = rfile.readline(65536)
        if not line or not line.strip():
            return False
        parts = line.decode("latin-1").split(" ", 2)
        if len(parts) != 3:
            wfile.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            wfile.flush()
            return False
        method, target, _ = parts
        headers = {}
        order = []
        while True:
            h = rfile.readline(65536)
            if h in (b"\r\n", b"\n", b""):
                break
            name, value = h.decode("latin-1").split(":", 1)
            headers[name.strip().lower()] = value.strip()
            order.append((name.strip(), value.strip()))
        body = b""
        if "content-length" in headers:
            body = rfile.read(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(rfile.readline().split(b";")[0], 16)
                if size == 0:
                    rfile.readline()
                    break
                chunks.append(rfile.read(size))
                rfile.readline()
            body = b"".join(chunks)
        if self._should_fail(method, target):
            msg = b'{"errors":[{"code":"UNAVAILABLE","message":"injected by the test proxy"}]}'
            wfile.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                        b"Content-Length: " + str(len(msg)).encode() + b"\r\n\r\n" + msg)
            wfile.flush()
            return True
        conn = http.client.HTTPConnection(self.upstream_host, timeout=120)
        send = {n: v for n, v in order if n.lower() not in ("host", "transfer-encoding", "content-length",
                                                            "connection")}
        send["Host"] = self.host
        send["Content-Length"] = str(len(body))
        conn.request(method, target, body=body, headers=send)
        resp = conn.getresponse()
        data = resp.read()
        out = [f"HTTP/1.1 {resp.status} {resp.reason}\r\n".encode("latin-1")]
        for name, value in resp.getheaders():
            low = name.lower()
            if low in ("transfer-encoding", "connection") or (low == "content-length" and method != "HEAD"):
                continue
            if low == "location":
                value = value.replace(self.upstream_host, self.host)
            out.append(f"{name}: {value}\r\n".encode("latin-1"))
        if method != "HEAD":
            out.append(f"Content-Length: {len(data)}\r\n".encode("latin-1"))
        out.append(b"\r\n")
        wfile.write(b"".join(out) + data)
        wfile.flush()
        conn.close()
        return True


@pytest.fixture
def fault_proxy(registry):
    proxies = []

    def make(fail_writes, match=None):
        proxy = FaultProxy(registry.host, fail_writes, match).start()
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.stop()


def catalog(registry):
    """Every repository the registry holds (tagged or not), without host."""
    with registry.open_url("/v2/_catalog?n=1000", timeout=30) as response:  # distribution's maximum
        return json.loads(response.read()).get("repositories") or []


def descendants(pid):
    """{pid: cmdline} of every live process below PID (read from /proc)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode("latin-1")
            fields = stat[stat.rindex(")") + 2:].split()
            if fields[0] == "Z":
                continue
            parents[int(entry)] = int(fields[1])
        except (OSError, ValueError):
            continue
    found, frontier = {}, {pid}
    for _ in range(64):  # bounded depth
        children = {p for p, pp in parents.items() if pp in frontier and p not in found}
        if not children:
            break
        for child in children:
            found[child] = cmdline(child)
        frontier = children
    return found


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return None


def alive(pid):
    """True while PID runs (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read().decode("latin-1")
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:].split()[0] != "Z"


def processes_matching(text):
    """PIDs of every process on the machine whose command line holds TEXT."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            line = cmdline(int(entry))
            if line and text in line and alive(int(entry)):
                pids.append(int(entry))
    return pids


def cache_records(docker_env, token):
    """IDs of the builder's cache records whose description holds TOKEN
    (`docker buildx du --verbose`)."""
    return cache_record_ids(lambda *args: docker_env.docker(*args).stdout, docker_env.builder, token)


def prune_cache_records(docker_env, token, attempts=5):
    """Remove only the builder's cache records that TOKEN names (by id: the
    builder is dockerd's BuildKit, shared with everything else on the
    machine); returns how many were removed.  Fails when any remains."""
    removed, left = prune_records(lambda *args: docker_env.docker(*args).stdout, docker_env.builder, token,
                                  attempts)
    assert not left, f"cache records of {token} survived the prune: {left}"
    return removed


def docker_has_image(docker_env, ref):
    proc = docker_env.docker("image", "inspect", ref, check=False)
    return proc.returncode == 0


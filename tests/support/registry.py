"""TEST SUPPORT: a real OCI registry for the tests (not product code).

Runs Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 with a free
port, plain HTTP, no auth (or, with `htpasswd=(user, password)`, htpasswd
basic auth made with apache2-utils' `htpasswd -Bbn`), deletes enabled and
filesystem storage in a temporary directory.  The read-back helpers go through real tools (skopeo),
never through the buildx emulator, so the tests check what really landed.
"""

import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

REGISTRY_BIN = "/usr/bin/docker-registry"
SKOPEO_BIN = "/usr/bin/skopeo"
START_TIMEOUT = 15.0   # seconds start() waits for GET /v2/ to answer
STOP_TIMEOUT = 10.0
TOOL_TIMEOUT = 60      # seconds for one skopeo call

INDEX_TYPES = ("application/vnd.oci.image.index.v1+json",
               "application/vnd.docker.distribution.manifest.list.v2+json")

CONFIG_TEMPLATE = """\
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:{port}
  headers:
    X-Content-Type-Options: [nosniff]
{auth}"""

AUTH_TEMPLATE = """\
auth:
  htpasswd:
    realm: multiarch-test
    path: {path}
"""
HTPASSWD_BIN = "/usr/bin/htpasswd"


class RegistryToolError(RuntimeError):
    """A skopeo read-back failed for a reason other than "not found"."""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _platform_string(plat):
    text = f"{plat.get('os', '')}/{plat.get('architecture', '')}"
    if plat.get("variant"):
        text += "/" + plat["variant"]
    return text


def _is_attestation(entry):
    return (entry.get("annotations") or {}).get("vnd.docker.reference.type") == \
        "attestation-manifest"


class Registry:
    def __init__(self, workdir=None, htpasswd=None):
        """htpasswd: None (no auth) or (user, password): the registry then
        answers 401 without those basic-auth credentials; the read-back
        helpers send them."""
        self.auth = tuple(htpasswd) if htpasswd else None
        self._own_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="multiarch-registry-")
        self.storage = os.path.join(self.workdir, "storage")
        self.config_path = os.path.join(self.workdir, "config.yml")
        self.log_path = os.path.join(self.workdir, "registry.log")
        self.port = None
        self.proc = None
        self._log = None

    # -- lifecycle ---------------------------------------------------------
    @property
    def host(self):
        """"127.0.0.1:PORT", the registry part of an image reference."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self):
        return f"http://{self.host}"

    def ref(self, repo, tag=None, digest=None):
        text = f"{self.host}/{repo}"
        if tag:
            text += f":{tag}"
        if digest:
            text += f"@{digest}"
        return text

    def start(self):
        if self.proc is not None and self.proc.poll() is None:
            return self
        os.makedirs(self.storage, exist_ok=True)
        if self.port is None:
            self.port = free_port()
        auth = ""
        if self.auth:
            path = os.path.join(self.workdir, "htpasswd")
            line = subprocess.run([HTPASSWD_BIN, "-Bbn", *self.auth], capture_output=True, text=True,
                                  timeout=30, check=True).stdout.strip()
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(line + "\n")
            auth = AUTH_TEMPLATE.format(path=path)
        self.write_config(auth)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([REGISTRY_BIN, "serve", self.config_path],
                                     stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        for _ in range(int(START_TIMEOUT / 0.05) + 1):
            if self.proc.poll() is not None:
                break
            if self.is_up():
                return self
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        log = self.log_tail()
        self.stop()
        raise RuntimeError(f"docker-registry did not answer on {self.url}/v2/ "
                           f"within {START_TIMEOUT}s; log:\n{log}")

    def write_config(self, auth):
        with open(self.config_path, "w", encoding="utf-8") as fh:
            fh.write(CONFIG_TEMPLATE.format(storage=self.storage, port=self.port, auth=auth))

    def is_up(self):
        try:
            with urllib.request.urlopen(self.url + "/v2/", timeout=1) as response:
                return response.status == 200
        except urllib.error.HTTPError as err:
            return bool(self.auth) and err.code == 401  # up, and asking for the credentials
        except (urllib.error.URLError, OSError):
            return False

    def creds_args(self):
        """skopeo's credential flags: the htpasswd user, else none at all."""
        return [f"--creds={self.auth[0]}:{self.auth[1]}"] if self.auth else ["--no-creds"]

    def open_url(self, path, timeout=60):
        """GET url+PATH (basic auth when the registry has it)."""
        req = urllib.request.Request(self.url + path)
        if self.auth:
            token = base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()
            req.add_header("Authorization", "Basic " + token)
        return urllib.request.urlopen(req, timeout=timeout)

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=STOP_TIMEOUT)
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self):
        """Stop and start again on the same port with the same storage."""
        self.stop()
        return self.start()

    def cleanup(self):
        self.stop()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, limit=4000):
        try:
            with open(self.log_path, "rb") as fh:
                return fh.read()[-limit:].decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()

    # -- read-back through real tools -----------------------------------------
    def _skopeo(self, args):
        proc = subprocess.run([SKOPEO_BIN] + args, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=TOOL_TIMEOUT, check=False)
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace")
            low = err.lower()
            if ("manifest unknown" in low or "name unknown" in low
                    or "404 (not found)" in low):
                raise LookupError(err.strip())
            raise RegistryToolError(f"skopeo {' '.join(args)} failed: {err.strip()}")
        return proc.stdout

    def _full(self, ref):
        return ref if ref.startswith(self.host + "/") else self.ref(ref)

    def raw(self, ref):
        """Exact manifest bytes of REF (tag or @digest); LookupError if absent."""
        return self._skopeo(["inspect", "--raw", "--tls-verify=false", *self.creds_args(),
                             "docker://" + self._full(ref)])

    def exists(self, ref):
        try:
            self.raw(ref)
            return True
        except LookupError:
            return False

    def digest(self, ref):
        return "sha256:" + hashlib.sha256(self.raw(ref)).hexdigest()

    def manifest(self, ref):
        return json.loads(self.raw(ref))

    def tags(self, repo):
        """Tags of REPO (without host), [] when the repository doesn't exist
        (distribution 2.8 answers 404 for a repo holding only untagged
        manifests, e.g. after a push-by-digest)."""
        repo = repo[len(self.host) + 1:] if repo.startswith(self.host + "/") else repo
        try:
            out = self._skopeo(["list-tags", "--tls-verify=false", *self.creds_args(),
                                f"docker://{self.host}/{repo}"])
        except LookupError:
            return []
        return sorted(json.loads(out).get("Tags") or [])

    def _repo_of(self, ref):
        full = self._full(ref)
        name = full.split("@", 1)[0]
        slash, colon = name.rfind("/"), name.rfind(":")
        return name[:colon] if colon > slash else name

    def platforms(self, ref, include_attestations=False):
        """["linux/amd64", "linux/arm/v7", ...] in the index at REF, in
        index order.  Attestation manifests (unknown/unknown) are left out
        unless asked for.  A single image manifest reports its config's
        platform."""
        doc = self.manifest(ref)
        if doc.get("mediaType") in INDEX_TYPES or "manifests" in doc:
            return [_platform_string(m.get("platform") or {})
                    for m in doc.get("manifests", [])
                    if include_attestations or not _is_attestation(m)]
        return [_platform_string(self._config_by_digest(ref, self.digest(ref)))]

    def child_digest(self, ref, platform):
        doc = self.manifest(ref)
        if not (doc.get("mediaType") in INDEX_TYPES or "manifests" in doc):
            return self.digest(ref)
        for entry in doc.get("manifests", []):
            if _platform_string(entry.get("platform") or {}) == platform \
                    and not _is_attestation(entry):
                return entry["digest"]
        raise LookupError(f"no {platform} manifest in {ref}")

    def _config_by_digest(self, ref, child_digest):
        child = f"{self._repo_of(ref)}@{child_digest}"
        return json.loads(self._skopeo(["inspect", "--config", "--raw", "--tls-verify=false",
                                        *self.creds_args(), "docker://" + child]))

    def config(self, ref, platform):
        """The image config JSON of PLATFORM's image in REF."""
        return self._config_by_digest(ref, self.child_digest(ref, platform))

    def labels(self, ref, platform):
        return (self.config(ref, platform).get("config") or {}).get("Labels") or {}

    # -- readers keyed by repository + tag/digest (for the product tests) -------
    def _at(self, repo, reference):
        """The full reference of REPO (with or without host) at REFERENCE:
        a tag, or a digest such as "sha256:..."."""
        repo = repo[len(self.host) + 1:] if repo.startswith(self.host + "/") else repo
        if reference.startswith("sha256:"):
            return self.ref(repo, digest=reference)
        return self.ref(repo, tag=reference)

    def fetch_manifest(self, repo, reference):
        """(raw manifest bytes, "sha256:..." digest of those bytes) of REPO at
        REFERENCE (tag or digest); LookupError when absent."""
        raw = self.raw(self._at(repo, reference))
        return raw, "sha256:" + hashlib.sha256(raw).hexdigest()

    def platform_images(self, repo, reference, include_attestations=False):
        """The images of the index (or single manifest) at REPO REFERENCE, in
        index order: [{"platform": "linux/arm/v7", "digest": manifest digest,
        "media_type": ..., "labels": {image config Labels}}].  Attestation
        manifests are left out unless asked for.  Each config is read with
        skopeo (one call per image)."""
        at = self._at(repo, reference)
        raw = self.raw(at)
        doc = json.loads(raw)
        if doc.get("mediaType") in INDEX_TYPES or "manifests" in doc:
            entries = [m for m in doc.get("manifests", [])
                       if include_attestations or not _is_attestation(m)]
            items = [(_platform_string(m.get("platform") or {}), m["digest"],
                      m.get("mediaType", "")) for m in entries]
        else:
            items = [(None, "sha256:" + hashlib.sha256(raw).hexdigest(),
                      doc.get("mediaType", ""))]
        images = []
        for plat, digest, media_type in items:
            config = self._config_by_digest(at, digest)
            images.append({"platform": plat or _platform_string(config), "digest": digest,
                           "media_type": media_type,
                           "labels": (config.get("config") or {}).get("Labels") or {}})
        return images

    def tag_exists(self, repo, tag):
        """True when REPO (with or without host) has TAG."""
        return tag in self.tags(repo)

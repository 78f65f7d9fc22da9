"""TEST SUPPORT: registries the C registry client is tested against (not
product code).

- `TlsRegistry`: Debian's docker-registry over TLS with a CA made here with
  openssl, the CA placed in /etc/docker/certs.d/127.0.0.1:<port>/ (removed
  again by cleanup()), with htpasswd or token auth.
- `TokenServer`: a small token server (realm/service/scope) signing RS256 JWTs
  with openssl; anonymous pull, push for the htpasswd-style user, and the push
  scope refused on one repository.
- `FaultProxy`: a plain-HTTP proxy in front of a registry that answers the
  faults a real network and registry give (500, 503, 429 with Retry-After, a
  connection dropped mid-body, a body whose digest does not match) and pages
  tags/list with Link headers as distribution 3 does (Debian's 2.8 does not
  page tags, so the proxy stands in for one that does).  With
  `refuse_upload_user` it refuses that Basic user's blob uploads (403
  DENIED): distribution's htpasswd auth has no read-only users, and this is
  how a registry with per-user rights answers one.
- `RuleTokenServer` and `TokenRegistry`: users with per-repository rights
  (pusher: pull and push on team/, reader: pull only), granted reduced as
  docker's auth server does, for a registry BuildKit pushes to.
"""

import base64
import hashlib
import http.client
import http.server
import json
import os
import shutil
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from .registry import CONFIG_TEMPLATE, Registry, free_port

CERTS_D = "/etc/docker/certs.d"
OPENSSL = "openssl"
SERVICE = "multiarch-test"
ISSUER = "multiarch-test-issuer"


def _run(args):
    subprocess.run(args, check=True, capture_output=True, timeout=60)


def make_ca_and_cert(workdir, name="127.0.0.1"):
    """A CA and a server certificate for `name` (an IP) signed by it: paths."""
    ca_key, ca_crt = os.path.join(workdir, "ca.key"), os.path.join(workdir, "ca.crt")
    key, csr, crt = (os.path.join(workdir, n) for n in ("server.key", "server.csr", "server.crt"))
    ext = os.path.join(workdir, "san.ext")
    _run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=multiarch test CA",
          "-keyout", ca_key, "-out", ca_crt])
    _run([OPENSSL, "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", key, "-out", csr])
    with open(ext, "w", encoding="utf-8") as fh:
        fh.write(f"subjectAltName=IP:{name}\n")
    _run([OPENSSL, "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial", "-days", "2",
          "-extfile", ext, "-out", crt])
    return ca_crt, crt, key


def make_client_cert(workdir, certs_dir):
    """client.cert and client.key in certs_dir, signed by workdir's CA."""
    key, csr = os.path.join(certs_dir, "client.key"), os.path.join(workdir, "client.csr")
    _run([OPENSSL, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=multiarch test client", "-keyout", key,
          "-out", csr])
    _run([OPENSSL, "x509", "-req", "-in", csr, "-CA", os.path.join(workdir, "ca.crt"), "-CAkey",
          os.path.join(workdir, "ca.key"), "-CAcreateserial", "-days", "2", "-out",
          os.path.join(certs_dir, "client.cert")])


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenServer:
    """GET /token?service=&scope= (Basic credentials or none) -> {"token"},
    and POST /token with the OAuth2 refresh-token grant (`refresh_token`, an
    identity token) -> {"access_token"}.  Pull is granted to anyone; push to
    `user` (or the identity token's holder) except on `refuse_push_repo`
    (refused with 403).  Records (scope, authenticated, granted) in `issued`."""

    def __init__(self, workdir, user, password, refuse_push_repo, refresh_token=None):
        self.workdir, self.user, self.password = workdir, user, password
        self.refresh_token = refresh_token
        self.refuse_push_repo = refuse_push_repo
        self.key = os.path.join(workdir, "token.key")
        self.cert = os.path.join(workdir, "token.crt")
        _run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
              "/CN=multiarch token signer", "-keyout", self.key, "-out", self.cert])
        der = subprocess.run([OPENSSL, "x509", "-in", self.cert, "-outform", "DER"], check=True,
                             capture_output=True, timeout=30).stdout
        self.x5c = base64.b64encode(der).decode()
        self.issued = []
        self.port = free_port()
        self.server = None

    @property
    def realm(self):
        return f"http://127.0.0.1:{self.port}/token"

    def sign(self, claims):
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
        sig = subprocess.run([OPENSSL, "dgst", "-sha256", "-sign", self.key], input=signing_input.encode(),
                             check=True, capture_output=True, timeout=30).stdout
        return f"{signing_input}.{_b64url(sig)}"

    def authenticate(self, user, password):
        return (user, password) == (self.user, self.password)

    def grant(self, scope, authed, user=None):
        access = []
        for item in filter(None, (scope or "").split(" ")):
            kind, name, actions = item.split(":", 2) if item.count(":") >= 2 else (None, None, "")
            if kind != "repository":
                continue
            wanted = actions.split(",")
            if "push" in wanted and (not authed or name == self.refuse_push_repo):
                return None
            access.append({"type": "repository", "name": name, "actions": wanted})
        now = int(time.time())
        return self.sign({"iss": ISSUER, "sub": self.user if authed else "", "aud": SERVICE, "exp": now + 300,
                          "nbf": now - 10, "iat": now, "jti": hashlib.sha256(os.urandom(8)).hexdigest(),
                          "access": access})

    def start(self):
        server_self = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urllib.parse.urlparse(self.path)
                query = urllib.parse.parse_qs(url.query)
                scope = " ".join(query.get("scope", []))
                authed, user = False, None
                header = self.headers.get("Authorization", "")
                if header.startswith("Basic "):
                    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                    if not server_self.authenticate(user, password):
                        self.send_response(401)
                        self.end_headers()
                        return
                    authed = True
                self.reply(query, scope, authed, "token", user)

            def do_POST(self):
                form = urllib.parse.parse_qs(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode())
                ok = (form.get("grant_type") == ["refresh_token"] and server_self.refresh_token is not None and
                      form.get("refresh_token") == [server_self.refresh_token] and form.get("client_id"))
                if not ok:
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.reply(form, " ".join(form.get("scope", [])), True, "access_token")

            def reply(self, query, scope, authed, field, user=None):
                token = server_self.grant(scope, authed, user) if query.get("service") == [SERVICE] else None
                server_self.issued.append((scope, authed, token is not None))
                if token is None:
                    body = json.dumps({"errors": [{"code": "DENIED", "message": "push refused"}]}).encode()
                    self.send_response(403)
                else:
                    body = json.dumps({field: token, "expires_in": 300}).encode()
                    self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


class RuleTokenServer(TokenServer):
    """A token server with users and per-repository rules, as docker's own
    auth server has them: `users` {name: password}, `rules` {name: [(repo
    prefix, actions)]} (anonymous: the name ""), and a scope asked beyond
    the rules is granted reduced (the actions the rules allow, possibly
    none), not refused: the registry then refuses the request itself
    (insufficient_scope).  `push_grants` {name: n}: after n grants of push
    the user's push right is gone (rights revoked mid-run).  `rules` may be
    changed while it runs."""

    def __init__(self, workdir, users, rules, push_grants=None):
        first = next(iter(users))
        super().__init__(workdir, first, users[first], refuse_push_repo=None)
        self.users, self.rules = dict(users), rules
        self.push_grants = dict(push_grants or {})

    def authenticate(self, user, password):
        return self.users.get(user) == password

    def allowed(self, user, name):
        actions = set()
        for prefix, granted in self.rules.get(user or "", []):
            if name.startswith(prefix):
                actions |= set(granted)
        return actions

    def grant(self, scope, authed, user=None):
        user = user if authed else ""
        access = []
        for item in filter(None, (scope or "").split(" ")):
            kind, name, actions = item.split(":", 2) if item.count(":") >= 2 else (None, None, "")
            if kind != "repository":
                continue
            allowed = self.allowed(user, name)
            if "push" in allowed and "push" in actions.split(",") and user in self.push_grants:
                if self.push_grants[user] <= 0:
                    allowed.discard("push")
                else:
                    self.push_grants[user] -= 1
            granted = [a for a in actions.split(",") if a in allowed]
            access.append({"type": "repository", "name": name, "actions": granted})
        now = int(time.time())
        return self.sign({"iss": ISSUER, "sub": user, "aud": SERVICE, "exp": now + 300, "nbf": now - 10,
                          "iat": now, "jti": hashlib.sha256(os.urandom(8)).hexdigest(), "access": access})


class TokenRegistry(Registry):
    """docker-registry over plain HTTP on 127.0.0.1 (which BuildKit pushes
    to) with token auth from `token` (a TokenServer).  `auth` (user,
    password) is what the read-back helpers log in with."""

    def __init__(self, token, auth):
        super().__init__(htpasswd=auth)
        self.token = token

    def write_config(self, auth):
        auth = (f"auth:\n  token:\n    realm: {self.token.realm}\n    service: {SERVICE}\n"
                f"    issuer: {ISSUER}\n    rootcertbundle: {self.token.cert}\n")
        with open(self.config_path, "w", encoding="utf-8") as fh:
            fh.write(CONFIG_TEMPLATE.format(storage=self.storage, port=self.port, auth=auth))


class TlsRegistry(Registry):
    """docker-registry over TLS, its CA in certs.d; htpasswd=(user, password)
    or token=TokenServer for auth."""

    def __init__(self, htpasswd=None, token=None, client_certs=False):
        super().__init__(htpasswd=htpasswd)
        self.token = token
        self.client_certs = client_certs
        self.port = free_port()
        self.ca, self.cert, self.key = make_ca_and_cert(self.workdir)
        self.certs_dir = os.path.join(CERTS_D, self.host)

    @property
    def url(self):
        return f"https://{self.host}"

    def start(self):
        os.makedirs(self.certs_dir, exist_ok=True)
        shutil.copy(self.ca, os.path.join(self.certs_dir, "ca.crt"))
        if self.client_certs:
            make_client_cert(self.workdir, self.certs_dir)
        return super().start()

    def write_config(self, auth):
        tls = f"  tls:\n    certificate: {self.cert}\n    key: {self.key}\n"
        if self.client_certs:
            tls += f"    clientcas:\n      - {self.ca}\n"
        if self.token is not None:
            auth = (f"auth:\n  token:\n    realm: {self.token.realm}\n    service: {SERVICE}\n"
                    f"    issuer: {ISSUER}\n    rootcertbundle: {self.token.cert}\n")
        text = CONFIG_TEMPLATE.format(storage=self.storage, port=self.port, auth="")
        with open(self.config_path, "w", encoding="utf-8") as fh:
            fh.write(text + tls + auth)

    def ssl_context(self):
        ctx = ssl.create_default_context(cafile=self.ca)
        if self.client_certs:
            ctx.load_cert_chain(os.path.join(self.certs_dir, "client.cert"), os.path.join(self.certs_dir, "client.key"))
        return ctx

    def is_up(self):
        try:
            with urllib.request.urlopen(self.url + "/v2/", timeout=1, context=self.ssl_context()) as response:
                return response.status == 200
        except urllib.error.HTTPError as err:
            return err.code == 401
        except (urllib.error.URLError, OSError):
            return False

    def cleanup(self):
        super().cleanup()
        shutil.rmtree(self.certs_dir, ignore_errors=True)


def push_test_image(base_url, repo, tag, authorization=None, context=None, seed=b"multiarch"):
    """Upload a config blob and an OCI image manifest naming it, tagged `tag`;
    returns (digest, manifest bytes).  authorization: a header value or None."""
    def call(method, url, body=None, headers=None):
        req = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
        if authorization:
            req.add_header("Authorization", authorization)
        return urllib.request.urlopen(req, timeout=30, context=context)

    config = json.dumps({"architecture": "amd64", "os": "linux", "seed": seed.decode(),
                         "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    with call("POST", f"{base_url}/v2/{repo}/blobs/uploads/") as resp:
        location = resp.headers["Location"]
    location = urllib.parse.urljoin(base_url, location)
    sep = "&" if "?" in location else "?"
    with call("PUT", f"{location}{sep}digest={config_digest}", config,
              {"Content-Type": "application/octet-stream"}):
        pass
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": config_digest, "size": len(config)},
                           "layers": []}).encode()
    with call("PUT", f"{base_url}/v2/{repo}/manifests/{tag}", manifest,
              {"Content-Type": "application/vnd.oci.image.manifest.v1+json"}):
        pass
    return "sha256:" + hashlib.sha256(manifest).hexdigest(), manifest


class FaultProxy:
    """Plain HTTP on 127.0.0.1, forwarding to `backend` (a plain-HTTP
    registry URL).  `faults` is a list of (method, path fragment, fault) used
    once each, in order, by the first request they match: a status such as
    "500", "503", "400" or "429" (with Retry-After: 1), "slow" (answered after 0.5 s), "nodigest" (no Docker-Content-Digest header), "drop" (headers and half the body, then the
    connection closed) or "corrupt" (the body changed, its headers kept).
    tags/list with n= is paged here with Link headers.  `seen` records
    (method, path, status) of every request."""

    def __init__(self, backend, refuse_upload_user=None):
        self.backend = urllib.parse.urlparse(backend)
        self.refuse_upload_user = refuse_upload_user
        self.faults = []
        self.seen = []
        self.timeline = []  # (time.monotonic(), method, path) of each answer
        self.lock = threading.Lock()
        self.port = free_port()
        self.server = None

    @property
    def host(self):
        return f"127.0.0.1:{self.port}"

    def take_fault(self, method, path):
        with self.lock:
            for i, (m, fragment, fault) in enumerate(self.faults):
                if m == method and fragment in path:
                    del self.faults[i]
                    return fault
        return None

    def start(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def answer(self, status, headers, body):
                with proxy.lock:
                    proxy.seen.append((self.command, self.path, status))
                    proxy.timeline.append((time.monotonic(), self.command, self.path))
                self.send_response(status)
                for k, v in headers:
                    if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else None
                conn = http.client.HTTPConnection(proxy.backend.hostname, proxy.backend.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=data, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                result = resp.status, resp.getheaders(), body
                conn.close()
                return result

            def page_tags(self, status, headers, body):
                url = urllib.parse.urlparse(self.path)
                query = urllib.parse.parse_qs(url.query)
                if status != 200 or "n" not in query:
                    return status, headers, body
                tags = sorted(json.loads(body).get("tags") or [])
                last = query.get("last", [""])[0]
                rest = [t for t in tags if t > last]
                n = int(query["n"][0])
                page = rest[:n]
                headers = [(k, v) for k, v in headers if k.lower() != "link"]
                if len(rest) > n:
                    nxt = urllib.parse.urlencode({"n": n, "last": page[-1]})
                    headers.append(("Link", f'<{url.path}?{nxt}>; rel="next"'))
                return status, headers, json.dumps({"name": json.loads(body)["name"], "tags": page}).encode()

            def refused_upload(self):
                header = self.headers.get("Authorization", "")
                if proxy.refuse_upload_user is None or not header.startswith("Basic "):
                    return False
                user = base64.b64decode(header[6:]).decode().partition(":")[0]
                return (user == proxy.refuse_upload_user and self.command == "POST" and
                        "/blobs/uploads/" in self.path)

            def handle_any(self):
                if self.refused_upload():
                    self.rfile.read(int(self.headers.get("Content-Length") or 0))
                    self.answer(403, [("Content-Type", "application/json")],
                                b'{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}')
                    return
                fault = proxy.take_fault(self.command, self.path)
                if fault is not None and fault.isdigit():
                    self.rfile.read(int(self.headers.get("Content-Length") or 0))
                    extra = [("Retry-After", "1")] if fault == "429" else []
                    self.answer(int(fault), extra + [("Content-Type", "application/json")],
                                b'{"errors":[{"code":"UNAVAILABLE","message":"try again"}]}')
                    return
                if fault == "slow":
                    time.sleep(0.5)
                status, headers, body = self.forward()
                if "/tags/list" in self.path:
                    status, headers, body = self.page_tags(status, headers, body)
                if fault == "nodigest":
                    headers = [(k, v) for k, v in headers if k.lower() != "docker-content-digest"]
                if fault == "corrupt" and body:
                    body = body.replace(b'"schemaVersion"', b'"schemaversion"', 1)
                if fault == "drop" and body:
                    with proxy.lock:
                        proxy.seen.append((self.command, self.path, "drop"))
                    self.send_response(status)
                    for k, v in headers:
                        if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.answer(status, headers, body)

            do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

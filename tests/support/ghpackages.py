"""TEST SUPPORT: a local stand-in for the GitHub Packages REST API, because
the real api.github.com cannot be reached from the test machine.  It serves
the documented endpoints a prune uses over a real registry's content:

  GET    /orgs/{org}/packages/container/{package}/versions?per_page=&page=
  GET    /users/{user}/packages/container/{package}/versions?per_page=&page=
  DELETE /orgs/{org}/packages/container/{package}/versions/{id}
  DELETE /users/{user}/packages/container/{package}/versions/{id}

Versions are the manifests the registry's storage holds for
<owner>/<package> (tagged or not, as GHCR lists every pushed manifest), newest
first, each {id, name: its digest, metadata: {container: {tags}}}; pages of
per_page (at most 100, default 30) with a Link header (rel="next",
rel="last") as GitHub sends it.  A delete deletes the manifest from the
registry by digest.  Requests without `Authorization: Bearer <token>` get 401;
the owner is either an organisation or a user (404 on the other path);
fail_page=N answers HTTP 500 to every request for page N.
"""

import json
import os
import threading
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class GitHubPackagesStandIn:
    def __init__(self, registry, owner, kind="orgs", token="gh-token", fail_page=None):
        assert kind in ("orgs", "users")
        self.registry = registry
        self.owner = owner
        self.kind = kind
        self.token = token
        self.fail_page = fail_page
        self.ids = {}              # digest -> id, stable for the server's life
        self.requests = []         # (method, path, status)
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- the registry's content ----------------------------------------------
    def _repo_dir(self, repo):
        return os.path.join(self.registry.storage, "docker", "registry", "v2", "repositories", repo, "_manifests")

    def versions(self, repo):
        """[(id, digest, tags, mtime)], newest first."""
        base = self._repo_dir(repo)
        rev = os.path.join(base, "revisions", "sha256")
        found = []
        for hexd in sorted(os.listdir(rev)) if os.path.isdir(rev) else []:
            link = os.path.join(rev, hexd, "link")
            if os.path.exists(link):
                found.append(("sha256:" + hexd, os.stat(link).st_mtime_ns))
        tags = {}
        tagdir = os.path.join(base, "tags")
        for tag in sorted(os.listdir(tagdir)) if os.path.isdir(tagdir) else []:
            link = os.path.join(tagdir, tag, "current", "link")
            if os.path.exists(link):
                with open(link, encoding="utf-8") as fh:
                    tags.setdefault(fh.read().strip(), []).append(tag)
        with self._lock:
            for digest, _ in sorted(found, key=lambda f: (f[1], f[0])):
                self.ids.setdefault(digest, 1000 + len(self.ids))
        found.sort(key=lambda f: (-f[1], f[0]))
        return [(self.ids[d], d, tags.get(d, []), m) for d, m in found]

    # -- the server ----------------------------------------------------------
    def start(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status, body=None, headers=None):
                data = json.dumps(body).encode() if body is not None else b""
                # recorded before the reply is sent: the client may read it and move on at once
                standin.requests.append((self.command, self.path, status))
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def route(self):
                """(repo, version id or None), or None after replying."""
                if self.headers.get("Authorization") != f"Bearer {standin.token}":
                    self.reply(401, {"message": "Bad credentials"})
                    return None
                path = urllib.parse.urlsplit(self.path).path
                parts = path.strip("/").split("/")
                if len(parts) not in (6, 7) or parts[2:4] != ["packages", "container"] or parts[5] != "versions":
                    self.reply(404, {"message": "Not Found"})
                    return None
                if parts[0] != standin.kind or parts[1] != standin.owner:
                    self.reply(404, {"message": "Not Found"})
                    return None
                repo = f"{parts[1]}/{urllib.parse.unquote(parts[4])}"
                return repo, (parts[6] if len(parts) == 7 else None)

            def do_GET(self):
                routed = self.route()
                if routed is None:
                    return
                repo, vid = routed
                if vid is not None:
                    self.reply(404, {"message": "Not Found"})
                    return
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                per_page = min(int(query.get("per_page", ["30"])[0]), 100)
                page = int(query.get("page", ["1"])[0])
                if standin.fail_page == page:
                    self.reply(500, {"message": "Server Error"})
                    return
                versions = standin.versions(repo)
                if not versions:
                    self.reply(404, {"message": "Package not found."})
                    return
                last = max(1, -(-len(versions) // per_page))
                chunk = versions[(page - 1) * per_page:page * per_page]
                body = [{"id": vid, "name": digest, "url": f"{standin.url}{urllib.parse.urlsplit(self.path).path}/{vid}",
                         "package_html_url": f"https://github.com/{standin.owner}/packages",
                         "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
                         "metadata": {"package_type": "container", "container": {"tags": tags}}}
                        for vid, digest, tags, _ in chunk]
                base = standin.url + urllib.parse.urlsplit(self.path).path
                links = []
                if page < last:
                    links.append(f'<{base}?per_page={per_page}&page={page + 1}>; rel="next"')
                links.append(f'<{base}?per_page={per_page}&page={last}>; rel="last"')
                if page > 1:
                    links.append(f'<{base}?per_page={per_page}&page=1>; rel="first"')
                self.reply(200, body, {"Link": ", ".join(links)})

            def do_DELETE(self):
                routed = self.route()
                if routed is None:
                    return
                repo, vid = routed
                digest = next((d for d, i in standin.ids.items() if str(i) == vid), None)
                if vid is None or digest is None or digest not in [v[1] for v in standin.versions(repo)]:
                    self.reply(404, {"message": "Not Found"})
                    return
                req = urllib.request.Request(f"{standin.registry.url}/v2/{repo}/manifests/{digest}", method="DELETE")
                with urllib.request.urlopen(req, timeout=30) as resp:
                    assert resp.status == 202
                self.reply(204)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

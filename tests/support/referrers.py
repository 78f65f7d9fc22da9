"""TEST SUPPORT: the OCI 1.1 referrers API in front of a real registry that
lacks it (Debian's distribution 2.8), because no registry the tests can run
offers it.  `GET /v2/<name>/referrers/<digest>` answers an image index of the
manifests in the registry's storage whose `subject` is that digest; every
other request goes through to the registry unchanged."""

import http.client
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INDEX = "application/vnd.oci.image.index.v1+json"


class ReferrersProxy:
    def __init__(self, registry):
        self.registry = registry
        self.asked = []           # the digests the referrers API was asked about
        self._server = None

    @property
    def host(self):
        return f"127.0.0.1:{self._server.server_address[1]}"

    def referrers(self, repo, digest):
        base = os.path.join(self.registry.storage, "docker", "registry", "v2")
        revs = os.path.join(base, "repositories", repo, "_manifests", "revisions", "sha256")
        out = []
        for hexd in sorted(os.listdir(revs)) if os.path.isdir(revs) else []:
            if not os.path.exists(os.path.join(revs, hexd, "link")):
                continue
            data_path = os.path.join(base, "blobs", "sha256", hexd[:2], hexd, "data")
            with open(data_path, "rb") as fh:
                data = fh.read()
            doc = json.loads(data)
            if (doc.get("subject") or {}).get("digest") == digest:
                out.append({"mediaType": doc.get("mediaType"), "digest": "sha256:" + hexd, "size": len(data)})
        return out

    def start(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                conn = http.client.HTTPConnection(proxy.registry.host, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            def do_GET(self):
                if "/referrers/" in self.path:
                    name, digest = self.path[len("/v2/"):].split("/referrers/", 1)
                    proxy.asked.append(digest)
                    body = json.dumps({"schemaVersion": 2, "mediaType": INDEX,
                                       "manifests": proxy.referrers(name, digest)}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", INDEX)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.forward()

            do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = forward

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

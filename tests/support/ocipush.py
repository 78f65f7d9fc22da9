"""TEST SUPPORT: writes small OCI images straight into a real registry over
the distribution API (blobs, image manifests, indexes, cosign-style signature
tags), for prune tests that need exact shapes or hundreds of versions faster
than buildx makes them.  What lands is real registry content: the product
reads and deletes it through the same API as any other."""

import hashlib
import json
import urllib.parse
import urllib.request

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
CREATED = "org.opencontainers.image.created"


def digest_of(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Pusher:
    def __init__(self, base_url, repo, authorization=None, context=None):
        """authorization: an Authorization header value for every request, or None;
        context: the TLS context of an HTTPS registry."""
        self.base = base_url
        self.repo = repo
        self.authorization = authorization
        self.context = context
        self._blobs = set()
        self.sizes = {}        # digest -> bytes, blobs and manifests

    def _call(self, method, url, body=None, headers=None):
        req = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
        if self.authorization:
            req.add_header("Authorization", self.authorization)
        return urllib.request.urlopen(req, timeout=30, context=self.context)

    def blob(self, data):
        digest = digest_of(data)
        if digest not in self._blobs:
            with self._call("POST", f"{self.base}/v2/{self.repo}/blobs/uploads/") as resp:
                location = urllib.parse.urljoin(self.base, resp.headers["Location"])
            sep = "&" if "?" in location else "?"
            with self._call("PUT", f"{location}{sep}digest={digest}", data,
                            {"Content-Type": "application/octet-stream"}):
                pass
            self._blobs.add(digest)
            self.sizes[digest] = len(data)
        return {"mediaType": LAYER, "digest": digest, "size": len(data)}

    def put(self, doc, ref=None):
        """PUT doc (a dict) under ref (a tag) or its own digest; returns a descriptor."""
        data = json.dumps(doc, sort_keys=True).encode()
        digest = digest_of(data)
        with self._call("PUT", f"{self.base}/v2/{self.repo}/manifests/{ref or digest}", data,
                        {"Content-Type": doc["mediaType"]}):
            pass
        self.sizes[digest] = len(data)
        return {"mediaType": doc["mediaType"], "digest": digest, "size": len(data)}

    def image(self, seed, layer=b"shared layer", subject=None, ref=None, platform="amd64"):
        """An image manifest: a config unique to seed, one layer."""
        config = json.dumps({"architecture": platform, "os": "linux", "seed": seed,
                             "rootfs": {"type": "layers", "diff_ids": []}}).encode()
        cfg = dict(self.blob(config), mediaType=CONFIG)
        doc = {"schemaVersion": 2, "mediaType": MANIFEST, "config": cfg, "layers": [self.blob(layer)]}
        if subject is not None:
            doc["subject"] = subject
        return self.put(doc, ref)

    def index(self, children, ref=None, created=None, seed=None):
        """children: (descriptor, platform "os/arch" or None, attests: a digest or None)."""
        entries = []
        for desc, plat, attests in children:
            e = dict(desc)
            if attests:
                e["platform"] = {"os": "unknown", "architecture": "unknown"}
                e["annotations"] = {"vnd.docker.reference.type": "attestation-manifest",
                                    "vnd.docker.reference.digest": attests}
            elif plat:
                os_, arch = plat.split("/")
                e["platform"] = {"os": os_, "architecture": arch}
            entries.append(e)
        doc = {"schemaVersion": 2, "mediaType": INDEX, "manifests": entries}
        annotations = {}
        if created:
            annotations[CREATED] = created
        if seed:
            annotations["test.seed"] = seed
        if annotations:
            doc["annotations"] = annotations
        return self.put(doc, ref)

    def release(self, seed, ref, created=None, shared=None):
        """A two-platform index with an attestation manifest per platform,
        as buildx pushes one; shared: an amd64 manifest descriptor to reuse.
        Returns (index descriptor, [every child descriptor])."""
        amd = shared or self.image(f"{seed}-amd64", layer=f"{seed} amd64".encode())
        arm = self.image(f"{seed}-arm64", layer=f"{seed} arm64".encode(), platform="arm64")
        att = [self.image(f"{seed}-att-{p['digest']}", layer=f"att {seed} {p['digest']}".encode())
               for p in (amd, arm)]
        idx = self.index([(amd, "linux/amd64", None), (arm, "linux/arm64", None),
                          (att[0], None, amd["digest"]), (att[1], None, arm["digest"])],
                         ref=ref, created=created, seed=seed)
        return idx, [amd, arm] + att

    def sign(self, subject):
        """A cosign-style signature manifest under sha256-<hex>.sig."""
        tag = subject["digest"].replace(":", "-") + ".sig"
        return self.image(f"sig {subject['digest']}", layer=f"signature of {subject['digest']}".encode(), ref=tag)

    def tag(self, desc, tag):
        """Point tag at an existing manifest (PUT its bytes again)."""
        with self._call("GET", f"{self.base}/v2/{self.repo}/manifests/{desc['digest']}",
                        headers={"Accept": f"{MANIFEST}, {INDEX}"}) as resp:
            data = resp.read()
        with self._call("PUT", f"{self.base}/v2/{self.repo}/manifests/{tag}", data,
                        {"Content-Type": desc["mediaType"]}):
            pass

    def exists(self, digest):
        try:
            with self._call("HEAD", f"{self.base}/v2/{self.repo}/manifests/{digest}",
                            headers={"Accept": f"{MANIFEST}, {INDEX}"}):
                return True
        except urllib.error.HTTPError as err:
            if err.code == 404:
                return False
            raise

    def tags(self):
        with self._call("GET", f"{self.base}/v2/{self.repo}/tags/list") as resp:
            return sorted(json.loads(resp.read()).get("tags") or [])

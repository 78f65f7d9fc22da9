"""`angreal build status` and multiarch.status() on the real stack: what a
registry holds after real publishes (busybox images built by the remote
builder), the drift an alias moved by hand makes (and the fix it prints
undoing it), signed and unsigned releases, the sizes every publish reports
(checked against the manifests read independently), and where a build's
time went when arm64 is slow."""

import hashlib
import http.client
import json
import shlex
import subprocess
import uuid

import multiarch
import pytest

from support.project import clean_env
from support.real import BASE_IMAGE
from support.realrun import image, multi_arch

pytestmark = pytest.mark.real

PASSWORD = "pw-" + uuid.uuid4().hex


@pytest.fixture
def ns(registry):
    return f"{registry.host}/st-{uuid.uuid4().hex[:8]}"


def own_dockerfile(project, extra=""):
    """The broker's Dockerfile with a step of this test's own: nothing comes from the shared builder's
    cache (whose records other runs write and prune), so every step runs and is timed."""
    project.dockerfile("broker", f"FROM {BASE_IMAGE}\nRUN echo {uuid.uuid4().hex} > /id && uname -m > /arch\n{extra}")
    project.commit("this test's own broker")


def status(project, *args, env=None):
    return project.angreal("build", "status", *args, env=env)


def put_manifest(registry, repo, tag, raw):
    """Point TAG at RAW by hand, with one registry PUT (what a maintainer's tool would do)."""
    media_type = json.loads(raw)["mediaType"]
    conn = http.client.HTTPConnection(registry.host, timeout=60)
    conn.request("PUT", f"/v2/{repo}/manifests/{tag}", body=raw, headers={"Content-Type": media_type})
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 201, response.status


def manifest_size(registry, repo, digest):
    """config + layers of the manifest at DIGEST, read with skopeo (not through the product)."""
    doc = registry.manifest(f"{registry.host}/{repo}@{digest}")
    return doc["config"]["size"] + sum(layer["size"] for layer in doc["layers"])


def test_status_shows_versions_aliases_sizes_and_the_drift_of_a_latest_moved_back(real_project, registry, ns):
    own_dockerfile(real_project)
    for tag in ("v1.2.4", "v1.3.0"):
        r = multi_arch(real_project, "broker", "--tag", tag, "--push", "--registry", ns)
        assert r.returncode == 0, r.stderr[-3000:]
    repo = image(ns, "broker")[len(registry.host) + 1:]
    digests = {t: registry.digest(f"{registry.host}/{repo}:{t}") for t in ("v1.2.4", "v1.3.0", "latest", "v1")}
    assert digests["latest"] == digests["v1"] == digests["v1.3.0"] != digests["v1.2.4"]

    clean = status(real_project, "broker", "--registry", ns, "--check")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "No drift" in clean.stdout

    # latest moved back by hand, outside the task
    put_manifest(registry, repo, "latest", registry.raw(f"{registry.host}/{repo}:v1.2.4"))
    drifted = status(real_project, "broker", "--registry", ns, "--check")
    assert drifted.returncode == 1, drifted.stdout + drifted.stderr
    drift = [line for line in drifted.stdout.splitlines() if line.strip().startswith("drift:")]
    assert drift == ["  drift: latest names v1.2.4, not v1.3.0, the highest stable version"], drifted.stdout
    fix = next(line.strip()[len("fix: "):] for line in drifted.stdout.splitlines()
               if line.strip().startswith("fix: "))
    assert fix == f"docker buildx imagetools create --tag {ns}/brokkr-broker:latest " \
                  f"{ns}/brokkr-broker@{digests['v1.3.0']}"
    assert "error: 1 drift found (status --check)" in drifted.stderr
    # without --check the same report, exit 0
    assert status(real_project, "broker", "--registry", ns).returncode == 0

    # the fix it printed, run as printed
    words = shlex.split(fix)
    assert words[:4] == ["docker", "buildx", "imagetools", "create"]
    real_project.docker_env.docker(*words[1:])
    assert registry.digest(f"{registry.host}/{repo}:latest") == digests["v1.3.0"]
    fixed = status(real_project, "broker", "--registry", ns, "--check", "--json")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    doc = json.loads(fixed.stdout)
    assert doc["ok"] is True and doc["drift"] == 0
    img, = doc["images"]
    assert img["component"] == "broker" and img["platforms"] == ["linux/amd64", "linux/arm64"]
    assert [v["tag"] for v in img["versions"]] == ["v1.2.4", "v1.3.0"]
    for v in img["versions"]:
        assert v["digest"] == digests[v["tag"]]
        assert v["revision"] == real_project.head() and v["created"]
        assert v["platforms"] == ["linux/amd64", "linux/arm64"]
        assert v["signed"] is False and v["verified"] is None
        # each size is the manifest's config and layers, read independently
        index = registry.manifest(f"{registry.host}/{repo}@{v['digest']}")
        children = {f"{m['platform']['os']}/{m['platform']['architecture']}": m["digest"]
                    for m in index["manifests"] if m["platform"]["os"] != "unknown"}
        assert [s["platform"] for s in v["sizes"]] == ["linux/amd64", "linux/arm64"]
        for s in v["sizes"]:
            assert s["digest"] == children[s["platform"]]
            assert s["bytes"] == manifest_size(registry, repo, s["digest"]) > 0
    aliases = {a["tag"]: (a["version"], a["highest"], a["digest"]) for a in img["aliases"]}
    assert aliases == {"latest": ("v1.3.0", "v1.3.0", digests["v1.3.0"]),
                       "v1": ("v1.3.0", "v1.3.0", digests["v1.3.0"]),
                       "v1.3": ("v1.3.0", "v1.3.0", digests["v1.3.0"]),
                       "v1.2": ("v1.2.4", "v1.2.4", digests["v1.2.4"])}
    assert img["head"] == {"tag": "sha-" + real_project.head()[:7], "published": False, "digest": None}
    assert img["drift"] == []

    # multiarch.status() is the same data
    data = multiarch.status("broker", registry=ns, repo=str(real_project.path),
                            env=clean_env(dict(real_project.docker_env)))
    assert data["images"][0]["versions"] == img["versions"] and data["ok"] is True


def test_an_unsigned_release_is_drift_when_releases_are_signed(real_project, registry, ns, tmp_path):
    (real_project.path / "multiarch.json").write_text(json.dumps({"platforms": ["linux/amd64"]}))
    own_dockerfile(real_project)
    keys = tmp_path / "keys"
    keys.mkdir()
    subprocess.run(["cosign", "generate-key-pair"], cwd=keys, env=clean_env({"COSIGN_PASSWORD": PASSWORD}),
                   stdin=subprocess.DEVNULL, capture_output=True, check=True, timeout=60)
    signed = multi_arch(real_project, "broker", "--tag", "v2.0.0", "--push", "--registry", ns, "--sign",
                        "--sign-key", str(keys / "cosign.key"), "--sign-offline", env={"COSIGN_PASSWORD": PASSWORD})
    assert signed.returncode == 0, signed.stderr[-3000:]
    unsigned = multi_arch(real_project, "broker", "--tag", "v2.1.0", "--push", "--registry", ns)
    assert unsigned.returncode == 0, unsigned.stdout + unsigned.stderr[-1500:]
    repo = image(ns, "broker")[len(registry.host) + 1:]
    v210 = registry.digest(f"{registry.host}/{repo}:v2.1.0")

    # without a key: signatures are shown, and none is asked for
    plain = status(real_project, "broker", "--registry", ns, "--check")
    assert plain.returncode == 0, plain.stdout + plain.stderr
    # with the public key: v2.0.0 verifies, v2.1.0 has no signature
    r = status(real_project, "broker", "--registry", ns, "--check", "--json", "--sign-key",
               str(keys / "cosign.pub"), "--sign-offline")
    assert r.returncode == 1, r.stdout + r.stderr
    img, = json.loads(r.stdout)["images"]
    assert {v["tag"]: (v["signed"], v["verified"]) for v in img["versions"]} == \
        {"v2.0.0": (True, True), "v2.1.0": (False, None)}
    assert [(d["kind"], d["fix"]) for d in img["drift"]] == \
        [("signature", f"cosign sign --key {keys / 'cosign.pub'} {ns}/brokkr-broker@{v210}")]
    assert img["drift"][0]["message"].startswith("v2.1.0 (")
    v2, v21 = img["versions"]
    assert v2["revision"] == v21["revision"] == real_project.head()
    assert v2["platforms"] == v21["platforms"] == ["linux/amd64"]
    # the signing key itself (its password from COSIGN_PASSWORD) verifies the same
    text = status(real_project, "broker", "--registry", ns, "--sign-key", str(keys / "cosign.key"),
                  "--sign-offline", env={"COSIGN_PASSWORD": PASSWORD})
    assert text.returncode == 0, text.stderr
    assert "signed, verified" in text.stdout and "v2.1.0 (" in text.stdout and "has no signature" in text.stdout


def test_a_publish_reports_sizes_against_latest_and_where_the_build_time_went(real_project, registry, ns,
                                                                             tmp_path, monkeypatch):
    own_dockerfile(real_project)
    r = multi_arch(real_project, "broker", "--tag", "v3.0.0", "--push", "--registry", ns)
    assert r.returncode == 0, r.stderr[-3000:]
    repo = image(ns, "broker")[len(registry.host) + 1:]
    v300 = registry.manifest(f"{registry.host}/{repo}:v3.0.0")
    assert "Sizes (compressed, per platform):" in r.stdout
    # a first release has nothing to compare with
    for m in v300["manifests"]:
        if m["platform"]["os"] != "unknown":
            platform = f"{m['platform']['os']}/{m['platform']['architecture']}"
            assert f"broker  {platform} " in r.stdout and "since" not in r.stdout

    # a bigger image whose arm64 step sleeps, under GitHub Actions, where the rawjson progress is read
    own_dockerfile(real_project, "RUN head -c 300000 /dev/urandom > /payload\n"
                   "RUN if [ \"$(uname -m)\" = aarch64 ]; then sleep 10; fi; echo slow-step > /slow\n")
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    for key, value in real_project.docker_env.items():
        monkeypatch.setenv(key, value)
    result = multiarch.publish("broker", tag="v3.1.0", push=True, registry=ns,
                               builder=real_project.docker_env.builder, repo=str(real_project.path),
                               env=clean_env(dict(real_project.docker_env, GITHUB_ACTIONS="true",
                                                  GITHUB_STEP_SUMMARY=str(summary), GITHUB_OUTPUT=str(outputs))))
    img, = result["images"]
    assert img["result"] == "published", img
    assert img["size_before"] == {"tag": "latest", "digest": registry.digest(f"{registry.host}/{repo}:v3.0.0"),
                                  "version": "v3.0.0"}
    index = registry.manifest(f"{registry.host}/{repo}:v3.1.0")
    children = {f"{m['platform']['os']}/{m['platform']['architecture']}": m["digest"]
                for m in index["manifests"] if m["platform"]["os"] != "unknown"}
    before = {f"{m['platform']['os']}/{m['platform']['architecture']}": m["digest"]
              for m in v300["manifests"] if m["platform"]["os"] != "unknown"}
    assert [s["platform"] for s in img["sizes"]] == ["linux/amd64", "linux/arm64"]
    for s in img["sizes"]:
        assert s["digest"] == children[s["platform"]]
        assert s["bytes"] == manifest_size(registry, repo, s["digest"])
        assert s["before_bytes"] == manifest_size(registry, repo, before[s["platform"]])
        assert s["change"] == s["bytes"] - s["before_bytes"] > 300000  # the random payload does not compress

    times = {t["platform"]: t for t in img["build_times"]}
    assert set(times) == {"linux/amd64", "linux/arm64"}
    # on a loaded machine amd64's two short steps take a second or two: the sleep keeps arm64 far behind
    assert times["linux/arm64"]["seconds"] > 10 > times["linux/amd64"]["seconds"], img["build_times"]
    assert "sleep 10" in times["linux/arm64"]["slowest_step"]
    note = img["build_note"]
    assert note.startswith("linux/arm64 took ") and "sleep 10" in note and "docs/builders.md" in note
    # the step output: one line of JSON
    line, = [x for x in outputs.read_text().splitlines() if x.startswith("sizes=")]
    assert json.loads(line[len("sizes="):]) == {"broker": [
        {"platform": s["platform"], "bytes": s["bytes"], "before_bytes": s["before_bytes"], "since": "v3.0.0"}
        for s in img["sizes"]]}
    text = summary.read_text()
    assert "#### Sizes (compressed)" in text and "since v3.0.0" in text
    assert "#### Build time per platform" in text and "docs/builders.md" in text

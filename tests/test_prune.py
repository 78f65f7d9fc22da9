"""`angreal build prune` and multiarch.prune() against a real registry the
tests start themselves (support/fixtures.py's `registry`: docker-registry with
deletes enabled, never the shared one), holding small images written straight through the distribution API
(support/ocipush.py: exact shapes, fast).  The real-stack publish-and-prune is
in test_real_prune.py; the GitHub Packages backend in test_prune_github.py."""

import base64
import json
import urllib.request
import uuid

import pytest

import multiarch
from support.ocipush import MANIFEST, Pusher
from support.registry import Registry
from support.referrers import ReferrersProxy
from support.regservers import TlsRegistry, TokenServer

pytestmark = pytest.mark.real


@pytest.fixture
def ns(registry):
    return f"p-{uuid.uuid4().hex[:8]}"


def repo_of(ns, component="broker"):
    return f"{ns}/brokkr-{component}"


def prune(project, registry, ns, *args, env=None):
    return project.angreal("build", "prune", "broker", "--registry", f"{registry.host}/{ns}", *args, env=env)


def make_history(reg, ns, authorization=None, context=None):
    """main moved once (old index untagged), pr-15 sharing main's amd64
    manifest, both signed.  Returns the descriptors by name."""
    p = Pusher(reg.url, repo_of(ns), authorization, context)
    old_main, old_children = p.release("main-1", "main")
    main, main_children = p.release("main-2", "main")
    pr, pr_children = p.release("pr-15", "pr-15", shared=main_children[0])
    return p, {"old_main": old_main, "old_children": old_children, "main": main, "main_children": main_children,
               "pr": pr, "pr_children": pr_children, "main_sig": p.sign(main), "pr_sig": p.sign(pr)}


def test_pr_prune_reports_then_deletes_exactly_that(project, registry, ns):
    p, h = make_history(registry, ns)
    # pr-15's amd64 manifest is main's too: it stays, and so does pr-15's attestation of it (an
    # attestation manifest of a kept manifest is kept, whichever index lists it)
    amd, arm, amd_att, arm_att = h["pr_children"]
    pr_only = [h["pr"], arm, arm_att, h["pr_sig"]]
    kept = [h["main"], h["main_sig"], amd_att] + h["main_children"]

    report = prune(project, registry, ns, "--pr", "15", "--json")
    assert report.returncode == 0, report.stderr
    doc = json.loads(report.stdout)
    (repo,) = doc["repositories"]
    assert doc["deleted"] is False and repo["read"] is True and repo["deleted"] == []
    assert sorted(d["digest"] for d in repo["delete"]) == sorted(d["digest"] for d in pr_only)
    assert {d["digest"] for d in kept} <= {k["digest"] for k in repo["kept"]}
    why = {k["digest"]: k["why"] for k in repo["kept"]}
    assert why[amd["digest"]] == "main" and why[amd_att["digest"]] == "main"
    assert why[h["main_sig"]["digest"]] == "sha256-" + h["main"]["digest"][7:] + ".sig"
    assert sorted(repo["tags_removed"]) == sorted(["pr-15", h["pr"]["digest"].replace(":", "-") + ".sig"])
    # bytes: the four manifests, plus the configs and layers only they use
    only_theirs = sum(p.sizes[d["digest"]] for d in pr_only)
    assert repo["manifest_bytes"] == only_theirs and repo["blob_bytes"] > 0
    assert repo["bytes_freed"] == repo["manifest_bytes"] + repo["blob_bytes"]
    # a report deletes nothing
    assert all(p.exists(d["digest"]) for d in pr_only + kept)
    assert "pr-15" in p.tags()

    done = prune(project, registry, ns, "--pr", "15", "--yes", "--json")
    assert done.returncode == 0, done.stderr
    ddoc = json.loads(done.stdout)["repositories"][0]
    assert sorted(ddoc["deleted"]) == sorted(d["digest"] for d in repo["delete"])
    assert not any(p.exists(d["digest"]) for d in pr_only)
    assert all(p.exists(d["digest"]) for d in kept)
    # the old main index is untagged: a distribution registry cannot list it, so it stays
    assert p.exists(h["old_main"]["digest"])
    assert p.tags() == sorted(["main", h["main"]["digest"].replace(":", "-") + ".sig"])


def test_the_text_report_and_the_step_summary(project, registry, ns, tmp_path):
    p, h = make_history(registry, ns)
    summary = tmp_path / "summary.md"
    r = prune(project, registry, ns, "--pr", "15", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert r.returncode == 0, r.stderr
    assert f"keep  {h['main_children'][0]['digest']}  manifest     main" in r.stdout
    assert f"goes  {h['pr']['digest']}  index        pr-15" in r.stdout
    assert "report only: 4 objects" in r.stdout and "--yes" in r.stdout
    text = summary.read_text()
    assert "### Prune (report only: nothing deleted)" in text
    row = next(line for line in text.splitlines() if line.startswith(f"| `{registry.host}/{repo_of(ns)}` |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:3] == ["7", "4"] and sorted(cells[3].split(", ")) == \
        sorted(["pr-15", h["pr"]["digest"].replace(":", "-") + ".sig"]) and cells[4].endswith("KiB")
    r = prune(project, registry, ns, "--pr", "15", "--yes", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert r.returncode == 0 and "deleted 4 objects" in r.stdout
    assert f"gone  {h['pr']['digest']}" in r.stdout


def test_keep_sha_by_the_commit_time_the_index_records(project, registry, ns):
    p = Pusher(registry.url, repo_of(ns))
    times = {"sha-aaaaaaa": "2026-03-01T10:00:00Z", "sha-bbbbbbb": "2026-01-01T10:00:00Z",
             "sha-ccccccc": "2026-02-01T10:00:00Z"}
    made = {t: p.release(t, t, created=c)[0] for t, c in times.items()}
    r = prune(project, registry, ns, "--keep-sha", "1", "--yes", "--json")
    assert r.returncode == 0, r.stderr
    repo = json.loads(r.stdout)["repositories"][0]
    assert sorted(repo["tags_removed"]) == ["sha-bbbbbbb", "sha-ccccccc"]
    assert p.tags() == ["sha-aaaaaaa"]
    assert p.exists(made["sha-aaaaaaa"]["digest"]) and not p.exists(made["sha-ccccccc"]["digest"])


def test_the_python_api(project, registry, ns):
    p, h = make_history(registry, ns)
    result = multiarch.prune("broker", pr=15, registry=f"{registry.host}/{ns}", repo=str(project.path))
    assert result["ok"] and not result["deleted"]
    assert len(result["repositories"][0]["delete"]) == 4 and p.exists(h["pr"]["digest"])
    with pytest.raises(ValueError, match="nothing to let go"):
        multiarch.prune("broker", registry=f"{registry.host}/{ns}", repo=str(project.path))
    with pytest.raises(ValueError, match="invalid --pr 'x'"):
        multiarch.prune("broker", pr="x", registry=f"{registry.host}/{ns}", repo=str(project.path))
    with pytest.raises(TypeError, match="unexpected keyword argument 'push'"):
        multiarch.prune("broker", push=True)


def test_bad_input_is_a_usage_error(project, registry, ns):
    r = prune(project, registry, ns)
    assert r.returncode == 2 and r.stderr.strip() == \
        "error: nothing to let go: give --pr N, --untagged or --keep-sha N"
    r = prune(project, registry, ns, "--pr", "15", "--api", "ftp")
    assert r.returncode == 2 and "unknown --api 'ftp'" in r.stderr and "Traceback" not in r.stderr
    r = project.angreal("build", "prune", "db", "--pr", "1")
    assert r.returncode == 2 and "unknown component 'db'" in r.stderr


def test_untagged_on_a_registry_that_cannot_list_them(project, registry, ns):
    p, h = make_history(registry, ns)
    r = prune(project, registry, ns, "--untagged", "--yes", "--json")
    assert r.returncode == 0, r.stderr
    repo = json.loads(r.stdout)["repositories"][0]
    assert repo["deleted"] == [] and any("lists tags only" in n for n in repo["notes"])
    assert p.exists(h["old_main"]["digest"])


def test_a_registry_that_refuses_deletes(project, ns, tmp_path):
    reg = Registry(workdir=str(tmp_path / "nodelete"))
    original = reg.write_config
    reg.write_config = lambda auth: (original(auth), _disable_deletes(reg.config_path))
    reg.start()
    try:
        p, h = make_history(reg, ns)
        r = prune(project, reg, ns, "--pr", "15", "--yes")
        assert r.returncode == 1
        assert "HTTP 405: the registry does not allow deletes" in r.stderr
        assert p.exists(h["pr"]["digest"])
    finally:
        reg.cleanup()


def _disable_deletes(path):
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.replace("  delete:\n    enabled: true\n", "  delete:\n    enabled: false\n"))


def test_a_token_registry_grants_the_delete_scope(project, ns, tmp_path):
    """distribution behind a token server asks a DELETE for the "delete" action: the
    client fetches a token for that scope with docker's credentials."""
    user, password = "alice", "pw-" + uuid.uuid4().hex
    tokens = TokenServer(str(tmp_path), user, password, refuse_push_repo=None).start()
    reg = TlsRegistry(token=tokens)
    try:
        reg.start()
        basic = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        scope = f"repository:{repo_of(ns)}:pull,push"
        with urllib.request.urlopen(urllib.request.Request(f"{tokens.realm}?service=multiarch-test&scope={scope}",
                                                           headers={"Authorization": basic}), timeout=30) as resp:
            token = json.load(resp)["token"]
        p, h = make_history(reg, ns, "Bearer " + token, reg.ssl_context())
        config = tmp_path / "docker-config"
        config.mkdir()
        auth = base64.b64encode(f"{user}:{password}".encode()).decode()
        (config / "config.json").write_text(json.dumps({"auths": {reg.host: {"auth": auth}}}))
        tokens.issued.clear()
        r = prune(project, reg, ns, "--pr", "15", "--yes", env={"DOCKER_CONFIG": str(config)})
        assert r.returncode == 0, r.stderr
        assert (f"repository:{repo_of(ns)}:delete", True, True) in tokens.issued
        assert not p.exists(h["pr"]["digest"]) and p.exists(h["main"]["digest"])
        assert password not in r.stdout + r.stderr
    finally:
        reg.cleanup()
        tokens.stop()


def test_referrers_found_through_the_referrers_api(project, registry, ns):
    """Manifests whose subject is an object: kept with it, deleted with it, found
    through the referrers API where the registry offers it (support/referrers.py
    adds it in front of distribution 2.8, which has none)."""
    p, h = make_history(registry, ns)
    kept_ref = p.image("sbom of main", layer=b"sbom main", subject=h["main"])
    gone_ref = p.image("sbom of pr-15", layer=b"sbom pr", subject=h["pr"])
    # without the API the referrers are invisible: they stay
    r = prune(project, registry, ns, "--pr", "15", "--json")
    repo = json.loads(r.stdout)["repositories"][0]
    assert gone_ref["digest"] not in [d["digest"] for d in repo["delete"]]
    assert any("no referrers API" in n for n in repo["registry_notes"])
    proxy = ReferrersProxy(registry).start()
    try:
        r = project.angreal("build", "prune", "broker", "--registry", f"{proxy.host}/{ns}", "--pr", "15", "--yes",
                            "--json")
        assert r.returncode == 0, r.stderr
        repo = json.loads(r.stdout)["repositories"][0]
        assert h["main"]["digest"] in proxy.asked and repo["registry_notes"] == []
        kinds = {d["digest"]: d["kind"] for d in repo["delete"]}
        assert kinds[gone_ref["digest"]] == "referrer"
        assert {k["digest"]: k["why"] for k in repo["kept"]}[kept_ref["digest"]] == "main"
        assert repo["deleted"].index(gone_ref["digest"]) < repo["deleted"].index(h["pr"]["digest"])
    finally:
        proxy.stop()
    assert not p.exists(gone_ref["digest"]) and p.exists(kept_ref["digest"])


def test_the_registry_cache_is_kept_and_its_layers_are_not_freed(project, registry, ns):
    """A buildkit registry cache (image-manifest=true: an image manifest whose config is
    the cache config) under buildcache-<platforms> is kept by its tag; a layer it shares
    with pr-15's arm64 manifest is not counted as freed."""
    p, h = make_history(registry, ns)
    arm = h["pr_children"][1]
    arm_layer = p.blob(b"pr-15 arm64")
    cfg = dict(p.blob(b'{"layers": [], "records": []}'), mediaType="application/vnd.buildkit.cacheconfig.v0")
    cache = p.put({"schemaVersion": 2, "mediaType": MANIFEST, "config": cfg, "layers": [arm_layer]},
                  ref="buildcache-linux-amd64")
    r = prune(project, registry, ns, "--pr", "15", "--yes", "--json")
    assert r.returncode == 0, r.stderr
    repo = json.loads(r.stdout)["repositories"][0]
    kept = {k["digest"]: (k["kind"], k["why"]) for k in repo["kept"]}
    assert kept[cache["digest"]] == ("cache", "buildcache-linux-amd64")
    assert arm["digest"] in repo["deleted"] and arm_layer["digest"] not in repo["blobs_freed"]
    assert p.exists(cache["digest"]) and "buildcache-linux-amd64" in p.tags()

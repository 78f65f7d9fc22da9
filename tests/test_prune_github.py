"""The GitHub Packages backend of `angreal build prune` (--api github).
api.github.com cannot be reached from here, so these tests run it against a
local stand-in (tests/support/ghpackages.py) that serves the documented
versions endpoints (list with tags, Link paging, delete by id) over a real
registry's content: the versions are the manifests the registry holds, and a
delete deletes one from the registry."""

import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

import multiarch
from support.ghpackages import GitHubPackagesStandIn
from support.ocipush import Pusher

pytestmark = pytest.mark.real

TOKEN = "ghs_" + uuid.uuid4().hex   # never printed
VERSIONS = 250


@pytest.fixture
def owner():
    return f"org-{uuid.uuid4().hex[:8]}"


def env_for(standin, token=TOKEN):
    return {"GITHUB_API_URL": standin.url, "GITHUB_TOKEN": token}


def make_package(reg, owner):
    """250 versions: 5 tagged releases (index, two platforms, two
    attestations), a signature, 10 older untagged releases (half sharing an
    amd64 manifest with a tagged one), untagged orphans.  Returns (pusher,
    the digests any tag reaches, every digest)."""
    p = Pusher(reg.url, f"{owner}/brokkr-broker")
    kept, every = set(), set()

    def note(descs, keep):
        for d in descs:
            every.add(d["digest"])
            if keep:
                kept.add(d["digest"])

    releases = []
    for i in range(5):
        idx, children = p.release(f"rel-{i}", f"rel-{i}")
        releases.append(children)
        note([idx] + children, True)
    note([p.sign(idx)], True)
    for i in range(10):
        shared = releases[i % 5][0] if i % 2 == 0 else None
        idx, children = p.release(f"old-{i}", None, shared=shared)
        note([idx] + children[1:] + ([] if shared else children[:1]), False)
        # the attestation of a kept (shared) manifest stays with it
        note([children[2]], shared is not None)
    # the orphans side by side (a config each, one shared layer, uploaded first: two
    # uploads of one blob at once can leave a manifest PUT naming it refused)
    p.blob(b"orphan layer")
    with ThreadPoolExecutor(max_workers=6) as pool:
        note(pool.map(lambda n: p.image(f"orphan-{n}", layer=b"orphan layer"), range(VERSIONS - len(every))),
             False)
    return p, kept, every


@pytest.fixture(scope="module")
def package(registry):
    """One package for the module: the failing-page test (which must delete
    nothing) runs on it first, then the untagged prune."""
    owner = f"org-{uuid.uuid4().hex[:8]}"
    p, kept, every = make_package(registry, owner)
    return owner, p, kept, every


def test_a_page_that_fails_midway_deletes_nothing(project, registry, package):
    owner, p, kept, every = package
    with GitHubPackagesStandIn(registry, owner, token=TOKEN, fail_page=2) as gh:
        with pytest.raises(multiarch.Error, match=r"page 2\): HTTP 500") as info:
            multiarch.prune("broker", untagged=True, yes=True, api="github", retries=1, retry_backoff_ms=1,
                            registry=f"{registry.host}/{owner}", repo=str(project.path), env=env_for(gh))
        repo = info.value.result["repositories"][0]
        assert repo["read"] is False and repo["deleted"] == [] and "page 2" in repo["error"]
        assert not [r for r in gh.requests if r[0] == "DELETE"]
        failed = [r for r in gh.requests if "page=2" in r[1]]
        assert len(failed) == 2 and all(r[2] == 500 for r in failed)   # one retry, then nothing
        gh.fail_page = None
        assert len(gh.versions(p.repo)) == VERSIONS
    assert all(p.exists(d) for d in every)


def test_untagged_pages_past_100_and_deletes_only_the_unreachable(project, registry, package):
    owner, p, kept, every = package
    with GitHubPackagesStandIn(registry, owner, token=TOKEN) as gh:
        assert len(gh.versions(p.repo)) == VERSIONS
        args = ("build", "prune", "broker", "--registry", f"{registry.host}/{owner}", "--api", "github",
                "--untagged", "--json")
        report = project.angreal(*args, env=env_for(gh))
        assert report.returncode == 0, report.stderr
        repo = json.loads(report.stdout)["repositories"][0]
        assert repo["api"] == "github" and repo["objects"] == VERSIONS
        would = sorted(d["digest"] for d in repo["delete"])
        assert would == sorted(every - kept)
        assert not [r for r in gh.requests if r[0] == "DELETE"]
        pages = sorted(m.group(1) for r in gh.requests if r[0] == "GET" for m in [re.search(r"[?&]page=(\d+)", r[1])]
                       if m)
        assert pages == ["2", "3"], gh.requests   # the first page is asked without page=

        done = project.angreal(*args, "--yes", env=env_for(gh))
        assert done.returncode == 0, done.stderr
        assert TOKEN not in done.stdout + done.stderr
        deleted = json.loads(done.stdout)["repositories"][0]["deleted"]
        assert sorted(deleted) == would
        assert {v[1] for v in gh.versions(p.repo)} == kept
        assert len([r for r in gh.requests if r[0] == "DELETE" and r[2] == 204]) == len(would)
    assert all(p.exists(d) for d in kept) and not any(p.exists(d) for d in every - kept)
    assert p.tags() == sorted([f"rel-{i}" for i in range(5)] +
                              [t for t in p.tags() if t.endswith(".sig")])


def test_a_user_package_and_a_pull_request(project, registry, owner):
    p = Pusher(registry.url, f"{owner}/team/brokkr-broker")
    main, main_children = p.release("main", "main")
    pr, pr_children = p.release("pr-7", "pr-7")
    with GitHubPackagesStandIn(registry, owner, kind="users", token=TOKEN) as gh:
        r = project.angreal("build", "prune", "broker", "--registry", f"{registry.host}/{owner}/team",
                            "--api", "github", "--pr", "7", "--yes", env=env_for(gh))
        assert r.returncode == 0, r.stderr
        assert "deleted 5 objects" in r.stdout
        # the organisation path answered 404, the user path listed and deleted
        assert any(req[1].startswith(f"/orgs/{owner}/") and req[2] == 404 for req in gh.requests)
        assert all(req[1].startswith(f"/users/{owner}/packages/container/team%2Fbrokkr-broker/")
                   for req in gh.requests if req[0] == "DELETE")
        assert {v[1] for v in gh.versions(p.repo)} == {main["digest"]} | {c["digest"] for c in main_children}
    assert p.tags() == ["main"]


def test_token_problems(project, registry, owner):
    p = Pusher(registry.url, f"{owner}/brokkr-broker")
    p.release("main", "main")
    with GitHubPackagesStandIn(registry, owner, token=TOKEN) as gh:
        args = ("build", "prune", "broker", "--registry", f"{registry.host}/{owner}", "--api", "github",
                "--untagged", "--retries", "0")
        r = project.angreal(*args, env={"GITHUB_API_URL": gh.url})
        assert r.returncode == 2 and "needs GITHUB_TOKEN" in r.stderr
        r = project.angreal(*args, env=env_for(gh, token="wrong"))
        assert r.returncode == 1 and "HTTP 401 (check GITHUB_TOKEN" in r.stderr
        assert "wrong" not in r.stdout + r.stderr
        assert "nothing deleted" in r.stdout

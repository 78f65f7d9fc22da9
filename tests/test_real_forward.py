"""Branch and pull-request tags move only forward, on the real stack.

Two pushes to `main` a minute apart: the newer commit's run finishes first,
the older one's last.  Ordering the two runs makes that deterministic without
faking anything: the older run goes after the newer one (and in the merge
case its build goes first, the newer run in between, then its tag step, as
two racing pipelines do).  The older run reads `main` just before moving it,
finds the newer commit there and keeps it: by git history in a full clone, by
the commit times the images record in a shallow one.  One platform (amd64)
keeps the builds short: the guard reads tags, not platforms."""

import subprocess
import uuid

import multiarch
import pytest

from support.project import clean_env
from support.realrun import image, tag_digests
from test_real_aliases import Checkout, clone

pytestmark = pytest.mark.real

OLDER_TIME = "2026-01-05T10:00:00Z"
NEWER_TIME = "2026-01-05T10:01:00Z"
PULL_REQUEST_7 = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/7/merge",
                  "GITHUB_REF_NAME": "7/merge", "GITHUB_HEAD_REF": "feature/x", "GITHUB_BASE_REF": "main"}


def commit_at(project, message, when):
    """A commit made at WHEN (author and committer time): what the image's created label records."""
    (project.path / "CHANGES").open("a").write(message + "\n")
    env = clean_env({"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when})
    for args in (["add", "-A"], ["commit", "-q", "-m", message]):
        subprocess.run(["git", *args], cwd=project.path, env=env, check=True, capture_output=True, timeout=30)
    return project.head()


@pytest.fixture
def two_pushes(real_project):
    """An older and a newer commit of main, a minute apart; branch `older` names the older one."""
    older = commit_at(real_project, "the first push", OLDER_TIME)
    real_project.git("branch", "older")
    newer = commit_at(real_project, "the second push", NEWER_TIME)
    return older, newer


def publish(checkout, ns, *args, env=None):
    return checkout.angreal("build", "multi-arch", "broker", "--tag", "auto", "--push", "--platforms",
                            "linux/amd64", "--registry", ns, *args, env=env)


def kept_note(tag, newer, older, how):
    return (f"{tag} kept at {newer[:12]} ({NEWER_TIME}), newer than this run's {older[:12]} ({OLDER_TIME}), {how}; "
            "--force-move moves it")


BY_HISTORY = "by git history"
BY_TIME = "by the commit times the images record (the checkout does not have that commit)"


def test_an_older_push_of_main_finishing_last_leaves_main_on_the_newer_commit(real_project, two_pushes, registry,
                                                                           tmp_path, monkeypatch):
    older, newer = two_pushes
    ns = f"{registry.host}/forward-{uuid.uuid4().hex[:8]}"
    repo = image(ns, "broker")
    first = publish(Checkout(real_project.path, real_project.docker_env), ns)
    assert first.returncode == 0, first.stderr[-3000:]
    at_newer = tag_digests(registry, repo)["main"]
    assert at_newer == tag_digests(registry, repo)["sha-" + newer[:7]]

    # the older commit's pipeline, a full clone on main at that commit, finishes last
    full = clone(real_project, tmp_path / "full")
    full.git("checkout", "-q", "-B", "main", older)
    r = publish(full, ns)
    assert r.returncode == 0, r.stderr[-3000:]
    digests = tag_digests(registry, repo)
    assert digests["main"] == at_newer
    assert digests["sha-" + older[:7]] != at_newer  # its own immutable tag was published
    assert registry.labels(f"{repo}:main", "linux/amd64")["org.opencontainers.image.revision"] == newer
    assert kept_note("main", newer, older, BY_HISTORY) in r.stdout + r.stderr
    assert "ERROR" not in r.stdout + r.stderr

    # what actions/checkout gives: one commit, the newer one unknown to it: the recorded times decide
    shallow = clone(real_project, tmp_path / "shallow", "--depth", "1", "--branch", "older")
    shallow.git("checkout", "-q", "-B", "main")
    assert shallow.git("rev-parse", "HEAD") == older
    assert shallow.git("rev-parse", "--is-shallow-repository") == "true"
    r = publish(shallow, ns)
    assert r.returncode == 0, r.stderr[-3000:]
    assert tag_digests(registry, repo)["main"] == at_newer
    assert kept_note("main", newer, older, BY_TIME) in r.stdout + r.stderr

    # publish() says it too: kept, with the note
    for key, value in real_project.docker_env.items():
        monkeypatch.setenv(key, value)
    result = multiarch.publish("broker", tag="auto", push=True, registry=ns, platforms="linux/amd64",
                               builder=real_project.docker_env.builder, repo=str(full.path), env={})
    img, = result["images"]
    assert result["ok"] is True and img["kept"] == ["main"] and img["moved"] == [], result
    assert kept_note("main", newer, older, BY_HISTORY) in img["notes"]

    # rolling main back on purpose
    r = publish(full, ns, "--force-move")
    assert r.returncode == 0, r.stderr[-3000:]
    digests = tag_digests(registry, repo)
    assert digests["main"] == digests["sha-" + older[:7]] != at_newer

    # and the newer commit moves it forward again, saying how it knew
    r = publish(Checkout(real_project.path, real_project.docker_env), ns)
    assert r.returncode == 0, r.stderr[-3000:]
    assert tag_digests(registry, repo)["main"] == at_newer
    assert f"main moves forward from {older[:12]} to {newer[:12]}, {BY_HISTORY}" in r.stdout + r.stderr


def test_an_older_pull_request_build_tagged_last_through_merge_leaves_pr_n(real_project, two_pushes, registry,
                                                                           tmp_path):
    """The matrix flow of a pull request's two pushes: the older push's runners build first (by digest), the
    newer push's pipeline publishes pr-7, then the older one's merge (its tag step) runs, from a shallow
    checkout.  pr-7 stays on the newer commit; the ::notice says so."""
    older, newer = two_pushes
    ns = f"{registry.host}/forward-{uuid.uuid4().hex[:8]}"
    repo = image(ns, "broker")
    outputs = tmp_path / "github_output"
    env = dict(PULL_REQUEST_7, GITHUB_OUTPUT=str(outputs))
    shallow = clone(real_project, tmp_path / "shallow", "--depth", "1", "--branch", "older")
    shallow.git("checkout", "-q", "--detach")
    digests_dir = tmp_path / "digests"
    built = shallow.angreal("build", "multi-arch", "broker", "--tag", "auto", "--platforms", "linux/amd64",
                            "--push-by-digest", "--digest-dir", str(digests_dir), "--registry", ns, env=env)
    assert built.returncode == 0, built.stderr[-3000:]

    newer_checkout = Checkout(real_project.path, real_project.docker_env)
    first = publish(newer_checkout, ns, env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    at_newer = tag_digests(registry, repo)["pr-7"]

    r = shallow.angreal("build", "merge", "broker", "--tag", "auto", "--platforms", "linux/amd64",
                        "--digest-dir", str(digests_dir), "--registry", ns, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    digests = tag_digests(registry, repo)
    assert digests["pr-7"] == at_newer and digests["sha-" + older[:7]] != at_newer
    note = kept_note("pr-7", newer, older, BY_TIME)
    assert f"::notice title=broker::{note}" in r.stdout + r.stderr
    assert "ERROR" not in r.stdout + r.stderr

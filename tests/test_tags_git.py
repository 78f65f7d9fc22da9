"""compute_tags on real git repositories made with git: lightweight and
annotated tags, branches, detached HEAD, GitHub Actions and GitLab CI variables."""

import shutil

import multiarch
import pytest

from support.project import GitProject, clean_env


def tags(project, tag="auto", **env):
    return multiarch.compute_tags(tag, repo=str(project.path), env=clean_env(env))


def sha(project):
    return "sha-" + project.head()[:7]


def plan(project):
    return multiarch.plan("broker", tag="auto", repo=str(project.path), env=clean_env())


@pytest.mark.parametrize("annotated", [False, True])
def test_release_tag_at_head_gives_the_seed_set_and_sha(project, annotated):
    project.tag("v1.2.3", annotated=annotated)
    assert tags(project) == ["v1.2.3", "v1.2", "v1", "latest", sha(project)]


def test_branch_gives_sanitized_branch_tag(project):
    project.git("checkout", "-q", "-b", "feature/Login_2")
    assert tags(project) == ["feature-Login_2", sha(project)]


def test_main_branch(project):
    assert tags(project) == ["main", sha(project)]


def test_tag_on_older_commit_does_not_count_for_head(project):
    project.tag("v1.0.0")
    project.commit("next")
    assert tags(project) == ["main", sha(project)]


def test_patch_on_older_line_never_moves_latest(project):
    project.tag("v1.3.0")
    project.git("checkout", "-q", "-b", "release-1.2", "HEAD")
    project.commit("fix on the 1.2 line")
    project.tag("v1.2.4")
    assert tags(project) == ["v1.2.4", "v1.2", sha(project)]


def test_older_major_line_keeps_its_major_alias(project):
    project.tag("v2.0.0")
    project.commit("backport")
    project.tag("v1.5.0", annotated=True)
    assert tags(project) == ["v1.5.0", "v1.5", "v1", sha(project)]


def test_prerelease_gets_only_its_own_tag(project):
    project.tag("v1.0.0")
    project.commit("rc")
    project.tag("v1.1.0-rc.1")
    assert tags(project) == ["v1.1.0-rc.1", sha(project)]


def test_zero_major_still_gets_v0(project):
    project.tag("v0.3.1")
    assert tags(project) == ["v0.3.1", "v0.3", "v0", "latest", sha(project)]


def test_detached_head_without_ci_is_sha_only(project):
    project.detach()
    assert tags(project) == [sha(project)]


def test_detached_github_push_uses_github_ref(project):
    project.detach()
    got = tags(project, GITHUB_ACTIONS="true", GITHUB_EVENT_NAME="push",
               GITHUB_REF="refs/heads/release/2.x", GITHUB_REF_NAME="release/2.x")
    assert got == ["release-2.x", sha(project)]


def test_detached_github_pull_request(project):
    project.detach()
    got = tags(project, GITHUB_ACTIONS="true", GITHUB_EVENT_NAME="pull_request",
               GITHUB_REF="refs/pull/123/merge", GITHUB_REF_NAME="123/merge", GITHUB_HEAD_REF="feature/x")
    assert got == ["pr-123", sha(project)]


def test_github_tag_ref_gives_release_set_even_without_local_tag(project):
    project.detach()
    got = tags(project, GITHUB_ACTIONS="true", GITHUB_EVENT_NAME="push",
               GITHUB_REF="refs/tags/v2.1.0", GITHUB_REF_NAME="v2.1.0")
    assert got == ["v2.1.0", "v2.1", "v2", "latest", sha(project)]


def test_gitlab_branch_merge_request_and_tag(project):
    project.detach()
    assert tags(project, GITLAB_CI="true", CI_COMMIT_REF_NAME="develop") == ["develop", sha(project)]
    assert tags(project, GITLAB_CI="true", CI_COMMIT_REF_NAME="feature/y",
                CI_MERGE_REQUEST_IID="77") == ["pr-77", sha(project)]
    assert tags(project, GITLAB_CI="true", CI_COMMIT_REF_NAME="v3.0.0",
                CI_COMMIT_TAG="v3.0.0") == ["v3.0.0", "v3.0", "v3", "latest", sha(project)]


def test_explicit_version_consults_repository_tags(project):
    project.tag("v1.2.5")
    assert multiarch.compute_tags("v1.2.4", repo=str(project.path), env=clean_env()) == ["v1.2.4"]
    assert multiarch.compute_tags("v1.2.6", repo=str(project.path), env=clean_env()) == [
        "v1.2.6", "v1.2", "v1", "latest"]


def test_literal_tags_are_used_as_given(project):
    for literal in ["dev", "test", "latest", "v1.2", "nightly-2026.11.26"]:
        assert multiarch.compute_tags(literal, repo=str(project.path), env=clean_env()) == [literal]


def test_default_tag_is_dev(project):
    assert multiarch.compute_tags(repo=str(project.path), env=clean_env()) == ["dev"]


@pytest.mark.parametrize("bad", ["bad tag", "-lead", ".lead", "x" * 129, "ü", "a:b", ""])
def test_invalid_literal_is_a_value_error_that_says_what_is_allowed(project, bad):
    with pytest.raises(ValueError) as exc:
        multiarch.compute_tags(bad, repo=str(project.path), env=clean_env())
    assert "[A-Za-z0-9_.-]" in str(exc.value) or "empty" in str(exc.value)


def test_auto_outside_git_is_an_environment_error(plain_project):
    with pytest.raises(multiarch.Error, match="not a git repository"):
        multiarch.compute_tags("auto", repo=str(plain_project.path), env=clean_env())


def test_explicit_tag_outside_git_needs_no_git(plain_project):
    assert multiarch.compute_tags("v1.0.0", repo=str(plain_project.path), env=clean_env()) == [
        "v1.0.0", "v1.0", "v1", "latest"]


def test_repository_without_commits_is_an_environment_error(tmp_path):
    import subprocess
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, env=clean_env())
    with pytest.raises(multiarch.Error, match="no commit"):
        multiarch.compute_tags("auto", repo=str(tmp_path), env=clean_env())


def test_branch_that_would_read_as_a_release_tag_is_refused(project):
    project.git("checkout", "-q", "-b", "latest")
    with pytest.raises(ValueError, match="latest"):
        tags(project)


def test_repo_subdirectory_finds_the_repository(project):
    sub = project.path / "docker"
    project.tag("v4.0.0")
    assert multiarch.compute_tags("auto", repo=str(sub), env=clean_env())[:1] == ["v4.0.0"]


def test_alias_rule_compares_versions_by_number_across_many_lines(project):
    first = project.head()
    # name order is not version order: v1.2.10 outranks v1.2.9, v1.10.0 outranks v1.9.9
    for name in ["v1.2.9", "v1.9.9", "v1.10.0", "v2.0.0-rc.1", "release-7", "v0.1.0", "vnext"]:
        project.tag(name, rev=first)
    project.commit("fix")
    project.tag("v1.2.10", annotated=True)
    assert tags(project) == ["v1.2.10", "v1.2", sha(project)]
    project.tag("v1.2.11+build.5", rev=first)  # build metadata: still outranks v1.2.10
    assert tags(project) == ["v1.2.10", sha(project)]


# compute_tags and plan keep the repository open between calls (in the module
# state, so packed-refs is not parsed again): whatever changes in between must
# show in the next answer.

def test_tags_made_moved_packed_or_deleted_between_calls_are_seen(project):
    assert tags(project) == ["main", sha(project)]
    project.tag("v1.0.0")  # a loose ref
    assert tags(project) == ["v1.0.0", "v1.0", "v1", "latest", sha(project)]
    project.git("pack-refs", "--all")  # now only in packed-refs
    assert tags(project) == ["v1.0.0", "v1.0", "v1", "latest", sha(project)]
    project.tag("v1.1.0", annotated=True)  # a loose annotated tag, outranks v1.0.0
    assert tags(project) == ["v1.1.0", "v1.1", "v1", "latest", sha(project)]
    project.git("pack-refs", "--all")
    assert tags(project) == ["v1.1.0", "v1.1", "v1", "latest", sha(project)]
    # packed-refs rewritten to the same size, v1.1.0 replaced by v1.1.1
    size = (project.path / ".git" / "packed-refs").stat().st_size
    project.git("tag", "-d", "v1.1.0")
    project.tag("v1.1.1", annotated=True)
    project.git("pack-refs", "--all")
    assert (project.path / ".git" / "packed-refs").stat().st_size == size
    assert tags(project) == ["v1.1.1", "v1.1", "v1", "latest", sha(project)]
    assert plan(project)["tags"] == ["v1.1.1", "v1.1", "v1", "latest", sha(project)]
    project.git("tag", "-d", "v1.1.1")  # deleted from packed-refs
    assert tags(project) == ["v1.0.0", "v1.0", "v1", "latest", sha(project)]
    project.commit("next")  # HEAD moves on
    assert tags(project) == ["main", sha(project)]
    project.git("tag", "-f", "v1.0.0")  # the tag is moved to the new HEAD
    assert tags(project) == ["v1.0.0", "v1.0", "v1", "latest", sha(project)]
    project.git("checkout", "-q", "-b", "feature")
    project.commit("feature work")
    assert plan(project)["tags"] == ["feature", sha(project)]


def test_switching_and_replacing_repositories_between_calls(tmp_path):
    a, b = GitProject(tmp_path / "a"), GitProject(tmp_path / "b")
    a.tag("v1.0.0")
    b.tag("v2.0.0")
    for _ in range(2):
        assert tags(a)[0] == "v1.0.0" and tags(b)[0] == "v2.0.0"
    # a subdirectory that becomes a repository of its own
    inner = a.path / "docker"
    assert multiarch.compute_tags("auto", repo=str(inner), env=clean_env())[0] == "v1.0.0"
    nested = GitProject(inner)
    assert multiarch.compute_tags("auto", repo=str(inner), env=clean_env()) == ["main", sha(nested)]
    assert tags(a)[0] == "v1.0.0"
    # the repository removed, then made again at the same path
    shutil.rmtree(a.path / ".git")
    with pytest.raises(multiarch.Error, match="not a git repository"):
        tags(a)
    a.git("init", "-q", "-b", "trunk")
    a.commit("fresh start")
    assert tags(a) == ["trunk", sha(a)]


def test_buildkite_variables(project):
    project.detach()
    assert tags(project, BUILDKITE="true", BUILDKITE_BRANCH="feature/bk", BUILDKITE_TAG="",
                BUILDKITE_PULL_REQUEST="false") == ["feature-bk", sha(project)]
    assert tags(project, BUILDKITE="true", BUILDKITE_BRANCH="feature/bk",
                BUILDKITE_PULL_REQUEST="17") == ["pr-17", sha(project)]
    assert tags(project, BUILDKITE="true", BUILDKITE_BRANCH="v3.1.0", BUILDKITE_TAG="v3.1.0",
                BUILDKITE_PULL_REQUEST="false") == ["v3.1.0", "v3.1", "v3", "latest", sha(project)]


def test_buildkite_repo_is_the_source_label_without_a_remote(project):
    plan = multiarch.plan("broker", tag="auto", repo=str(project.path),
                          env=clean_env(dict(BUILDKITE="true", BUILDKITE_BRANCH="main",
                                             BUILDKITE_REPO="https://github.com/o/r")))
    assert "org.opencontainers.image.source=https://github.com/o/r" in plan["images"][0]["labels"]

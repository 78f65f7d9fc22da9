/* What CI says is being built, read from envp arrays (never the real environment). */
#include <stdio.h>

#include "check.h"
#include "cienv.h"
#include "env.h"

/* Read envp and compare every field (NULL = expected unset). */
static void check_ci_(const char *const *envp, const char *kind, const char *branch,
                      const char *pr, const char *tag)
{
    ma_cienv ci = MA_CIENV_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_cienv_read(envp, &ci, &err) == 0);
    CHECK(err.kind == MA_ERR_NONE);
    CHECK_STR(ci.kind, kind);
    CHECK_STR(ci.branch, branch);
    CHECK_STR(ci.pr_number, pr);
    CHECK_STR(ci.ref_tag, tag);
    ma_cienv_free(&ci);
    CHECK(ci.kind == NULL && ci.branch == NULL && ci.pr_number == NULL && ci.ref_tag == NULL);
}
#define check_ci(...) CASE(check_ci_(__VA_ARGS__))

static void test_github(void)
{
    const char *const push_branch[] = {"GITHUB_ACTIONS=true", "GITHUB_EVENT_NAME=push",
                                       "GITHUB_REF=refs/heads/feature/x",
                                       "GITHUB_REF_NAME=feature/x", "GITHUB_REF_TYPE=branch",
                                       "HOME=/root", NULL};
    check_ci(push_branch, "github", "feature/x", NULL, NULL);

    const char *const push_tag[] = {"GITHUB_ACTIONS=true", "GITHUB_EVENT_NAME=push",
                                    "GITHUB_REF=refs/tags/v1.2.3", "GITHUB_REF_NAME=v1.2.3",
                                    "GITHUB_REF_TYPE=tag", NULL};
    check_ci(push_tag, "github", NULL, NULL, "v1.2.3");

    const char *const pr[] = {"GITHUB_ACTIONS=true", "GITHUB_EVENT_NAME=pull_request",
                              "GITHUB_REF=refs/pull/123/merge", "GITHUB_REF_NAME=123/merge",
                              "GITHUB_HEAD_REF=feature/y", "GITHUB_BASE_REF=main", NULL};
    check_ci(pr, "github", "feature/y", "123", NULL);

    const char *const pr_target[] = {"GITHUB_ACTIONS=true",
                                     "GITHUB_EVENT_NAME=pull_request_target",
                                     "GITHUB_REF=refs/pull/77/merge",
                                     "GITHUB_HEAD_REF=fix/z", NULL};
    check_ci(pr_target, "github", "fix/z", "77", NULL);

    /* pull_request_target checks out the base branch: GITHUB_REF is refs/heads/main,
     * the number only in GITHUB_REF_NAME ("N/merge") when present; the branch is the head. */
    const char *const pr_target_base[] = {"GITHUB_ACTIONS=true",
                                          "GITHUB_EVENT_NAME=pull_request_target",
                                          "GITHUB_REF=refs/heads/main",
                                          "GITHUB_HEAD_REF=fix/z", NULL};
    check_ci(pr_target_base, "github", "fix/z", NULL, NULL);

    /* pull request without GITHUB_REF: the number from GITHUB_REF_NAME */
    const char *const pr_ref_name[] = {"GITHUB_EVENT_NAME=pull_request",
                                       "GITHUB_REF_NAME=45/merge", "GITHUB_HEAD_REF=dev", NULL};
    check_ci(pr_ref_name, "github", "dev", "45", NULL);

    /* refs/pull/N/head (no event name) still names the pull request */
    const char *const pull_head[] = {"GITHUB_REF=refs/pull/9/head", "GITHUB_HEAD_REF=topic",
                                     NULL};
    check_ci(pull_head, "github", "topic", "9", NULL);

    /* only GITHUB_REF_NAME + GITHUB_REF_TYPE */
    const char *const ref_name_tag[] = {"GITHUB_REF_NAME=v2.0.0", "GITHUB_REF_TYPE=tag", NULL};
    check_ci(ref_name_tag, "github", NULL, NULL, "v2.0.0");
    const char *const ref_name_branch[] = {"GITHUB_REF_NAME=main", "GITHUB_REF_TYPE=branch",
                                           NULL};
    check_ci(ref_name_branch, "github", "main", NULL, NULL);
    const char *const ref_name_untyped[] = {"GITHUB_REF_NAME=main", NULL};
    check_ci(ref_name_untyped, "github", "main", NULL, NULL);

    /* GitHub Actions with nothing about the ref */
    const char *const actions_only[] = {"GITHUB_ACTIONS=true", NULL};
    check_ci(actions_only, "github", NULL, NULL, NULL);

    /* a ref that is neither a branch, tag nor pull request */
    const char *const odd_ref[] = {"GITHUB_ACTIONS=true", "GITHUB_REF=refs/notes/commits",
                                   "GITHUB_REF_NAME=commits", NULL};
    check_ci(odd_ref, "github", NULL, NULL, NULL);

    /* GitHub wins when both systems' variables are present */
    const char *const both[] = {"CI_COMMIT_REF_NAME=gl-branch", "GITLAB_CI=true",
                                "GITHUB_REF=refs/heads/gh-branch", NULL};
    check_ci(both, "github", "gh-branch", NULL, NULL);
}

static void test_gitlab(void)
{
    const char *const branch[] = {"GITLAB_CI=true", "CI_COMMIT_REF_NAME=feature/x",
                                  "CI_COMMIT_BRANCH=feature/x", NULL};
    check_ci(branch, "gitlab", "feature/x", NULL, NULL);

    const char *const tag[] = {"GITLAB_CI=true", "CI_COMMIT_TAG=v1.2.3",
                               "CI_COMMIT_REF_NAME=v1.2.3", NULL};
    check_ci(tag, "gitlab", NULL, NULL, "v1.2.3");

    const char *const mr[] = {"GITLAB_CI=true", "CI_MERGE_REQUEST_IID=42",
                              "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME=feature/y",
                              "CI_COMMIT_REF_NAME=feature/y", NULL};
    check_ci(mr, "gitlab", "feature/y", "42", NULL);

    /* without GITLAB_CI, the CI_ variables alone identify GitLab */
    const char *const ref_only[] = {"CI_COMMIT_REF_NAME=main", NULL};
    check_ci(ref_only, "gitlab", "main", NULL, NULL);
    const char *const tag_only[] = {"CI_COMMIT_TAG=v0.1.0", NULL};
    check_ci(tag_only, "gitlab", NULL, NULL, "v0.1.0");
    const char *const mr_only[] = {"CI_MERGE_REQUEST_IID=7", NULL};
    check_ci(mr_only, "gitlab", NULL, "7", NULL);
    const char *const gitlab_only[] = {"GITLAB_CI=true", NULL};
    check_ci(gitlab_only, "gitlab", NULL, NULL, NULL);
}

static void test_buildkite(void)
{
    const char *const branch[] = {"BUILDKITE=true", "BUILDKITE_BRANCH=feature/x", "BUILDKITE_TAG=",
                                  "BUILDKITE_PULL_REQUEST=false", "BUILDKITE_REPO=git@github.com:o/r.git", NULL};
    check_ci(branch, "buildkite", "feature/x", NULL, NULL);
    const char *const tag[] = {"BUILDKITE=true", "BUILDKITE_BRANCH=v1.2.3", "BUILDKITE_TAG=v1.2.3",
                               "BUILDKITE_PULL_REQUEST=false", NULL};
    check_ci(tag, "buildkite", NULL, NULL, "v1.2.3");
    const char *const pr[] = {"BUILDKITE=true", "BUILDKITE_BRANCH=fix/y", "BUILDKITE_PULL_REQUEST=42", NULL};
    check_ci(pr, "buildkite", "fix/y", "42", NULL);
    const char *const branch_only[] = {"BUILDKITE_BRANCH=main", NULL};
    check_ci(branch_only, "buildkite", "main", NULL, NULL);
    /* GitHub's variables win over Buildkite's: the table's order */
    const char *const both[] = {"BUILDKITE=true", "BUILDKITE_BRANCH=bk", "GITHUB_REF=refs/heads/gh", NULL};
    check_ci(both, "github", "gh", NULL, NULL);

    ma_cienv ci = MA_CIENV_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_cienv_read(branch, &ci, &err) == 0);
    CHECK_STR(ci.source_url, "git@github.com:o/r.git");
    ma_cienv_free(&ci);
    CHECK_STR(ma_cienv_system_name(0), "github");
    CHECK_STR(ma_cienv_system_name(2), "buildkite");
    CHECK(ma_cienv_system_name(3) == NULL);
}

/* The pull-request event and where its payload is: the number's source on
 * pull_request_target, whose GITHUB_REF names the base branch. */
static void test_pr_event(void)
{
    const char *const target[] = {"GITHUB_ACTIONS=true", "GITHUB_EVENT_NAME=pull_request_target",
                                  "GITHUB_REF=refs/heads/master", "GITHUB_HEAD_REF=master",
                                  "GITHUB_EVENT_PATH=/runner/event.json", NULL};
    ma_cienv ci = MA_CIENV_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_cienv_read(target, &ci, &err) == 0);
    CHECK_STR(ci.pr_event, "pull_request_target");
    CHECK_STR(ci.event_path, "/runner/event.json");
    CHECK(ci.pr_number == NULL);
    ma_cienv_free(&ci);

    const char *const push[] = {"GITHUB_ACTIONS=true", "GITHUB_EVENT_NAME=push", "GITHUB_REF=refs/heads/master",
                                "GITHUB_EVENT_PATH=/runner/event.json", NULL};
    CHECK(ma_cienv_read(push, &ci, &err) == 0);
    CHECK(ci.pr_event == NULL && ci.event_path == NULL);
    ma_cienv_free(&ci);

    const char *const mr[] = {"GITLAB_CI=true", "CI_MERGE_REQUEST_IID=42", NULL};
    CHECK(ma_cienv_read(mr, &ci, &err) == 0);
    CHECK_STR(ci.pr_event, "merge_request_event");
    CHECK_STR(ci.pr_number, "42");
    ma_cienv_free(&ci);

    const char *const external[] = {"GITLAB_CI=true", "CI_EXTERNAL_PULL_REQUEST_IID=8",
                                    "CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME=master",
                                    "CI_COMMIT_REF_NAME=master", NULL};
    CHECK(ma_cienv_read(external, &ci, &err) == 0);
    CHECK_STR(ci.pr_event, "external_pull_request_event");
    CHECK_STR(ci.pr_number, "8");
    ma_cienv_free(&ci);
    const char *const external_only[] = {"CI_EXTERNAL_PULL_REQUEST_IID=8", NULL};
    check_ci(external_only, "gitlab", NULL, "8", NULL);
}

static void test_no_ci(void)
{
    const char *const plain[] = {"HOME=/root", "PATH=/usr/bin:/bin", "CI=true", NULL};
    check_ci(plain, NULL, NULL, NULL, NULL);
    const char *const empty[] = {NULL};
    check_ci(empty, NULL, NULL, NULL, NULL);
    check_ci(NULL, NULL, NULL, NULL, NULL);
}

static void test_empty_values(void)
{
    /* every GitHub variable empty: not GitHub */
    const char *const gh_empty[] = {"GITHUB_ACTIONS=", "GITHUB_REF=", "GITHUB_REF_NAME=", NULL};
    check_ci(gh_empty, NULL, NULL, NULL, NULL);

    /* an empty GITHUB_REF falls back to GITHUB_REF_NAME */
    const char *const gh_ref_empty[] = {"GITHUB_ACTIONS=true", "GITHUB_REF=",
                                        "GITHUB_REF_NAME=v3.0.0", "GITHUB_REF_TYPE=tag", NULL};
    check_ci(gh_ref_empty, "github", NULL, NULL, "v3.0.0");

    /* a pull request with an empty head ref: no branch */
    const char *const pr_no_head[] = {"GITHUB_EVENT_NAME=pull_request",
                                      "GITHUB_REF=refs/pull/5/merge", "GITHUB_HEAD_REF=", NULL};
    check_ci(pr_no_head, "github", NULL, "5", NULL);

    /* an empty event name is not a pull request */
    const char *const event_empty[] = {"GITHUB_EVENT_NAME=", "GITHUB_REF=refs/heads/main",
                                       "GITHUB_HEAD_REF=other", NULL};
    check_ci(event_empty, "github", "main", NULL, NULL);

    /* GitLab: an empty CI_COMMIT_TAG / CI_MERGE_REQUEST_IID is unset */
    const char *const gl_empty_tag[] = {"GITLAB_CI=true", "CI_COMMIT_TAG=",
                                        "CI_MERGE_REQUEST_IID=", "CI_COMMIT_REF_NAME=main",
                                        NULL};
    check_ci(gl_empty_tag, "gitlab", "main", NULL, NULL);
    const char *const gl_all_empty[] = {"CI_COMMIT_TAG=", "CI_COMMIT_REF_NAME=",
                                        "CI_MERGE_REQUEST_IID=", "GITLAB_CI=", NULL};
    check_ci(gl_all_empty, NULL, NULL, NULL, NULL);
}

static void test_lookup(void)
{
    const char *const env[] = {"GITHUB_REF_NAME=main", "GITHUB_REFX=y", "XGITHUB_REF=z",
                               "EMPTY=", "EQ=a=b", "NOEQUALS", "A=1", NULL};
    CHECK(ma_env_lookup(env, "GITHUB_REF") == NULL);
    CHECK_STR(ma_env_lookup(env, "GITHUB_REF_NAME"), "main");
    CHECK_STR(ma_env_lookup(env, "GITHUB_REFX"), "y");
    CHECK_STR(ma_env_lookup(env, "XGITHUB_REF"), "z");
    CHECK(ma_env_lookup(env, "GITHUB") == NULL);
    CHECK(ma_env_lookup(env, "EMPTY") == NULL);
    CHECK_STR(ma_env_lookup(env, "EQ"), "a=b");
    CHECK(ma_env_lookup(env, "NOEQUALS") == NULL);
    CHECK(ma_env_lookup(env, "NOEQ") == NULL);
    CHECK_STR(ma_env_lookup(env, "A"), "1");
    CHECK(ma_env_lookup(env, "a") == NULL);
    CHECK(ma_env_lookup(NULL, "A") == NULL);

    /* a longer name never matches a shorter entry */
    const char *const short_env[] = {"GITHUB_REF=refs/heads/x", NULL};
    CHECK(ma_env_lookup(short_env, "GITHUB_REF_NAME") == NULL);
    CHECK_STR(ma_env_lookup(short_env, "GITHUB_REF"), "refs/heads/x");

    /* prefix safety end to end: GITHUB_REF_NAME is not GITHUB_REF */
    const char *const name_only[] = {"GITHUB_REF_NAME=feature/q", "GITHUB_REF_TYPE=branch",
                                     NULL};
    check_ci(name_only, "github", "feature/q", NULL, NULL);
    /* and GITHUB_HEAD_REF_X is not GITHUB_HEAD_REF */
    const char *const head_prefix[] = {"GITHUB_EVENT_NAME=pull_request",
                                       "GITHUB_REF=refs/pull/3/merge", "GITHUB_HEAD_REF_X=no",
                                       NULL};
    check_ci(head_prefix, "github", NULL, "3", NULL);
}

static void test_free(void)
{
    ma_cienv_free(NULL);

    const char *const pr[] = {"GITHUB_EVENT_NAME=pull_request", "GITHUB_REF=refs/pull/1/merge",
                              "GITHUB_HEAD_REF=b", NULL};
    ma_cienv ci = MA_CIENV_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_cienv_read(pr, &ci, &err) == 0);
    ma_cienv_free(&ci);
    ma_cienv_free(&ci); /* double free is safe: the first reset every field */
    CHECK(ci.kind == NULL && ci.branch == NULL && ci.pr_number == NULL && ci.ref_tag == NULL);

    ma_cienv zero = MA_CIENV_INIT;
    ma_cienv_free(&zero);

    /* reading into a freed struct works again */
    CHECK(ma_cienv_read(pr, &ci, &err) == 0);
    CHECK_STR(ci.pr_number, "1");
    ma_cienv_free(&ci);
}

int main(void)
{
    test_github();
    test_gitlab();
    test_buildkite();
    test_pr_event();
    test_no_ci();
    test_empty_values();
    test_lookup();
    test_free();
    return CHECK_DONE();
}

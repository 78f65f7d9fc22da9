/* Tag rules: Docker tag grammar, branch sanitizing, release aliases and the
 * full tag computation.  Lists are compared exactly, in order. */
#include <stdarg.h>
#include <stdlib.h>

#include "check.h"
#include "releasetag.h"
#include "tagrules.h"

#define SHA "0123456789abcdef0123456789abcdef01234567"

/* The list joined with ',' must equal want. */
#define CHECK_LIST(list, want)                     \
    do {                                           \
        char *joined_ = ma_strlist_join(list, ","); \
        CHECK_STR(joined_, want);                  \
        free(joined_);                             \
    } while (0)

static ma_strlist list_of(const char *first, ...)
{
    ma_strlist l = MA_STRLIST_INIT;
    va_list ap;
    va_start(ap, first);
    for (const char *s = first; s != NULL; s = va_arg(ap, const char *))
        ma_strlist_push(&l, s);
    va_end(ap);
    return l;
}

static char *sanitized(const char *in)
{
    static char buf[MA_TAG_MAX + 1];
    if (ma_tag_sanitize(in, buf) != 0)
        return NULL;
    CHECK(ma_tag_is_valid(buf));
    return buf;
}

static void test_is_valid(void)
{
    CHECK(ma_tag_is_valid("latest"));
    CHECK(ma_tag_is_valid("v1.2.3"));
    CHECK(ma_tag_is_valid("_x"));
    CHECK(ma_tag_is_valid("9"));
    CHECK(ma_tag_is_valid("a.b-c_D"));
    CHECK(!ma_tag_is_valid(""));
    CHECK(!ma_tag_is_valid(NULL));
    CHECK(!ma_tag_is_valid(".x"));
    CHECK(!ma_tag_is_valid("-x"));
    CHECK(!ma_tag_is_valid("foo bar"));
    CHECK(!ma_tag_is_valid("a/b"));
    CHECK(!ma_tag_is_valid("v1.2.3+b"));
    CHECK(!ma_tag_is_valid("\xc3\xa7"));

    char s[200];
    memset(s, 'a', 128);
    s[128] = '\0';
    CHECK(ma_tag_is_valid(s));
    s[128] = 'a';
    s[129] = '\0';
    CHECK(!ma_tag_is_valid(s));
}

static void test_sanitize(void)
{
    CHECK_STR(sanitized("feature/login"), "feature-login");
    CHECK_STR(sanitized("fix/\xc3\xa7" "a"), "fix--a");           /* fix/ça */
    CHECK_STR(sanitized("\xe2\x82\xac" "1"), "_1");               /* €1: one '-', then leading '-' */
    CHECK_STR(sanitized("a\xf0\x9f\x90\xb3" "b"), "a-b");         /* 4-byte code point */
    CHECK_STR(sanitized("a\xff\xfe" "b"), "a--b");                /* invalid bytes: one each */
    CHECK_STR(sanitized("a\xc3" "b"), "a-b");                     /* truncated sequence */
    CHECK_STR(sanitized("a\xe0\x80\xaf" "b"), "a---b");           /* overlong: bytes one each */
    CHECK_STR(sanitized(".hidden"), "_hidden");
    CHECK_STR(sanitized("-x"), "_x");
    CHECK_STR(sanitized("@{"), "_-");
    CHECK_STR(sanitized("main"), "main");
    CHECK_STR(sanitized("Release_1.x"), "Release_1.x");
    CHECK(sanitized("") == NULL);
    CHECK(sanitized(NULL) == NULL);

    char in[401], want[MA_TAG_MAX + 1];
    memset(in, 'a', 200);
    in[200] = '\0';
    memset(want, 'a', 128);
    want[128] = '\0';
    CHECK_STR(sanitized(in), want);

    /* 200 two-byte characters still give 128 bytes, one '-' each. */
    for (int i = 0; i < 200; i++)
        memcpy(in + 2 * i, "\xc3\xa7", 2);
    in[400] = '\0';
    memset(want, '-', 128);
    want[0] = '_';
    CHECK_STR(sanitized(in), want);
}

static void test_is_immutable(void)
{
    CHECK(ma_tag_is_immutable("v1.2.3"));
    CHECK(ma_tag_is_immutable("v1.2.3-rc.1"));
    CHECK(ma_tag_is_immutable("v1.2.3_build.5"));
    CHECK(ma_tag_is_immutable("sha-0123abc"));
    CHECK(!ma_tag_is_immutable("sha-0123ABC"));
    CHECK(!ma_tag_is_immutable("sha-0123ab"));
    CHECK(!ma_tag_is_immutable("sha-0123abcd"));
    CHECK(!ma_tag_is_immutable("v1.2.3+build.5")); /* not a Docker tag */
    CHECK(!ma_tag_is_immutable("v1.2"));
    CHECK(!ma_tag_is_immutable("v1"));
    CHECK(!ma_tag_is_immutable("latest"));
    CHECK(!ma_tag_is_immutable("main"));
    CHECK(!ma_tag_is_immutable("pr-12"));
    CHECK(!ma_tag_is_immutable("dev"));
    CHECK(!ma_tag_is_immutable(""));
}

/* ma_release_tags for version with the repository's tags, joined by ','. */
static void check_release_(const char *version, const ma_strlist *repo, const char *want)
{
    ma_strlist out = MA_STRLIST_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_release_tags(version, repo, &out, &err) == 0);
    CHECK_LIST(&out, want);
    ma_strlist_free(&out);
}
#define check_release(...) CASE(check_release_(__VA_ARGS__))

static void test_release_tags(void)
{
    ma_strlist repo = list_of("v1.2.3", "v1.3.0", NULL);
    check_release("v1.2.4", &repo, "v1.2.4,v1.2");
    ma_strlist_free(&repo);

    repo = list_of("v1.2.3", "v2.0.0", NULL);
    check_release("v1.3.0", &repo, "v1.3.0,v1.3,v1");
    ma_strlist_free(&repo);

    repo = list_of("v1.2.3", "v1.2.5", NULL);
    check_release("v1.2.4", &repo, "v1.2.4");
    ma_strlist_free(&repo);

    repo = list_of("v1.3.0-rc.1", "v2.0.0-beta", NULL);
    check_release("v1.2.4", &repo, "v1.2.4,v1.2,v1,latest");
    ma_strlist_free(&repo);

    repo = list_of("v1.2.3", "nightly", "v9", "release-9.0.0", "v9.0.0+b", NULL);
    check_release("v1.2.3", &repo, "v1.2.3,v1.2,v1");         /* v9.0.0 takes latest */
    ma_strlist_free(&repo);

    repo = list_of("v1.2.3+b1", "v1.2.3", "v1.2.2", "v0.9.0", NULL);
    check_release("v1.2.3", &repo, "v1.2.3,v1.2,v1,latest"); /* itself and equals don't block */
    check_release("v1.2.3+build.5", &repo, "v1.2.3_build.5,v1.2,v1,latest");
    check_release("v1.2.3_build.5", &repo, "v1.2.3_build.5,v1.2,v1,latest");
    ma_strlist_free(&repo);

    check_release("v0.3.1", NULL, "v0.3.1,v0.3,v0,latest");
    repo = list_of(NULL);
    check_release("v0.3.1", &repo, "v0.3.1,v0.3,v0,latest");
    repo = list_of("v0.3.1", NULL);
    check_release("v0.3.1", &repo, "v0.3.1,v0.3,v0,latest");
    check_release("v1.2.3-rc.1", &repo, "v1.2.3-rc.1");
    check_release("v1.2.3-rc.1+b", NULL, "v1.2.3-rc.1_b");
    ma_strlist_free(&repo);

    /* Appends, without repeating what is already there. */
    ma_strlist out = list_of("x", "v1", NULL);
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_release_tags("v1.0.0", NULL, &out, &err) == 0);
    CHECK_LIST(&out, "x,v1,v1.0.0,v1.0,latest");
    ma_strlist_free(&out);

    CHECK(ma_release_tags("v1.2", NULL, &out, &err) == -1);
    CHECK(err.kind == MA_ERR_INPUT);
    CHECK(strstr(err.msg, "'v1.2'") != NULL);
    CHECK(out.len == 0);

    /* A valid version too long to be a Docker tag. */
    char longv[300] = "v1.2.3-";
    memset(longv + 7, 'a', 120);
    memcpy(longv + 127, "+bbbbbbbbbb", 12);
    CHECK(ma_release_tags(longv, NULL, &out, &err) == -1);
    CHECK(err.kind == MA_ERR_INPUT);
    CHECK(out.len == 0);
}

/* ma_tags_compute; want is the joined list, or NULL to expect failure of kind. */
static void check_compute_(const ma_tag_inputs *in, const char *want, ma_error_kind kind,
                           const char *msg_part)
{
    ma_strlist out = MA_STRLIST_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    int rc = ma_tags_compute(in, &out, &err);
    if (want != NULL) {
        CHECK(rc == 0);
        if (rc != 0)
            fprintf(stderr, "  error: %s\n", err.msg);
        CHECK_LIST(&out, want);
    } else {
        CHECK(rc == -1);
        CHECK(err.kind == kind);
        CHECK(out.len == 0);
        if (msg_part != NULL && strstr(err.msg, msg_part) == NULL)
            CHECK_STR(err.msg, msg_part);
        CHECK(strchr(err.msg, '\n') == NULL);
    }
    ma_strlist_free(&out);
}

#define check_compute(...) CASE(check_compute_(__VA_ARGS__))

static void test_compute_auto(void)
{
    ma_strlist repo = list_of("v1.2.3", "v1.3.0", "v1.4.0", "v2.0.0", NULL);
    ma_strlist head = list_of("nightly", "v1.3.0-rc.1", "v1.3.0", "v1.2.9", NULL);
    ma_strlist head_pre = list_of("v1.3.0-rc.1", "v1.3.0-rc.2", NULL);
    ma_strlist head_none = list_of("nightly", "v1.2", NULL);
    ma_tag_inputs in = {.requested = "auto", .head_sha = SHA, .branch = "main", .repo_tags = &repo};

    check_compute(&in, "main,sha-0123456", 0, NULL);

    in.branch = "feature/login";
    check_compute(&in, "feature-login,sha-0123456", 0, NULL);

    in.pr_number = "42";
    check_compute(&in, "pr-42,sha-0123456", 0, NULL);

    in.pr_number = "";          /* empty counts as unset */
    check_compute(&in, "feature-login,sha-0123456", 0, NULL);

    in.pr_number = "4a";
    check_compute(&in, NULL, MA_ERR_ENV, "'4a'");

    in.pr_number = "42";
    in.ref_tag = "v1.3.0";
    check_compute(&in, "v1.3.0,v1.3,sha-0123456", 0, NULL);

    in.ref_tag = "v2.1.0+b";
    check_compute(&in, "v2.1.0_b,v2.1,v2,latest,sha-0123456", 0, NULL);

    in.ref_tag = "nightly";     /* not a version: falls back to head tags */
    in.head_tags = &head;
    check_compute(&in, "v1.3.0,v1.3,sha-0123456", 0, NULL);

    in.head_tags = &head_pre;
    check_compute(&in, "v1.3.0-rc.2,sha-0123456", 0, NULL);

    in.head_tags = &head_none;
    check_compute(&in, "pr-42,sha-0123456", 0, NULL);

    in.pr_number = NULL;
    in.branch = NULL;
    check_compute(&in, "sha-0123456", 0, NULL);

    in.branch = "";
    check_compute(&in, "sha-0123456", 0, NULL);

    in.head_sha = "0123456789ABCDEF0123456789abcdef01234567";
    check_compute(&in, "sha-0123456", 0, NULL);
    in.head_sha = "0123456789abcdef";
    check_compute(&in, NULL, MA_ERR_ENV, "'0123456789abcdef'");
    in.head_sha = SHA "0";
    check_compute(&in, NULL, MA_ERR_ENV, NULL);
    in.head_sha = "g123456789abcdef0123456789abcdef01234567";
    check_compute(&in, NULL, MA_ERR_ENV, NULL);
    in.head_sha = NULL;
    check_compute(&in, NULL, MA_ERR_ENV,
                  "--tag auto needs a git repository: no commit found "
                  "(run inside a git checkout or pass an explicit --tag)");

    ma_strlist_free(&repo);
    ma_strlist_free(&head);
    ma_strlist_free(&head_pre);
    ma_strlist_free(&head_none);
}

/* A pull-request event: pr-N and the sha- tag whatever the branch (a fork's
 * may be called master) and whatever version tags the head carries; no
 * number is refused, never guessed. */
static void test_compute_pull_request_event(void)
{
    ma_strlist head = list_of("v1.3.0", NULL);
    ma_tag_inputs in = {.requested = "auto", .head_sha = SHA, .branch = "master", .pr_number = "15",
                        .pr_event = "pull_request_target"};
    check_compute(&in, "pr-15,sha-0123456", 0, NULL);
    in.head_tags = &head;
    in.ref_tag = "v1.3.0";
    check_compute(&in, "pr-15,sha-0123456", 0, NULL);
    in.pr_number = NULL;
    in.pr_lookup = "GITHUB_REF is refs/heads/master and GITHUB_EVENT_PATH is not set";
    check_compute(&in, NULL, MA_ERR_INPUT,
                  "a pull_request_target event, but no pull request number was found (GITHUB_REF is "
                  "refs/heads/master and GITHUB_EVENT_PATH is not set): refusing to guess the tags "
                  "(pass --tag explicitly)");
    in.pr_number = "";
    check_compute(&in, NULL, MA_ERR_INPUT, "no pull request number was found");
    /* an explicit tag is the user's choice */
    in.requested = "dev";
    check_compute(&in, "dev", 0, NULL);
    ma_strlist_free(&head);
}

static void test_compute_refuses_release_branches(void)
{
    const char *refused[] = {
        "latest", "v1", "v1.2", "v1.2.3", "v1.2.3-rc.1", "v1.2.3_b", "v1.2.3+b",
        "v01", "sha-abcdef0", "sha/abcdef0", "sha-0123456",
    };
    ma_tag_inputs in = {.requested = "auto", .head_sha = SHA};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        in.branch = refused[i];
        check_compute(&in, NULL, MA_ERR_INPUT, "rename the branch or pass --tag explicitly");
    }
    in.branch = "v1.2";
    check_compute(&in, NULL, MA_ERR_INPUT, "branch 'v1.2' would produce the release tag 'v1.2'");

    const char *allowed[][2] = {
        {"latest-fix", "latest-fix,sha-0123456"},
        {"Latest", "Latest,sha-0123456"},
        {"v1.x", "v1.x,sha-0123456"},
        {"v1.2.3.4", "v1.2.3.4,sha-0123456"},
        {"release/v1.2", "release-v1.2,sha-0123456"},
        {"sha-abcdef01", "sha-abcdef01,sha-0123456"},
        {"sha-ABCDEF0", "sha-ABCDEF0,sha-0123456"},
    };
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        in.branch = allowed[i][0];
        check_compute(&in, allowed[i][1], MA_ERR_INPUT, NULL);
    }
    /* A release version still wins over a branch that looks like one. */
    in.branch = "latest";
    in.ref_tag = "v1.0.0";
    check_compute(&in, "v1.0.0,v1.0,v1,latest,sha-0123456", 0, NULL);
}

static void test_compute_explicit(void)
{
    ma_strlist repo = list_of("v1.2.3", "v1.3.0", NULL);
    ma_tag_inputs in = {.requested = "dev", .head_sha = SHA, .branch = "main", .pr_number = "7",
                        .ref_tag = "v9.9.9", .repo_tags = &repo};

    check_compute(&in, "dev", 0, NULL);
    in.requested = "latest";
    check_compute(&in, "latest", 0, NULL);
    in.requested = "v1.2";
    check_compute(&in, "v1.2", 0, NULL);
    in.requested = "1.2.3";
    check_compute(&in, "1.2.3", 0, NULL);
    in.requested = "v1.2.4";
    check_compute(&in, "v1.2.4,v1.2", 0, NULL);
    in.requested = "v1.4.0+b.1";
    check_compute(&in, "v1.4.0_b.1,v1.4,v1,latest", 0, NULL);
    in.requested = "v1.4.0_b.1";
    check_compute(&in, "v1.4.0_b.1,v1.4,v1,latest", 0, NULL);
    in.requested = "v1.4.0-rc.1";
    check_compute(&in, "v1.4.0-rc.1", 0, NULL);

    in.head_sha = NULL; /* only auto needs a commit */
    in.requested = "dev";
    check_compute(&in, "dev", 0, NULL);

    in.requested = "foo bar";
    check_compute(&in, NULL, MA_ERR_INPUT,
                  "invalid tag 'foo bar': a tag is 1-128 characters from [A-Za-z0-9_.-] "
                  "and cannot start with '.' or '-'");
    in.requested = ".x";
    check_compute(&in, NULL, MA_ERR_INPUT, "'.x'");
    in.requested = "a\nb";
    check_compute(&in, NULL, MA_ERR_INPUT, "'a?b'");
    in.requested = "";
    check_compute(&in, NULL, MA_ERR_INPUT, NULL);
    in.requested = NULL;
    check_compute(&in, NULL, MA_ERR_INPUT, NULL);

    /* Appends to what out already holds, without repeats. */
    ma_strlist out = list_of("v1.2", NULL);
    ma_error err = {MA_ERR_NONE, ""};
    in.requested = "v1.2.4";
    CHECK(ma_tags_compute(&in, &out, &err) == 0);
    CHECK_LIST(&out, "v1.2,v1.2.4");
    ma_strlist_free(&out);
    ma_strlist_free(&repo);
}

/* Monorepo release tags: <prefix>v<semver> (releasetag.h). */
static void test_compute_prefix(void)
{
    ma_semver v;
    CHECK_STR(ma_release_tag_version("broker-v1.2.3", "broker-", '+', &v), "v1.2.3");
    CHECK(v.major == 1 && v.minor == 2 && v.patch == 3);
    CHECK_STR(ma_release_tag_version("v1.2.3-rc.1", NULL, '+', &v), "v1.2.3-rc.1");
    CHECK(ma_release_tag_version("v1.2.3", "broker-", '+', &v) == NULL);
    CHECK(ma_release_tag_version("agent-v1.2.3", "broker-", '+', &v) == NULL);
    CHECK(ma_release_tag_version("broker-1.2.3", "broker-", '+', &v) == NULL);
    CHECK(ma_tag_prefix_is_valid("broker-") && ma_tag_prefix_is_valid("a") && !ma_tag_prefix_is_valid("") &&
          !ma_tag_prefix_is_valid("-x") && !ma_tag_prefix_is_valid("a/b") && !ma_tag_prefix_is_valid(NULL));

    /* the git reader hands the versions up without the prefix */
    ma_strlist repo = list_of("v1.2.3", "v2.0.0", NULL), head = list_of("v1.2.3", NULL);
    ma_tag_inputs in = {.requested = "auto", .head_sha = SHA, .branch = "main", .tag_prefix = "broker-",
                        .head_tags = &head, .repo_tags = &repo};
    check_compute(&in, "v1.2.3,v1.2,v1,sha-0123456", 0, NULL);
    in.head_tags = NULL;
    in.ref_tag = "broker-v2.1.0"; /* CI builds the prefixed tag */
    check_compute(&in, "v2.1.0,v2.1,v2,latest,sha-0123456", 0, NULL);
    in.ref_tag = "v2.1.0"; /* not a release of this prefix: the branch */
    check_compute(&in, "main,sha-0123456", 0, NULL);
    in.requested = "broker-v2.0.1";
    check_compute(&in, "v2.0.1,v2.0,v2,latest", 0, NULL);
    in.requested = "v2.0.1";
    check_compute(&in, "v2.0.1,v2.0,v2,latest", 0, NULL);
    in.requested = "broker-latest";
    check_compute(&in, "broker-latest", 0, NULL);
    ma_strlist_free(&repo);
    ma_strlist_free(&head);
}

int main(void)
{
    test_is_valid();
    test_sanitize();
    test_is_immutable();
    test_release_tags();
    test_compute_auto();
    test_compute_pull_request_event();
    test_compute_refuses_release_branches();
    test_compute_explicit();
    test_compute_prefix();
    return CHECK_DONE();
}

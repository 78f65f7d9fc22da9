/* The tag policy: versions read in either spelling, the policy's switches,
 * and the tags a policy gives (version tags without v, no sha- tag, no 0
 * alias, no latest, a scheduled run's tag).  Lists are compared exactly. */
#include <stdarg.h>
#include <stdlib.h>

#include "check.h"
#include "tagpolicy.h"
#include "tagrules.h"

#define SHA "9940d84aa0c1e2f3a4b5c6d7e8f90123456789ab"

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

/* ma_tags_compute; want joined by ',', or NULL to expect failure of kind. */
static void check_tags_(const ma_tag_inputs *in, const char *want, ma_error_kind kind)
{
    ma_strlist out = MA_STRLIST_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    int rc = ma_tags_compute(in, &out, &err);
    if (want != NULL) {
        CHECK(rc == 0);
        if (rc != 0)
            fprintf(stderr, "  error: %s\n", err.msg);
        char *joined = ma_strlist_join(&out, ",");
        CHECK_STR(joined, want);
        free(joined);
    } else {
        CHECK(rc == -1 && err.kind == kind && out.len == 0);
    }
    ma_strlist_free(&out);
}

#define check_tags(...) CASE(check_tags_(__VA_ARGS__))

static void test_default_is_the_seed(void)
{
    ma_tag_policy p;
    ma_tag_policy_default(&p);
    CHECK_STR(p.version_prefix, "v");
    CHECK(p.sha && p.major_zero && p.latest);
    CHECK_STR(p.schedule, "nightly");
    CHECK(ma_tag_policy_set_prefix(&p, "") == 0);
    CHECK_STR(p.version_prefix, "");
    CHECK(ma_tag_policy_set_prefix(&p, "v") == 0);
    CHECK_STR(p.version_prefix, "v");
    CHECK(ma_tag_policy_set_prefix(&p, "V") == -1);
    CHECK(ma_tag_policy_set_prefix(&p, "release-") == -1);
    CHECK(ma_tag_policy_set_prefix(&p, NULL) == -1);
    CHECK_STR(p.version_prefix, "v");
    CHECK(ma_switch_parse("true") == 1);
    CHECK(ma_switch_parse("false") == 0);
    CHECK(ma_switch_parse("True") == -1);
    CHECK(ma_switch_parse("") == -1);
    CHECK(ma_switch_parse(NULL) == -1);
}

static void test_versions_in_either_spelling(void)
{
    ma_semver v;
    CHECK(ma_version_read("v1.2.3", &v) == 0 && v.major == 1 && v.minor == 2 && v.patch == 3);
    CHECK(ma_version_read("1.2.3", &v) == 0 && v.patch == 3);
    CHECK(ma_version_read("1.2.3_b.1", &v) == 0 && strcmp(v.build, "b.1") == 0);
    CHECK(ma_version_read("1.2.3+b.1", &v) == 0);
    CHECK(ma_version_read("1.2.3-rc.1", &v) == 0 && strcmp(v.prerelease, "rc.1") == 0);
    CHECK(ma_version_read("1.2", &v) == -1);
    CHECK(ma_version_read("vv1.2.3", &v) == -1);
    CHECK(ma_version_read("01.2.3", &v) == -1);
    CHECK(ma_version_read("-1.2.3", &v) == -1);
    CHECK(ma_version_read("", &v) == -1);
    CHECK(ma_version_read("main", &v) == -1);

    CHECK(ma_version_tag_parse("1.2.3", "", &v) == 0);
    CHECK(ma_version_tag_parse("v1.2.3", "", &v) == -1);
    CHECK(ma_version_tag_parse("1.2.3", "v", &v) == -1);
    CHECK(ma_version_tag_parse("v1.2.3", "v", &v) == 0);
    CHECK(ma_version_tag_parse("v1.2.3", NULL, &v) == 0);

    CHECK(ma_version_same("v1.2.3", "1.2.3"));
    CHECK(ma_version_same("1.2.3_b", "v1.2.3+b"));
    CHECK(!ma_version_same("1.2.3_b", "v1.2.3"));   /* build metadata names another build */
    CHECK(!ma_version_same("1.2.3", "1.2.4"));
    CHECK(!ma_version_same("1.2.3-rc.1", "1.2.3"));
    CHECK(ma_version_same("main", "main"));
    CHECK(!ma_version_same("main", "v1.2.3"));
    CHECK(!ma_version_same(NULL, "v1.2.3"));
    CHECK(ma_version_same(NULL, NULL));
}

static void test_immutable_and_release_shapes(void)
{
    CHECK(ma_tag_is_immutable_under("1.2.3", ""));
    CHECK(ma_tag_is_immutable_under("1.2.3-rc.1", ""));
    CHECK(ma_tag_is_immutable_under("1.2.3_b.5", ""));
    CHECK(ma_tag_is_immutable_under("sha-0123abc", ""));
    CHECK(!ma_tag_is_immutable_under("1.2.3+b.5", "")); /* not a Docker tag */
    CHECK(!ma_tag_is_immutable_under("1.2", ""));
    CHECK(!ma_tag_is_immutable_under("1", ""));
    CHECK(!ma_tag_is_immutable_under("nightly", ""));
    CHECK(!ma_tag_is_immutable_under("1.2.3", "v")); /* the seed's policy: a literal tag, as before */
    CHECK(!ma_tag_is_immutable("1.2.3"));
    CHECK(ma_tag_is_immutable_under("v1.2.3", NULL));

    CHECK(ma_tag_reads_as_release("latest"));
    CHECK(ma_tag_reads_as_release("1"));
    CHECK(ma_tag_reads_as_release("1.2"));
    CHECK(ma_tag_reads_as_release("1.2.3"));
    CHECK(ma_tag_reads_as_release("v1"));
    CHECK(ma_tag_reads_as_release("sha-0123abc"));
    CHECK(!ma_tag_reads_as_release("nightly"));
    CHECK(!ma_tag_reads_as_release("edge"));
    CHECK(!ma_tag_reads_as_release("1.x"));
}

/* Brokkr's publishing-strategy page: version tags without v, no sha- tag, nightly. */
static void test_brokkr_today(void)
{
    ma_tag_policy brokkr;
    ma_tag_policy_default(&brokkr);
    ma_tag_policy_set_prefix(&brokkr, "");
    brokkr.sha = 0;
    ma_strlist repo = list_of("v0.9.1", "v1.2.3", NULL);
    ma_strlist head = list_of("v1.2.3", NULL);
    ma_tag_inputs in = {.requested = "auto", .head_sha = SHA, .head_tags = &head, .repo_tags = &repo,
                        .policy = &brokkr};

    check_tags(&in, "1.2.3,1.2,1,latest", 0);
    in.ref_tag = "v1.2.3"; /* CI says which tag: read with its v, as ever */
    check_tags(&in, "1.2.3,1.2,1,latest", 0);

    ma_strlist zero = list_of("v0.9.1", NULL);
    ma_strlist head_zero = list_of("v0.9.1", NULL);
    ma_tag_inputs z = {.requested = "auto", .head_sha = SHA, .head_tags = &head_zero, .repo_tags = &zero,
                       .policy = &brokkr};
    check_tags(&z, "0.9.1,0.9,0,latest", 0);
    brokkr.major_zero = 0;
    check_tags(&z, "0.9.1,0.9,latest", 0);
    check_tags(&in, "1.2.3,1.2,1,latest", 0); /* 1.y.z keeps its major alias */
    brokkr.major_zero = 1;

    ma_tag_inputs branch = {.requested = "auto", .head_sha = SHA, .branch = "main", .repo_tags = &repo,
                            .policy = &brokkr};
    check_tags(&branch, "main", 0);
    branch.pr_number = "15";
    branch.pr_event = "pull_request";
    check_tags(&branch, "pr-15", 0);
    branch.scheduled = 1; /* a pull request wins over anything else */
    check_tags(&branch, "pr-15", 0);
    branch.pr_number = branch.pr_event = NULL;
    check_tags(&branch, "nightly", 0);
    in.scheduled = 1; /* a schedule on a tagged commit still publishes nightly only */
    check_tags(&in, "nightly", 0);
    in.scheduled = 0;

    /* --tag 1.2.3 and --tag v1.2.3 name one release */
    ma_tag_inputs explicit = {.requested = "1.2.3", .repo_tags = &repo, .policy = &brokkr};
    check_tags(&explicit, "1.2.3,1.2,1,latest", 0);
    explicit.requested = "v1.2.3";
    check_tags(&explicit, "1.2.3,1.2,1,latest", 0);
    explicit.requested = "v1.2.2";
    check_tags(&explicit, "1.2.2", 0);
    explicit.requested = "1.3.0-rc.1";
    check_tags(&explicit, "1.3.0-rc.1", 0);
    explicit.requested = "1.3.0+b.1";
    check_tags(&explicit, "1.3.0_b.1,1.3,1,latest", 0);

    /* a branch that would read as a release tag in the policy's spelling is refused */
    branch.scheduled = 0;
    branch.branch = "1.2";
    check_tags(&branch, NULL, MA_ERR_INPUT);
    branch.branch = "v1";
    check_tags(&branch, NULL, MA_ERR_INPUT);

    brokkr.latest = 0;
    check_tags(&in, "1.2.3,1.2,1", 0);
    ma_strlist_free(&repo);
    ma_strlist_free(&head);
    ma_strlist_free(&zero);
    ma_strlist_free(&head_zero);
}

/* Each switch alone, under the seed's spelling; NULL policy is the seed's. */
static void test_switches_alone(void)
{
    ma_tag_policy p;
    ma_tag_policy_default(&p);
    ma_tag_inputs in = {.requested = "auto", .head_sha = SHA, .branch = "main", .policy = &p};
    check_tags(&in, "main,sha-9940d84", 0);
    in.scheduled = 1;
    check_tags(&in, "nightly,sha-9940d84", 0);
    snprintf(p.schedule, sizeof p.schedule, "edge");
    check_tags(&in, "edge,sha-9940d84", 0);
    p.sha = 0;
    check_tags(&in, "edge", 0);
    in.policy = NULL;
    check_tags(&in, "nightly,sha-9940d84", 0);
    /* a detached checkout with nothing to name it, and no sha- tag: refused, never an empty list */
    ma_tag_inputs bare = {.requested = "auto", .head_sha = SHA, .policy = &p};
    check_tags(&bare, NULL, MA_ERR_ENV);
    bare.branch = "";
    check_tags(&bare, NULL, MA_ERR_ENV);
    p.sha = 1;
    check_tags(&bare, "sha-9940d84", 0);

    ma_tag_policy_default(&p);
    p.major_zero = 0;
    ma_tag_inputs v0 = {.requested = "v0.3.1", .policy = &p};
    check_tags(&v0, "v0.3.1,v0.3,latest", 0);
    v0.requested = "1.2.3"; /* under "v", a literal tag as before */
    check_tags(&v0, "1.2.3", 0);
    v0.policy = NULL;
    v0.requested = "v0.3.1";
    check_tags(&v0, "v0.3.1,v0.3,v0,latest", 0);
    v0.requested = "1.2";
    v0.policy = NULL;
    check_tags(&v0, "1.2", 0); /* the seed's policy keeps bare literals */
}

int main(void)
{
    test_default_is_the_seed();
    test_versions_in_either_spelling();
    test_immutable_and_release_shapes();
    test_brokkr_today();
    test_switches_alone();
    return CHECK_DONE();
}

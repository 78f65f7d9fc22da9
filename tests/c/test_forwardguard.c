/* The forward-only rule for branch and pr-N tags: a tag that names a newer
 * commit (by git history, else by the times the images record) stays; and
 * the RFC 3339 reader those times go through. */
#include "check.h"
#include "forwardguard.h"
#include "rfc3339.h"

#define A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define T1 "2026-12-04T10:00:00Z"
#define T2 "2026-12-04T10:01:00Z"

static void test_guarded(void)
{
    CHECK(ma_forward_is_guarded("main", "main"));
    CHECK(ma_forward_is_guarded("pr-12", "pr-12"));
    CHECK(ma_forward_is_guarded("release-2", "release-2"));
    CHECK(ma_forward_is_guarded("nightly", "nightly"));
    CHECK(ma_forward_is_guarded("latest", "dev")); /* a literal latest is no version alias */
    CHECK(!ma_forward_is_guarded("latest", "v1.2.3")); /* the alias guard's */
    CHECK(!ma_forward_is_guarded("v1.2", "v1.2.3"));
    CHECK(!ma_forward_is_guarded("v1", "v1.2.3"));
    CHECK(!ma_forward_is_guarded(NULL, "main"));
}

static void check_decision_(ma_forward_facts f, ma_forward_verdict verdict, ma_forward_basis basis)
{
    ma_forward_decision d = ma_forward_decide(&f);
    CHECK(d.verdict == verdict);
    CHECK(d.basis == basis);
}
#define check_decision(...) CASE(check_decision_(__VA_ARGS__))

static void test_decide(void)
{
    /* git can tell: only forward */
    check_decision((ma_forward_facts){B, A, MA_ANCESTRY_FORWARD, T2, T1, 0}, MA_FORWARD_MOVE, MA_FORWARD_BY_HISTORY);
    check_decision((ma_forward_facts){A, B, MA_ANCESTRY_BEHIND, T1, T2, 0}, MA_FORWARD_KEEP, MA_FORWARD_BY_HISTORY);
    /* history beats the clock: a commit made with a skewed clock still moves forward */
    check_decision((ma_forward_facts){B, A, MA_ANCESTRY_FORWARD, T1, T2, 0}, MA_FORWARD_MOVE, MA_FORWARD_BY_HISTORY);
    check_decision((ma_forward_facts){A, B, MA_ANCESTRY_BEHIND, T2, T1, 0}, MA_FORWARD_KEEP, MA_FORWARD_BY_HISTORY);
    /* a shallow clone without that commit: the recorded times */
    check_decision((ma_forward_facts){A, B, MA_ANCESTRY_UNKNOWN, T1, T2, 0}, MA_FORWARD_KEEP, MA_FORWARD_BY_TIME);
    check_decision((ma_forward_facts){B, A, MA_ANCESTRY_UNKNOWN, T2, T1, 0}, MA_FORWARD_MOVE, MA_FORWARD_BY_TIME);
    /* the same second: it cannot be shown older, so it moves */
    check_decision((ma_forward_facts){A, B, MA_ANCESTRY_UNKNOWN, T1, T1, 0}, MA_FORWARD_MOVE, MA_FORWARD_BY_TIME);
    /* other zones and fractions compare as instants */
    check_decision((ma_forward_facts){A, B, MA_ANCESTRY_UNKNOWN, T1, "2026-12-04T10:59:30+01:00", 0},
                   MA_FORWARD_MOVE, MA_FORWARD_BY_TIME);
    check_decision((ma_forward_facts){A, B, MA_ANCESTRY_UNKNOWN, T1, "2026-12-04T10:00:01.5Z", 0}, MA_FORWARD_KEEP,
                   MA_FORWARD_BY_TIME);
    /* a rebased branch (diverged): the times too */
    check_decision((ma_forward_facts){A, B, MA_ANCESTRY_DIVERGED, T2, T1, 0}, MA_FORWARD_MOVE, MA_FORWARD_BY_TIME);
    check_decision((ma_forward_facts){A, B, MA_ANCESTRY_DIVERGED, T1, T2, 0}, MA_FORWARD_KEEP, MA_FORWARD_BY_TIME);
    /* nothing to compare: moved as it always was */
    check_decision((ma_forward_facts){A, B, MA_ANCESTRY_UNKNOWN, T1, NULL, 0}, MA_FORWARD_MOVE, MA_FORWARD_BY_NOTHING);
    check_decision((ma_forward_facts){A, B, MA_ANCESTRY_UNKNOWN, NULL, T2, 0}, MA_FORWARD_MOVE, MA_FORWARD_BY_NOTHING);
    check_decision((ma_forward_facts){A, B, MA_ANCESTRY_UNKNOWN, T1, "yesterday", 0}, MA_FORWARD_MOVE,
                   MA_FORWARD_BY_NOTHING);
    check_decision((ma_forward_facts){A, NULL, MA_ANCESTRY_UNKNOWN, T1, T2, 0}, MA_FORWARD_MOVE, MA_FORWARD_BY_NOTHING);
    check_decision((ma_forward_facts){NULL, B, MA_ANCESTRY_UNKNOWN, T1, T2, 0}, MA_FORWARD_MOVE, MA_FORWARD_BY_NOTHING);
    /* a re-run of the same commit, and --force-move */
    check_decision((ma_forward_facts){A, A, MA_ANCESTRY_UNKNOWN, T1, T2, 0}, MA_FORWARD_MOVE, MA_FORWARD_BY_SAME);
    check_decision((ma_forward_facts){A, B, MA_ANCESTRY_BEHIND, T1, T2, 1}, MA_FORWARD_MOVE, MA_FORWARD_BY_FORCE);

    ma_forward_facts f = {A, B, MA_ANCESTRY_UNKNOWN, T1, T2, 0};
    CHECK(ma_forward_needs_history(&f));
    f.force = 1;
    CHECK(!ma_forward_needs_history(&f));
    f = (ma_forward_facts){A, A, MA_ANCESTRY_UNKNOWN, T1, T2, 0};
    CHECK(!ma_forward_needs_history(&f));
    f.held = NULL;
    CHECK(!ma_forward_needs_history(&f));
    CHECK(strstr(ma_forward_basis_words(MA_FORWARD_BY_TIME, MA_ANCESTRY_UNKNOWN), "commit times") != NULL);
    CHECK(strstr(ma_forward_basis_words(MA_FORWARD_BY_TIME, MA_ANCESTRY_DIVERGED), "diverged") != NULL);
    CHECK_STR(ma_forward_basis_words(MA_FORWARD_BY_HISTORY, MA_ANCESTRY_BEHIND), "by git history");
}

static void test_rfc3339(void)
{
    long long t = -1;
    CHECK(ma_rfc3339_parse("1970-01-01T00:00:00Z", &t) == 0 && t == 0);
    CHECK(ma_rfc3339_parse("2023-11-14T22:13:20Z", &t) == 0 && t == 1700000000);
    CHECK(ma_rfc3339_parse("2023-11-14T23:13:20+01:00", &t) == 0 && t == 1700000000);
    CHECK(ma_rfc3339_parse("2023-11-14T21:13:20.999-01:00", &t) == 0 && t == 1700000000);
    CHECK(ma_rfc3339_parse("2024-02-29T00:00:00Z", &t) == 0 && t == 1709164800);
    CHECK(ma_rfc3339_parse("1969-12-31T23:59:59Z", &t) == 0 && t == -1);
    static const char *const bad[] = {"", "2023-11-14", "2023-11-14T22:13:20", "2023-11-14T22:13:20Zx",
                                      "2023-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2023-11-14T24:00:00Z",
                                      "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20+0100", "2023-1-14T22:13:20Z",
                                      "yesterday", "2023-11-14T22:60:00Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(ma_rfc3339_parse(bad[i], &t) == -1);
    CHECK(ma_rfc3339_parse(NULL, &t) == -1);
}

int main(void)
{
    test_guarded();
    test_decide();
    test_rfc3339();
    return CHECK_DONE();
}

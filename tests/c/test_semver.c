/* Semver parsing and precedence (semver 2.0.0), with the leading 'v'. */
#include "check.h"
#include "semver.h"

static int parses(const char *s)
{
    ma_semver v;
    return ma_semver_parse(s, &v) == 0;
}

/* Sign of compare(a, b), both of which must parse. */
static int cmp(const char *a, const char *b)
{
    ma_semver va, vb;
    if (ma_semver_parse(a, &va) != 0 || ma_semver_parse(b, &vb) != 0)
        return 99;
    int c = ma_semver_compare(&va, &vb);
    return c < 0 ? -1 : c > 0;
}

static void test_parse_fields(void)
{
    ma_semver v;
    CHECK(ma_semver_parse("v1.2.3", &v) == 0);
    CHECK(v.major == 1 && v.minor == 2 && v.patch == 3);
    CHECK_STR(v.prerelease, "");
    CHECK_STR(v.build, "");
    CHECK(ma_semver_is_stable(&v));

    CHECK(ma_semver_parse("v10.20.30-rc.1+build.5", &v) == 0);
    CHECK(v.major == 10 && v.minor == 20 && v.patch == 30);
    CHECK_STR(v.prerelease, "rc.1");
    CHECK_STR(v.build, "build.5");
    CHECK(!ma_semver_is_stable(&v));

    CHECK(ma_semver_parse("v0.0.0", &v) == 0);
    CHECK(v.major == 0 && v.minor == 0 && v.patch == 0);

    CHECK(ma_semver_parse("v18446744073709551615.0.0", &v) == 0);
    CHECK(v.major == UINT64_MAX);

    CHECK(ma_semver_parse("v1.0.0-x-y-z.--", &v) == 0);
    CHECK_STR(v.prerelease, "x-y-z.--");
    CHECK(ma_semver_parse("v1.0.0+21AF26D3---117B344092BD", &v) == 0);
    CHECK_STR(v.build, "21AF26D3---117B344092BD");
    CHECK(ma_semver_parse("v1.0.0+001", &v) == 0); /* leading zeros fine in build */
    CHECK_STR(v.build, "001");
    CHECK(ma_semver_parse("v1.0.0-0.3.7", &v) == 0);
    CHECK_STR(v.prerelease, "0.3.7");
    CHECK(ma_semver_parse("v1.0.0-0a", &v) == 0); /* alphanumeric, not a leading zero */
}

static void test_parse_rejects(void)
{
    const char *bad[] = {
        "1.2.3", "V1.2.3", "v", "", "v1", "v1.2", "v1.2.", "v1..3", "v.1.2", "v1.2.3.4",
        "v01.2.3", "v1.02.3", "v1.2.03", "v1.2.3-01", "v1.2.3-rc.01", "v1.2.3-",
        "v1.2.3-a..b", "v1.2.3-a.", "v1.2.3-.a", "v1.2.3+", "v1.2.3+a..b", "v1.2.3-+b",
        "v1.2.3-rc_1", "v1.2.3+b+c", "v1.2.3+b_c", "v1.2.3 ", " v1.2.3", "v1.2.3-é",
        "v-1.2.3", "v+1.2.3", "v1.2.3_b", "v18446744073709551616.0.0",
        "v1.99999999999999999999.0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (parses(bad[i])) {
            fprintf(stderr, "accepted bad version '%s'\n", bad[i]);
            CHECK(!parses(bad[i]));
        }
    }
    ma_semver v;
    CHECK(ma_semver_parse(NULL, &v) == -1);
}

static void test_part_length_limit(void)
{
    char s[400];
    ma_semver v;
    /* 127 characters of pre-release fit, 128 do not. */
    memcpy(s, "v1.2.3-", 7);
    memset(s + 7, 'a', 127);
    s[7 + 127] = '\0';
    CHECK(ma_semver_parse(s, &v) == 0);
    CHECK(strlen(v.prerelease) == 127);
    memset(s + 7, 'a', 128);
    s[7 + 128] = '\0';
    CHECK(ma_semver_parse(s, &v) == -1);

    memcpy(s, "v1.2.3+", 7);
    memset(s + 7, 'b', 127);
    s[7 + 127] = '\0';
    CHECK(ma_semver_parse(s, &v) == 0);
    CHECK(strlen(v.build) == 127);
    memset(s + 7, 'b', 128);
    s[7 + 128] = '\0';
    CHECK(ma_semver_parse(s, &v) == -1);
}

static void test_docker_separator(void)
{
    ma_semver v;
    CHECK(ma_semver_parse_sep("v1.2.3_build.5", '_', &v) == 0);
    CHECK_STR(v.build, "build.5");
    CHECK(ma_semver_parse_sep("v1.2.3-rc.1_b", '_', &v) == 0);
    CHECK_STR(v.prerelease, "rc.1");
    CHECK_STR(v.build, "b");
    CHECK(ma_semver_parse_sep("v1.2.3+b", '_', &v) == -1);
    CHECK(ma_semver_parse_sep("v1.2.3_", '_', &v) == -1);
    CHECK(ma_semver_parse_sep("v1.2.3", '_', &v) == 0);
    CHECK(ma_semver_parse_sep("v1.2.3-a", '-', &v) == -1); /* only '+' and '_' */
}

static void test_precedence_examples(void)
{
    /* semver.org section 11, in ascending order. */
    const char *order[] = {
        "v1.0.0-alpha", "v1.0.0-alpha.1", "v1.0.0-alpha.beta", "v1.0.0-beta",
        "v1.0.0-beta.2", "v1.0.0-beta.11", "v1.0.0-rc.1", "v1.0.0",
        "v2.0.0", "v2.1.0", "v2.1.1",
    };
    size_t n = sizeof order / sizeof order[0];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            int want = i < j ? -1 : i > j;
            if (cmp(order[i], order[j]) != want) {
                fprintf(stderr, "compare(%s, %s) != %d\n", order[i], order[j], want);
                CHECK(cmp(order[i], order[j]) == want);
            }
        }
    }
}

static void test_precedence_details(void)
{
    CHECK(cmp("v1.2.3+a", "v1.2.3+b") == 0);      /* build ignored */
    CHECK(cmp("v1.2.3-rc.1+x", "v1.2.3-rc.1") == 0);
    CHECK(cmp("v1.0.0-2", "v1.0.0-10") == -1);    /* numerically */
    CHECK(cmp("v1.0.0-1", "v1.0.0-a") == -1);     /* numeric < alphanumeric */
    CHECK(cmp("v1.0.0-999", "v1.0.0-0a") == -1);
    CHECK(cmp("v1.0.0-B", "v1.0.0-a") == -1);     /* ASCII order */
    CHECK(cmp("v1.0.0-a-", "v1.0.0-a") == 1);
    CHECK(cmp("v1.0.0-a.b.c", "v1.0.0-a.b") == 1); /* more fields wins */
    CHECK(cmp("v1.0.0-99999999999999999999999", "v1.0.0-99999999999999999999998") == 1);
    CHECK(cmp("v1.0.0-99999999999999999999999", "v1.0.0-100000000000000000000000") == -1);
    CHECK(cmp("v18446744073709551615.0.0", "v18446744073709551614.9.9") == 1);
    CHECK(cmp("v1.10.0", "v1.9.0") == 1);
    CHECK(cmp("v1.2.10", "v1.2.9") == 1);
}

int main(void)
{
    test_parse_fields();
    test_parse_rejects();
    test_part_length_limit();
    test_docker_separator();
    test_precedence_examples();
    test_precedence_details();
    return CHECK_DONE();
}

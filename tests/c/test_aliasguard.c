/* The alias guard's decision: a version alias the registry holds at a newer
 * stable release is kept; everything else moves as before. */
#include "check.h"
#include "aliasguard.h"

static void test_guarded(void)
{
    CHECK(ma_alias_is_guarded("latest", "v1.2.4"));
    CHECK(ma_alias_is_guarded("v1", "v1.2.4"));
    CHECK(ma_alias_is_guarded("v1.2", "v1.2.4"));
    CHECK(ma_alias_is_guarded("v1.2", "v1.2.4_build.5"));
    CHECK(ma_alias_is_guarded("v0", "v0.9.0"));
    CHECK(!ma_alias_is_guarded("v1.3", "v1.2.4"));
    CHECK(!ma_alias_is_guarded("v2", "v1.2.4"));
    CHECK(!ma_alias_is_guarded("v1.2.4", "v1.2.4"));  /* the immutable tag itself */
    CHECK(!ma_alias_is_guarded("main", "v1.2.4"));
    CHECK(!ma_alias_is_guarded("latest", "v1.3.0-rc.1")); /* a pre-release moves no alias */
    CHECK(!ma_alias_is_guarded("latest", "main"));
    CHECK(!ma_alias_is_guarded("latest", NULL));
    CHECK(!ma_alias_is_guarded(NULL, "v1.2.4"));
    CHECK(ma_alias_is_guarded("v18446744073709551615.18446744073709551615",
                              "v18446744073709551615.18446744073709551615.0"));
}

static void test_decide(void)
{
    static const struct {
        const char *release, *held;
        ma_alias_verdict want;
    } cases[] = {
        {"v1.2.4", "v1.3.0", MA_ALIAS_KEEP},         /* the racing release: latest stays at v1.3.0 */
        {"v1.2.4", "v2.0.0", MA_ALIAS_KEEP},
        {"v1.2.4", "v1.2.5", MA_ALIAS_KEEP},
        {"v1.2.4", "v1.2.10", MA_ALIAS_KEEP},        /* by precedence, not as text */
        {"v1.2.10", "v1.2.9", MA_ALIAS_MOVE},
        {"v1.2.4", "v1.3.0_build.7", MA_ALIAS_KEEP}, /* the Docker form of build metadata */
        {"v1.2.4", "v1.3.0+build.7", MA_ALIAS_KEEP},
        {"v1.2.4", "v1.2.4", MA_ALIAS_MOVE},         /* the same version (a re-run) */
        {"v1.2.4", "v1.2.4_build.2", MA_ALIAS_MOVE}, /* build metadata has no precedence */
        {"v1.2.4", "v1.2.3", MA_ALIAS_MOVE},
        {"v1.3.0", "v1.3.0-rc.1", MA_ALIAS_MOVE},
        {"v1.2.4", "v1.3.0-rc.1", MA_ALIAS_MOVE},    /* a pre-release never holds an alias */
        {"v1.2.4", NULL, MA_ALIAS_MOVE},             /* unlabelled content */
        {"v1.2.4", "", MA_ALIAS_MOVE},
        {"v1.2.4", "main", MA_ALIAS_MOVE},           /* not a version: moved as always */
        {"v1.2.4", "1.3.0", MA_ALIAS_MOVE},
        {"v1.2.4", "v1.3", MA_ALIAS_MOVE},
        {"main", "v1.3.0", MA_ALIAS_MOVE},           /* not a release: no guard */
        {NULL, "v1.3.0", MA_ALIAS_MOVE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ma_alias_verdict got = ma_alias_decide(cases[i].release, cases[i].held);
        CHECK(got == cases[i].want);
        if (got != cases[i].want)
            fprintf(stderr, "  release %s, held %s: got %d\n", cases[i].release ? cases[i].release : "NULL",
                    cases[i].held ? cases[i].held : "NULL", (int)got);
    }
}

int main(void)
{
    test_guarded();
    test_decide();
    return CHECK_DONE();
}

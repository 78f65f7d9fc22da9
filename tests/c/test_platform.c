/* Build platforms: validation with hints, the --platforms list, and uname machine names. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "platform.h"

static void check_valid_(const char *s)
{
    ma_error err = {MA_ERR_NONE, ""};
    int rc = ma_platform_validate(s, &err);
    CHECK(rc == 0);
    CHECK(err.kind == MA_ERR_NONE);
    if (rc != 0)
        fprintf(stderr, "  %s refused: %s\n", s, err.msg);
}
#define check_valid(...) CASE(check_valid_(__VA_ARGS__))

/* Expect MA_ERR_INPUT naming the value (quoted) and saying `why`. */
static void check_invalid_(const char *s, const char *why)
{
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_platform_validate(s, &err) == -1);
    CHECK(err.kind == MA_ERR_INPUT);
    char quoted[256];
    snprintf(quoted, sizeof quoted, "'%s'", s);
    if (s[0] != '\0')
        CHECK(contains(err.msg, quoted));
    CHECK(contains(err.msg, why));
    CHECK(strchr(err.msg, '\n') == NULL);
    if (!contains(err.msg, why) || (s[0] != '\0' && !contains(err.msg, quoted)))
        fprintf(stderr, "  %s: message: %s\n", s, err.msg);
}
#define check_invalid(...) CASE(check_invalid_(__VA_ARGS__))

static void test_valid(void)
{
    static const char *const good[] = {
        "linux/amd64",   "linux/arm64",   "linux/arm/v7",  "linux/arm64/v8", "linux/amd64/v3",
        "windows/amd64", "linux/riscv64", "linux/s390x",   "linux/ppc64le",  "linux/386",
        "linux/arm/v6",  "darwin/arm64",  "linux/amd64/v1", "linux/arm64/v9",
        "linux/arm64/v8.0", "linux/arm64/v8.2", "linux/arm64/v9.0", "linux/arm64/v9.5",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        check_valid(good[i]);
    /* err may be NULL on success */
    CHECK(ma_platform_validate("linux/amd64", NULL) == 0);
    CHECK(ma_platform_validate("linux", NULL) == -1);
}

static void test_invalid(void)
{
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_platform_validate("", &err) == -1);
    CHECK(err.kind == MA_ERR_INPUT);
    CHECK(contains(err.msg, "empty platform"));
    CHECK(contains(err.msg, "os/arch"));

    check_invalid("linux", "os/arch");
    check_invalid("amd64", "os/arch");
    check_invalid("amd64", "did you mean linux/amd64?");
    check_invalid("x86_64", "did you mean linux/amd64?");
    check_invalid("linux/x86_64", "did you mean linux/amd64?");
    check_invalid("linux/x86_64", "unknown architecture 'x86_64'");
    check_invalid("linux/aarch64", "did you mean linux/arm64?");
    check_invalid("windows/x86_64", "did you mean windows/amd64?");
    check_invalid("darwin/aarch64", "did you mean darwin/arm64?");
    check_invalid("Linux/amd64", "unknown operating system 'Linux'");
    check_invalid("plan9000/amd64", "unknown operating system 'plan9000'");
    check_invalid("linux/amd64/", "unknown variant '' for amd64");
    check_invalid("linux/arm/v9", "unknown variant 'v9' for arm");
    check_invalid("linux/amd64/v7", "unknown variant 'v7' for amd64");
    check_invalid("linux/arm64/v7", "unknown variant 'v7' for arm64");
    check_invalid("linux/arm64/v8.", "unknown variant 'v8.' for arm64");
    check_invalid("linux/arm64/v8.10", "unknown variant 'v8.10' for arm64");
    check_invalid("linux/arm64/v10", "unknown variant 'v10' for arm64");
    check_invalid("linux/riscv64/v1", "unknown variant 'v1' for riscv64");
    check_invalid("linux/arm/v7/x", "unknown variant 'v7/x' for arm");
    check_invalid("linux//amd64", "unknown architecture ''");
    check_invalid("linux/", "unknown architecture ''");
    check_invalid("/amd64", "unknown operating system ''");
    check_invalid("linux/AMD64", "unknown architecture 'AMD64'");
    check_invalid(" linux/amd64", "unknown operating system");
    check_invalid("linux/amd64 ", "unknown architecture 'amd64 '");

    /* No hint for an architecture nobody types by mistake. */
    ma_error_clear(&err);
    CHECK(ma_platform_validate("linux/sparc", &err) == -1);
    CHECK(!contains(err.msg, "did you mean"));
    CHECK(contains(err.msg, "'linux/sparc'"));
    CHECK(contains(err.msg, "e.g. linux/amd64"));
}

static void test_very_long(void)
{
    /* An arch, os, variant or bare word far beyond any buffer: refused, message
     * bounded, still naming the start of the value, no overflow (ASan). */
    size_t n = 5000;
    char *s = malloc(n + 32);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    const char *prefixes[] = {"linux/", "", "linux/arm/", "linux/amd64/"};
    for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++) {
        size_t k = strlen(prefixes[p]);
        memcpy(s, prefixes[p], k);
        memset(s + k, 'a', n);
        s[k + n] = '\0';
        ma_error err = {MA_ERR_NONE, ""};
        CHECK(ma_platform_validate(s, &err) == -1);
        CHECK(err.kind == MA_ERR_INPUT);
        CHECK(strlen(err.msg) < MA_ERROR_MSG_MAX);
        char head[40];
        snprintf(head, sizeof head, "'%.30s", s);
        CHECK(contains(err.msg, head));
    }
    /* a long os: a...a/amd64 */
    memset(s, 'a', n);
    memcpy(s + n, "/amd64", 7);
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_platform_validate(s, &err) == -1);
    CHECK(err.kind == MA_ERR_INPUT);
    CHECK(contains(err.msg, "invalid platform 'aaaaaaaaaa"));
    free(s);
}

static void test_parse(void)
{
    ma_error err = {MA_ERR_NONE, ""};
    ma_strlist out = MA_STRLIST_INIT;

    CHECK(ma_platforms_parse("linux/amd64,linux/arm64", &out, &err) == 0);
    CHECK(out.len == 2);
    if (out.len == 2) {
        CHECK_STR(out.items[0], "linux/amd64");
        CHECK_STR(out.items[1], "linux/arm64");
        CHECK(out.items[2] == NULL);
    }
    ma_strlist_free(&out);

    CHECK(ma_platforms_parse("linux/amd64, linux/arm64", &out, &err) == 0);
    CHECK(out.len == 2);
    if (out.len == 2) {
        CHECK_STR(out.items[0], "linux/amd64");
        CHECK_STR(out.items[1], "linux/arm64");
    }
    ma_strlist_free(&out);

    /* order is the caller's, spaces around entries trimmed */
    CHECK(ma_platforms_parse("  linux/arm/v7 ,linux/s390x,\tlinux/amd64  ", &out, &err) == 0);
    CHECK(out.len == 3);
    if (out.len == 3) {
        CHECK_STR(out.items[0], "linux/arm/v7");
        CHECK_STR(out.items[1], "linux/s390x");
        CHECK_STR(out.items[2], "linux/amd64");
    }
    ma_strlist_free(&out);

    CHECK(ma_platforms_parse("linux/arm64", &out, &err) == 0);
    CHECK(out.len == 1);
    if (out.len == 1)
        CHECK_STR(out.items[0], "linux/arm64");
    ma_strlist_free(&out);

    static const struct {
        const char *csv, *why;
    } bad[] = {
        {",linux/amd64", "empty entry"},
        {"linux/amd64,", "empty entry"},
        {"linux/amd64,,linux/arm64", "empty entry"},
        {"linux/amd64, ,linux/arm64", "empty entry"},
        {"", "empty entry"},
        {"linux/amd64,linux/amd64", "linux/amd64 is listed twice"},
        {"linux/amd64, linux/arm64 ,linux/amd64", "linux/amd64 is listed twice"},
        {"linux/amd64,linux/amd64/v1", "linux/amd64/v1 is listed twice (as linux/amd64)"},
        {"linux/arm/v7,linux/arm", "linux/arm is listed twice (as linux/arm/v7)"},
        {"linux/arm64,linux/arm64/v8.0", "linux/arm64/v8.0 is listed twice (as linux/arm64)"},
        {"linux/arm64/v8,linux/arm64", "linux/arm64 is listed twice (as linux/arm64/v8)"},
        {"linux/amd64,linux/x86_64", "did you mean linux/amd64?"},
        {"linux/amd64,linux/aarch64", "'linux/aarch64'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ma_error_clear(&err);
        CHECK(ma_platforms_parse(bad[i].csv, &out, &err) == -1);
        CHECK(err.kind == MA_ERR_INPUT);
        CHECK(contains(err.msg, bad[i].why));
        if (!contains(err.msg, bad[i].why))
            fprintf(stderr, "  '%s': message: %s\n", bad[i].csv, err.msg);
        /* list-level errors quote the whole --platforms value */
        if (strstr(bad[i].why, "empty") || strstr(bad[i].why, "twice")) {
            char quoted[128];
            snprintf(quoted, sizeof quoted, "'%s'", bad[i].csv);
            CHECK(contains(err.msg, quoted));
            CHECK(contains(err.msg, "--platforms"));
        }
        ma_strlist_free(&out);
    }
}

static void test_from_machine(void)
{
    char out[32];
    CHECK(ma_platform_from_machine("x86_64", out, sizeof out) == 0);
    CHECK_STR(out, "linux/amd64");
    CHECK(ma_platform_from_machine("aarch64", out, sizeof out) == 0);
    CHECK_STR(out, "linux/arm64");
    CHECK(ma_platform_from_machine("arm64", out, sizeof out) == 0);
    CHECK_STR(out, "linux/arm64");
    CHECK(ma_platform_from_machine("armv7l", out, sizeof out) == 0);
    CHECK_STR(out, "linux/arm/v7");
    CHECK(ma_platform_from_machine("ppc64le", out, sizeof out) == 0);
    CHECK_STR(out, "linux/ppc64le");
    CHECK(ma_platform_from_machine("s390x", out, sizeof out) == 0);
    CHECK_STR(out, "linux/s390x");
    CHECK(ma_platform_from_machine("riscv64", out, sizeof out) == 0);
    CHECK_STR(out, "linux/riscv64");

    strcpy(out, "untouched");
    CHECK(ma_platform_from_machine("sparc64", out, sizeof out) == -1);
    CHECK(ma_platform_from_machine("", out, sizeof out) == -1);
    CHECK(ma_platform_from_machine("X86_64", out, sizeof out) == -1);
    CHECK(ma_platform_from_machine("x86_64 ", out, sizeof out) == -1);
    CHECK_STR(out, "untouched");

    /* every platform a machine maps to is itself valid */
    static const char *const machines[] = {"x86_64", "amd64", "aarch64", "arm64", "armv7l",
                                           "armv7", "armv6l", "i386", "i686", "x86",
                                           "ppc64le", "s390x", "riscv64", "loongarch64"};
    for (size_t i = 0; i < sizeof machines / sizeof machines[0]; i++) {
        CHECK(ma_platform_from_machine(machines[i], out, sizeof out) == 0);
        check_valid(out);
    }

    /* a small buffer is cut, never overrun */
    char small[6];
    CHECK(ma_platform_from_machine("x86_64", small, sizeof small) == 0);
    CHECK_STR(small, "linux");
}

/* containerd's normalisation (platforms.Normalize) and the one comparison built on it. */
static void test_same(void)
{
    static const struct {
        const char *given, *normal;
    } normal[] = {
        {"linux/arm64/v8", "linux/arm64"},    {"linux/arm64/v8.0", "linux/arm64"},
        {"linux/arm64", "linux/arm64"},       {"linux/arm64/v8.2", "linux/arm64/v8.2"},
        {"linux/arm64/v9.0", "linux/arm64/v9"}, {"linux/arm64/v9", "linux/arm64/v9"},
        {"linux/amd64/v1", "linux/amd64"},    {"linux/amd64/v3", "linux/amd64/v3"},
        {"linux/arm", "linux/arm/v7"},        {"linux/arm/v6", "linux/arm/v6"},
        {"windows/amd64", "windows/amd64"},   {"linux", "linux"},
    };
    char out[MA_PLATFORM_MAX];
    for (size_t i = 0; i < sizeof normal / sizeof normal[0]; i++) {
        ma_platform_normalize(normal[i].given, out);
        CHECK_STR(out, normal[i].normal);
    }
    CHECK(ma_platform_same("linux/arm64/v8", "linux/arm64"));
    CHECK(ma_platform_same("linux/arm64/v8.0", "linux/arm64/v8"));
    CHECK(ma_platform_same("linux/arm", "linux/arm/v7"));
    CHECK(ma_platform_same("linux/amd64", "linux/amd64/v1"));
    CHECK(!ma_platform_same("linux/arm64/v8.2", "linux/arm64"));
    CHECK(!ma_platform_same("linux/arm/v6", "linux/arm"));
    CHECK(!ma_platform_same("linux/amd64/v2", "linux/amd64"));
    CHECK(!ma_platform_same("windows/amd64", "linux/amd64"));
    /* the builder check and the index checks: a list holds a platform in any spelling */
    ma_strlist builder = MA_STRLIST_INIT;
    CHECK(ma_platforms_parse("linux/amd64,linux/arm64,linux/arm/v7", &builder, NULL) == 0);
    CHECK(ma_platforms_hold(&builder, "linux/arm64/v8.0"));
    CHECK(ma_platforms_hold(&builder, "linux/arm"));
    CHECK(ma_platforms_hold(&builder, "linux/amd64/v1"));
    CHECK(!ma_platforms_hold(&builder, "linux/arm/v6"));
    ma_strlist_free(&builder);
    /* a name longer than the buffer is cut, never overrun */
    char longname[300];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    ma_platform_normalize(longname, out);
    CHECK(strlen(out) == MA_PLATFORM_MAX - 1);
}

int main(void)
{
    test_same();
    test_valid();
    test_invalid();
    test_very_long();
    test_parse();
    test_from_machine();
    return CHECK_DONE();
}

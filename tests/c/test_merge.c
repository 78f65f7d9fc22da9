/* Which recorded digests make up one image of a merge: sources in platform
 * order, other components ignored, and every way a digest directory can be
 * wrong refused with a message naming the file. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "merge.h"

#define CHECK_LIST(got, ...)                                       \
    do {                                                           \
        const char *const want_[] = {__VA_ARGS__, NULL};           \
        check_strlist_((got), want_, #got, __FILE__, __LINE__);    \
    } while (0)

#define IMG "ghcr.io/colliery-io/brokkr-broker"
#define REV "0123456789abcdef0123456789abcdef01234567"
#define REV2 "fedcba9876543210fedcba9876543210fedcba98"
#define D_A "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D_B "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D_C "sha256:3333333333333333333333333333333333333333333333333333333333333333"
#define DIR "/tmp/digests"

/* A record over borrowed strings: the set is never freed with ma_digest_set_free. */
static ma_digest_record rec(const char *file, const char *component, const char *image, const char *platform,
                            const char *digest, const char *revision)
{
    ma_digest_record r = {(char *)component, (char *)image, (char *)platform, (char *)digest, (char *)revision,
                          (char *)file};
    return r;
}

/* The broker's merge of `platforms` (comma-separated) at `revision`. */
typedef struct {
    ma_strlist platforms;
    ma_merge_inputs in;
} merge_case;

static void case_init_(merge_case *c, const char *platforms, const char *revision)
{
    memset(c, 0, sizeof *c);
    CHECK(ma_strlist_split(&c->platforms, platforms, ',') == 0);
    c->in.component = "broker";
    c->in.image = IMG;
    c->in.platforms = &c->platforms;
    c->in.revision = revision;
    c->in.dir = DIR;
}
#define case_init(...) CASE(case_init_(__VA_ARGS__))

/* Merging `records` fails with MA_ERR_INPUT whose message holds every `want` (NULL-terminated);
 * the sources list is left as it was. */
static void check_merge_fails_(const merge_case *c, ma_digest_record *records, size_t n, const char *const *want,
                               int line)
{
    ma_digest_set set = {records, n};
    ma_strlist sources = MA_STRLIST_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    int rc = ma_merge_sources(&c->in, &set, &sources, &err);
    int ok = rc == -1 && err.kind == MA_ERR_INPUT && sources.len == 0;
    for (size_t i = 0; ok && want[i] != NULL; i++)
        ok = contains(err.msg, want[i]);
    check_count++;
    if (!ok) {
        check_failures++;
        fprintf(stderr, "%s:%d: merge: rc %d kind %d sources %zu msg: %s\n", __FILE__, line, rc, (int)err.kind,
                sources.len, err.msg);
        for (size_t i = 0; want[i] != NULL; i++)
            fprintf(stderr, "  want: %s\n", want[i]);
    }
    ma_strlist_free(&sources);
}
#define CHECK_MERGE_FAILS(c, records, ...)                                                            \
    do {                                                                                              \
        const char *const want_[] = {__VA_ARGS__, NULL};                                              \
        check_merge_fails_((c), (records), sizeof(records) / sizeof((records)[0]), want_, __LINE__); \
    } while (0)

/* Sources come in the order of the platforms asked for, not of the files;
 * other components' records are ignored, even ones that would be wrong here. */
static void test_happy_path(void)
{
    merge_case c;
    case_init(&c, "linux/amd64,linux/arm64,linux/arm/v7", REV);
    ma_digest_record records[] = {
        rec("agent-linux-amd64.json", "agent", "ghcr.io/colliery-io/brokkr-agent", "linux/s390x", D_A, REV2),
        rec("b/broker-linux-arm-v7.json", "broker", IMG, "linux/arm/v7", D_C, REV),
        rec("broker-linux-arm64.json", "broker", IMG, "linux/arm64", D_B, NULL),
        rec("c/broker-linux-amd64.json", "broker", IMG, "linux/amd64", D_A, REV),
        rec("ui-linux-amd64.json", "ui", "elsewhere/ui", "linux/x86_64", "junk", NULL),
    };
    ma_digest_set set = {records, sizeof records / sizeof records[0]};
    ma_strlist sources = MA_STRLIST_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_merge_sources(&c.in, &set, &sources, &err) == 0);
    CHECK_LIST(&sources, IMG "@" D_A, IMG "@" D_B, IMG "@" D_C);
    ma_strlist_free(&sources);

    /* the sources are appended after what the list holds */
    CHECK(ma_strlist_push(&sources, "first") == 0);
    CHECK(ma_merge_sources(&c.in, &set, &sources, &err) == 0);
    CHECK_LIST(&sources, "first", IMG "@" D_A, IMG "@" D_B, IMG "@" D_C);
    ma_strlist_free(&sources);

    /* an unknown commit on either side is no mismatch */
    c.in.revision = NULL;
    CHECK(ma_merge_sources(&c.in, &set, &sources, &err) == 0);
    CHECK(sources.len == 3);
    ma_strlist_free(&sources);
    ma_strlist_free(&c.platforms);
}

/* A platform without a record: the message names component, platform and directory. */
static void test_missing_platform(void)
{
    merge_case c;
    case_init(&c, "linux/amd64,linux/arm64", REV);
    ma_digest_record records[] = {
        rec("broker-linux-amd64.json", "broker", IMG, "linux/amd64", D_A, REV),
        rec("agent-linux-arm64.json", "agent", "ghcr.io/colliery-io/brokkr-agent", "linux/arm64", D_B, REV),
    };
    CHECK_MERGE_FAILS(&c, records, "no digest for broker linux/arm64 in '" DIR "'", "--push-by-digest");

    /* no record of this component at all: the first platform is named */
    ma_digest_record others[] = {
        rec("agent-linux-amd64.json", "agent", "ghcr.io/colliery-io/brokkr-agent", "linux/amd64", D_A, REV),
    };
    CHECK_MERGE_FAILS(&c, others, "no digest for broker linux/amd64");
    ma_strlist_free(&c.platforms);
}

/* Two records for one platform (two runs, or one file collected twice): both are named. */
static void test_platform_twice(void)
{
    merge_case c;
    case_init(&c, "linux/amd64,linux/arm64", REV);
    ma_digest_record records[] = {
        rec("run-1/broker-linux-amd64.json", "broker", IMG, "linux/amd64", D_A, REV),
        rec("broker-linux-arm64.json", "broker", IMG, "linux/arm64", D_B, REV),
        rec("run-2/broker-linux-amd64.json", "broker", IMG, "linux/amd64", D_C, REV),
    };
    CHECK_MERGE_FAILS(&c, records, "two digests for broker linux/amd64",
                      "run-1/broker-linux-amd64.json (" D_A ")", "run-2/broker-linux-amd64.json (" D_C ")",
                      "keep one");
    ma_strlist_free(&c.platforms);
}

/* A record pushed to another registry or repository than this merge publishes. */
static void test_wrong_image(void)
{
    merge_case c;
    case_init(&c, "linux/amd64,linux/arm64", REV);
    ma_digest_record records[] = {
        rec("broker-linux-amd64.json", "broker", IMG, "linux/amd64", D_A, REV),
        rec("broker-linux-arm64.json", "broker", "localhost:5000/brokkr-broker", "linux/arm64", D_B, REV),
    };
    CHECK_MERGE_FAILS(&c, records, "digest file broker-linux-arm64.json was pushed to localhost:5000/brokkr-broker",
                      "this merge publishes " IMG, "--registry");
    ma_strlist_free(&c.platforms);
}

/* A record of a platform the merge does not expect: named with the expected list. */
static void test_unexpected_platform(void)
{
    merge_case c;
    case_init(&c, "linux/amd64,linux/arm64", REV);
    ma_digest_record records[] = {
        rec("broker-linux-amd64.json", "broker", IMG, "linux/amd64", D_A, REV),
        rec("broker-linux-arm64.json", "broker", IMG, "linux/arm64", D_B, REV),
        rec("broker-linux-s390x.json", "broker", IMG, "linux/s390x", D_C, REV),
    };
    CHECK_MERGE_FAILS(&c, records, "digest file broker-linux-s390x.json holds broker linux/s390x",
                      "not an expected platform (linux/amd64, linux/arm64)", "--platforms");
    ma_strlist_free(&c.platforms);
}

/* Records name platforms in containerd's other spellings (buildx writes
 * linux/arm64/v8 for an arm64 host): they are the platforms asked for. */
static void test_platform_spellings(void)
{
    merge_case c;
    case_init(&c, "linux/amd64,linux/arm64,linux/arm", REV);
    ma_digest_record records[] = {
        rec("broker-linux-arm64-v8.json", "broker", IMG, "linux/arm64/v8", D_B, REV),
        rec("broker-linux-amd64-v1.json", "broker", IMG, "linux/amd64/v1", D_A, REV),
        rec("broker-linux-arm-v7.json", "broker", IMG, "linux/arm/v7", D_C, REV),
    };
    ma_digest_set set = {records, sizeof records / sizeof records[0]};
    ma_strlist sources = MA_STRLIST_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_merge_sources(&c.in, &set, &sources, &err) == 0);
    CHECK_LIST(&sources, IMG "@" D_A, IMG "@" D_B, IMG "@" D_C);
    ma_strlist_free(&sources);

    /* two spellings of one platform are two digests for it */
    ma_digest_record twice[] = {
        rec("a.json", "broker", IMG, "linux/arm64", D_A, REV),
        rec("b.json", "broker", IMG, "linux/arm64/v8.0", D_B, REV),
    };
    CHECK_MERGE_FAILS(&c, twice, "two digests for broker linux/arm64/v8.0", "a.json", "b.json");
    ma_strlist_free(&c.platforms);
}

/* A record built from another commit than the one being tagged. */
static void test_revision_mismatch(void)
{
    merge_case c;
    case_init(&c, "linux/amd64,linux/arm64", REV);
    ma_digest_record records[] = {
        rec("broker-linux-amd64.json", "broker", IMG, "linux/amd64", D_A, REV),
        rec("broker-linux-arm64.json", "broker", IMG, "linux/arm64", D_B, REV2),
    };
    CHECK_MERGE_FAILS(&c, records, "digest file broker-linux-arm64.json was built from commit fedcba987654,",
                      "this merge tags commit 0123456789ab:");
    ma_strlist_free(&c.platforms);
}

/* A record whose platform is no platform: the platform check's own words, with the file. */
static void test_invalid_platform(void)
{
    merge_case c;
    case_init(&c, "linux/amd64,linux/arm64", REV);
    ma_digest_record records[] = {
        rec("broker-linux-amd64.json", "broker", IMG, "linux/amd64", D_A, REV),
        rec("broker-linux-x86_64.json", "broker", IMG, "linux/x86_64", D_B, REV),
    };
    CHECK_MERGE_FAILS(&c, records, "digest file broker-linux-x86_64.json: invalid platform 'linux/x86_64'");
    ma_strlist_free(&c.platforms);
}

int main(void)
{
    test_happy_path();
    test_missing_platform();
    test_platform_twice();
    test_wrong_image();
    test_unexpected_platform();
    test_platform_spellings();
    test_revision_mismatch();
    test_invalid_platform();
    return CHECK_DONE();
}

/* The plan in its other modes and with its newer inputs: a push by digest
 * (one platform, a record file, no tags moved), a merge (no build, the
 * recorded digests as sources), the registry cache defaults and overrides,
 * the VERSION and SOURCE_DATE_EPOCH build arguments, and the OCI labels. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "config.h"
#include "plan.h"

#define REV "0123456789abcdef0123456789abcdef01234567"
#define REV2 "fedcba9876543210fedcba9876543210fedcba98"
#define BROKER "ghcr.io/colliery-io/brokkr-broker"
#define AGENT "ghcr.io/colliery-io/brokkr-agent"
#define D_A "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D_B "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D_C "sha256:3333333333333333333333333333333333333333333333333333333333333333"
#define CACHE_REF(image, tag) "type=registry,ref=" image ":" tag
#define CACHE_TO(image, tag) "type=registry,ref=" image ":" tag ",mode=max,image-manifest=true,oci-mediatypes=true"
#define L "org.opencontainers.image."
#define ANN(level, kv) "--annotation", level ":" L kv

#define CHECK_LIST(got, ...)                                       \
    do {                                                           \
        const char *const want_[] = {__VA_ARGS__, NULL};           \
        check_strlist_((got), want_, #got, __FILE__, __LINE__);    \
    } while (0)
#define CHECK_EMPTY(got) CHECK((got)->len == 0)

/* ---- helpers ---- */

typedef struct {
    ma_config cfg;
    ma_strlist tags;
    ma_plan_inputs in;
    ma_plan plan;
    ma_error err;
} fixture;

/* The Brokkr defaults (or `config_json`), these tags, and inputs like
 * tests/c/test_plan.c's base_inputs: broker, pushed, a known commit. */
static int fixture_init(fixture *f, const char *config_json, ...)
{
    memset(f, 0, sizeof *f);
    int rc = config_json != NULL ? ma_config_parse(config_json, "test.json", &f->cfg, &f->err)
                                 : ma_config_defaults(&f->cfg, &f->err);
    CHECK(rc == 0);
    if (rc != 0)
        return -1;
    va_list ap;
    va_start(ap, config_json);
    for (const char *t = va_arg(ap, const char *); t != NULL; t = va_arg(ap, const char *))
        ma_strlist_push(&f->tags, t);
    va_end(ap);
    f->in.req.component = "broker";
    f->in.tags = &f->tags;
    f->in.host_platform = "linux/amd64";
    f->in.req.run_dir = "/tmp/run-1";
    f->in.revision = REV;
    f->in.req.project_dir = "/src/brokkr";
    f->in.req.push = 1;
    f->in.config = &f->cfg;
    return 0;
}

static void fixture_free(fixture *f)
{
    ma_plan_free(&f->plan);
    ma_strlist_free(&f->tags);
    ma_config_free(&f->cfg);
}

/* Build the plan; 1 when it holds exactly `nimages` images (so the test may look at them). */
static int build_ok_(fixture *f, size_t nimages, int line)
{
    ma_plan_free(&f->plan);
    ma_error_clear(&f->err);
    int rc = ma_plan_build(&f->in, &f->plan, &f->err);
    check_count++;
    if (rc != 0 || f->plan.nimages != nimages) {
        check_failures++;
        fprintf(stderr, "%s:%d: plan: rc %d, %zu images (want %zu): %s\n", __FILE__, line, rc, f->plan.nimages,
                nimages, f->err.msg);
        return 0;
    }
    return 1;
}
#define BUILD_OK(f, n) build_ok_((f), (n), __LINE__)

/* Building fails with `kind` and a message holding `why`, leaving an empty plan. */
static void build_fails_(fixture *f, ma_error_kind kind, const char *why, int line)
{
    ma_plan_free(&f->plan);
    ma_error_clear(&f->err);
    int rc = ma_plan_build(&f->in, &f->plan, &f->err);
    check_count++;
    if (rc != -1 || f->err.kind != kind || !contains(f->err.msg, why) || f->plan.images != NULL ||
        f->plan.nimages != 0) {
        check_failures++;
        fprintf(stderr, "%s:%d: plan: rc %d kind %d (want %d), msg: %s (want \"%s\")\n", __FILE__, line, rc,
                (int)f->err.kind, (int)kind, f->err.msg, why);
    }
}
#define BUILD_FAILS(f, kind, why) build_fails_((f), (kind), (why), __LINE__)

/* How often `word` is an item of argv. */
static size_t count_of(const ma_strlist *argv, const char *word)
{
    size_t n = 0;
    for (size_t i = 0; i < argv->len; i++)
        n += strcmp(argv->items[i], word) == 0;
    return n;
}

/* The items following each `flag` in argv, in order. */
static void values_of(const ma_strlist *argv, const char *flag, ma_strlist *out)
{
    ma_strlist_free(out);
    for (size_t i = 0; i + 1 < argv->len; i++)
        if (strcmp(argv->items[i], flag) == 0)
            ma_strlist_push(out, argv->items[i + 1]);
}

/* ---- push by digest ---- */

/* One platform, built and pushed by digest with a record file to write; the
 * tags are kept (VERSION, the version label) but no ref, no promote. */
static void test_by_digest_plan(void)
{
    fixture f;
    if (fixture_init(&f, NULL, "v1.2.3", "v1.2", "latest", "sha-abc1234", NULL) != 0)
        return;
    f.in.req.mode = MA_MODE_BY_DIGEST;
    f.in.req.push = 0; /* the mode decides: a push by digest pushes */
    f.in.req.platforms = "linux/arm64";
    f.in.req.digest_dir = "/tmp/digests";
    if (BUILD_OK(&f, 1)) {
        const ma_image_plan *b = &f.plan.images[0];
        CHECK(f.plan.req.mode == MA_MODE_BY_DIGEST);
        CHECK(f.plan.req.push == 1);
        CHECK_STR(ma_plan_mode_name(f.plan.req.mode), "push-by-digest");
        CHECK_STR(f.plan.req.digest_dir, "/tmp/digests");
        CHECK_STR(b->digest_file, "/tmp/digests/broker-linux-arm64.json");
        CHECK_STR(b->metadata_file, "/tmp/run-1/broker.metadata.json");
        CHECK_LIST(&b->platforms, "linux/arm64");
        CHECK_LIST(&b->tags, "v1.2.3", "v1.2", "latest", "sha-abc1234");
        CHECK_EMPTY(&b->refs);
        CHECK_EMPTY(&b->immutable_tags);
        CHECK_EMPTY(&b->mutable_tags);
        CHECK_LIST(&b->sources, BROKER "@<digest>");
        CHECK_LIST(&b->build_argv, "docker", "buildx", "build", "--builder", "brokkr-builder", "--platform",
                   "linux/arm64", "--file", "docker/Dockerfile.broker", "--build-arg", "VERSION=v1.2.3", "--label",
                   L "revision=" REV, "--label", L "version=v1.2.3", "--label", L "title=brokkr-broker",
                   ANN("manifest", "revision=" REV), ANN("manifest", "version=v1.2.3"),
                   ANN("manifest", "title=brokkr-broker"), ANN("manifest", "description=Central management service"),
                   "--cache-from", CACHE_REF(BROKER, "buildcache-linux-arm64"), "--cache-to",
                   CACHE_TO(BROKER, "buildcache-linux-arm64"), "--output",
                   "type=image,name=" BROKER ",push-by-digest=true,name-canonical=true,push=true,store=false",
                   "--metadata-file", "/tmp/run-1/broker.metadata.json", ".");
    }

    /* all components: a record file each, named by component and platform */
    f.in.req.component = "all";
    f.in.req.platforms = "linux/arm/v7";
    if (BUILD_OK(&f, 3)) {
        CHECK_STR(f.plan.images[0].digest_file, "/tmp/digests/broker-linux-arm-v7.json");
        CHECK_STR(f.plan.images[1].digest_file, "/tmp/digests/agent-linux-arm-v7.json");
        CHECK_STR(f.plan.images[2].digest_file, "/tmp/digests/ui-linux-arm-v7.json");
        CHECK_STR(f.plan.images[2].metadata_file, "/tmp/run-1/ui.metadata.json");
    }

    /* the other modes have no record file and no digest directory */
    f.in.req.mode = MA_MODE_LOCAL;
    f.in.req.push = 1;
    f.in.req.digest_dir = NULL;
    f.in.req.platforms = NULL;
    if (BUILD_OK(&f, 3)) {
        CHECK_STR(f.plan.req.digest_dir, NULL);
        CHECK_STR(f.plan.images[0].digest_file, NULL);
        CHECK_STR(ma_plan_mode_name(f.plan.req.mode), "push");
    }
    fixture_free(&f);
}

/* A push by digest builds exactly one named platform into a digest directory. */
static void test_by_digest_refused(void)
{
    fixture f;
    if (fixture_init(&f, NULL, "v1.2.3", NULL) != 0)
        return;
    f.in.req.mode = MA_MODE_BY_DIGEST;
    f.in.req.digest_dir = "/tmp/digests";
    f.in.req.platforms = NULL; /* not the config's push platforms, not the host's */
    BUILD_FAILS(&f, MA_ERR_INPUT, "pass it with --platforms");
    f.in.req.platforms = "linux/amd64,linux/arm64";
    BUILD_FAILS(&f, MA_ERR_INPUT, "builds one platform per run, but --platforms names 2 (linux/amd64,linux/arm64)");
    f.in.req.platforms = "linux/amd64";
    f.in.req.digest_dir = NULL;
    BUILD_FAILS(&f, MA_ERR_INPUT, "--push-by-digest needs --digest-dir");
    f.in.req.digest_dir = "";
    BUILD_FAILS(&f, MA_ERR_INPUT, "--push-by-digest needs --digest-dir");

    /* --digest-dir belongs to the matrix flow only */
    f.in.req.mode = MA_MODE_PUSH;
    f.in.req.digest_dir = "/tmp/digests";
    BUILD_FAILS(&f, MA_ERR_INPUT, "--digest-dir goes with --push-by-digest");
    f.in.req.mode = MA_MODE_LOCAL;
    f.in.req.push = 0;
    BUILD_FAILS(&f, MA_ERR_INPUT, "--digest-dir goes with --push-by-digest");
    fixture_free(&f);
}

/* ---- merge ---- */

/* The broker's two records (files listed arm64 first) and an agent record. */
static ma_digest_record merge_records[] = {
    {(char *)"agent", (char *)AGENT, (char *)"linux/amd64", (char *)D_C, (char *)REV, (char *)"agent-linux-amd64.json"},
    {(char *)"broker", (char *)BROKER, (char *)"linux/arm64", (char *)D_B, (char *)REV, (char *)"a/broker-linux-arm64.json"},
    {(char *)"broker", (char *)BROKER, (char *)"linux/amd64", (char *)D_A, (char *)REV, (char *)"b/broker-linux-amd64.json"},
};

/* No build: the tags point at the index of the recorded digests, in platform order. */
static void test_merge_plan(void)
{
    fixture f;
    if (fixture_init(&f, NULL, "v1.2.3", "v1.2", "latest", "sha-abc1234", NULL) != 0)
        return;
    ma_digest_set set = {merge_records, 3};
    f.in.req.mode = MA_MODE_MERGE;
    f.in.req.digest_dir = "/tmp/digests";
    f.in.digests = &set;
    if (BUILD_OK(&f, 1)) {
        const ma_image_plan *b = &f.plan.images[0];
        CHECK(f.plan.req.mode == MA_MODE_MERGE);
        CHECK(f.plan.req.push == 1);
        CHECK_STR(ma_plan_mode_name(f.plan.req.mode), "merge");
        CHECK_STR(f.plan.req.digest_dir, "/tmp/digests");
        CHECK_EMPTY(&b->build_argv);
        CHECK_STR(b->metadata_file, NULL);
        CHECK_STR(b->digest_file, NULL);
        CHECK_LIST(&b->platforms, "linux/amd64", "linux/arm64");
        CHECK_LIST(&b->sources, BROKER "@" D_A, BROKER "@" D_B);
        CHECK_LIST(&b->refs, BROKER ":v1.2.3", BROKER ":v1.2", BROKER ":latest", BROKER ":sha-abc1234");
        CHECK_LIST(&b->immutable_tags, "v1.2.3", "sha-abc1234");
        CHECK_LIST(&b->mutable_tags, "v1.2", "latest");
        CHECK_LIST(&b->labels, L "revision=" REV, L "version=v1.2.3", L "title=brokkr-broker");
    }

    /* explicit --platforms in another order: sources follow it */
    f.in.req.platforms = "linux/arm64,linux/amd64";
    if (BUILD_OK(&f, 1))
        CHECK_LIST(&f.plan.images[0].sources, BROKER "@" D_B, BROKER "@" D_A);
    fixture_free(&f);
}

/* The merge's own refusals surface as plan errors; so do missing inputs. */
static void test_merge_refused(void)
{
    fixture f;
    if (fixture_init(&f, NULL, "v1.2.3", NULL) != 0)
        return;
    ma_digest_set set = {merge_records, 3};
    f.in.req.mode = MA_MODE_MERGE;
    f.in.req.digest_dir = "/tmp/digests";
    f.in.digests = &set;

    /* agent has only amd64 */
    f.in.req.component = "all";
    BUILD_FAILS(&f, MA_ERR_INPUT, "no digest for agent linux/arm64 in '/tmp/digests'");
    /* only arm64 asked for, but amd64 was recorded too */
    f.in.req.component = "broker";
    f.in.req.platforms = "linux/arm64";
    BUILD_FAILS(&f, MA_ERR_INPUT, "b/broker-linux-amd64.json holds broker linux/amd64, which is not an expected");
    /* merging on another commit than the one built */
    f.in.req.platforms = NULL;
    f.in.revision = REV2;
    BUILD_FAILS(&f, MA_ERR_INPUT, "was built from commit 0123456789ab");
    /* pushed to another registry */
    f.in.revision = REV;
    f.in.req.registry = "localhost:5000";
    BUILD_FAILS(&f, MA_ERR_INPUT, "this merge publishes localhost:5000/brokkr-broker");
    f.in.req.registry = NULL;
    /* no records read, or no directory */
    f.in.digests = NULL;
    BUILD_FAILS(&f, MA_ERR_INPUT, "no digest records");
    f.in.digests = &set;
    f.in.req.digest_dir = NULL;
    BUILD_FAILS(&f, MA_ERR_INPUT, "merge needs --digest-dir");
    fixture_free(&f);
}

/* ---- registry cache ---- */

/* One platform reads and (when pushing) writes its own cache; several read
 * each single-platform cache (what matrix runners write) and the combined
 * one, and write only the combined one. */
static void test_cache_defaults(void)
{
    fixture f;
    if (fixture_init(&f, NULL, "v1.2.3", NULL) != 0)
        return;
    ma_strlist from = MA_STRLIST_INIT, to = MA_STRLIST_INIT;

    f.in.req.platforms = "linux/s390x";
    if (BUILD_OK(&f, 1)) {
        values_of(&f.plan.images[0].build_argv, "--cache-from", &from);
        values_of(&f.plan.images[0].build_argv, "--cache-to", &to);
        CHECK_LIST(&from, CACHE_REF(BROKER, "buildcache-linux-s390x"));
        CHECK_LIST(&to, CACHE_TO(BROKER, "buildcache-linux-s390x"));
    }

    f.in.req.platforms = "linux/amd64,linux/arm64,linux/arm/v7";
    if (BUILD_OK(&f, 1)) {
        values_of(&f.plan.images[0].build_argv, "--cache-from", &from);
        values_of(&f.plan.images[0].build_argv, "--cache-to", &to);
        CHECK_LIST(&from, CACHE_REF(BROKER, "buildcache-linux-amd64"), CACHE_REF(BROKER, "buildcache-linux-arm64"),
                   CACHE_REF(BROKER, "buildcache-linux-arm-v7"),
                   CACHE_REF(BROKER, "buildcache-linux-amd64_linux-arm64_linux-arm-v7"));
        CHECK_LIST(&to, CACHE_TO(BROKER, "buildcache-linux-amd64_linux-arm64_linux-arm-v7"));
    }

    /* a local build reads the cache but never writes it */
    f.in.req.push = 0;
    f.in.req.platforms = "linux/arm64";
    if (BUILD_OK(&f, 1)) {
        values_of(&f.plan.images[0].build_argv, "--cache-from", &from);
        CHECK_LIST(&from, CACHE_REF(BROKER, "buildcache-linux-arm64"));
        CHECK(count_of(&f.plan.images[0].build_argv, "--cache-to") == 0);
    }
    ma_strlist_free(&from);
    ma_strlist_free(&to);
    fixture_free(&f);
}

/* "none" turns a cache off; any other spec is passed through as it is, in place of the default. */
static void test_cache_overrides(void)
{
    fixture f;
    if (fixture_init(&f, NULL, "v1.2.3", NULL) != 0)
        return;
    ma_strlist from = MA_STRLIST_INIT, to = MA_STRLIST_INIT;

    f.in.req.cache_from = "none";
    if (BUILD_OK(&f, 1)) {
        CHECK(count_of(&f.plan.images[0].build_argv, "--cache-from") == 0);
        values_of(&f.plan.images[0].build_argv, "--cache-to", &to);
        CHECK_LIST(&to, CACHE_TO(BROKER, "buildcache-linux-amd64_linux-arm64"));
    }
    f.in.req.cache_to = "none";
    if (BUILD_OK(&f, 1)) {
        CHECK(count_of(&f.plan.images[0].build_argv, "--cache-from") == 0);
        CHECK(count_of(&f.plan.images[0].build_argv, "--cache-to") == 0);
        for (size_t i = 0; i < f.plan.images[0].build_argv.len; i++)
            CHECK(!contains(f.plan.images[0].build_argv.items[i], "buildcache"));
    }

    f.in.req.cache_from = "type=gha,scope=broker";
    f.in.req.cache_to = "type=gha,scope=broker,mode=max";
    if (BUILD_OK(&f, 1)) {
        values_of(&f.plan.images[0].build_argv, "--cache-from", &from);
        values_of(&f.plan.images[0].build_argv, "--cache-to", &to);
        CHECK_LIST(&from, "type=gha,scope=broker");
        CHECK_LIST(&to, "type=gha,scope=broker,mode=max");
    }

    /* an explicit --cache-to is honoured even on a local build */
    f.in.req.push = 0;
    f.in.req.platforms = "linux/amd64";
    f.in.req.cache_from = NULL;
    f.in.req.cache_to = "type=local,dest=/tmp/cache";
    if (BUILD_OK(&f, 1)) {
        values_of(&f.plan.images[0].build_argv, "--cache-from", &from);
        values_of(&f.plan.images[0].build_argv, "--cache-to", &to);
        CHECK_LIST(&from, CACHE_REF(BROKER, "buildcache-linux-amd64"));
        CHECK_LIST(&to, "type=local,dest=/tmp/cache");
    }
    ma_strlist_free(&from);
    ma_strlist_free(&to);
    fixture_free(&f);
}

/* An empty (or blank) cache spec is refused, naming the flag. */
static void test_cache_empty_refused(void)
{
    fixture f;
    if (fixture_init(&f, NULL, "v1.2.3", NULL) != 0)
        return;
    f.in.req.cache_from = "";
    BUILD_FAILS(&f, MA_ERR_INPUT, "empty --cache-from");
    f.in.req.cache_from = "   ";
    BUILD_FAILS(&f, MA_ERR_INPUT, "empty --cache-from");
    f.in.req.cache_from = NULL;
    f.in.req.cache_to = "";
    BUILD_FAILS(&f, MA_ERR_INPUT, "empty --cache-to");
    fixture_free(&f);
}

/* ---- build arguments ---- */

/* VERSION is the first tag unless the config sets its own; SOURCE_DATE_EPOCH
 * is passed on when given (and not set by the config). */
static void test_build_args(void)
{
    fixture f;
    if (fixture_init(&f, NULL, "v1.2.3", "latest", NULL) != 0)
        return;
    ma_strlist args = MA_STRLIST_INIT;
    if (BUILD_OK(&f, 1)) {
        values_of(&f.plan.images[0].build_argv, "--build-arg", &args);
        CHECK_LIST(&args, "VERSION=v1.2.3");
    }
    f.in.source_date_epoch = "1700000000";
    if (BUILD_OK(&f, 1)) {
        values_of(&f.plan.images[0].build_argv, "--build-arg", &args);
        CHECK_LIST(&args, "VERSION=v1.2.3", "SOURCE_DATE_EPOCH=1700000000");
    }
    fixture_free(&f);

    const char *json = "{\"components\": {\"api\": {\"build_args\": {\"VERSION\": \"9.9\", \"RUST\": \"1.80\","
                       " \"SOURCE_DATE_EPOCH\": \"0\"}},"
                       " \"web\": {\"build_args\": {\"VERSION_SUFFIX\": \"-x\"}}}}";
    if (fixture_init(&f, json, "v2.0.0", NULL) != 0)
        return;
    f.in.req.component = "api";
    f.in.source_date_epoch = "1700000000";
    if (BUILD_OK(&f, 1)) {
        values_of(&f.plan.images[0].build_argv, "--build-arg", &args);
        CHECK_LIST(&args, "VERSION=9.9", "RUST=1.80", "SOURCE_DATE_EPOCH=0");
    }
    /* VERSION_SUFFIX is not VERSION */
    f.in.req.component = "web";
    f.in.source_date_epoch = NULL;
    if (BUILD_OK(&f, 1)) {
        values_of(&f.plan.images[0].build_argv, "--build-arg", &args);
        CHECK_LIST(&args, "VERSION_SUFFIX=-x", "VERSION=v2.0.0");
    }
    ma_strlist_free(&args);
    fixture_free(&f);
}

/* ---- labels ---- */

/* The label facts become --label arguments in the fixed order, per image. */
static void test_labels_in_argv(void)
{
    fixture f;
    if (fixture_init(&f, NULL, "v1.2.3", "latest", NULL) != 0)
        return;
    f.in.req.component = "all";
    f.in.label_facts.remote_url = "https://x-access-token:SECRET@github.com/colliery-io/brokkr.git";
    f.in.label_facts.have_created = 1;
    f.in.label_facts.created = 1700000000;
    /* per-image facts in label_facts are replaced by the plan's own */
    f.in.label_facts.revision = "stale";
    f.in.label_facts.version = "stale";
    f.in.label_facts.title = "stale";
    ma_strlist labels = MA_STRLIST_INIT;
    if (BUILD_OK(&f, 3)) {
        const ma_image_plan *a = &f.plan.images[1];
        CHECK_LIST(&a->labels, L "source=https://github.com/colliery-io/brokkr", L "revision=" REV,
                   L "version=v1.2.3", L "created=2023-11-14T22:13:20Z", L "title=brokkr-agent");
        values_of(&a->build_argv, "--label", &labels);
        CHECK_LIST(&labels, L "source=https://github.com/colliery-io/brokkr", L "revision=" REV,
                   L "version=v1.2.3", L "created=2023-11-14T22:13:20Z", L "title=brokkr-agent");
        values_of(&f.plan.images[2].build_argv, "--label", &labels);
        CHECK(labels.len == 5 && strcmp(labels.items[4], L "title=brokkr-ui") == 0);
        for (size_t i = 0; i < f.plan.nimages; i++)
            for (size_t k = 0; k < f.plan.images[i].build_argv.len; k++)
                CHECK(!contains(f.plan.images[i].build_argv.items[k], "SECRET"));
    }

    /* no commit known: no revision label */
    f.in.revision = NULL;
    f.in.req.component = "broker";
    if (BUILD_OK(&f, 1)) {
        values_of(&f.plan.images[0].build_argv, "--label", &labels);
        CHECK_LIST(&labels, L "source=https://github.com/colliery-io/brokkr", L "version=v1.2.3",
                   L "created=2023-11-14T22:13:20Z", L "title=brokkr-broker");
    }
    ma_strlist_free(&labels);
    fixture_free(&f);
}

/* Under version_prefix "", 1.2.3 is the immutable tag; with no sha- tag in
 * the policy, the docker driver has nothing to land a branch build on. */
static void test_tag_policy(void)
{
    fixture f;
    if (fixture_init(&f, "{\"tags\": {\"version_prefix\": \"\", \"sha\": false}}", "1.2.3", "1.2", "1", "latest",
                     NULL) != 0)
        return;
    if (BUILD_OK(&f, 1)) {
        CHECK_LIST(&f.plan.images[0].immutable_tags, "1.2.3");
        CHECK_LIST(&f.plan.images[0].mutable_tags, "1.2", "1", "latest");
        CHECK_STR(f.plan.tag_policy.version_prefix, "");
        CHECK(!f.plan.tag_policy.sha);
    }
    f.in.req.push_by_tag = 1; /* the docker driver lands on 1.2.3 */
    if (BUILD_OK(&f, 1))
        CHECK_LIST(&f.plan.tags, "1.2.3", "1.2", "1", "latest");
    ma_strlist_free(&f.tags);
    ma_strlist_push(&f.tags, "main");
    BUILD_FAILS(&f, MA_ERR_INPUT, "no sha- tag (tags.sha false)");
    ma_tag_policy seed;
    ma_tag_policy_default(&seed);
    f.in.tag_policy = &seed; /* the options over the config: the seed's policy lands on sha- */
    if (BUILD_OK(&f, 1))
        CHECK_LIST(&f.plan.tags, "main", "sha-0123456");
    fixture_free(&f);
}

int main(void)
{
    test_tag_policy();
    test_by_digest_plan();
    test_by_digest_refused();
    test_merge_plan();
    test_merge_refused();
    test_cache_defaults();
    test_cache_overrides();
    test_cache_empty_refused();
    test_build_args();
    test_labels_in_argv();
    return CHECK_DONE();
}

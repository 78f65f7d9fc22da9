/* The build plan: exact docker argv per image for a push, a local build, and
 * the inputs it refuses; registry validation. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "buildcmd.h"
#include "config.h"
#include "options.h"
#include "plan.h"
#include "planjson.h"

/* One `--annotation LEVEL:org.opencontainers.image.KEY=VALUE` pair. */
#define ANN(level, kv) "--annotation", level ":org.opencontainers.image." kv
#define REV "0123456789abcdef0123456789abcdef01234567"

#define CHECK_LIST(got, ...)                                          \
    do {                                                              \
        const char *const want_[] = {__VA_ARGS__, NULL};              \
        check_strlist_((got), want_, #got, __FILE__, __LINE__);                    \
    } while (0)
#define CHECK_EMPTY(got) CHECK((got)->len == 0)

static void make_tags(ma_strlist *tags, ...)
{
    va_list ap;
    va_start(ap, tags);
    for (const char *t = va_arg(ap, const char *); t != NULL; t = va_arg(ap, const char *))
        ma_strlist_push(tags, t);
    va_end(ap);
}

static ma_plan_inputs base_inputs(const ma_config *cfg, const ma_strlist *tags)
{
    ma_plan_inputs in = {
        .req = {.component = "all", .project_dir = "/src/brokkr", .run_dir = "/tmp/run-1", .push = 1},
        .tags = tags,
        .host_platform = "linux/amd64",
        .revision = REV,
        .config = cfg,
    };
    return in;
}

static void test_push_release(void)
{
    ma_config cfg;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_config_defaults(&cfg, &err) == 0);
    ma_strlist tags = MA_STRLIST_INIT;
    make_tags(&tags, "v1.2.3", "v1.2", "v1", "latest", "sha-abc1234", NULL);
    ma_plan_inputs in = base_inputs(&cfg, &tags);

    ma_plan plan;
    CHECK(ma_plan_build(&in, &plan, &err) == 0);
    CHECK(plan.req.push == 1);
    CHECK_STR(plan.req.builder, "brokkr-builder");
    CHECK_STR(plan.req.registry, "ghcr.io/colliery-io");
    CHECK_STR(plan.req.project_dir, "/src/brokkr");
    CHECK_STR(plan.req.config_path, NULL);
    CHECK_LIST(&plan.tags, "v1.2.3", "v1.2", "v1", "latest", "sha-abc1234");
    CHECK(plan.nimages == 3);
    if (plan.nimages != 3) {
        ma_plan_free(&plan);
        ma_strlist_free(&tags);
        ma_config_free(&cfg);
        return;
    }

    const ma_image_plan *b = &plan.images[0];
    CHECK_STR(b->component, "broker");
    CHECK_STR(b->image, "ghcr.io/colliery-io/brokkr-broker");
    CHECK_STR(b->dockerfile, "docker/Dockerfile.broker");
    CHECK_STR(b->context, ".");
    CHECK_STR(b->metadata_file, "/tmp/run-1/broker.metadata.json");
    CHECK_LIST(&b->platforms, "linux/amd64", "linux/arm64");
    CHECK_LIST(&b->tags, "v1.2.3", "v1.2", "v1", "latest", "sha-abc1234");
    CHECK_LIST(&b->refs, "ghcr.io/colliery-io/brokkr-broker:v1.2.3",
               "ghcr.io/colliery-io/brokkr-broker:v1.2", "ghcr.io/colliery-io/brokkr-broker:v1",
               "ghcr.io/colliery-io/brokkr-broker:latest",
               "ghcr.io/colliery-io/brokkr-broker:sha-abc1234");
    CHECK_LIST(&b->immutable_tags, "v1.2.3", "sha-abc1234");
    CHECK_LIST(&b->mutable_tags, "v1.2", "v1", "latest");
    CHECK_LIST(&b->build_argv, "docker", "buildx", "build", "--builder", "brokkr-builder",
               "--platform", "linux/amd64,linux/arm64", "--file", "docker/Dockerfile.broker",
               "--build-arg", "VERSION=v1.2.3",
               "--label", "org.opencontainers.image.revision=" REV, "--label",
               "org.opencontainers.image.version=v1.2.3", "--label", "org.opencontainers.image.title=brokkr-broker",
               ANN("index", "revision=" REV), ANN("index", "version=v1.2.3"), ANN("index", "title=brokkr-broker"),
               ANN("index", "description=Central management service"),
               ANN("manifest", "revision=" REV), ANN("manifest", "version=v1.2.3"), ANN("manifest", "title=brokkr-broker"),
               ANN("manifest", "description=Central management service"),
               "--cache-from", "type=registry,ref=ghcr.io/colliery-io/brokkr-broker:buildcache-linux-amd64", "--cache-from", "type=registry,ref=ghcr.io/colliery-io/brokkr-broker:buildcache-linux-arm64", "--cache-from", "type=registry,ref=ghcr.io/colliery-io/brokkr-broker:buildcache-linux-amd64_linux-arm64", "--cache-to", "type=registry,ref=ghcr.io/colliery-io/brokkr-broker:buildcache-linux-amd64_linux-arm64,mode=max,image-manifest=true,oci-mediatypes=true",
               "--output",
               "type=image,name=ghcr.io/colliery-io/brokkr-broker,push-by-digest=true,"
               "name-canonical=true,push=true,store=false",
               "--metadata-file", "/tmp/run-1/broker.metadata.json", ".");
    CHECK_LIST(&b->immutable_tags, "v1.2.3", "sha-abc1234");
    CHECK_LIST(&b->mutable_tags, "v1.2", "v1", "latest");

    const ma_image_plan *a = &plan.images[1];
    CHECK_STR(a->component, "agent");
    CHECK_STR(a->image, "ghcr.io/colliery-io/brokkr-agent");
    CHECK_STR(a->metadata_file, "/tmp/run-1/agent.metadata.json");
    CHECK_LIST(&a->build_argv, "docker", "buildx", "build", "--builder", "brokkr-builder",
               "--platform", "linux/amd64,linux/arm64", "--file", "docker/Dockerfile.agent",
               "--build-arg", "VERSION=v1.2.3",
               "--label", "org.opencontainers.image.revision=" REV, "--label",
               "org.opencontainers.image.version=v1.2.3", "--label", "org.opencontainers.image.title=brokkr-agent",
               ANN("index", "revision=" REV), ANN("index", "version=v1.2.3"), ANN("index", "title=brokkr-agent"),
               ANN("index", "description=Kubernetes cluster agent"),
               ANN("manifest", "revision=" REV), ANN("manifest", "version=v1.2.3"), ANN("manifest", "title=brokkr-agent"),
               ANN("manifest", "description=Kubernetes cluster agent"),
               "--cache-from", "type=registry,ref=ghcr.io/colliery-io/brokkr-agent:buildcache-linux-amd64", "--cache-from", "type=registry,ref=ghcr.io/colliery-io/brokkr-agent:buildcache-linux-arm64", "--cache-from", "type=registry,ref=ghcr.io/colliery-io/brokkr-agent:buildcache-linux-amd64_linux-arm64", "--cache-to", "type=registry,ref=ghcr.io/colliery-io/brokkr-agent:buildcache-linux-amd64_linux-arm64,mode=max,image-manifest=true,oci-mediatypes=true",
               "--output",
               "type=image,name=ghcr.io/colliery-io/brokkr-agent,push-by-digest=true,"
               "name-canonical=true,push=true,store=false",
               "--metadata-file", "/tmp/run-1/agent.metadata.json", ".");

    const ma_image_plan *u = &plan.images[2];
    CHECK_STR(u->component, "ui");
    CHECK_STR(u->image, "ghcr.io/colliery-io/brokkr-ui");
    CHECK_STR(u->dockerfile, "docker/Dockerfile.ui");
    CHECK_STR(u->metadata_file, "/tmp/run-1/ui.metadata.json");
    CHECK_LIST(&u->immutable_tags, "v1.2.3", "sha-abc1234");

    ma_plan_free(&plan);
    ma_plan_free(&plan); /* twice: safe */

    /* one component, registry and builder overridden */
    in.req.component = "agent";
    in.req.registry = "localhost:5000/team";
    in.req.builder = "ci";
    CHECK(ma_plan_build(&in, &plan, &err) == 0);
    CHECK(plan.nimages == 1);
    CHECK_STR(plan.req.registry, "localhost:5000/team");
    CHECK_STR(plan.req.builder, "ci");
    if (plan.nimages == 1) {
        CHECK_STR(plan.images[0].image, "localhost:5000/team/brokkr-agent");
        CHECK(plan.images[0].build_argv.len > 5);
        if (plan.images[0].build_argv.len > 5)
            CHECK_STR(plan.images[0].build_argv.items[4], "ci");
        CHECK_STR(plan.images[0].mutable_tags.items[0], "v1.2");
    }
    ma_plan_free(&plan);

    ma_strlist_free(&tags);
    ma_config_free(&cfg);
}

static void test_local_build(void)
{
    ma_config cfg;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_config_defaults(&cfg, &err) == 0);
    ma_strlist tags = MA_STRLIST_INIT;
    make_tags(&tags, "feature-x", "sha-abc1234", NULL);
    ma_plan_inputs in = base_inputs(&cfg, &tags);
    in.req.push = 0;
    in.req.component = "broker";
    in.host_platform = "linux/arm64";

    ma_plan plan;
    CHECK(ma_plan_build(&in, &plan, &err) == 0);
    CHECK(plan.req.push == 0);
    CHECK(plan.nimages == 1);
    if (plan.nimages == 1) {
        const ma_image_plan *b = &plan.images[0];
        CHECK_STR(b->metadata_file, NULL);
        CHECK_LIST(&b->platforms, "linux/arm64");
        CHECK_LIST(&b->immutable_tags, "sha-abc1234");
        CHECK_LIST(&b->mutable_tags, "feature-x");
        CHECK_LIST(&b->build_argv, "docker", "buildx", "build", "--builder", "brokkr-builder",
                   "--platform", "linux/arm64", "--file", "docker/Dockerfile.broker",
                   "--build-arg", "VERSION=feature-x", "--label",
                   "org.opencontainers.image.revision=" REV, "--label",
                   "org.opencontainers.image.version=feature-x", "--label", "org.opencontainers.image.title=brokkr-broker",
                   "--cache-from", "type=registry,ref=ghcr.io/colliery-io/brokkr-broker:buildcache-linux-arm64", "--tag",
                   "ghcr.io/colliery-io/brokkr-broker:feature-x", "--tag",
                   "ghcr.io/colliery-io/brokkr-broker:sha-abc1234", "--load", ".");
    }
    ma_plan_free(&plan);

    /* explicit single platform for a local build */
    in.req.platforms = "linux/arm/v7";
    CHECK(ma_plan_build(&in, &plan, &err) == 0);
    if (plan.nimages == 1) {
        CHECK_LIST(&plan.images[0].platforms, "linux/arm/v7");
        CHECK_STR(plan.images[0].build_argv.items[6], "linux/arm/v7");
    }
    ma_plan_free(&plan);

    /* two platforms without --push: refused */
    in.req.platforms = "linux/amd64,linux/arm64";
    ma_error_clear(&err);
    CHECK(ma_plan_build(&in, &plan, &err) == -1);
    CHECK(err.kind == MA_ERR_INPUT);
    CHECK(contains(err.msg, "--push"));
    CHECK(contains(err.msg, "linux/amd64,linux/arm64"));
    CHECK(plan.nimages == 0 && plan.images == NULL);
    ma_plan_free(&plan);

    /* no host platform and no --platforms: cannot tell */
    in.req.platforms = NULL;
    in.host_platform = NULL;
    ma_error_clear(&err);
    CHECK(ma_plan_build(&in, &plan, &err) == -1);
    CHECK(err.kind == MA_ERR_ENV);
    CHECK(contains(err.msg, "--platforms"));
    ma_plan_free(&plan);

    ma_strlist_free(&tags);
    ma_config_free(&cfg);
}

static void test_explicit_platforms(void)
{
    ma_config cfg;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_config_defaults(&cfg, &err) == 0);
    ma_strlist tags = MA_STRLIST_INIT;
    make_tags(&tags, "v0.9.0", NULL);
    ma_plan_inputs in = base_inputs(&cfg, &tags);
    in.req.component = "ui";
    in.req.platforms = "linux/arm64, linux/s390x,linux/amd64";

    ma_plan plan;
    CHECK(ma_plan_build(&in, &plan, &err) == 0);
    if (plan.nimages == 1) {
        const ma_image_plan *u = &plan.images[0];
        CHECK_LIST(&u->platforms, "linux/arm64", "linux/s390x", "linux/amd64");
        CHECK_STR(u->build_argv.items[5], "--platform");
        CHECK_STR(u->build_argv.items[6], "linux/arm64,linux/s390x,linux/amd64");
        CHECK_LIST(&u->immutable_tags, "v0.9.0");
        CHECK_EMPTY(&u->mutable_tags);
        CHECK_LIST(&u->immutable_tags, "v0.9.0");
    }
    ma_plan_free(&plan);

    /* one platform with --push is fine too */
    in.req.platforms = "linux/riscv64";
    CHECK(ma_plan_build(&in, &plan, &err) == 0);
    if (plan.nimages == 1)
        CHECK_LIST(&plan.images[0].platforms, "linux/riscv64");
    ma_plan_free(&plan);

    /* bad --platforms values are the platform parser's errors */
    in.req.platforms = "linux/amd64,linux/x86_64";
    ma_error_clear(&err);
    CHECK(ma_plan_build(&in, &plan, &err) == -1);
    CHECK(err.kind == MA_ERR_INPUT);
    CHECK(contains(err.msg, "'linux/x86_64'"));
    CHECK(contains(err.msg, "did you mean linux/amd64?"));
    ma_plan_free(&plan);
    in.req.platforms = "linux/amd64,linux/amd64";
    CHECK(ma_plan_build(&in, &plan, &err) == -1);
    CHECK(err.kind == MA_ERR_INPUT);
    CHECK(contains(err.msg, "listed twice"));
    ma_plan_free(&plan);

    ma_strlist_free(&tags);
    ma_config_free(&cfg);
}

static void test_refused_inputs(void)
{
    ma_config cfg;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_config_defaults(&cfg, &err) == 0);
    ma_strlist tags = MA_STRLIST_INIT, empty = MA_STRLIST_INIT, bad_tags = MA_STRLIST_INIT;
    make_tags(&tags, "v1.0.0", NULL);
    make_tags(&bad_tags, "v1.0.0", "-bad", NULL);
    ma_plan_inputs in = base_inputs(&cfg, &tags);
    ma_plan plan;

    in.req.component = "db";
    CHECK(ma_plan_build(&in, &plan, &err) == -1);
    CHECK(err.kind == MA_ERR_INPUT);
    CHECK_STR(err.msg, "unknown component 'db' (expected one of: broker, agent, ui, all)");
    CHECK(plan.nimages == 0 && plan.images == NULL && plan.req.registry == NULL);
    ma_plan_free(&plan);

    in.req.component = "Broker";
    CHECK(ma_plan_build(&in, &plan, &err) == -1);
    CHECK_STR(err.msg, "unknown component 'Broker' (expected one of: broker, agent, ui, all)");
    ma_plan_free(&plan);

    in.req.component = "broker";
    in.tags = &empty;
    ma_error_clear(&err);
    CHECK(ma_plan_build(&in, &plan, &err) == -1);
    CHECK(err.kind == MA_ERR_INPUT);
    CHECK(contains(err.msg, "no tags"));
    ma_plan_free(&plan);
    in.tags = NULL;
    CHECK(ma_plan_build(&in, &plan, &err) == -1);
    CHECK(err.kind == MA_ERR_INPUT);
    ma_plan_free(&plan);

    in.tags = &bad_tags;
    ma_error_clear(&err);
    CHECK(ma_plan_build(&in, &plan, &err) == -1);
    CHECK(err.kind == MA_ERR_INPUT);
    CHECK(contains(err.msg, "'-bad'"));
    ma_plan_free(&plan);

    in.tags = &tags;
    in.req.registry = "https://ghcr.io/x";
    ma_error_clear(&err);
    CHECK(ma_plan_build(&in, &plan, &err) == -1);
    CHECK(err.kind == MA_ERR_INPUT);
    CHECK(contains(err.msg, "'https://ghcr.io/x'"));
    ma_plan_free(&plan);

    in.req.registry = NULL;
    in.req.builder = "";
    ma_error_clear(&err);
    CHECK(ma_plan_build(&in, &plan, &err) == -1);
    CHECK(err.kind == MA_ERR_INPUT);
    CHECK(contains(err.msg, "--builder"));
    CHECK(plan.req.builder == NULL && plan.req.registry == NULL);
    ma_plan_free(&plan);

    ma_strlist_free(&tags);
    ma_strlist_free(&bad_tags);
    ma_config_free(&cfg);
}

static void test_optional_inputs(void)
{
    ma_config cfg;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_config_defaults(&cfg, &err) == 0);
    ma_strlist tags = MA_STRLIST_INIT;
    make_tags(&tags, "main", "sha-1234567", NULL);
    ma_plan_inputs in = base_inputs(&cfg, &tags);
    in.req.component = "broker";
    in.revision = NULL;
    in.req.run_dir = NULL;
    in.req.project_dir = NULL;

    ma_plan plan;
    CHECK(ma_plan_build(&in, &plan, &err) == 0);
    CHECK_STR(plan.req.project_dir, NULL);
    if (plan.nimages == 1) {
        const ma_image_plan *b = &plan.images[0];
        CHECK_STR(b->metadata_file, "<run-dir>/broker.metadata.json");
        CHECK_LIST(&b->build_argv, "docker", "buildx", "build", "--builder", "brokkr-builder",
                   "--platform", "linux/amd64,linux/arm64", "--file", "docker/Dockerfile.broker",
                   "--build-arg", "VERSION=main",
                   "--label", "org.opencontainers.image.version=main", "--label", "org.opencontainers.image.title=brokkr-broker",
                   ANN("index", "version=main"), ANN("index", "title=brokkr-broker"),
                   ANN("index", "description=Central management service"),
                   ANN("manifest", "version=main"), ANN("manifest", "title=brokkr-broker"),
                   ANN("manifest", "description=Central management service"),
                   "--cache-from", "type=registry,ref=ghcr.io/colliery-io/brokkr-broker:buildcache-linux-amd64", "--cache-from", "type=registry,ref=ghcr.io/colliery-io/brokkr-broker:buildcache-linux-arm64", "--cache-from", "type=registry,ref=ghcr.io/colliery-io/brokkr-broker:buildcache-linux-amd64_linux-arm64", "--cache-to", "type=registry,ref=ghcr.io/colliery-io/brokkr-broker:buildcache-linux-amd64_linux-arm64,mode=max,image-manifest=true,oci-mediatypes=true",
                   "--output",
                   "type=image,name=ghcr.io/colliery-io/brokkr-broker,push-by-digest=true,"
                   "name-canonical=true,push=true,store=false",
                   "--metadata-file", "<run-dir>/broker.metadata.json", ".");
        for (size_t i = 0; i < b->build_argv.len; i++)
            CHECK(!contains(b->build_argv.items[i], "revision"));
        CHECK_LIST(&b->immutable_tags, "sha-1234567");
        CHECK_LIST(&b->mutable_tags, "main");
    }
    ma_plan_free(&plan);

    ma_strlist_free(&tags);
    ma_config_free(&cfg);
}

/* A config with a target, build args, a custom context and source.  A component's
 * image defaults to <image_prefix><name>, and image_prefix to "brokkr-" (README). */
static void test_config_components(void)
{
    const char *json =
        "{\"registry\": \"registry.example.com/acme\", \"builder\": \"b1\","
        " \"platforms\": [\"linux/arm64\"],"
        " \"components\": {\"api\": {\"dockerfile\": \"api/Dockerfile\", \"context\": \"api\","
        "  \"target\": \"runtime\", \"build_args\": {\"RUST\": \"1.80\", \"MODE\": \"release\"}},"
        "  \"bad\": {\"image\": \"Bad/Image\"}}}";
    ma_config cfg;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_config_parse(json, "/p/multiarch.json", &cfg, &err) == 0);
    ma_strlist tags = MA_STRLIST_INIT;
    make_tags(&tags, "v3.0.0", NULL);
    ma_plan_inputs in = base_inputs(&cfg, &tags);
    in.req.component = "api";

    ma_plan plan;
    CHECK(ma_plan_build(&in, &plan, &err) == 0);
    CHECK_STR(plan.req.config_path, "/p/multiarch.json");
    CHECK_STR(plan.req.builder, "b1");
    if (plan.nimages == 1)
        CHECK_LIST(&plan.images[0].build_argv, "docker", "buildx", "build", "--builder", "b1",
                   "--platform", "linux/arm64", "--file", "api/Dockerfile", "--target", "runtime",
                   "--build-arg", "RUST=1.80", "--build-arg", "MODE=release", "--build-arg", "VERSION=v3.0.0", "--label",
                   "org.opencontainers.image.revision=" REV, "--label",
                   "org.opencontainers.image.version=v3.0.0", "--label", "org.opencontainers.image.title=brokkr-api",
                   /* one platform, no attestations asked for: no index to annotate */
                   ANN("manifest", "revision=" REV), ANN("manifest", "version=v3.0.0"),
                   ANN("manifest", "title=brokkr-api"),
                   "--cache-from", "type=registry,ref=registry.example.com/acme/brokkr-api:buildcache-linux-arm64",
                   "--cache-to",
                   "type=registry,ref=registry.example.com/acme/brokkr-api:buildcache-linux-arm64,mode=max,"
                   "image-manifest=true,oci-mediatypes=true",
                   "--output",
                   "type=image,name=registry.example.com/acme/brokkr-api,push-by-digest=true,"
                   "name-canonical=true,push=true,store=false",
                   "--metadata-file", "/tmp/run-1/api.metadata.json", "api");
    ma_plan_free(&plan);

    /* an image name that is not a valid repository path */
    in.req.component = "all";
    ma_error_clear(&err);
    CHECK(ma_plan_build(&in, &plan, &err) == -1);
    CHECK(err.kind == MA_ERR_ENV);
    CHECK(contains(err.msg, "'Bad/Image'"));
    CHECK(contains(err.msg, "'bad'"));
    CHECK(plan.nimages == 0 && plan.images == NULL);
    ma_plan_free(&plan);

    in.req.component = "broker";
    CHECK(ma_plan_build(&in, &plan, &err) == -1);
    CHECK_STR(err.msg, "unknown component 'broker' (expected one of: api, bad, all)");
    ma_plan_free(&plan);

    ma_strlist_free(&tags);
    ma_config_free(&cfg);
}

/* Every JSON key of the option table is in the plan JSON, holding what the
 * plan's request holds (or, for mode and sign, what the plan works out). */
static void test_json_keys_from_the_table(void)
{
    ma_config cfg;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_config_defaults(&cfg, &err) == 0);
    ma_strlist tags = MA_STRLIST_INIT;
    make_tags(&tags, "v1.2.3", NULL);
    ma_plan_inputs in = base_inputs(&cfg, &tags);
    in.req.component = "broker";
    in.req.tag_prefix = "broker-";
    in.req.provenance = "max";
    in.req.sbom = 1;
    in.req.sign = 1;
    in.req.sign_key = "env://KEY";
    ma_plan plan;
    CHECK(ma_plan_build(&in, &plan, &err) == 0);
    char *text = ma_plan_json(&plan, &err);
    cJSON *root = text != NULL ? cJSON_Parse(text) : NULL;
    CHECK(root != NULL);
    for (size_t i = 0; root != NULL && i < ma_noptions; i++) {
        const ma_option *row = &ma_options[i];
        if (row->json_key == NULL)
            continue;
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(root, row->json_key);
        CHECK(value != NULL);
        const void *field = ma_option_in_request(row, &plan.req);
        if (strcmp(row->json_key, "mode") == 0 || strcmp(row->json_key, "sign") == 0 ||
            strcmp(row->json_key, "tag_policy") == 0 || value == NULL)
            continue; /* worked out by the plan (the tag policy: the config's tags, the options over it) */
        CHECK(field != NULL); /* a JSON key on an option the plan's request does not hold */
        if (field != NULL && row->type == MA_OPT_FLAG)
            CHECK(cJSON_IsBool(value) && cJSON_IsTrue(value) == (*(const int *)field != 0));
        else if (field != NULL)
            CHECK_STR(cJSON_GetStringValue(value), *(const char *const *)field);
    }
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(root, "tag_prefix")), "broker-");
    const cJSON *policy = cJSON_GetObjectItem(root, "tag_policy");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(policy, "version_prefix")), "v");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(policy, "sha")) && cJSON_IsTrue(cJSON_GetObjectItem(policy, "latest")));
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(policy, "schedule")), "nightly");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(root, "mode")), "push");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "sign"), "key")), "env://KEY");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(root, "sbom")) && cJSON_IsNull(cJSON_GetObjectItem(root, "config")));
    cJSON_Delete(root);
    free(text);
    ma_plan_free(&plan);
    ma_strlist_free(&tags);
    ma_config_free(&cfg);
}

static void test_free_zeroed(void)
{
    ma_plan plan;
    memset(&plan, 0, sizeof plan);
    ma_plan_free(&plan);
    ma_plan_free(&plan);
    ma_plan_free(NULL);
    CHECK(plan.images == NULL && plan.nimages == 0);
}

int main(void)
{
    test_push_release();
    test_local_build();
    test_explicit_platforms();
    test_refused_inputs();
    test_optional_inputs();
    test_config_components();
    test_json_keys_from_the_table();
    test_free_zeroed();
    return CHECK_DONE();
}

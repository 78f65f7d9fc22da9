/* The image configuration: built-in defaults, multiarch.json overrides, and
 * every way a config file is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "config.h"

static void check_component_(const ma_component *c, const char *name, const char *dockerfile,
                            const char *image, const char *context, const char *target,
                            size_t nargs)
{
    CHECK(c != NULL);
    if (c == NULL)
        return;
    CHECK_STR(c->name, name);
    CHECK_STR(c->dockerfile, dockerfile);
    CHECK_STR(c->image, image);
    CHECK_STR(c->context, context);
    CHECK_STR(c->target, target);
    CHECK(c->build_args.len == nargs);
}
#define check_component(...) CASE(check_component_(__VA_ARGS__))

/* The Brokkr defaults, with `prefix` for the image names and `context`. */
static void check_brokkr_components_(const ma_config *cfg, const char *prefix, const char *context)
{
    static const char *const names[] = {"broker", "agent", "ui"};
    CHECK(cfg->ncomponents == 3);
    for (size_t i = 0; i < 3 && i < cfg->ncomponents; i++) {
        char dockerfile[64], image[64];
        snprintf(dockerfile, sizeof dockerfile, "docker/Dockerfile.%s", names[i]);
        snprintf(image, sizeof image, "%s%s", prefix, names[i]);
        check_component(&cfg->components[i], names[i], dockerfile, image, context, NULL, 0);
    }
}
#define check_brokkr_components(...) CASE(check_brokkr_components_(__VA_ARGS__))

static void check_default_platforms_(const ma_config *cfg)
{
    CHECK(cfg->push_platforms.len == 2);
    if (cfg->push_platforms.len == 2) {
        CHECK_STR(cfg->push_platforms.items[0], "linux/amd64");
        CHECK_STR(cfg->push_platforms.items[1], "linux/arm64");
    }
}
#define check_default_platforms(...) CASE(check_default_platforms_(__VA_ARGS__))

static void test_defaults(void)
{
    ma_config cfg;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_config_defaults(&cfg, &err) == 0);
    CHECK_STR(cfg.registry, "ghcr.io/colliery-io");
    CHECK_STR(cfg.builder, "brokkr-builder");
    CHECK_STR(cfg.source, NULL);
    check_default_platforms(&cfg);
    check_brokkr_components(&cfg, "brokkr-", ".");
    ma_config_free(&cfg);
    CHECK(cfg.registry == NULL && cfg.components == NULL && cfg.ncomponents == 0);
    ma_config_free(&cfg); /* again: safe after the reset */
    ma_config_free(NULL);
}

static void test_find(void)
{
    ma_config cfg;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_config_defaults(&cfg, &err) == 0);
    CHECK(ma_config_find(&cfg, "broker") == &cfg.components[0]);
    CHECK(ma_config_find(&cfg, "agent") == &cfg.components[1]);
    CHECK(ma_config_find(&cfg, "ui") == &cfg.components[2]);
    CHECK(ma_config_find(&cfg, "db") == NULL);
    CHECK(ma_config_find(&cfg, "all") == NULL);
    CHECK(ma_config_find(&cfg, "") == NULL);
    CHECK(ma_config_find(&cfg, "Broker") == NULL);
    CHECK(ma_config_find(&cfg, "brokkr-broker") == NULL);
    CHECK(ma_config_find(&cfg, "broke") == NULL);
    ma_config_free(&cfg);
}

static void test_parse_overrides(void)
{
    ma_config cfg;
    ma_error err = {MA_ERR_NONE, ""};

    /* an empty object: the defaults, with the origin recorded */
    CHECK(ma_config_parse("{}", "empty.json", &cfg, &err) == 0);
    CHECK_STR(cfg.registry, "ghcr.io/colliery-io");
    CHECK_STR(cfg.builder, "brokkr-builder");
    CHECK_STR(cfg.source, "empty.json");
    check_default_platforms(&cfg);
    check_brokkr_components(&cfg, "brokkr-", ".");
    ma_config_free(&cfg);

    /* top-level overrides only */
    const char *top =
        "{\n"
        "  \"$schema\": \"https://example.com/multiarch.schema.json\",\n"
        "  \"registry\": \"localhost:5000/team\",\n"
        "  \"builder\": \"ci-builder\",\n"
        "  \"platforms\": [\"linux/arm64\", \"linux/amd64\", \"linux/arm/v7\", \"linux/arm\", \"linux/amd64/v1\"],\n"
        "  \"context\": \"src\"\n"
        "}\n";
    CHECK(ma_config_parse(top, "/p/multiarch.json", &cfg, &err) == 0);
    CHECK_STR(cfg.registry, "localhost:5000/team");
    CHECK_STR(cfg.builder, "ci-builder");
    CHECK_STR(cfg.source, "/p/multiarch.json");
    CHECK(cfg.push_platforms.len == 3);
    if (cfg.push_platforms.len == 3) {
        CHECK_STR(cfg.push_platforms.items[0], "linux/arm64");
        CHECK_STR(cfg.push_platforms.items[1], "linux/amd64");
        CHECK_STR(cfg.push_platforms.items[2], "linux/arm/v7");
    }
    check_brokkr_components(&cfg, "brokkr-", "src");
    ma_config_free(&cfg);

    /* image_prefix "" and "acme-" */
    CHECK(ma_config_parse("{\"image_prefix\": \"\"}", "o", &cfg, &err) == 0);
    check_brokkr_components(&cfg, "", ".");
    ma_config_free(&cfg);
    CHECK(ma_config_parse("{\"image_prefix\": \"acme-\"}", "o", &cfg, &err) == 0);
    check_brokkr_components(&cfg, "acme-", ".");
    ma_config_free(&cfg);

    /* components, in file order, with every setting */
    const char *comps =
        "{\n"
        "  \"registry\": \"registry.example.com/team\",\n"
        "  \"image_prefix\": \"acme-\",\n"
        "  \"context\": \"services\",\n"
        "  \"components\": {\n"
        "    \"zeta\": {\n"
        "      \"dockerfile\": \"build/zeta.Dockerfile\",\n"
        "      \"target\": \"runtime\",\n"
        "      \"build_args\": {\"RUST_VERSION\": \"1.80\", \"FEATURES\": \"a,b=c\", \"EMPTY\": \"\"}\n"
        "    },\n"
        "    \"web\": {\"image\": \"frontend/web\", \"context\": \"web\"},\n"
        "    \"alpha_2\": {}\n"
        "  }\n"
        "}\n";
    CHECK(ma_config_parse(comps, "comps.json", &cfg, &err) == 0);
    CHECK_STR(cfg.registry, "registry.example.com/team");
    CHECK_STR(cfg.builder, "brokkr-builder");
    check_default_platforms(&cfg);
    CHECK(cfg.ncomponents == 3);
    if (cfg.ncomponents == 3) {
        check_component(&cfg.components[0], "zeta", "build/zeta.Dockerfile", "acme-zeta",
                        "services", "runtime", 3);
        if (cfg.components[0].build_args.len == 3) {
            CHECK_STR(cfg.components[0].build_args.items[0], "RUST_VERSION=1.80");
            CHECK_STR(cfg.components[0].build_args.items[1], "FEATURES=a,b=c");
            CHECK_STR(cfg.components[0].build_args.items[2], "EMPTY=");
        }
        check_component(&cfg.components[1], "web", "docker/Dockerfile.web", "frontend/web", "web",
                        NULL, 0);
        check_component(&cfg.components[2], "alpha_2", "docker/Dockerfile.alpha_2",
                        "acme-alpha_2", "services", NULL, 0);
    }
    CHECK(ma_config_find(&cfg, "broker") == NULL);
    CHECK(ma_config_find(&cfg, "web") == &cfg.components[1]);
    ma_config_free(&cfg);
}

/* Expect MA_ERR_ENV whose message starts with the origin and says `why`; the
 * config is left empty. */
static void check_parse_fails_(const char *json, const char *why)
{
    ma_config cfg;
    memset(&cfg, 0x5a, sizeof cfg);
    ma_error err = {MA_ERR_NONE, ""};
    const char *origin = "/proj/multiarch.json";
    CHECK(ma_config_parse(json, origin, &cfg, &err) == -1);
    CHECK(err.kind == MA_ERR_ENV);
    CHECK(strncmp(err.msg, "/proj/multiarch.json: ", strlen(origin) + 2) == 0);
    CHECK(contains(err.msg, why));
    if (!contains(err.msg, why) || strncmp(err.msg, origin, strlen(origin)) != 0)
        fprintf(stderr, "  %s\n  -> %s\n", json, err.msg);
    CHECK(cfg.registry == NULL && cfg.builder == NULL && cfg.components == NULL &&
          cfg.ncomponents == 0 && cfg.source == NULL && cfg.push_platforms.len == 0);
    ma_config_free(&cfg);
}
#define check_parse_fails(...) CASE(check_parse_fails_(__VA_ARGS__))

static void test_parse_errors(void)
{
    /* invalid JSON, with where */
    check_parse_fails("{\"registry\": }", "invalid JSON near byte 13");
    check_parse_fails("{\"registry\": \"x\",}", "invalid JSON near byte 18");
    check_parse_fails("", "invalid JSON near byte 0");
    check_parse_fails("{", "invalid JSON near byte 1");
    check_parse_fails("[]", "must be a JSON object");
    check_parse_fails("\"ghcr.io/x\"", "must be a JSON object");

    /* unknown keys */
    check_parse_fails("{\"registy\": \"ghcr.io/x\"}", "unknown key 'registy'");
    check_parse_fails("{\"Registry\": \"ghcr.io/x\"}", "unknown key 'Registry'");
    check_parse_fails("{\"components\": {\"api\": {\"dockerfle\": \"x\"}}}",
                      "unknown key 'dockerfle' in component 'api'");
    check_parse_fails("{\"components\": {\"api\": {\"registry\": \"x\"}}}",
                      "unknown key 'registry' in component 'api'");

    /* wrong types and empty strings */
    check_parse_fails("{\"registry\": 5}", "'registry' must be a non-empty string");
    check_parse_fails("{\"registry\": \"\"}", "'registry' must be a non-empty string");
    check_parse_fails("{\"builder\": null}", "'builder' must be a non-empty string");
    check_parse_fails("{\"context\": [\".\"]}", "'context' must be a non-empty string");
    check_parse_fails("{\"image_prefix\": 5}", "'image_prefix' must be a string");
    check_parse_fails("{\"image_prefix\": null}", "'image_prefix' must be a string");
    check_parse_fails("{\"components\": {\"api\": {\"dockerfile\": 1}}}",
                      "'dockerfile' in component 'api' must be a non-empty string");
    check_parse_fails("{\"components\": {\"api\": {\"image\": \"\"}}}",
                      "'image' in component 'api' must be a non-empty string");
    check_parse_fails("{\"components\": {\"api\": {\"target\": true}}}",
                      "'target' in component 'api' must be a non-empty string");
    check_parse_fails("{\"components\": {\"api\": {\"build_args\": [\"A=1\"]}}}",
                      "'build_args' of component 'api' must be an object of strings");
    check_parse_fails("{\"components\": {\"api\": {\"build_args\": {\"A\": 1}}}}",
                      "build arg 'A' of component 'api'");
    check_parse_fails("{\"components\": {\"api\": {\"build_args\": {\"A=B\": \"1\"}}}}",
                      "build arg 'A=B' of component 'api'");
    check_parse_fails("{\"components\": {\"api\": \"docker/Dockerfile\"}}",
                      "component 'api' must be an object");

    /* components */
    check_parse_fails("{\"components\": {}}", "'components' must be a non-empty object");
    check_parse_fails("{\"components\": [\"api\"]}", "'components' must be a non-empty object");
    check_parse_fails("{\"components\": {\"all\": {}}}", "component name 'all'");
    check_parse_fails("{\"components\": {\"Broker\": {}}}", "component name 'Broker'");
    check_parse_fails("{\"components\": {\"api\": {}, \"WEB\": {}}}", "component name 'WEB'");
    check_parse_fails("{\"components\": {\"-x\": {}}}", "component name '-x'");
    check_parse_fails("{\"components\": {\"\": {}}}", "component name ''");
    check_parse_fails("{\"components\": {\"a b\": {}}}", "component name 'a b'");
    check_parse_fails("{\"components\": {\"api\": {}, \"api\": {}}}",
                      "component 'api' is defined twice");

    /* platforms */
    check_parse_fails("{\"platforms\": [\"linux/amd64\", \"linux/x86_64\"]}",
                      "invalid platform 'linux/x86_64'");
    check_parse_fails("{\"platforms\": [\"linux/amd64\", \"linux/x86_64\"]}",
                      "did you mean linux/amd64?");
    check_parse_fails("{\"platforms\": [\"linux\"]}", "invalid platform 'linux'");
    check_parse_fails("{\"platforms\": [\"\"]}", "empty platform");
    check_parse_fails("{\"platforms\": []}", "'platforms' must be a non-empty list");
    check_parse_fails("{\"platforms\": \"linux/amd64\"}", "'platforms' must be a non-empty list");
    check_parse_fails("{\"platforms\": [1]}", "'platforms' must hold strings");

    /* the first error wins, and a later valid key does not hide it */
    check_parse_fails("{\"registry\": 1, \"builder\": \"b\"}", "'registry'");
}

/* Trailing text after the JSON object.  See the report: ma_config_parse uses
 * cJSON_Parse, which stops after the first value and ignores what follows, so
 * `{"registry": "a"} {"registry": "b"}` or a stray character after the object
 * must be refused (it once was accepted silently). */
static void test_parse_trailing_text(void)
{
    check_parse_fails("{\"registry\": \"ghcr.io/a\"} x", "invalid JSON near byte 26");
    check_parse_fails("{\"registry\": \"ghcr.io/a\"}\n{\"registry\": \"ghcr.io/b\"}\n",
                      "invalid JSON");
    /* Trailing whitespace is fine either way. */
    ma_config cfg;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_config_parse("\n {\"registry\": \"ghcr.io/a\"} \n\n", "o", &cfg, &err) == 0);
    CHECK_STR(cfg.registry, "ghcr.io/a");
    ma_config_free(&cfg);
}

static void test_load(void)
{
    char dir[] = "/tmp/ma-test-config-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256], other[256], sub[256], missing[256];
    snprintf(path, sizeof path, "%s/multiarch.json", dir);
    snprintf(other, sizeof other, "%s/other.json", dir);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    snprintf(missing, sizeof missing, "%s/nope.json", dir);

    ma_config cfg;
    ma_error err = {MA_ERR_NONE, ""};

    /* no multiarch.json: the defaults, source NULL */
    CHECK(ma_config_load(dir, NULL, &cfg, &err) == 0);
    CHECK_STR(cfg.source, NULL);
    CHECK_STR(cfg.registry, "ghcr.io/colliery-io");
    check_brokkr_components(&cfg, "brokkr-", ".");
    ma_config_free(&cfg);

    /* a project directory that does not exist either: the defaults */
    CHECK(ma_config_load(missing, NULL, &cfg, &err) == 0);
    CHECK_STR(cfg.source, NULL);
    ma_config_free(&cfg);

    /* <dir>/multiarch.json is read, source is its path */
    const char *text = "{\"registry\": \"localhost:5000/x\", \"image_prefix\": \"\"}\n";
    CHECK(write_file(path, text, strlen(text)) == 0);
    CHECK(ma_config_load(dir, NULL, &cfg, &err) == 0);
    CHECK_STR(cfg.source, path);
    CHECK_STR(cfg.registry, "localhost:5000/x");
    CHECK_STR(cfg.builder, "brokkr-builder");
    check_brokkr_components(&cfg, "", ".");
    ma_config_free(&cfg);

    /* an explicit path wins over <dir>/multiarch.json */
    const char *text2 = "{\"builder\": \"other-builder\"}";
    CHECK(write_file(other, text2, strlen(text2)) == 0);
    CHECK(ma_config_load(dir, other, &cfg, &err) == 0);
    CHECK_STR(cfg.source, other);
    CHECK_STR(cfg.builder, "other-builder");
    CHECK_STR(cfg.registry, "ghcr.io/colliery-io");
    ma_config_free(&cfg);
    /* with no project dir at all */
    CHECK(ma_config_load(NULL, other, &cfg, &err) == 0);
    CHECK_STR(cfg.source, other);
    ma_config_free(&cfg);

    /* an explicit path must exist */
    memset(&cfg, 0, sizeof cfg);
    ma_error_clear(&err);
    CHECK(ma_config_load(dir, missing, &cfg, &err) == -1);
    CHECK(err.kind == MA_ERR_ENV);
    CHECK(contains(err.msg, missing));
    CHECK(contains(err.msg, "No such file"));
    ma_config_free(&cfg);

    /* a directory given as the explicit path: an error naming it, no crash */
    CHECK(mkdir(sub, 0700) == 0);
    memset(&cfg, 0, sizeof cfg);
    ma_error_clear(&err);
    CHECK(ma_config_load(dir, sub, &cfg, &err) == -1);
    CHECK(err.kind == MA_ERR_ENV);
    CHECK(contains(err.msg, sub));
    ma_config_free(&cfg);

    /* a bad file: the error names the file's path as origin */
    const char *bad = "{\"registry\": \"x\", \"colour\": \"blue\"}";
    CHECK(write_file(path, bad, strlen(bad)) == 0);
    memset(&cfg, 0, sizeof cfg);
    ma_error_clear(&err);
    CHECK(ma_config_load(dir, NULL, &cfg, &err) == -1);
    CHECK(err.kind == MA_ERR_ENV);
    char want[400];
    snprintf(want, sizeof want, "%s: unknown key 'colour'", path);
    CHECK_STR(err.msg, want);
    ma_config_free(&cfg);

    /* multiarch.json that is a directory: an error, not the defaults */
    CHECK(unlink(path) == 0);
    CHECK(mkdir(path, 0700) == 0);
    memset(&cfg, 0, sizeof cfg);
    ma_error_clear(&err);
    CHECK(ma_config_load(dir, NULL, &cfg, &err) == -1);
    CHECK(err.kind == MA_ERR_ENV);
    CHECK(contains(err.msg, path));
    ma_config_free(&cfg);
    CHECK(rmdir(path) == 0);

    /* larger than 1 MiB: refused */
    size_t big = (1u << 20) + 16;
    char *buf = malloc(big);
    CHECK(buf != NULL);
    if (buf != NULL) {
        memset(buf, ' ', big);
        buf[0] = '{';
        buf[big - 1] = '}';
        CHECK(write_file(other, buf, big) == 0);
        free(buf);
        memset(&cfg, 0, sizeof cfg);
        ma_error_clear(&err);
        CHECK(ma_config_load(dir, other, &cfg, &err) == -1);
        CHECK(err.kind == MA_ERR_ENV);
        CHECK(contains(err.msg, "larger than 1 MiB"));
        CHECK(contains(err.msg, other));
        ma_config_free(&cfg);
    }

    unlink(other);
    rmdir(sub);
    CHECK(rmdir(dir) == 0);
}

int main(void)
{
    test_defaults();
    test_find();
    test_parse_overrides();
    test_parse_errors();
    test_parse_trailing_text();
    test_load();
    return CHECK_DONE();
}

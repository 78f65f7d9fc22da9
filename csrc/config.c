#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonfield.h"
#include "platform.h"
#include "releasetag.h"
#include "textfile.h"

#define DEFAULT_REGISTRY "ghcr.io/colliery-io"
#define DEFAULT_BUILDER "brokkr-builder"
#define DEFAULT_IMAGE_PREFIX "brokkr-"
#define CONFIG_MAX_BYTES (1 << 20)

static const char *const BROKKR_COMPONENTS[] = {"broker", "agent", "ui"};
/* The spec's Purpose column: what GHCR shows as each package's description. */
static const char *const BROKKR_DESCRIPTIONS[] = {"Central management service", "Kubernetes cluster agent",
                                                  "Administrative web interface"};

static void component_free(ma_component *c)
{
    free(c->name);
    free(c->dockerfile);
    free(c->image);
    free(c->context);
    free(c->target);
    free(c->description);
    free(c->licenses);
    free(c->tag_prefix);
    ma_strlist_free(&c->build_args);
}

void ma_config_free(ma_config *cfg)
{
    if (cfg == NULL)
        return;
    for (size_t i = 0; i < cfg->ncomponents; i++)
        component_free(&cfg->components[i]);
    free(cfg->components);
    free(cfg->registry);
    free(cfg->builder);
    free(cfg->tag_prefix);
    free(cfg->source);
    ma_strlist_free(&cfg->push_platforms);
    memset(cfg, 0, sizeof *cfg);
}

/* Fill a component with the conventional layout: docker/Dockerfile.<name>, image <prefix><name>. */
static int component_default(ma_component *c, const char *name, const char *prefix,
                             const char *context)
{
    memset(c, 0, sizeof *c);
    c->name = ma_strdup(name);
    c->dockerfile = ma_strdupf("docker/Dockerfile.%s", name);
    c->image = ma_strdupf("%s%s", prefix, name);
    c->context = ma_strdup(context);
    return c->name && c->dockerfile && c->image && c->context ? 0 : -1;
}

/* The Brokkr components' descriptions (only under their own names). */
static int brokkr_descriptions(ma_config *cfg)
{
    for (size_t i = 0; i < cfg->ncomponents; i++)
        for (size_t k = 0; k < 3; k++)
            if (strcmp(cfg->components[i].name, BROKKR_COMPONENTS[k]) == 0 && cfg->components[i].description == NULL &&
                (cfg->components[i].description = ma_strdup(BROKKR_DESCRIPTIONS[k])) == NULL)
                return -1;
    return 0;
}

static int set_components(ma_config *cfg, const char *const *names, size_t n, const char *prefix,
                          const char *context)
{
    cfg->components = calloc(n ? n : 1, sizeof *cfg->components);
    if (cfg->components == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        cfg->ncomponents = i + 1;
        if (component_default(&cfg->components[i], names[i], prefix, context) != 0)
            return -1;
    }
    return names == BROKKR_COMPONENTS ? brokkr_descriptions(cfg) : 0;
}

int ma_config_defaults(ma_config *out, ma_error *err)
{
    memset(out, 0, sizeof *out);
    out->registry = ma_strdup(DEFAULT_REGISTRY);
    out->builder = ma_strdup(DEFAULT_BUILDER);
    if (out->registry == NULL || out->builder == NULL ||
        ma_strlist_push(&out->push_platforms, "linux/amd64") != 0 ||
        ma_strlist_push(&out->push_platforms, "linux/arm64") != 0 ||
        set_components(out, BROKKR_COMPONENTS, 3, DEFAULT_IMAGE_PREFIX, ".") != 0) {
        ma_config_free(out);
        return ma_nomem(err);
    }
    return 0;
}

const char *ma_config_tag_prefix(const ma_config *cfg, const char *component)
{
    const ma_component *c = component != NULL ? ma_config_find(cfg, component) : NULL;
    return c != NULL && c->tag_prefix != NULL ? c->tag_prefix : cfg->tag_prefix;
}

const ma_component *ma_config_find(const ma_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->ncomponents; i++)
        if (strcmp(cfg->components[i].name, name) == 0)
            return &cfg->components[i];
    return NULL;
}

/* ---- parsing ---- */

static int key_known(const char *key, const char *const *known)
{
    for (; *known != NULL; known++)
        if (strcmp(key, *known) == 0)
            return 1;
    return 0;
}

static int check_keys(const cJSON *obj, const char *const *known, const char *origin,
                      const char *where, ma_error *err)
{
    for (const cJSON *item = obj->child; item != NULL; item = item->next)
        if (!key_known(item->string, known))
            return ma_fail(err, MA_ERR_ENV, "%s: unknown key '%s'%s%s", origin, item->string,
                           where[0] ? " in " : "", where);
    return 0;
}

/* Replace *field with the string at obj[key] when present; refuse other types and "". */
static int take_string(const cJSON *obj, const char *key, char **field, const char *origin,
                       const char *where, ma_error *err)
{
    int rc = ma_jsonfield_take_string(obj, key, 0, field);
    if (rc == MA_JSONFIELD_NOMEM)
        return ma_nomem(err);
    if (rc == MA_JSONFIELD_BAD)
        return ma_fail(err, MA_ERR_ENV, "%s: '%s'%s%s must be a non-empty string", origin, key,
                       where[0] ? " in " : "", where);
    return 0;
}

/* take_string for "tag_prefix", which must also be a usable prefix (releasetag.h). */
static int take_tag_prefix(const cJSON *obj, char **field, const char *origin, const char *where, ma_error *err)
{
    if (take_string(obj, "tag_prefix", field, origin, where, err) != 0)
        return -1;
    if (*field != NULL && !ma_tag_prefix_is_valid(*field))
        return ma_fail(err, MA_ERR_ENV, "%s: 'tag_prefix'%s%s must be 1-%d characters of [A-Za-z0-9_.-] starting "
                       "with a letter or digit, e.g. \"broker-\"", origin, where[0] ? " in " : "", where,
                       MA_TAG_PREFIX_MAX);
    return 0;
}

static int valid_component_name(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return 0;
    return 1;
}

static int parse_build_args(const cJSON *obj, ma_component *c, const char *origin, ma_error *err)
{
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(obj, "build_args");
    if (args == NULL)
        return 0;
    if (!cJSON_IsObject(args))
        return ma_fail(err, MA_ERR_ENV, "%s: 'build_args' of component '%s' must be an object of strings",
                       origin, c->name);
    for (const cJSON *a = args->child; a != NULL; a = a->next) {
        if (!cJSON_IsString(a) || a->string[0] == '\0' || strchr(a->string, '=') != NULL)
            return ma_fail(err, MA_ERR_ENV, "%s: build arg '%s' of component '%s' must be NAME: \"value\"",
                           origin, a->string, c->name);
        if (ma_strlist_pushf(&c->build_args, "%s=%s", a->string, a->valuestring) != 0)
            return ma_nomem(err);
    }
    return 0;
}

static int parse_components(const cJSON *root, ma_config *cfg, const char *prefix,
                            const char *context, const char *origin, ma_error *err)
{
    static const char *const known[] = {"dockerfile", "image",       "context",  "target",
                                        "build_args", "description", "licenses", "tag_prefix", NULL};
    const cJSON *comps = cJSON_GetObjectItemCaseSensitive(root, "components");
    if (comps == NULL)
        return 0;
    if (!cJSON_IsObject(comps) || cJSON_GetArraySize(comps) == 0)
        return ma_fail(err, MA_ERR_ENV, "%s: 'components' must be a non-empty object of component name -> settings", origin);

    for (size_t i = 0; i < cfg->ncomponents; i++)
        component_free(&cfg->components[i]);
    free(cfg->components);
    cfg->ncomponents = 0;
    cfg->components = calloc((size_t)cJSON_GetArraySize(comps), sizeof *cfg->components);
    if (cfg->components == NULL)
        return ma_nomem(err);

    for (const cJSON *item = comps->child; item != NULL; item = item->next) {
        const char *name = item->string;
        if (!valid_component_name(name) || strcmp(name, "all") == 0)
            return ma_fail(err, MA_ERR_ENV, "%s: component name '%s' must be lowercase [a-z0-9_-] and not 'all'", origin, name);
        if (ma_config_find(cfg, name) != NULL)
            return ma_fail(err, MA_ERR_ENV, "%s: component '%s' is defined twice", origin, name);
        if (!cJSON_IsObject(item))
            return ma_fail(err, MA_ERR_ENV, "%s: component '%s' must be an object", origin, name);
        ma_component *c = &cfg->components[cfg->ncomponents++];
        if (component_default(c, name, prefix, context) != 0)
            return ma_nomem(err);
        char where[160];
        snprintf(where, sizeof where, "component '%s'", name);
        if (check_keys(item, known, origin, where, err) != 0 ||
            take_string(item, "dockerfile", &c->dockerfile, origin, where, err) != 0 ||
            take_string(item, "image", &c->image, origin, where, err) != 0 ||
            take_string(item, "context", &c->context, origin, where, err) != 0 ||
            take_string(item, "target", &c->target, origin, where, err) != 0 ||
            take_string(item, "description", &c->description, origin, where, err) != 0 ||
            take_string(item, "licenses", &c->licenses, origin, where, err) != 0 ||
            take_tag_prefix(item, &c->tag_prefix, origin, where, err) != 0 ||
            parse_build_args(item, c, origin, err) != 0)
            return -1;
    }
    return brokkr_descriptions(cfg) != 0 ? ma_nomem(err) : 0;
}

static int parse_platforms(const cJSON *root, ma_config *cfg, const char *origin, ma_error *err)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "platforms");
    if (list == NULL)
        return 0;
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0)
        return ma_fail(err, MA_ERR_ENV, "%s: 'platforms' must be a non-empty list such as [\"linux/amd64\", \"linux/arm64\"]", origin);
    ma_strlist_free(&cfg->push_platforms);
    for (const cJSON *p = list->child; p != NULL; p = p->next) {
        if (!cJSON_IsString(p))
            return ma_fail(err, MA_ERR_ENV, "%s: 'platforms' must hold strings", origin);
        ma_error why = {0};
        if (ma_platform_validate(p->valuestring, &why) != 0)
            return ma_fail(err, MA_ERR_ENV, "%s: %s", origin, why.msg);
        /* one platform in two spellings (linux/arm, linux/arm/v7) is listed once */
        if (!ma_platforms_hold(&cfg->push_platforms, p->valuestring) &&
            ma_strlist_push(&cfg->push_platforms, p->valuestring) != 0)
            return ma_nomem(err);
    }
    return 0;
}

/* A top-level "licenses" holds for every component that names none. */
static int default_licenses(const cJSON *root, ma_config *cfg, const char *origin, ma_error *err)
{
    char *licenses = NULL;
    if (take_string(root, "licenses", &licenses, origin, "", err) != 0)
        return -1;
    for (size_t i = 0; licenses != NULL && i < cfg->ncomponents; i++)
        if (cfg->components[i].licenses == NULL && (cfg->components[i].licenses = ma_strdup(licenses)) == NULL) {
            free(licenses);
            return ma_nomem(err);
        }
    free(licenses);
    return 0;
}

static int parse_root(const cJSON *root, ma_config *cfg, const char *origin, ma_error *err)
{
    static const char *const known[] = {"registry", "builder",    "platforms", "image_prefix",
                                        "context",  "components", "licenses",  "tag_prefix", "$schema", NULL};
    if (!cJSON_IsObject(root))
        return ma_fail(err, MA_ERR_ENV, "%s: the configuration must be a JSON object", origin);
    if (check_keys(root, known, origin, "", err) != 0)
        return -1;
    char *prefix = ma_strdup(DEFAULT_IMAGE_PREFIX), *context = ma_strdup(".");
    int rc = prefix && context ? 0 : ma_nomem(err);
    if (rc == 0)
        rc = take_string(root, "registry", &cfg->registry, origin, "", err);
    if (rc == 0)
        rc = take_string(root, "builder", &cfg->builder, origin, "", err);
    if (rc == 0)
        rc = take_tag_prefix(root, &cfg->tag_prefix, origin, "", err);
    if (rc == 0 && cJSON_GetObjectItemCaseSensitive(root, "image_prefix") != NULL &&
        cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "image_prefix"))) {
        /* an empty prefix is meaningful (image = component name), so read it directly */
        free(prefix);
        prefix = ma_strdup(cJSON_GetObjectItemCaseSensitive(root, "image_prefix")->valuestring);
        rc = prefix ? 0 : ma_nomem(err);
    } else if (rc == 0 && cJSON_GetObjectItemCaseSensitive(root, "image_prefix") != NULL) {
        rc = ma_fail(err, MA_ERR_ENV, "%s: 'image_prefix' must be a string", origin);
    }
    if (rc == 0)
        rc = take_string(root, "context", &context, origin, "", err);
    if (rc == 0)
        rc = parse_platforms(root, cfg, origin, err);
    if (rc == 0 && cJSON_GetObjectItemCaseSensitive(root, "components") == NULL) {
        /* no component list: the Brokkr components, under this file's prefix and context */
        for (size_t i = 0; i < cfg->ncomponents; i++)
            component_free(&cfg->components[i]);
        free(cfg->components);
        cfg->ncomponents = 0;
        if (set_components(cfg, BROKKR_COMPONENTS, 3, prefix, context) != 0)
            rc = ma_nomem(err);
    } else if (rc == 0) {
        rc = parse_components(root, cfg, prefix, context, origin, err);
    }
    if (rc == 0)
        rc = default_licenses(root, cfg, origin, err);
    free(prefix);
    free(context);
    return rc;
}

int ma_config_parse(const char *json, const char *origin, ma_config *out, ma_error *err)
{
    if (ma_config_defaults(out, err) != 0)
        return -1;
    /* require_null_terminated: text after the object is an error, not ignored */
    cJSON *root = cJSON_ParseWithOpts(json, NULL, 1);
    if (root == NULL) {
        const char *at = cJSON_GetErrorPtr();
        size_t offset = at != NULL && at >= json ? (size_t)(at - json) : 0;
        ma_config_free(out);
        return ma_fail(err, MA_ERR_ENV, "%s: invalid JSON near byte %zu", origin, offset);
    }
    int rc = parse_root(root, out, origin, err);
    cJSON_Delete(root);
    if (rc == 0 && (out->source = ma_strdup(origin)) == NULL)
        rc = ma_nomem(err);
    if (rc != 0)
        ma_config_free(out);
    return rc;
}

/* ---- reading the file ---- */

int ma_config_load(const char *project_dir, const char *explicit_path, ma_config *out,
                   ma_error *err)
{
    ma_strlist path = MA_STRLIST_INIT;
    if (explicit_path != NULL ? ma_strlist_push(&path, explicit_path)
                              : ma_strlist_pushf(&path, "%s/%s", project_dir, MA_CONFIG_FILE))
        return ma_nomem(err);
    char *text = NULL;
    int rc = ma_textfile_read(path.items[0], CONFIG_MAX_BYTES, "config", MA_ERR_ENV, &text, err);
    if (rc == MA_TEXTFILE_MISSING && explicit_path == NULL)
        rc = ma_config_defaults(out, err); /* no config file: the Brokkr defaults */
    else if (rc == MA_TEXTFILE_MISSING)
        rc = ma_fail(err, MA_ERR_ENV, "cannot read config %s: No such file or directory", explicit_path);
    else if (rc == 0)
        rc = ma_config_parse(text, path.items[0], out, err);
    free(text);
    ma_strlist_free(&path);
    return rc;
}

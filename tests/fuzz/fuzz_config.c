/* multiarch.json (ma_config_parse), input: the file's text.  Checks: a parsed
 * config has components with valid, distinct names that ma_config_find finds,
 * non-empty paths and image, build args NAME=value, valid distinct push
 * platforms and `source` = origin, a tag policy with version_prefix "v" or
 * "" and a schedule tag that is valid and no release tag; written back as
 * JSON it parses to the same config; a failure is MA_ERR_ENV with a message and leaves the config empty. */
#include <cjson/cJSON.h>

#include "config.h"
#include "fuzz.h"
#include "platform.h"
#include "tagrules.h"

static void check_config(const ma_config *c)
{
    FUZZ_CHECK(c->ncomponents > 0 && c->push_platforms.len > 0);
    FUZZ_CHECK(c->registry && c->registry[0] && c->builder && c->builder[0]);
    FUZZ_CHECK(c->source != NULL && strcmp(c->source, "fuzz.json") == 0);
    const ma_tag_policy *p = &c->tag_policy;
    FUZZ_CHECK(strcmp(p->version_prefix, "v") == 0 || p->version_prefix[0] == '\0');
    FUZZ_CHECK((p->sha == 0 || p->sha == 1) && (p->major_zero == 0 || p->major_zero == 1) &&
               (p->latest == 0 || p->latest == 1));
    FUZZ_CHECK(ma_tag_is_valid(p->schedule) && !ma_tag_reads_as_release(p->schedule));
    for (size_t i = 0; i < c->push_platforms.len; i++) {
        FUZZ_CHECK(ma_platform_validate(c->push_platforms.items[i], NULL) == 0);
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(strcmp(c->push_platforms.items[i], c->push_platforms.items[j]) != 0);
    }
    for (size_t i = 0; i < c->ncomponents; i++) {
        const ma_component *m = &c->components[i];
        FUZZ_CHECK(m->name[0] && strcmp(m->name, "all") != 0 && ma_config_find(c, m->name) == m);
        FUZZ_CHECK(m->dockerfile[0] && m->image[0] && m->context[0]);
        FUZZ_CHECK(m->target == NULL || m->target[0]);
        for (size_t j = 0; j < m->build_args.len; j++)
            FUZZ_CHECK(strchr(m->build_args.items[j], '=') > m->build_args.items[j]);
    }
}

/* The config as multiarch.json text, every value spelled out (NULL on OOM). */
static char *write_config(const ma_config *c)
{
    cJSON *root = cJSON_CreateObject(), *comps = cJSON_AddObjectToObject(root, "components");
    cJSON_AddStringToObject(root, "registry", c->registry);
    cJSON_AddStringToObject(root, "builder", c->builder);
    cJSON *tags = cJSON_AddObjectToObject(root, "tags");
    cJSON_AddStringToObject(tags, "version_prefix", c->tag_policy.version_prefix);
    cJSON_AddBoolToObject(tags, "sha", c->tag_policy.sha);
    cJSON_AddBoolToObject(tags, "major_zero", c->tag_policy.major_zero);
    cJSON_AddBoolToObject(tags, "latest", c->tag_policy.latest);
    cJSON_AddStringToObject(tags, "schedule", c->tag_policy.schedule);
    cJSON *platforms = cJSON_AddArrayToObject(root, "platforms");
    for (size_t i = 0; i < c->push_platforms.len; i++)
        cJSON_AddItemToArray(platforms, cJSON_CreateString(c->push_platforms.items[i]));
    for (size_t i = 0; i < c->ncomponents; i++) {
        const ma_component *m = &c->components[i];
        cJSON *o = cJSON_AddObjectToObject(comps, m->name);
        cJSON_AddStringToObject(o, "dockerfile", m->dockerfile);
        cJSON_AddStringToObject(o, "image", m->image);
        cJSON_AddStringToObject(o, "context", m->context);
        if (m->target != NULL)
            cJSON_AddStringToObject(o, "target", m->target);
        cJSON *args = cJSON_AddObjectToObject(o, "build_args");
        for (size_t j = 0; j < m->build_args.len; j++) {
            char *name = strdup(m->build_args.items[j]);
            if (name == NULL)
                continue;
            char *eq = strchr(name, '=');
            *eq = '\0';
            cJSON_AddStringToObject(args, name, eq + 1);
            free(name);
        }
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}

static int same_list(const ma_strlist *a, const ma_strlist *b)
{
    if (a->len != b->len)
        return 0;
    for (size_t i = 0; i < a->len; i++)
        if (strcmp(a->items[i], b->items[i]) != 0)
            return 0;
    return 1;
}

static void check_same(const ma_config *a, const ma_config *b)
{
    FUZZ_CHECK(strcmp(a->registry, b->registry) == 0 && strcmp(a->builder, b->builder) == 0);
    FUZZ_CHECK(same_list(&a->push_platforms, &b->push_platforms));
    const ma_tag_policy *pa = &a->tag_policy, *pb = &b->tag_policy;
    FUZZ_CHECK(strcmp(pa->version_prefix, pb->version_prefix) == 0 && strcmp(pa->schedule, pb->schedule) == 0);
    FUZZ_CHECK(pa->sha == pb->sha && pa->major_zero == pb->major_zero && pa->latest == pb->latest);
    FUZZ_CHECK(a->ncomponents == b->ncomponents);
    for (size_t i = 0; i < a->ncomponents; i++) {
        const ma_component *x = &a->components[i], *y = &b->components[i];
        FUZZ_CHECK(strcmp(x->name, y->name) == 0 && strcmp(x->dockerfile, y->dockerfile) == 0);
        FUZZ_CHECK(strcmp(x->image, y->image) == 0 && strcmp(x->context, y->context) == 0);
        FUZZ_CHECK(x->target == NULL ? y->target == NULL
                                     : y->target != NULL && strcmp(x->target, y->target) == 0);
        FUZZ_CHECK(same_list(&x->build_args, &y->build_args));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (text == NULL)
        return 0;
    ma_config cfg, again;
    ma_error err = {MA_ERR_NONE, ""};
    if (ma_config_parse(text, "fuzz.json", &cfg, &err) != 0) {
        fuzz_check_error(&err, MA_ERR_ENV);
        FUZZ_CHECK(cfg.components == NULL && cfg.ncomponents == 0 && cfg.registry == NULL);
        free(text);
        return 0;
    }
    check_config(&cfg);
    char *written = write_config(&cfg);
    if (written != NULL) {
        if (ma_config_parse(written, "fuzz.json", &again, &err) != 0) {
            fprintf(stderr, "written back: %s\nrefused: %s\n", written, err.msg);
            FUZZ_CHECK(!"the written-back config parses");
        }
        check_same(&cfg, &again);
        ma_config_free(&again);
    }
    free(written);
    ma_config_free(&cfg);
    free(text);
    return 0;
}

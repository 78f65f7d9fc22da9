#include "planjson.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"
#include "options.h"

static cJSON *string_array(const ma_strlist *l)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr != NULL && i < l->len; i++) {
        cJSON *s = cJSON_CreateString(l->items[i]);
        if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            cJSON_Delete(arr);
            return NULL;
        }
    }
    return arr;
}

/* Add helpers that report failure as 0 so callers can chain them with &&. */
static int add(cJSON *obj, const char *key, cJSON *value)
{
    if (value == NULL)
        return 0;
    if (!cJSON_AddItemToObject(obj, key, value)) {
        cJSON_Delete(value);
        return 0;
    }
    return 1;
}

static int add_str(cJSON *obj, const char *key, const char *s)
{
    return add(obj, key, s != NULL ? cJSON_CreateString(s) : cJSON_CreateNull());
}

/* The non-empty argvs of `first` and `second`, in order, as an array of string arrays. */
static cJSON *steps_json(const ma_strlist *first, const ma_strlist *second)
{
    cJSON *steps = cJSON_CreateArray();
    const ma_strlist *argvs[] = {first, second};
    for (size_t i = 0; steps != NULL && i < 2; i++) {
        if (argvs[i]->len == 0)
            continue;
        cJSON *argv = string_array(argvs[i]);
        if (argv == NULL || !cJSON_AddItemToArray(steps, argv)) {
            cJSON_Delete(argv);
            cJSON_Delete(steps);
            return NULL;
        }
    }
    return steps;
}

/* The tag moves of a publish, as registry steps: {"method": "PUT", "ref": "image:tag", "digest": "<digest>"},
 * the immutable tags first. */
static cJSON *promote_json(const ma_image_plan *ip, int push)
{
    cJSON *steps = cJSON_CreateArray();
    const ma_strlist *lists[] = {&ip->immutable_tags, &ip->mutable_tags};
    for (size_t l = 0; push && steps != NULL && l < 2; l++)
        for (size_t i = 0; i < lists[l]->len; i++) {
            char ref[1024];
            snprintf(ref, sizeof ref, "%s:%s", ip->image, lists[l]->items[i]);
            cJSON *step = cJSON_CreateObject();
            if (step == NULL || !add_str(step, "method", "PUT") || !add_str(step, "ref", ref) ||
                !add_str(step, "digest", MA_PLAN_DIGEST) || !cJSON_AddItemToArray(steps, step)) {
                cJSON_Delete(step);
                cJSON_Delete(steps);
                return NULL;
            }
        }
    return steps;
}

static cJSON *image_json(const ma_image_plan *ip, int push)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    int ok = add_str(o, "component", ip->component) && add_str(o, "image", ip->image) &&
             add_str(o, "dockerfile", ip->dockerfile) && add_str(o, "context", ip->context) &&
             add(o, "platforms", string_array(&ip->platforms)) && add(o, "tags", string_array(&ip->tags)) &&
             add(o, "refs", string_array(&ip->refs)) &&
             add(o, "immutable_tags", string_array(&ip->immutable_tags)) &&
             add(o, "mutable_tags", string_array(&ip->mutable_tags)) &&
             add_str(o, "metadata_file", ip->metadata_file) && add_str(o, "digest_file", ip->digest_file) &&
             add(o, "labels", string_array(&ip->labels)) && add(o, "sources", string_array(&ip->sources)) &&
             add(o, "annotations", string_array(&ip->annotations)) &&
             add(o, "index_annotations", cJSON_CreateBool(ip->index_annotations)) &&
             add(o, "attestations", cJSON_CreateBool(ip->attestations)) &&
             add(o, "command", string_array(&ip->build_argv)) &&
             add(o, "promote", promote_json(ip, push)) &&
             /* with --sign: `cosign sign`, then `cosign verify` (cosign reads COSIGN_PASSWORD) */
             add(o, "sign", steps_json(&ip->sign_argv, &ip->sign_verify_argv));
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *sign_json(const ma_sign_plan *s)
{
    if (!s->enabled)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    if (o != NULL && add_str(o, "key", s->key) && add(o, "keyless", cJSON_CreateBool(s->key == NULL)) &&
        add(o, "offline", cJSON_CreateBool(s->offline)) && add(o, "allow_http", cJSON_CreateBool(s->allow_http)) &&
        add_str(o, "public_key", s->public_key) && add_str(o, "identity", s->identity))
        return o;
    cJSON_Delete(o);
    return NULL;
}

static cJSON *mode_json(const ma_plan *plan)
{
    return cJSON_CreateString(ma_plan_mode_name(plan->req.mode));
}

static cJSON *signing_json(const ma_plan *plan)
{
    return sign_json(&plan->sign);
}

/* The tag policy in effect (the config's "tags", the options over it), as multiarch.json spells it. */
static cJSON *tag_policy_json(const ma_plan *plan)
{
    const ma_tag_policy *p = &plan->tag_policy;
    cJSON *o = cJSON_CreateObject();
    if (o != NULL && add_str(o, "version_prefix", p->version_prefix) && add(o, "sha", cJSON_CreateBool(p->sha)) &&
        add(o, "major_zero", cJSON_CreateBool(p->major_zero)) && add(o, "latest", cJSON_CreateBool(p->latest)) &&
        add_str(o, "schedule", p->schedule))
        return o;
    cJSON_Delete(o);
    return NULL;
}

/* JSON keys whose value the plan works out from several options rather
 * than holds in one field of its request. */
static const struct {
    const char *key;
    cJSON *(*value)(const ma_plan *plan);
} WORKED_OUT[] = {{"mode", mode_json}, {"sign", signing_json}, {"tag_policy", tag_policy_json}};

/* The value under row's JSON key: worked out, or read through the row from
 * the plan's request (a string or null, a bool).  NULL when out of memory,
 * or for a JSON key on an option the request does not hold (test_plan.c
 * holds the table to that). */
static cJSON *option_json(const ma_plan *plan, const ma_option *row)
{
    for (size_t i = 0; i < sizeof WORKED_OUT / sizeof WORKED_OUT[0]; i++)
        if (strcmp(WORKED_OUT[i].key, row->json_key) == 0)
            return WORKED_OUT[i].value(plan);
    const void *field = ma_option_in_request(row, &plan->req);
    if (field == NULL)
        return NULL;
    if (row->type == MA_OPT_FLAG)
        return cJSON_CreateBool(*(const int *)field);
    const char *text = *(const char *const *)field;
    return text != NULL ? cJSON_CreateString(text) : cJSON_CreateNull();
}

/* Each JSON key of the option table (options.c) once, in the table's order. */
static int add_options(cJSON *root, const ma_plan *plan)
{
    for (size_t i = 0; i < ma_noptions; i++) {
        const ma_option *row = &ma_options[i];
        if (row->json_key != NULL && !cJSON_HasObjectItem(root, row->json_key) &&
            !add(root, row->json_key, option_json(plan, row)))
            return 0;
    }
    return 1;
}

static cJSON *plan_json(const ma_plan *plan)
{
    cJSON *root = cJSON_CreateObject(), *images = cJSON_CreateArray();
    int ok = root != NULL && images != NULL && add_str(root, "multiarch_version", MA_VERSION) &&
             add_options(root, plan) && add_str(root, "revision", plan->revision) &&
             add(root, "tags", string_array(&plan->tags));
    for (size_t i = 0; ok && i < plan->nimages; i++) {
        cJSON *img = image_json(&plan->images[i], plan->req.push);
        ok = img != NULL && cJSON_AddItemToArray(images, img);
        if (!ok)
            cJSON_Delete(img);
    }
    if (ok && add(root, "images", images))
        return root;
    if (!ok)
        cJSON_Delete(images);
    cJSON_Delete(root);
    return NULL;
}

static char *render(const ma_plan *plan, int pretty, ma_error *err)
{
    cJSON *root = plan_json(plan);
    char *text = root == NULL ? NULL : pretty ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (text == NULL)
        ma_nomem(err);
    return text;
}

char *ma_plan_json(const ma_plan *plan, ma_error *err)
{
    return render(plan, 1, err);
}

char *ma_plan_json_compact(const ma_plan *plan, ma_error *err)
{
    return render(plan, 0, err);
}

char *ma_plan_annotations_json(const ma_plan *plan)
{
    cJSON *root = cJSON_CreateObject();
    for (size_t i = 0; root != NULL && i < plan->nimages; i++) {
        const ma_image_plan *ip = &plan->images[i];
        cJSON *one = cJSON_CreateObject();
        for (size_t k = 0; one != NULL && k < ip->annotations.len; k++) {
            const char *item = ip->annotations.items[k], *eq = strchr(item, '=');
            char *key = eq != NULL ? ma_strdupf("%.*s", (int)(eq - item), item) : NULL;
            int ok = key != NULL && add_str(one, key, eq + 1);
            free(key);
            if (!ok) {
                cJSON_Delete(one);
                one = NULL;
            }
        }
        if (!add(root, ip->component, one)) {
            cJSON_Delete(root);
            root = NULL;
        }
    }
    char *text = root != NULL ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return text;
}

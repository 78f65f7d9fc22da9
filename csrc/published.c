#include "published.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"

void ma_published_free(ma_published *p)
{
    if (p == NULL)
        return;
    free(p->revision);
    free(p->version);
    free(p->created);
    p->revision = p->version = p->created = NULL;
    ma_strlist_free(&p->platforms);
}

static const char *string_at(const cJSON *object, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Labels of one image config ({"config": {"Labels": {...}}}). */
static const cJSON *config_labels(const cJSON *image)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(image, "config"), "Labels");
}

/* Copy key from `from` into *slot, unless something said it already (the
 * index's annotations come before the image's labels).  -1: out of memory. */
static int take(const cJSON *from, const char *key, char **slot)
{
    const char *v = string_at(from, key);
    if (v == NULL || *slot != NULL)
        return 0;
    *slot = ma_strdup(v);
    return *slot == NULL ? -1 : 0;
}

int ma_published_from_manifest(const char *ref, const char *digest, const char *raw, size_t len,
                               ma_published *out, ma_error *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->digest, sizeof out->digest, "%s", digest);
    ma_error why = {0};
    if (ma_index_platforms(raw, len, &out->platforms, &why) != 0) {
        ma_published_free(out);
        return why.kind == MA_ERR_NOMEM ? ma_nomem(err) : ma_fail(err, MA_ERR_BUILD, "%s: %s", ref, why.msg);
    }
    cJSON *root = cJSON_ParseWithLength(raw, len);
    const cJSON *annotations = cJSON_GetObjectItemCaseSensitive(root, "annotations");
    int rc = take(annotations, MA_LABEL_REVISION, &out->revision) | take(annotations, MA_LABEL_VERSION, &out->version) |
             take(annotations, MA_LABEL_CREATED, &out->created);
    cJSON_Delete(root);
    if (rc != 0) {
        ma_published_free(out);
        return ma_nomem(err);
    }
    return 0;
}

int ma_published_labels_at(const char *raw, size_t len, char digest[MA_DIGEST_MAX], int *config)
{
    if (ma_raw_is_index(raw, len)) {
        *config = 0;
        return ma_index_first_image(raw, len, digest);
    }
    cJSON *root = cJSON_ParseWithLength(raw, len);
    const char *d = string_at(cJSON_GetObjectItemCaseSensitive(root, "config"), "digest");
    int found = d != NULL && ma_digest_is_valid(d);
    if (found)
        snprintf(digest, MA_DIGEST_MAX, "%s", d);
    cJSON_Delete(root);
    *config = 1;
    return found;
}

int ma_published_take_config(ma_published *p, const char *raw, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(raw, len);
    int rc = take(config_labels(root), MA_LABEL_REVISION, &p->revision) |
             take(config_labels(root), MA_LABEL_VERSION, &p->version) |
             take(config_labels(root), MA_LABEL_CREATED, &p->created);
    cJSON_Delete(root);
    return rc ? -1 : 0;
}

/* Composition with cJSON: descriptors taken from a source index are
 * duplicated whole (digest, size, platform, annotations such as the
 * attestation's vnd.docker.reference.digest), so nothing is re-derived. */
#include "indexcompose.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"

static int bad(ma_error *err, const ma_index_source *s, const char *why)
{
    return ma_fail(err, MA_ERR_BUILD, "cannot merge %s (%s): %s", s->digest, s->platform, why);
}

/* {"architecture", "os", "variant"?} from "os/arch[/variant]". */
static cJSON *platform_object(const char *platform)
{
    ma_strlist parts = MA_STRLIST_INIT;
    if (ma_strlist_split(&parts, platform, '/') != 0)
        return NULL;
    cJSON *p = parts.len >= 2 ? cJSON_CreateObject() : NULL;
    if (p != NULL && (cJSON_AddStringToObject(p, "architecture", parts.items[1]) == NULL ||
                      cJSON_AddStringToObject(p, "os", parts.items[0]) == NULL ||
                      (parts.len > 2 && cJSON_AddStringToObject(p, "variant", parts.items[2]) == NULL))) {
        cJSON_Delete(p);
        p = NULL;
    }
    ma_strlist_free(&parts);
    return p;
}

/* The descriptors one source adds to manifests. */
static int add_source(cJSON *manifests, const ma_index_source *s, ma_error *err)
{
    cJSON *root = cJSON_ParseWithLength(s->raw, s->len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return bad(err, s, "its manifest is not JSON");
    }
    const cJSON *media = cJSON_GetObjectItemCaseSensitive(root, "mediaType");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "manifests");
    int rc = 0;
    if (cJSON_IsString(media) && strcmp(media->valuestring, MA_MEDIA_OCI_INDEX) != 0 &&
        strcmp(media->valuestring, MA_MEDIA_OCI_MANIFEST) != 0) {
        rc = bad(err, s, "not an OCI manifest or index");
    } else if (cJSON_IsArray(list)) {
        const cJSON *d;
        cJSON_ArrayForEach(d, list)
        {
            cJSON *copy = cJSON_IsObject(d) ? cJSON_Duplicate(d, 1) : NULL;
            if (copy == NULL || !cJSON_AddItemToArray(manifests, copy)) {
                cJSON_Delete(copy);
                rc = cJSON_IsObject(d) ? ma_nomem(err) : bad(err, s, "a descriptor is not an object");
                break;
            }
        }
    } else if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "config"))) {
        cJSON *d = cJSON_CreateObject();
        cJSON *platform = platform_object(s->platform);
        if (d == NULL || platform == NULL ||
            cJSON_AddStringToObject(d, "mediaType", MA_MEDIA_OCI_MANIFEST) == NULL ||
            cJSON_AddStringToObject(d, "digest", s->digest) == NULL ||
            cJSON_AddNumberToObject(d, "size", (double)s->len) == NULL) {
            rc = platform == NULL && d != NULL ? bad(err, s, "its platform is not os/arch[/variant]") : ma_nomem(err);
        } else {
            cJSON_AddItemToObject(d, "platform", platform);
            platform = NULL;
            if (!cJSON_AddItemToArray(manifests, d))
                rc = ma_nomem(err);
            else
                d = NULL;
        }
        cJSON_Delete(platform);
        cJSON_Delete(d);
    } else {
        rc = bad(err, s, "neither an index nor an image manifest");
    }
    cJSON_Delete(root);
    return rc;
}

static int add_annotations(cJSON *index, const ma_strlist *annotations, ma_error *err)
{
    if (annotations == NULL || annotations->len == 0)
        return 0;
    cJSON *obj = cJSON_AddObjectToObject(index, "annotations");
    if (obj == NULL)
        return ma_nomem(err);
    for (size_t i = 0; i < annotations->len; i++) {
        const char *kv = annotations->items[i], *eq = strchr(kv, '=');
        if (eq == NULL || eq == kv)
            return ma_fail(err, MA_ERR_BUILD, "annotation '%s' is not key=value", kv);
        char *key = strndup(kv, (size_t)(eq - kv));
        int ok = key != NULL && (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL ||
                                 cJSON_AddStringToObject(obj, key, eq + 1) != NULL);
        free(key);
        if (!ok)
            return ma_nomem(err);
    }
    return 0;
}

int ma_index_compose(const ma_index_source *sources, size_t n, const ma_strlist *annotations, char **out,
                     size_t *len, ma_error *err)
{
    *out = NULL;
    *len = 0;
    cJSON *index = cJSON_CreateObject();
    cJSON *manifests = NULL;
    int rc = index == NULL || cJSON_AddNumberToObject(index, "schemaVersion", 2) == NULL ||
                     cJSON_AddStringToObject(index, "mediaType", MA_MEDIA_OCI_INDEX) == NULL ||
                     (manifests = cJSON_AddArrayToObject(index, "manifests")) == NULL
                 ? ma_nomem(err)
                 : 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = add_source(manifests, &sources[i], err);
    if (rc == 0)
        rc = add_annotations(index, annotations, err);
    if (rc == 0 && (*out = cJSON_PrintUnformatted(index)) == NULL)
        rc = ma_nomem(err);
    if (rc == 0)
        *len = strlen(*out);
    cJSON_Delete(index);
    return rc;
}

int ma_merge_index(const ma_strlist *sources, const ma_strlist *platforms, const ma_strlist *annotations,
                   const ma_strlist *raws, const char *shown, char **out, size_t *len, ma_error *err)
{
    *out = NULL;
    *len = 0;
    size_t n = sources->len;
    if (raws->len != n || platforms->len != n)
        return ma_fail(err, MA_ERR_BUILD, "%s: %zu manifests read for %zu digests", shown, raws->len, n);
    ma_index_source *src = calloc(n ? n : 1, sizeof *src);
    if (src == NULL)
        return ma_nomem(err);
    for (size_t i = 0; i < n; i++) {
        const char *at = strchr(sources->items[i], '@');
        src[i] = (ma_index_source){at != NULL ? at + 1 : sources->items[i], platforms->items[i], raws->items[i],
                                   strlen(raws->items[i])};
    }
    int rc = ma_index_compose(src, n, annotations, out, len, err);
    free(src);
    if (rc == 0 && (ma_index_verify_exact(shown, *out, *len, platforms, err) != 0 ||
                    ma_index_annotations_check(shown, *out, *len, annotations, err) != 0))
        rc = -1;
    if (rc != 0) {
        free(*out);
        *out = NULL;
        *len = 0;
    }
    return rc;
}

#include "manifestrefs.h"

#include <cjson/cJSON.h>
#include <string.h>

#include "sha256.h"

void ma_manifest_refs_free(ma_manifest_refs *r)
{
    if (r == NULL)
        return;
    ma_strlist_free(&r->manifests);
    ma_strlist_free(&r->blobs);
    r->is_index = 0;
}

/* The digest of one descriptor onto out; -1 bad (why set), -2 out of memory. */
static int take(const char *shown, const cJSON *descriptor, const char *what, ma_strlist *out, ma_error *err)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(descriptor, "digest");
    if (!cJSON_IsObject(descriptor) || !cJSON_IsString(d) || !ma_digest_is_valid(d->valuestring))
        return ma_fail(err, MA_ERR_BUILD, "%s: %s without a sha256 digest", shown, what);
    return ma_strlist_push(out, d->valuestring) != 0 ? ma_nomem(err) : 0;
}

int ma_manifest_refs_read(const char *shown, const char *raw, size_t len, ma_manifest_refs *out, ma_error *err)
{
    memset(out, 0, sizeof *out);
    cJSON *root = cJSON_ParseWithLength(raw != NULL ? raw : "", len);
    const cJSON *manifests = cJSON_GetObjectItemCaseSensitive(root, "manifests");
    const cJSON *config = cJSON_GetObjectItemCaseSensitive(root, "config");
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
    int rc = 0;
    if (!cJSON_IsObject(root) || (cJSON_IsArray(manifests) == (config != NULL)))
        rc = ma_fail(err, MA_ERR_BUILD, "%s: not an image index or image manifest", shown);
    const cJSON *item;
    if (rc == 0 && cJSON_IsArray(manifests)) {
        out->is_index = 1;
        cJSON_ArrayForEach(item, manifests)
        {
            if ((rc = take(shown, item, "an index entry", &out->manifests, err)) != 0)
                break;
        }
    } else if (rc == 0) {
        rc = take(shown, config, "the config", &out->blobs, err);
        if (rc == 0 && layers != NULL && !cJSON_IsArray(layers))
            rc = ma_fail(err, MA_ERR_BUILD, "%s: layers is not a list", shown);
        const cJSON *list = rc == 0 ? layers : NULL;
        cJSON_ArrayForEach(item, list)
        {
            if ((rc = take(shown, item, "a layer", &out->blobs, err)) != 0)
                break;
        }
    }
    cJSON_Delete(root);
    return rc;
}

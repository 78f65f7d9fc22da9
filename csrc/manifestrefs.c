/* Descriptors are read as the OCI image spec has them: {mediaType, digest,
 * size, annotations}.  Only what reachability needs is kept. */
#include "manifestrefs.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rfc3339.h"

void ma_manifest_refs_free(ma_manifest_refs *r)
{
    if (r == NULL)
        return;
    ma_strlist_free(&r->children);
    ma_strlist_free(&r->child_attests);
    ma_strlist_free(&r->blobs);
    free(r->blob_sizes);
    *r = (ma_manifest_refs)MA_MANIFEST_REFS_INIT;
}

/* An index entry of one of these types is a manifest; any other is a blob. */
static int is_manifest_type(const char *t)
{
    static const char *const types[] = {
        "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(t, types[i]) == 0)
            return 1;
    return 0;
}

static int bad(ma_error *err, const char *why)
{
    return ma_fail(err, MA_ERR_ENV, "unreadable manifest: %s", why);
}

static const char *digest_of(const cJSON *desc)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(desc, "digest");
    return cJSON_IsString(d) && ma_digest_is_valid(d->valuestring) ? d->valuestring : NULL;
}

static int add_blob(ma_manifest_refs *r, const cJSON *desc, ma_error *err)
{
    const char *digest = digest_of(desc);
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(desc, "size");
    if (!cJSON_IsObject(desc) || digest == NULL)
        return bad(err, "a descriptor without a sha256 digest");
    if (!cJSON_IsNumber(size) || size->valuedouble < 0 || size->valuedouble > 9.0e15)
        return bad(err, "a descriptor without a size");
    if (r->blobs.len == r->blob_sizes_cap) {
        size_t cap = r->blob_sizes_cap ? r->blob_sizes_cap * 2 : 8;
        long long *sizes = realloc(r->blob_sizes, cap * sizeof *sizes);
        if (sizes == NULL)
            return ma_nomem(err);
        r->blob_sizes = sizes;
        r->blob_sizes_cap = cap;
    }
    if (ma_strlist_push(&r->blobs, digest) != 0)
        return ma_nomem(err);
    r->blob_sizes[r->blobs.len - 1] = (long long)size->valuedouble;
    return 0;
}

static int add_entry(ma_manifest_refs *r, const cJSON *desc, ma_error *err)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(desc, "mediaType");
    if (cJSON_IsString(type) && !is_manifest_type(type->valuestring))
        return add_blob(r, desc, err);
    const char *digest = digest_of(desc);
    if (!cJSON_IsObject(desc) || digest == NULL)
        return bad(err, "an index entry without a sha256 digest");
    const cJSON *ann = cJSON_GetObjectItemCaseSensitive(desc, "annotations");
    const cJSON *attests = cJSON_GetObjectItemCaseSensitive(ann, MA_ATTEST_REF_ANNOTATION);
    const char *target = cJSON_IsString(attests) && ma_digest_is_valid(attests->valuestring) ? attests->valuestring : "";
    if (ma_strlist_push(&r->children, digest) != 0 || ma_strlist_push(&r->child_attests, target) != 0)
        return ma_nomem(err);
    return 0;
}

int ma_manifest_refs_parse(const char *raw, size_t len, ma_manifest_refs *out, ma_error *err)
{
    *out = (ma_manifest_refs)MA_MANIFEST_REFS_INIT;
    cJSON *root = cJSON_ParseWithLength(raw, len);
    int rc = cJSON_IsObject(root) ? 0 : bad(err, "not a JSON object");
    const cJSON *manifests = cJSON_GetObjectItemCaseSensitive(root, "manifests");
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
    const cJSON *config = cJSON_GetObjectItemCaseSensitive(root, "config");
    const cJSON *subject = cJSON_GetObjectItemCaseSensitive(root, "subject");
    if (rc == 0 && ((manifests != NULL && !cJSON_IsArray(manifests)) || (layers != NULL && !cJSON_IsArray(layers))))
        rc = bad(err, "manifests or layers is not an array");
    out->is_index = cJSON_IsArray(manifests);
    const cJSON *d;
    cJSON_ArrayForEach(d, (rc == 0 ? manifests : NULL))
        if ((rc = add_entry(out, d, err)) != 0)
            break;
    if (rc == 0 && config != NULL)
        rc = add_blob(out, config, err);
    cJSON_ArrayForEach(d, (rc == 0 ? layers : NULL))
        if ((rc = add_blob(out, d, err)) != 0)
            break;
    if (rc == 0 && subject != NULL) {
        const char *digest = digest_of(subject);
        if (digest == NULL)
            rc = bad(err, "a subject without a sha256 digest");
        else
            snprintf(out->subject, sizeof out->subject, "%s", digest);
    }
    const cJSON *created = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "annotations"),
                                                            MA_CREATED_ANNOTATION);
    if (rc == 0 && cJSON_IsString(created) && ma_rfc3339_parse(created->valuestring, &out->created) == 0)
        out->has_created = 1;
    cJSON_Delete(root);
    if (rc != 0)
        ma_manifest_refs_free(out);
    return rc;
}

int ma_manifest_refs_read(const char *shown, const char *raw, size_t len, ma_manifest_refs *out, ma_error *err)
{
    ma_error why = {MA_ERR_NONE, ""};
    if (ma_manifest_refs_parse(raw, len, out, &why) != 0)
        return ma_fail(err, MA_ERR_BUILD, "%s: %s", shown, why.msg);
    if (!out->is_index && out->blobs.len == 0) { /* nothing to copy: not a manifest */
        ma_manifest_refs_free(out);
        return ma_fail(err, MA_ERR_BUILD, "%s: neither an index nor an image manifest", shown);
    }
    return 0;
}

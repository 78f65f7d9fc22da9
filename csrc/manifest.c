/* What a pushed index holds, read from the raw manifest bytes the registry returns. */
#include "manifest.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "sha256.h"


static const char *string_field(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* buildx stores provenance/SBOM as extra manifests in the same index: platform
 * unknown/unknown, annotated with what they refer to.  They are not images. */
static int is_attestation(const cJSON *entry, const cJSON *platform)
{
    const cJSON *annotations = cJSON_GetObjectItemCaseSensitive(entry, "annotations");
    if (cJSON_IsObject(annotations) &&
        cJSON_GetObjectItemCaseSensitive(annotations, "vnd.docker.reference.type") != NULL)
        return 1;
    const char *os = string_field(platform, "os"), *arch = string_field(platform, "architecture");
    return os != NULL && arch != NULL && strcmp(os, "unknown") == 0 &&
           strcmp(arch, "unknown") == 0;
}

/* Append "os/arch[/variant]" of one manifests[] entry; entries without a
 * platform (allowed by OCI) name nothing and are skipped. */
static int add_entry(const cJSON *entry, size_t index, ma_strlist *out, ma_error *err)
{
    if (!cJSON_IsObject(entry))
        return ma_fail(err, MA_ERR_BUILD, "manifest list entry %zu is not a JSON object", index);
    const cJSON *platform = cJSON_GetObjectItemCaseSensitive(entry, "platform");
    if (platform == NULL || is_attestation(entry, platform))
        return 0;
    const char *os = string_field(platform, "os"), *arch = string_field(platform, "architecture");
    if (!cJSON_IsObject(platform) || os == NULL || arch == NULL || !*os || !*arch)
        return ma_fail(err, MA_ERR_BUILD,
                       "manifest list entry %zu has a platform without \"os\" and \"architecture\"",
                       index);
    const char *variant = string_field(platform, "variant");
    /* os "linux/arm" with architecture "v7" must not pass for linux/arm/v7. */
    if (strchr(os, '/') != NULL || strchr(arch, '/') != NULL ||
        (variant != NULL && strchr(variant, '/') != NULL))
        return ma_fail(err, MA_ERR_BUILD,
                       "manifest list entry %zu has a platform field holding '/': "
                       "cannot tell os, architecture and variant apart",
                       index);
    int rc = variant != NULL && *variant ? ma_strlist_pushf(out, "%s/%s/%s", os, arch, variant)
                                         : ma_strlist_pushf(out, "%s/%s", os, arch);
    return rc == 0 ? 0 : ma_nomem(err);
}

/* Parse raw (not NUL-terminated) as one JSON object and nothing after it. */
static cJSON *parse_manifest(const char *raw, size_t len, ma_error *err)
{
    if (raw == NULL || len == 0) {
        ma_fail(err, MA_ERR_BUILD, "the registry returned an empty manifest");
        return NULL;
    }
    const char *end = NULL;
    /* Not require_null_terminated: with a length, cJSON wants a NUL inside it. */
    cJSON *root = cJSON_ParseWithLengthOpts(raw, len, &end, 0);
    if (root != NULL) {
        while (end < raw + len && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
            end++;
        if (end == raw + len && cJSON_IsObject(root))
            return root;
    }
    size_t at = end != NULL && end >= raw && end <= raw + len ? (size_t)(end - raw) : 0;
    if (root == NULL || end != raw + len)
        ma_fail(err, MA_ERR_BUILD, "the registry returned a manifest that is not valid JSON "
                                   "(at byte %zu of %zu)", at, len);
    else
        ma_fail(err, MA_ERR_BUILD, "the registry returned a manifest that is not a JSON object");
    cJSON_Delete(root);
    return NULL;
}

/* A single image manifest carries these; a registry error body ({"errors":...}) does not. */
static int looks_like_manifest(const cJSON *root)
{
    return cJSON_HasObjectItem(root, "schemaVersion") || cJSON_HasObjectItem(root, "mediaType") ||
           cJSON_HasObjectItem(root, "config") || cJSON_HasObjectItem(root, "layers");
}

int ma_index_platforms(const char *raw, size_t len, ma_strlist *out, ma_error *err)
{
    cJSON *root = parse_manifest(raw, len, err);
    if (root == NULL)
        return -1;
    size_t start = out->len;
    int rc = 0;
    const cJSON *manifests = cJSON_GetObjectItemCaseSensitive(root, "manifests");
    if (manifests == NULL) {
        if (!looks_like_manifest(root))
            rc = ma_fail(err, MA_ERR_BUILD, "the registry returned JSON that is not an image "
                                            "manifest or index (no \"manifests\" or \"config\")");
    } else if (!cJSON_IsArray(manifests)) {
        rc = ma_fail(err, MA_ERR_BUILD, "the registry returned an index whose \"manifests\" "
                                        "is not an array");
    } else {
        size_t i = 0;
        const cJSON *entry;
        cJSON_ArrayForEach(entry, manifests)
        {
            if ((rc = add_entry(entry, i++, out, err)) != 0)
                break;
        }
    }
    cJSON_Delete(root);
    if (rc != 0) { /* leave the caller's list as it was */
        for (size_t i = start; i < out->len; i++)
            free(out->items[i]);
        out->len = start;
        if (out->items != NULL)
            out->items[start] = NULL; /* still an argv-style list */
    }
    return rc;
}

/* Error for an index lacking some wanted platforms. */
static int missing_error(const char *shown, const ma_strlist *found, const ma_strlist *missing,
                         ma_error *err)
{
    char *found_s = ma_strlist_join(found, ", "), *missing_s = ma_strlist_join(missing, ", ");
    int rc;
    if (found_s == NULL || missing_s == NULL)
        rc = ma_nomem(err);
    else if (found->len == 0)
        rc = ma_fail(err, MA_ERR_BUILD, "pushed index %s holds no platform images, not %s", shown,
                     missing_s);
    else
        rc = ma_fail(err, MA_ERR_BUILD, "pushed index %s holds %s but not %s", shown, found_s,
                     missing_s);
    free(found_s);
    free(missing_s);
    return rc;
}

int ma_index_verify(const char *ref, const char *raw, size_t len, const char *digest,
                    const ma_strlist *want, ma_error *err)
{
    if (ref == NULL)
        ref = "(unnamed)";
    char got[MA_DIGEST_MAX];
    ma_sha256_digest(raw != NULL ? raw : "", raw != NULL ? len : 0, got);
    if (digest == NULL || strcmp(got, digest) != 0)
        return ma_fail(err, MA_ERR_BUILD,
                       "pushed index %s reads back as %s, not the pushed digest %s", ref, got,
                       digest != NULL ? digest : "(none)");

    /* Name the exact index: ref@digest, unless ref already is a digest reference. */
    char shown[MA_ERROR_MSG_MAX];
    if (strchr(ref, '@') != NULL)
        snprintf(shown, sizeof shown, "%s", ref);
    else
        snprintf(shown, sizeof shown, "%s@%s", ref, got);

    ma_strlist found = MA_STRLIST_INIT, missing = MA_STRLIST_INIT;
    ma_error inner;
    if (ma_index_platforms(raw, len, &found, &inner) != 0) {
        ma_strlist_free(&found);
        if (inner.kind == MA_ERR_NOMEM)
            return ma_nomem(err);
        return ma_fail(err, MA_ERR_BUILD, "pushed index %s: %s", shown, inner.msg);
    }
    int rc = 0;
    for (size_t i = 0; want != NULL && i < want->len && rc == 0; i++)
        if (!ma_platforms_hold(&found, want->items[i]) &&
            ma_strlist_push(&missing, want->items[i]) != 0)
            rc = ma_nomem(err);
    if (rc == 0 && missing.len > 0)
        rc = missing_error(shown, &found, &missing, err);
    ma_strlist_free(&found);
    ma_strlist_free(&missing);
    return rc;
}

int ma_raw_is_index(const char *raw, size_t len)
{
    ma_error ignored;
    cJSON *root = parse_manifest(raw, len, &ignored);
    int is_index = root != NULL && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "manifests"));
    cJSON_Delete(root);
    return is_index;
}

static size_t count_platform(const ma_strlist *found, const char *want)
{
    size_t n = 0;
    for (size_t i = 0; i < found->len; i++)
        n += ma_platform_same(found->items[i], want);
    return n;
}

int ma_index_verify_exact(const char *shown, const char *raw, size_t len, const ma_strlist *want,
                          ma_error *err)
{
    ma_strlist found = MA_STRLIST_INIT, wrong = MA_STRLIST_INIT;
    ma_error inner;
    if (ma_index_platforms(raw, len, &found, &inner) != 0) {
        ma_strlist_free(&found);
        return inner.kind == MA_ERR_NOMEM ? ma_nomem(err) : ma_fail(err, MA_ERR_BUILD, "%s: %s", shown, inner.msg);
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < want->len; i++) {
        size_t n = count_platform(&found, want->items[i]);
        if (n != 1 && ma_strlist_pushf(&wrong, "%s %s", want->items[i], n == 0 ? "missing" : "twice") != 0)
            rc = ma_nomem(err);
    }
    for (size_t i = 0; rc == 0 && i < found.len; i++)
        if (!ma_platforms_hold(want, found.items[i]) && ma_strlist_pushf(&wrong, "%s not expected", found.items[i]) != 0)
            rc = ma_nomem(err);
    if (rc == 0 && wrong.len > 0) {
        char *text = ma_strlist_join(&wrong, ", ");
        rc = text == NULL ? ma_nomem(err) : ma_fail(err, MA_ERR_BUILD, "%s has the wrong platforms: %s", shown, text);
        free(text);
    }
    ma_strlist_free(&found);
    ma_strlist_free(&wrong);
    return rc;
}

int ma_index_annotations_check(const char *shown, const char *raw, size_t len, const ma_strlist *want,
                               ma_error *err)
{
    cJSON *root = parse_manifest(raw, len, err);
    if (root == NULL)
        return -1;
    const cJSON *annotations = cJSON_GetObjectItemCaseSensitive(root, "annotations");
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < want->len; i++) {
        const char *item = want->items[i], *eq = strchr(item, '=');
        if (eq == NULL)
            continue;
        char key[256];
        snprintf(key, sizeof key, "%.*s", (int)(eq - item), item);
        const char *got = string_field(annotations, key);
        if (got == NULL || strcmp(got, eq + 1) != 0)
            rc = ma_fail(err, MA_ERR_BUILD, "%s %s annotation %s%s%s%s", shown,
                         got == NULL ? "has no" : "has another", key, got == NULL ? "" : " ('", got == NULL ? "" : got,
                         got == NULL ? ": buildx did not put it on the index" : "')");
    }
    cJSON_Delete(root);
    return rc;
}

/* 1 when an attestation manifest of the index refers to digest. */
static int attested(const cJSON *manifests, const char *digest)
{
    const cJSON *entry;
    cJSON_ArrayForEach(entry, manifests)
    {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(entry, "annotations");
        const char *type = string_field(a, "vnd.docker.reference.type"), *ref = string_field(a, "vnd.docker.reference.digest");
        if (type != NULL && strcmp(type, "attestation-manifest") == 0 && ref != NULL && strcmp(ref, digest) == 0)
            return 1;
    }
    return 0;
}

int ma_index_attestations_check(const char *shown, const char *raw, size_t len, ma_error *err)
{
    cJSON *root = parse_manifest(raw, len, err);
    if (root == NULL)
        return -1;
    const cJSON *manifests = cJSON_GetObjectItemCaseSensitive(root, "manifests"), *entry;
    int rc = 0, images = 0;
    if (!cJSON_IsArray(manifests)) {
        rc = ma_fail(err, MA_ERR_BUILD, "%s is a single image manifest: it holds no attestations", shown);
        manifests = NULL;
    }
    cJSON_ArrayForEach(entry, manifests)
    {
        const cJSON *platform = cJSON_GetObjectItemCaseSensitive(entry, "platform");
        const char *digest = string_field(entry, "digest");
        if (rc != 0 || is_attestation(entry, platform) || digest == NULL)
            continue;
        images++;
        if (!attested(manifests, digest)) {
            const char *os = string_field(platform, "os"), *arch = string_field(platform, "architecture");
            rc = ma_fail(err, MA_ERR_BUILD, "%s holds no attestation for its %s/%s image %s: the builder did not "
                                            "attach the --sbom/--provenance asked for",
                         shown, os ? os : "?", arch ? arch : "?", digest);
        }
    }
    if (rc == 0 && images == 0)
        rc = ma_fail(err, MA_ERR_BUILD, "%s holds no platform image", shown);
    cJSON_Delete(root);
    return rc;
}

int ma_index_first_image(const char *raw, size_t len, char digest[MA_DIGEST_MAX])
{
    cJSON *root = cJSON_ParseWithLength(raw, len);
    const cJSON *entry = NULL, *manifests = cJSON_GetObjectItemCaseSensitive(root, "manifests");
    const cJSON *list = cJSON_IsArray(manifests) ? manifests : NULL;
    int found = 0;
    cJSON_ArrayForEach(entry, list)
    {
        const cJSON *platform = cJSON_GetObjectItemCaseSensitive(entry, "platform");
        const char *d = string_field(entry, "digest");
        if (cJSON_IsObject(platform) && !is_attestation(entry, platform) && d != NULL && ma_digest_is_valid(d)) {
            snprintf(digest, MA_DIGEST_MAX, "%s", d);
            found = 1;
            break;
        }
    }
    cJSON_Delete(root);
    return found;
}

int ma_index_images(const char *raw, size_t len, ma_strlist *platforms, ma_strlist *digests, ma_error *err)
{
    cJSON *root = parse_manifest(raw, len, err);
    if (root == NULL)
        return -1;
    const cJSON *manifests = cJSON_GetObjectItemCaseSensitive(root, "manifests");
    const cJSON *list = cJSON_IsArray(manifests) ? manifests : NULL;
    int rc = 0;
    size_t i = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, list)
    {
        size_t before = platforms->len;
        if ((rc = add_entry(entry, i++, platforms, err)) != 0)
            break;
        if (platforms->len == before)
            continue;
        const char *d = string_field(entry, "digest");
        if (d == NULL || !ma_digest_is_valid(d)) {
            rc = ma_fail(err, MA_ERR_BUILD, "manifest list entry %zu (%s) has no valid digest", i - 1,
                         platforms->items[before]);
            break;
        }
        if (ma_strlist_push(digests, d) != 0) {
            rc = ma_nomem(err);
            break;
        }
    }
    cJSON_Delete(root);
    return rc;
}

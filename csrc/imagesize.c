#include "imagesize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "regapi.h"

int ma_image_size_read(ma_regclient *cl, const char *host, const char *repo, const char *raw, size_t len,
                       ma_image_size *out, ma_error *err)
{
    memset(out, 0, sizeof *out);
    if (!ma_raw_is_index(raw, len)) {
        long long bytes;
        if (ma_manifest_size(raw, len, &bytes, err) != 0)
            return -1;
        if ((out->items = calloc(1, sizeof *out->items)) == NULL)
            return ma_nomem(err);
        out->len = 1;
        out->items[0].bytes = bytes;
        ma_sha256_digest(raw, len, out->items[0].digest); /* the bytes a GET checked */
        return 0;
    }
    ma_strlist platforms = MA_STRLIST_INIT, digests = MA_STRLIST_INIT;
    ma_manifest_read *reads = NULL;
    int rc = ma_index_images(raw, len, &platforms, &digests, err);
    size_t n = rc == 0 ? digests.len : 0;
    if (rc == 0 && ((reads = calloc(n ? n : 1, sizeof *reads)) == NULL ||
                    (out->items = calloc(n ? n : 1, sizeof *out->items)) == NULL))
        rc = ma_nomem(err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        reads[i] = (ma_manifest_read){.host = host, .repo = repo, .ref = digests.items[i], .with_body = 1};
    if (rc == 0 && n > 0)
        rc = ma_reg_manifests(cl, reads, n, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        ma_platform_size *p = &out->items[out->len++];
        snprintf(p->platform, sizeof p->platform, "%s", platforms.items[i]);
        snprintf(p->digest, sizeof p->digest, "%s", digests.items[i]);
        ma_error why = {0};
        if (!reads[i].found)
            rc = ma_fail(err, MA_ERR_BUILD, "%s/%s@%s (%s) is not in the registry", host, repo, p->digest,
                         p->platform);
        else if (ma_manifest_size(reads[i].body, reads[i].len, &p->bytes, &why) != 0)
            rc = ma_fail(err, MA_ERR_BUILD, "%s/%s@%s (%s): %s", host, repo, p->digest, p->platform, why.msg);
    }
    for (size_t i = 0; reads != NULL && i < n; i++)
        ma_manifest_read_free(&reads[i]);
    free(reads);
    ma_strlist_free(&platforms);
    ma_strlist_free(&digests);
    if (rc != 0)
        ma_image_size_free(out);
    return rc;
}

int ma_image_size_read_ref(ma_regclient *cl, const char *host, const char *repo, const char *ref,
                           char digest[MA_DIGEST_MAX], ma_image_size *out, ma_error *err)
{
    memset(out, 0, sizeof *out);
    ma_manifest_read r = {.host = host, .repo = repo, .ref = ref, .with_body = 1};
    int rc = ma_reg_manifest(cl, &r, err);
    if (rc == 1) {
        snprintf(digest, MA_DIGEST_MAX, "%s", r.digest);
        rc = ma_image_size_read(cl, host, repo, r.body, r.len, out, err) == 0 ? 1 : -1;
    }
    ma_manifest_read_free(&r);
    return rc;
}

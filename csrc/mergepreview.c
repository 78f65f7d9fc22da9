#include "mergepreview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indexcompose.h"
#include "refname.h"
#include "regapi.h"

int ma_merge_preview(ma_regclient *cl, const ma_image_plan *ip, char digest[MA_DIGEST_MAX], ma_error *err)
{
    size_t n = ip->sources.len, hostlen = strcspn(ip->image, "/");
    if (ip->image[hostlen] == '\0')
        return ma_fail(err, MA_ERR_INPUT, "%s names no registry host", ip->image);
    char host[256];
    ma_registry_host(ip->image, host, sizeof host);
    ma_manifest_read *reads = calloc(n ? n : 1, sizeof *reads);
    if (reads == NULL)
        return ma_nomem(err);
    for (size_t i = 0; i < n; i++) {
        const char *at = strchr(ip->sources.items[i], '@');
        reads[i] = (ma_manifest_read){.host = host, .repo = ip->image + hostlen + 1,
                                      .ref = at != NULL ? at + 1 : ip->sources.items[i], .with_body = 1};
    }
    /* every digest at once: the reads go side by side */
    int rc = ma_reg_manifests(cl, reads, n, err);
    ma_strlist raws = MA_STRLIST_INIT;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!reads[i].found)
            rc = ma_fail(err, MA_ERR_ENV, "the %s digest %s is not in the registry: was it pushed to this registry?",
                         ip->platforms.items[i], ip->sources.items[i]);
        else if (ma_strlist_push(&raws, reads[i].body) != 0)
            rc = ma_nomem(err);
    }
    char shown[512], *raw = NULL;
    size_t len = 0;
    snprintf(shown, sizeof shown, "the index of %s's digests", ip->component);
    if (rc == 0 && ma_merge_index(&ip->sources, &ip->platforms, &ip->annotations, &raws, shown, &raw, &len, err) == 0)
        ma_sha256_digest(raw, len, digest);
    else
        rc = -1;
    free(raw);
    ma_strlist_free(&raws);
    for (size_t i = 0; i < n; i++)
        ma_manifest_read_free(&reads[i]);
    free(reads);
    return rc;
}

#include "regcopy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifestrefs.h"
#include "regapi.h"
#include "regblob.h"

/* A blob copied across registries is held in memory between its read and
 * its upload: layers up to this size (a streamed copy would need none). */
#define MA_COPY_BLOB_MAX ((size_t)2 << 30)

typedef struct {
    ma_regclient *cl;
    const char *from_host, *from_repo, *to_host, *to_repo;
    ma_regcopy_counts *counts;
} copy_job;

static int copy_blob(const copy_job *j, const char *digest, ma_error *err)
{
    long size = 0;
    int have = ma_reg_blob(j->cl, j->to_host, j->to_repo, digest, &size, err);
    if (have != 0) {
        j->counts->present += have == 1;
        return have < 0 ? -1 : 0;
    }
    char *upload = NULL;
    if (strcmp(j->from_host, j->to_host) == 0) {
        int mounted = ma_regblob_mount(j->cl, j->to_host, j->to_repo, j->from_repo, digest, &upload, err);
        if (mounted != 0) {
            j->counts->mounted += mounted == 1;
            return mounted < 0 ? -1 : 0;
        }
    }
    char *body = NULL;
    size_t len = 0;
    int got = ma_reg_blob_get(j->cl, j->from_host, j->from_repo, digest, MA_COPY_BLOB_MAX, &body, &len, err);
    int rc = got < 0 ? -1 : 0;
    if (got == 0)
        rc = ma_fail(err, MA_ERR_ENV, "registry %s: blob %s@%s is not there to copy", j->from_host, j->from_repo,
                     digest);
    if (rc == 0)
        rc = ma_regblob_upload(j->cl, j->to_host, j->to_repo, digest, upload, body, len, err);
    j->counts->copied += rc == 0;
    free(body);
    free(upload);
    return rc;
}

static int copy_refs(const copy_job *j, const char *shown, const char *raw, size_t len, int depth, ma_error *err);

/* An index's manifest `digest`: its content, then its bytes by digest. */
static int copy_manifest(const copy_job *j, const char *digest, int depth, ma_error *err)
{
    ma_manifest_read there = {.host = j->to_host, .repo = j->to_repo, .ref = digest, .with_body = 0};
    int found = ma_reg_manifest(j->cl, &there, err);
    ma_manifest_read_free(&there);
    if (found != 0)
        return found < 0 ? -1 : 0;
    ma_manifest_read r = {.host = j->from_host, .repo = j->from_repo, .ref = digest, .with_body = 1};
    int rc = ma_reg_manifest(j->cl, &r, err);
    if (rc == 0)
        rc = ma_fail(err, MA_ERR_ENV, "registry %s: %s@%s is not there to copy", j->from_host, j->from_repo, digest);
    char shown[1024];
    snprintf(shown, sizeof shown, "%s/%s@%s", j->from_host, j->from_repo, digest);
    if (rc == 1)
        rc = copy_refs(j, shown, r.body, r.len, depth + 1, err);
    if (rc == 0)
        rc = ma_reg_manifest_put(j->cl, j->to_host, j->to_repo, digest, r.media_type, r.body, r.len, err);
    j->counts->manifests += rc == 0;
    ma_manifest_read_free(&r);
    return rc;
}

static int copy_refs(const copy_job *j, const char *shown, const char *raw, size_t len, int depth, ma_error *err)
{
    ma_manifest_refs refs;
    int rc = ma_manifest_refs_read(shown, raw, len, &refs, err);
    if (rc == 0 && refs.is_index && depth > 0)
        rc = ma_fail(err, MA_ERR_BUILD, "%s: an index inside an index is not copied", shown);
    for (size_t i = 0; rc == 0 && i < refs.children.len; i++)
        rc = copy_manifest(j, refs.children.items[i], depth, err);
    for (size_t i = 0; rc == 0 && i < refs.blobs.len; i++)
        rc = copy_blob(j, refs.blobs.items[i], err);
    ma_manifest_refs_free(&refs);
    return rc;
}

int ma_regcopy_image(ma_regclient *cl, const char *from_host, const char *from_repo, const char *to_host,
                     const char *to_repo, const char *raw, size_t len, ma_regcopy_counts *counts, ma_error *err)
{
    copy_job j = {cl, from_host, from_repo, to_host, to_repo, counts};
    char shown[1024];
    snprintf(shown, sizeof shown, "%s/%s", from_host, from_repo);
    return copy_refs(&j, shown, raw, len, 0, err);
}

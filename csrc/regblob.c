#include "regblob.h"

#include <stdlib.h>
#include <string.h>

#include "sha256.h"

/* One call, answered (any status): 0, or -1 when there was none. */
static int call(ma_regclient *cl, ma_regcall *c, const char *digest, ma_error *err)
{
    if (c->path == NULL)
        return ma_nomem(err);
    if (ma_regclient_call(cl, c, 1, err) != 0)
        return -1;
    ma_regclient_step(cl, c, digest);
    return 0;
}

int ma_regblob_mount(ma_regclient *cl, const char *host, const char *repo, const char *from_repo, const char *digest,
                     char **upload, ma_error *err)
{
    *upload = NULL;
    ma_regcall c = {.method = "POST", .host = host, .repo = repo, .what = digest, .digest = digest, .push = 1,
                    .path = ma_strdupf("/v2/%s/blobs/uploads/?mount=%s&from=%s", repo, digest, from_repo),
                    .body = "", .body_len = 0};
    int rc = call(cl, &c, digest, err);
    if (rc == 0 && c.http.status == 201)
        rc = 1;
    else if (rc == 0 && c.http.status == 202 && c.http.location != NULL)
        rc = (*upload = ma_strdup(c.http.location)) == NULL ? ma_nomem(err) : 0;
    else if (rc == 0)
        rc = ma_regcall_error(&c, err);
    free((char *)c.path);
    ma_regcall_free(&c);
    return rc;
}

int ma_regblob_upload(ma_regclient *cl, const char *host, const char *repo, const char *digest, const char *upload,
                      const char *body, size_t len, ma_error *err)
{
    char actual[MA_DIGEST_MAX];
    ma_sha256_digest(body != NULL ? body : "", len, actual);
    if (strcmp(actual, digest) != 0)
        return ma_fail(err, MA_ERR_ENV, "registry %s: the blob for %s@%s hashes to %s: refused", host, repo, digest,
                       actual);
    ma_regcall start = {.method = "POST", .host = host, .repo = repo, .what = "blobs/uploads", .push = 1,
                        .path = ma_strdupf("/v2/%s/blobs/uploads/", repo), .body = "", .body_len = 0};
    int rc = upload != NULL ? 0 : call(cl, &start, NULL, err);
    if (rc == 0 && upload == NULL && (start.http.status != 202 || start.http.location == NULL))
        rc = start.http.status == 202 ? ma_fail(err, MA_ERR_ENV, "registry %s: POST %s blobs/uploads: no Location",
                                                host, repo)
                                      : ma_regcall_error(&start, err);
    ma_strlist headers = MA_STRLIST_INIT;
    ma_regcall put = {.method = "PUT", .host = host, .repo = repo, .what = digest, .digest = digest, .push = 1,
                      .headers = &headers, .body = body, .body_len = len};
    if (rc == 0) {
        const char *loc = upload != NULL ? upload : start.http.location;
        put.path = ma_strdupf("%s%cdigest=%s", loc, strchr(loc, '?') != NULL ? '&' : '?', digest);
        if (ma_strlist_push(&headers, "Content-Type: application/octet-stream") != 0)
            rc = ma_nomem(err);
    }
    if (rc == 0)
        rc = call(cl, &put, digest, err);
    if (rc == 0 && put.http.status != 201)
        rc = ma_regcall_error(&put, err);
    else if (rc == 0 && put.http.content_digest != NULL && strcmp(put.http.content_digest, digest) != 0)
        rc = ma_fail(err, MA_ERR_ENV, "registry %s: PUT %s@%s stored %.80s: refused", host, repo, digest,
                     put.http.content_digest);
    free((char *)start.path);
    free((char *)put.path);
    ma_regcall_free(&start);
    ma_regcall_free(&put);
    ma_strlist_free(&headers);
    return rc;
}

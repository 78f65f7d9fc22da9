/* The API calls.  Reads are checked as the spec says a client must: a body
 * fetched by digest has that digest; one fetched by tag has the digest the
 * registry announced (when it did). */
#include "regapi.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkhdr.h"

void ma_manifest_read_free(ma_manifest_read *r)
{
    if (r == NULL)
        return;
    free(r->media_type);
    free(r->body);
    r->media_type = r->body = NULL;
    r->len = 0;
    r->found = 0;
    r->digest[0] = '\0';
}

/* Content-Type without parameters. */
static char *media_type_of(const char *content_type)
{
    if (content_type == NULL)
        return strdup("");
    size_t n = strcspn(content_type, "; ");
    return strndup(content_type, n);
}

/* Judge one manifest answer into its read. */
static int take_manifest(ma_regclient *cl, ma_regcall *c, ma_manifest_read *r)
{
    ma_manifest_read_free(r);
    ma_error *err = &r->err;
    if (c->http.status == 404) {
        ma_regclient_step(cl, c, NULL);
        return 0;
    }
    if (c->http.status != 200) {
        ma_regclient_step(cl, c, NULL);
        return ma_regcall_error(c, err);
    }
    const char *announced = c->http.content_digest;
    int by_digest = strncmp(r->ref, "sha256:", 7) == 0;
    if (r->with_body) {
        char actual[MA_DIGEST_MAX];
        ma_sha256_digest(c->http.body_out != NULL ? c->http.body_out : "", c->http.body_out_len, actual);
        const char *expected = by_digest ? r->ref : announced;
        ma_regclient_step(cl, c, actual);
        if (expected != NULL && strcmp(expected, actual) != 0)
            return ma_fail(err, MA_ERR_ENV,
                           "registry %s: GET %s%c%s: the body's digest is %s, not %.80s: refused", c->host,
                           c->repo, by_digest ? '@' : ':', r->ref, actual, expected);
        memcpy(r->digest, actual, sizeof actual);
        r->body = c->http.body_out != NULL ? c->http.body_out : strdup("");
        r->len = c->http.body_out_len;
        c->http.body_out = NULL;
    } else {
        const char *digest = by_digest ? r->ref : announced;
        ma_regclient_step(cl, c, digest);
        if (digest == NULL || !ma_digest_is_valid(digest) || (announced != NULL && strcmp(announced, digest) != 0))
            return ma_fail(err, MA_ERR_ENV, "registry %s: HEAD %s%c%s: no usable Docker-Content-Digest", c->host,
                           c->repo, by_digest ? '@' : ':', r->ref);
        snprintf(r->digest, sizeof r->digest, "%s", digest);
        r->len = c->http.content_length >= 0 ? (size_t)c->http.content_length : 0;
    }
    r->media_type = media_type_of(c->http.content_type);
    if (r->media_type == NULL || (r->body == NULL && r->with_body))
        return ma_nomem(err);
    r->found = 1;
    return 0;
}

/* Some registries answer HEAD without Docker-Content-Digest: those reads
 * are made again as GETs, whose bodies give the digest. */
static int heads_without_digest(ma_regclient *cl, ma_manifest_read *reads, size_t n, const ma_regcall *calls,
                                ma_error *err)
{
    for (size_t i = 0; i < n; i++) {
        ma_manifest_read *r = &reads[i];
        if (r->with_body || calls[i].http.status != 200 || calls[i].http.content_digest != NULL ||
            strncmp(r->ref, "sha256:", 7) == 0)
            continue;
        ma_manifest_read get = {.host = r->host, .repo = r->repo, .ref = r->ref, .with_body = 1};
        if (ma_reg_manifests(cl, &get, 1, err) != 0) {
            ma_manifest_read_free(&get);
            return -1;
        }
        ma_manifest_read_free(r);
        r->found = get.found;
        memcpy(r->digest, get.digest, sizeof r->digest);
        r->media_type = get.media_type;
        r->len = get.len;
        free(get.body);
        ma_error_clear(&r->err);
    }
    return 0;
}

int ma_reg_manifests(ma_regclient *cl, ma_manifest_read *reads, size_t n, ma_error *err)
{
    ma_regcall *calls = calloc(n ? n : 1, sizeof *calls);
    char **paths = calloc(n ? n : 1, sizeof *paths);
    ma_strlist accept = MA_STRLIST_INIT;
    int rc = calls == NULL || paths == NULL || ma_strlist_push(&accept, MA_MANIFEST_ACCEPT) != 0 ? ma_nomem(err) : 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        ma_manifest_read *r = &reads[i];
        ma_error_clear(&r->err);
        if ((paths[i] = ma_strdupf("/v2/%s/manifests/%s", r->repo, r->ref)) == NULL)
            rc = ma_nomem(err);
        calls[i] = (ma_regcall){.method = r->with_body ? "GET" : "HEAD", .host = r->host, .repo = r->repo,
                                .what = r->ref, .path = paths[i], .headers = &accept};
    }
    if (rc == 0)
        rc = ma_regclient_call(cl, calls, n, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (take_manifest(cl, &calls[i], &reads[i]) != 0 && rc == 0 &&
            (reads[i].with_body || calls[i].http.status != 200 || calls[i].http.content_digest != NULL)) {
            *err = reads[i].err;
            rc = -1;
        }
    if (rc == 0)
        rc = heads_without_digest(cl, reads, n, calls, err);
    for (size_t i = 0; calls != NULL && i < n; i++)
        ma_regcall_free(&calls[i]);
    for (size_t i = 0; paths != NULL && i < n; i++)
        free(paths[i]);
    free(calls);
    free(paths);
    ma_strlist_free(&accept);
    return rc;
}

int ma_reg_manifest(ma_regclient *cl, ma_manifest_read *read, ma_error *err)
{
    return ma_reg_manifests(cl, read, 1, err) != 0 ? -1 : read->found;
}

int ma_reg_manifest_put(ma_regclient *cl, const char *host, const char *repo, const char *tag,
                        const char *media_type, const char *body, size_t len, ma_error *err)
{
    char digest[MA_DIGEST_MAX];
    ma_sha256_digest(body, len, digest);
    ma_strlist headers = MA_STRLIST_INIT;
    char *path = ma_strdupf("/v2/%s/manifests/%s", repo, tag);
    int rc = path == NULL || ma_strlist_pushf(&headers, "Content-Type: %s", media_type) != 0 ? ma_nomem(err) : 0;
    ma_regcall c = {.method = "PUT", .host = host, .repo = repo, .what = tag, .digest = digest, .push = 1,
                    .path = path, .headers = &headers, .body = body, .body_len = len};
    if (rc == 0)
        rc = ma_regclient_call(cl, &c, 1, err);
    if (rc == 0) {
        ma_regclient_step(cl, &c, digest);
        if (c.http.status != 201 && c.http.status != 200)
            rc = ma_regcall_error(&c, err);
        else if (c.http.content_digest != NULL && strcmp(c.http.content_digest, digest) != 0)
            rc = ma_fail(err, MA_ERR_ENV, "registry %s: PUT %s:%s stored %.80s, not the %s sent", host, repo, tag,
                         c.http.content_digest, digest);
    }
    ma_regcall_free(&c);
    ma_strlist_free(&headers);
    free(path);
    return rc;
}

int ma_reg_tag(ma_regclient *cl, const char *host, const char *repo, const char *ref, const char *tag,
               char digest[MA_DIGEST_MAX], ma_error *err)
{
    ma_manifest_read r = {.host = host, .repo = repo, .ref = ref, .with_body = 1};
    int rc = ma_reg_manifest(cl, &r, err);
    if (rc == 0)
        rc = ma_fail(err, MA_ERR_ENV, "registry %s: %s%c%s does not exist", host, repo,
                     strncmp(ref, "sha256:", 7) == 0 ? '@' : ':', ref);
    else if (rc == 1)
        rc = ma_reg_manifest_put(cl, host, repo, tag, r.media_type, r.body, r.len, err);
    if (rc == 0)
        memcpy(digest, r.digest, MA_DIGEST_MAX);
    ma_manifest_read_free(&r);
    return rc;
}

/* {"name": ..., "tags": [...]} (tags may be null) appended to tags. */
static int take_tags(const ma_regcall *c, ma_strlist *tags, ma_error *err)
{
    cJSON *root = cJSON_Parse(c->http.body_out != NULL ? c->http.body_out : "");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "tags");
    int rc = 0;
    if (!cJSON_IsObject(root) || (list != NULL && !cJSON_IsNull(list) && !cJSON_IsArray(list)))
        rc = ma_fail(err, MA_ERR_ENV, "registry %s: GET %s tags/list: not a tag list", c->host, c->repo);
    const cJSON *t, *items = cJSON_IsArray(list) ? list : NULL;
    cJSON_ArrayForEach(t, items)
    {
        if (rc != 0)
            break;
        if (!cJSON_IsString(t))
            rc = ma_fail(err, MA_ERR_ENV, "registry %s: GET %s tags/list: a tag is not a string", c->host, c->repo);
        else if (ma_strlist_push(tags, t->valuestring) != 0)
            rc = ma_nomem(err);
    }
    cJSON_Delete(root);
    return rc;
}

/* Bounds a registry that pages forever. */
#define TAG_PAGES_MAX 10000

int ma_reg_tags(ma_regclient *cl, const char *host, const char *repo, int page_size, ma_strlist *tags,
                ma_error *err)
{
    char *path = page_size > 0 ? ma_strdupf("/v2/%s/tags/list?n=%d", repo, page_size)
                               : ma_strdupf("/v2/%s/tags/list", repo);
    int rc = path == NULL ? ma_nomem(err) : 0;
    for (int page = 0; rc == 0 && path != NULL; page++) {
        if (page == TAG_PAGES_MAX) {
            rc = ma_fail(err, MA_ERR_ENV, "registry %s: %s's tag list runs over %d pages", host, repo, TAG_PAGES_MAX);
            break;
        }
        ma_regcall c = {.method = "GET", .host = host, .repo = repo, .what = "tags/list", .path = path};
        rc = ma_regclient_call(cl, &c, 1, err);
        if (rc == 0)
            ma_regclient_step(cl, &c, NULL);
        free(path);
        path = NULL;
        if (rc == 0 && c.http.status == 404 && page == 0) {
            ma_regcall_free(&c);
            break;
        }
        if (rc == 0 && c.http.status != 200)
            rc = ma_regcall_error(&c, err);
        if (rc == 0)
            rc = take_tags(&c, tags, err);
        char *next = NULL;
        if (rc == 0 && c.http.link != NULL && (rc = ma_link_next(c.http.link, &next, err)) == 1) {
            const char *origin = ma_regclient_origin(cl, host);
            if (origin == NULL)
                rc = ma_fail(err, MA_ERR_ENV, "registry %s: no origin", host);
            else
                rc = ma_link_resolve(origin, next, &path, err);
        }
        if (rc > 0)
            rc = 0;
        free(next);
        ma_regcall_free(&c);
    }
    free(path);
    return rc;
}

int ma_reg_blob(ma_regclient *cl, const char *host, const char *repo, const char *digest, long *size,
                ma_error *err)
{
    char *path = ma_strdupf("/v2/%s/blobs/%s", repo, digest);
    if (path == NULL)
        return ma_nomem(err);
    ma_regcall c = {.method = "HEAD", .host = host, .repo = repo, .what = digest, .path = path};
    int rc = ma_regclient_call(cl, &c, 1, err);
    if (rc == 0) {
        ma_regclient_step(cl, &c, c.http.status == 200 ? digest : NULL);
        if (c.http.status == 200) {
            *size = c.http.content_length;
            rc = 1;
        } else if (c.http.status != 404) {
            rc = ma_regcall_error(&c, err);
        }
    }
    ma_regcall_free(&c);
    free(path);
    return rc;
}

int ma_reg_blob_get(ma_regclient *cl, const char *host, const char *repo, const char *digest, size_t body_max,
                    char **body, size_t *len, ma_error *err)
{
    *body = NULL;
    *len = 0;
    char *path = ma_strdupf("/v2/%s/blobs/%s", repo, digest);
    if (path == NULL)
        return ma_nomem(err);
    ma_regcall c = {.method = "GET", .host = host, .repo = repo, .what = digest, .path = path, .body_max = body_max};
    int rc = ma_regclient_call(cl, &c, 1, err);
    if (rc == 0) {
        char actual[MA_DIGEST_MAX];
        ma_sha256_digest(c.http.body_out != NULL ? c.http.body_out : "", c.http.body_out_len, actual);
        ma_regclient_step(cl, &c, c.http.status == 200 ? actual : NULL);
        if (c.http.status == 200 && strcmp(actual, digest) != 0) {
            rc = ma_fail(err, MA_ERR_ENV, "registry %s: GET %s@%s: the blob's digest is %s: refused", host, repo,
                         digest, actual);
        } else if (c.http.status == 200) {
            *body = c.http.body_out != NULL ? c.http.body_out : strdup("");
            *len = c.http.body_out_len;
            c.http.body_out = NULL;
            rc = *body == NULL ? ma_nomem(err) : 1;
        } else if (c.http.status != 404) {
            rc = ma_regcall_error(&c, err);
        }
    }
    ma_regcall_free(&c);
    free(path);
    return rc;
}

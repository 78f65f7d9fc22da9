#include "regreferrers.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "linkhdr.h"
#include "sha256.h"

/* An image index: its manifests' digests appended to out. */
static int take_index(const ma_regcall *c, ma_strlist *out, ma_error *err)
{
    cJSON *root = cJSON_ParseWithLength(c->http.body_out != NULL ? c->http.body_out : "", c->http.body_out_len);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "manifests");
    int rc = cJSON_IsArray(list) ? 0
                                 : ma_fail(err, MA_ERR_ENV, "registry %s: GET %s referrers/%s: not an image index",
                                           c->host, c->repo, c->what);
    const cJSON *d;
    cJSON_ArrayForEach(d, (rc == 0 ? list : NULL))
    {
        const cJSON *digest = cJSON_GetObjectItemCaseSensitive(d, "digest");
        if (!cJSON_IsString(digest) || !ma_digest_is_valid(digest->valuestring)) {
            rc = ma_fail(err, MA_ERR_ENV, "registry %s: GET %s referrers/%s: an entry without a sha256 digest",
                         c->host, c->repo, c->what);
            break;
        }
        if (ma_strlist_push_unique(out, digest->valuestring) != 0) {
            rc = ma_nomem(err);
            break;
        }
    }
    cJSON_Delete(root);
    return rc;
}

/* Bounds a registry that pages forever. */
#define REFERRER_PAGES_MAX 1000

int ma_reg_referrers(ma_regclient *cl, const char *host, const char *repo, const char *digest, ma_strlist *out,
                     ma_error *err)
{
    char *path = ma_strdupf("/v2/%s/referrers/%s", repo, digest);
    int rc = path == NULL ? ma_nomem(err) : 1;
    for (int page = 0; rc == 1 && path != NULL; page++) {
        if (page == REFERRER_PAGES_MAX) {
            rc = ma_fail(err, MA_ERR_ENV, "registry %s: %s's referrers run over %d pages", host, digest,
                         REFERRER_PAGES_MAX);
            break;
        }
        ma_strlist accept = MA_STRLIST_INIT;
        if (ma_strlist_push(&accept, "Accept: application/vnd.oci.image.index.v1+json") != 0) {
            rc = ma_nomem(err);
            break;
        }
        ma_regcall c = {.method = "GET", .host = host, .repo = repo, .what = digest, .path = path, .headers = &accept};
        rc = ma_regclient_call(cl, &c, 1, err) == 0 ? 1 : -1;
        free(path);
        path = NULL;
        if (rc == 1)
            ma_regclient_step(cl, &c, NULL);
        if (rc == 1 && c.http.status == 404)
            rc = page == 0 ? 0 : ma_regcall_error(&c, err);
        else if (rc == 1 && c.http.status != 200)
            rc = ma_regcall_error(&c, err);
        else if (rc == 1 && take_index(&c, out, err) != 0)
            rc = -1;
        char *next = NULL;
        int found = rc == 1 && c.http.link != NULL ? ma_link_next(c.http.link, &next, err) : 0;
        if (found < 0) {
            rc = -1;
        } else if (found == 1) {
            const char *origin = ma_regclient_origin(cl, host);
            if (origin == NULL || ma_link_resolve(origin, next, &path, err) != 0)
                rc = origin == NULL ? ma_fail(err, MA_ERR_ENV, "registry %s: no origin", host) : -1;
        }
        free(next);
        ma_regcall_free(&c);
        ma_strlist_free(&accept);
    }
    free(path);
    return rc;
}

#include "ghpackages.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkhdr.h"

void ma_ghversions_free(ma_ghversions *v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < v->len; i++) {
        free(v->items[i].id);
        ma_strlist_free(&v->items[i].tags);
    }
    free(v->items);
    free(v->versions_url);
    memset(v, 0, sizeof *v);
}

static int bad_page(ma_error *err, const char *why)
{
    return ma_fail(err, MA_ERR_ENV, "GitHub Packages: a versions page %s", why);
}

static int take_version(const cJSON *item, ma_ghversions *out, ma_error *err)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, "metadata"), "container"), "tags");
    if (!cJSON_IsNumber(id) || id->valuedouble < 0 || id->valuedouble > 9.0e15)
        return bad_page(err, "holds a version without an id");
    if (!cJSON_IsString(name) || !ma_digest_is_valid(name->valuestring))
        return bad_page(err, "holds a version whose name is not a sha256 digest");
    if (tags != NULL && !cJSON_IsArray(tags))
        return bad_page(err, "holds a version whose tags are not a list");
    if (out->len == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 128;
        ma_ghversion *items = realloc(out->items, cap * sizeof *items);
        if (items == NULL)
            return ma_nomem(err);
        out->items = items;
        out->cap = cap;
    }
    ma_ghversion *v = &out->items[out->len];
    memset(v, 0, sizeof *v);
    snprintf(v->digest, sizeof v->digest, "%s", name->valuestring);
    if ((v->id = ma_strdupf("%.0f", id->valuedouble)) == NULL)
        return ma_nomem(err);
    out->len++;
    const cJSON *t;
    cJSON_ArrayForEach(t, tags)
    {
        if (!cJSON_IsString(t) || t->valuestring[0] == '\0')
            return bad_page(err, "holds a tag that is not a string");
        if (ma_strlist_push(&v->tags, t->valuestring) != 0)
            return ma_nomem(err);
    }
    return 0;
}

int ma_ghversions_parse_page(const char *body, size_t len, ma_ghversions *out, ma_error *err)
{
    cJSON *root = cJSON_ParseWithLength(body != NULL ? body : "", body != NULL ? len : 0);
    int rc = cJSON_IsArray(root) ? 0 : bad_page(err, "is not a JSON array");
    const cJSON *item;
    cJSON_ArrayForEach(item, (rc == 0 ? root : NULL))
        if ((rc = take_version(item, out, err)) != 0)
            break;
    cJSON_Delete(root);
    return rc;
}

/* The API's headers, the token among them (wiped by the caller). */
static int api_headers(const ma_ghpackages *gh, ma_strlist *h, ma_error *err)
{
    if (ma_strlist_push(h, "Accept: application/vnd.github+json") != 0 ||
        ma_strlist_push(h, "X-GitHub-Api-Version: 2022-11-28") != 0 ||
        ma_strlist_pushf(h, "Authorization: Bearer %s", gh->token) != 0)
        return ma_nomem(err);
    return 0;
}

static void wipe(ma_strlist *h)
{
    for (size_t i = 0; i < h->len; i++)
        memset(h->items[i], 0, strlen(h->items[i]));
    ma_strlist_free(h);
}

/* One request to the API: 0 with r answered (any status), -1 when none came. */
static int api_call(const ma_ghpackages *gh, ma_http_req *r, unsigned long *requests, ma_error *err)
{
    ma_strlist headers = MA_STRLIST_INIT;
    int rc = api_headers(gh, &headers, err);
    r->headers = &headers;
    if (rc == 0)
        rc = ma_http_perform(gh->http, r, 1, &gh->retry, err);
    *requests += (unsigned long)r->attempts;
    r->headers = NULL;
    wipe(&headers);
    if (rc == 0 && r->status == 0)
        rc = ma_fail(err, MA_ERR_ENV, "GitHub API %s: %s %s: %s", gh->api, r->method, r->url, r->failure);
    return rc;
}

/* "team/app" -> "team%2Fapp": the API takes a nested name as one segment. */
static char *package_segment(const char *package)
{
    size_t n = 0;
    for (const char *p = package; *p; p++)
        n += *p == '/' ? 3 : 1;
    char *out = malloc(n + 1), *q = out;
    for (const char *p = package; out != NULL && *p; p++)
        if (*p == '/') {
            memcpy(q, "%2F", 3);
            q += 3;
        } else {
            *q++ = *p;
        }
    if (out != NULL)
        *q = '\0';
    return out;
}

/* Bounds an API that pages forever. */
#define PAGES_MAX 10000

static int list_pages(const ma_ghpackages *gh, const char *first, ma_ghversions *out, long *first_status,
                      ma_error *err)
{
    char *url = ma_strdupf("%s?per_page=%d", first, MA_GHPACKAGES_PER_PAGE);
    int rc = url == NULL ? ma_nomem(err) : 0;
    for (int page = 0; rc == 0 && url != NULL; page++) {
        if (page == PAGES_MAX) {
            rc = ma_fail(err, MA_ERR_ENV, "GitHub Packages: %s runs over %d pages", first, PAGES_MAX);
            break;
        }
        ma_http_req r = {.method = "GET", .url = url};
        rc = api_call(gh, &r, &out->requests, err);
        if (rc == 0 && page == 0)
            *first_status = r.status;
        if (rc == 0 && page == 0 && r.status == 404) {
            ma_http_req_reset(&r);
            break;
        }
        if (rc == 0 && r.status != 200)
            rc = ma_fail(err, MA_ERR_ENV, "GitHub Packages: GET %s (page %d): HTTP %ld%s", url, page + 1, r.status,
                         r.status == 401 || r.status == 403 ? " (check GITHUB_TOKEN: it needs read:packages and "
                                                              "delete:packages, or packages: write in a workflow)"
                                                            : "");
        if (rc == 0)
            rc = ma_ghversions_parse_page(r.body_out, r.body_out_len, out, err);
        char *next = NULL;
        free(url);
        url = NULL;
        int found = rc == 0 && r.link != NULL ? ma_link_next(r.link, &next, err) : 0;
        if (found < 0)
            rc = -1;
        else if (found == 1)
            rc = ma_link_resolve(gh->api, next, &url, err);
        free(next);
        ma_http_req_reset(&r);
    }
    free(url);
    return rc;
}

int ma_ghpackages_list(const ma_ghpackages *gh, const char *owner, const char *package, ma_ghversions *out,
                       ma_error *err)
{
    memset(out, 0, sizeof *out);
    char *segment = package_segment(package);
    if (segment == NULL)
        return ma_nomem(err);
    static const char *const kinds[] = {"orgs", "users"};
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < 2 && out->versions_url == NULL; k++) {
        char *base = ma_strdupf("%s/%s/%s/packages/container/%s/versions", gh->api, kinds[k], owner, segment);
        long status = 0;
        rc = base == NULL ? ma_nomem(err) : list_pages(gh, base, out, &status, err);
        if (rc == 0 && status != 404)
            out->versions_url = base;
        else
            free(base);
    }
    if (rc == 0 && out->versions_url == NULL)
        rc = ma_fail(err, MA_ERR_ENV, "GitHub Packages: no container package %s of %s (neither an organisation's "
                                      "nor a user's, or the token cannot see it)", package, owner);
    free(segment);
    if (rc != 0) {
        unsigned long requests = out->requests;
        ma_ghversions_free(out);
        out->requests = requests;
    }
    return rc;
}

int ma_ghpackages_delete(const ma_ghpackages *gh, ma_ghversions *v, const char *id, ma_error *err)
{
    char *url = ma_strdupf("%s/%s", v->versions_url, id);
    if (url == NULL)
        return ma_nomem(err);
    ma_http_req r = {.method = "DELETE", .url = url};
    int rc = api_call(gh, &r, &v->requests, err);
    if (rc == 0 && r.status != 204 && r.status != 200 && r.status != 404)
        rc = ma_fail(err, MA_ERR_ENV, "GitHub Packages: DELETE %s: HTTP %ld", url, r.status);
    ma_http_req_reset(&r);
    free(url);
    return rc;
}

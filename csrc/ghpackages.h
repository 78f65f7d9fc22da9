/* The GitHub Packages REST API for a container package (what ghcr.io is
 * managed through): its versions, each a manifest digest with the tags on it,
 * listed page by page by the Link header; and the delete of a version by id.
 * Organisation packages (/orgs/OWNER/...) and user packages (/users/OWNER/...):
 * the listing tries the organisation first.  The token goes in the
 * Authorization header of these requests and nowhere else. */
#ifndef MA_GHPACKAGES_H
#define MA_GHPACKAGES_H
#include <stddef.h>

#include "error.h"
#include "http.h"
#include "sha256.h"
#include "strlist.h"

/* Where the API is when GITHUB_API_URL is not set. */
#define MA_GITHUB_API_DEFAULT "https://api.github.com"
/* Versions per page: the API's most. */
#define MA_GHPACKAGES_PER_PAGE 100

typedef struct {
    char *id;                  /* the version id, as decimal text */
    char digest[MA_DIGEST_MAX];
    ma_strlist tags;
} ma_ghversion;

typedef struct {
    ma_ghversion *items;
    size_t len, cap;
    char *versions_url;        /* ".../packages/container/<package>/versions" that answered */
    unsigned long requests;    /* API requests sent */
} ma_ghversions;

typedef struct {
    ma_http *http;
    ma_http_retry retry;
    const char *api;           /* "https://api.github.com" (no trailing slash) */
    const char *token;         /* a secret */
} ma_ghpackages;

/* One page of the versions listing (a JSON array of {id, name, metadata:
 * {container: {tags}}}) appended to out.  Pure.  0, or -1 with MA_ERR_ENV. */
int ma_ghversions_parse_page(const char *body, size_t len, ma_ghversions *out, ma_error *err);

/* Every version of owner's container package `package` ("brokkr-broker" or
 * "team/app"), every page read; -1 (MA_ERR_ENV) when any page fails: the
 * list is then incomplete and out is emptied. */
int ma_ghpackages_list(const ma_ghpackages *gh, const char *owner, const char *package, ma_ghversions *out,
                       ma_error *err);
/* Delete the version id of the package listed in v: 0, or -1 with MA_ERR_ENV. */
int ma_ghpackages_delete(const ma_ghpackages *gh, ma_ghversions *v, const char *id, ma_error *err);
void ma_ghversions_free(ma_ghversions *v);
#endif

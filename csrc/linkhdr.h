/* The Link header (RFC 8288) a registry pages tags/list with:
 * `</v2/<name>/tags/list?n=100&last=x>; rel="next"`.  Pure. */
#ifndef MA_LINKHDR_H
#define MA_LINKHDR_H
#include "error.h"

/* The target of the first link whose rel includes "next", as a new string in
 * *url.  1 when found, 0 when there is none (*url NULL), -1 with MA_ERR_ENV
 * ("malformed Link header: ...") or MA_ERR_NOMEM. */
int ma_link_next(const char *header, char **url, ma_error *err);

/* The next page's absolute URL: a target starting with '/' is resolved
 * against origin ("https://host:port"); an absolute one must have that same
 * origin (credentials are never sent elsewhere).  0 with *out malloc'd, -1
 * with MA_ERR_ENV or MA_ERR_NOMEM. */
int ma_link_resolve(const char *origin, const char *target, char **out, ma_error *err);
#endif

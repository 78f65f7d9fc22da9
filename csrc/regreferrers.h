/* The OCI referrers API (`GET /v2/<name>/referrers/<digest>`, distribution
 * spec 1.1): the manifests whose subject is a digest.  A registry without it
 * answers 404, which the spec reserves for that. */
#ifndef MA_REGREFERRERS_H
#define MA_REGREFERRERS_H
#include "error.h"
#include "regclient.h"
#include "strlist.h"

/* The digests of digest's referrers appended to out (no repeats), every page
 * read.  1 when the registry offers the API, 0 when it does not (404), -1
 * with MA_ERR_ENV. */
int ma_reg_referrers(ma_regclient *cl, const char *host, const char *repo, const char *digest, ma_strlist *out,
                     ma_error *err);
#endif

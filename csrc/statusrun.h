/* `status` gathered: the images the request names (the config's
 * components, registry, platforms and tag policy, HEAD's commit, as a plan
 * has them), what each one's repository holds (statusread.c, on one client),
 * signatures verified with cosign when a key is given, and the drift judged
 * (status.c).  Read-only: nothing is ever put. */
#ifndef MA_STATUSRUN_H
#define MA_STATUSRUN_H

#include "error.h"
#include "options.h"
#include "status.h"

typedef struct {
    ma_status_image *images;
    size_t nimages;
    int sign_expected;          /* --sign-key given: a release must carry a verified signature */
    char *sign_key;             /* as given, or NULL */
    char version_prefix[2];     /* the tag policy's */
    size_t ndrift;              /* over every image */
    unsigned long requests;     /* registry requests sent */
} ma_status_result;

/* 0 with *out filled, or -1 with err (MA_ERR_INPUT: the request; MA_ERR_ENV:
 * the registry, cosign). */
int ma_status_collect(const ma_cli_options *opt, ma_status_result *out, ma_error *err);

void ma_status_result_free(ma_status_result *r);

#endif

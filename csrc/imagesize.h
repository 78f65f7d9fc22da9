/* A release's compressed size per platform, read from the registry: each
 * platform image's manifest (side by side on the caller's client), summed by
 * sizes.c.  Used by `status` and by every publish's report. */
#ifndef MA_IMAGESIZE_H
#define MA_IMAGESIZE_H

#include <stddef.h>

#include "error.h"
#include "regclient.h"
#include "sizes.h"

/* The sizes of the release whose index (or image manifest) bytes are raw,
 * in host/repo.  An image manifest is its own one platform (platform "").
 * 0, or -1 with err (a platform manifest that could not be read). */
int ma_image_size_read(ma_regclient *cl, const char *host, const char *repo, const char *raw, size_t len,
                       ma_image_size *out, ma_error *err);

/* The same for what ref (a tag or digest) names: 1 read (digest set to
 * what ref names), 0 when ref is not there, -1 failed. */
int ma_image_size_read_ref(ma_regclient *cl, const char *host, const char *repo, const char *ref,
                           char digest[MA_DIGEST_MAX], ma_image_size *out, ma_error *err);

#endif

/* What `build merge --dry-run` can know before anything moves: each image's
 * recorded digests read from the registry (GETs, checked) and the index
 * composed from them exactly as the run composes it, so the dry run prints
 * the digest the tags would name.  Reads only. */
#ifndef MA_MERGEPREVIEW_H
#define MA_MERGEPREVIEW_H

#include "error.h"
#include "plantypes.h"
#include "regclient.h"
#include "sha256.h"

/* digest: the index ip's merge would put.  MA_ERR_ENV when a digest cannot
 * be read (named), MA_ERR_BUILD when the index would be wrong, MA_ERR_NOMEM,
 * MA_ERR_INTERRUPTED. */
int ma_merge_preview(ma_regclient *cl, const ma_image_plan *ip, char digest[MA_DIGEST_MAX], ma_error *err);

#endif

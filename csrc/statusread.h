/* What one image's repository holds, read for `status` on the caller's
 * registry client: its tags (paged), then side by side every version tag's
 * index, every alias and HEAD's sha- tag, then each version's platform
 * manifests (sizes).  Fills an ma_status_image (status.h); judges nothing. */
#ifndef MA_STATUSREAD_H
#define MA_STATUSREAD_H

#include "error.h"
#include "regclient.h"
#include "status.h"

/* img->component, image, want_platforms and head_tag are set by the caller.
 * 0, or -1 with err (MA_ERR_ENV: the registry; MA_ERR_NOMEM). */
int ma_status_read(ma_regclient *cl, ma_status_image *img, ma_error *err);

#endif

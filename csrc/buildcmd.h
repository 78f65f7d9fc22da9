/* The exact docker commands of a plan: `buildx build` with its build
 * arguments, labels, registry cache and output, and `imagetools create`. */
#ifndef MA_BUILDCMD_H
#define MA_BUILDCMD_H

#include "config.h"
#include "plantypes.h"
#include "strlist.h"

/* The `imagetools create` argv pointing `tags` of image at the index made of
 * `sources` (one image@digest: that index itself), appended to argv.  With
 * annotations (a merge: NULL otherwise), the index gets them. */
int ma_buildcmd_promote_argv(const char *image, const ma_strlist *tags, const ma_strlist *sources,
                             const ma_strlist *annotations, ma_strlist *argv);

/* The `docker buildx build` argv of one image, into ip->build_argv. */
int ma_buildcmd_build_argv(const ma_plan_inputs *in, const ma_plan *plan, const ma_component *c,
                           ma_image_plan *ip);

#endif

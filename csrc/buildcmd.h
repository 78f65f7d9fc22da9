/* The exact docker commands of a plan: `buildx build` with its build
 * arguments, labels, registry cache and output. */
#ifndef MA_BUILDCMD_H
#define MA_BUILDCMD_H

#include "config.h"
#include "plantypes.h"
#include "strlist.h"

/* The `docker buildx build` argv of one image, into ip->build_argv. */
int ma_buildcmd_build_argv(const ma_plan_inputs *in, const ma_plan *plan, const ma_component *c,
                           ma_image_plan *ip);

#endif

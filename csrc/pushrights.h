/* Push rights before any build: every repository the run will write (each
 * image's, and each registry cache --cache-to names) probed side by side
 * with a blob upload started and cancelled (regupload.h), on the run's
 * registry client.  A refusal is one line saying who (the user, or
 * anonymous), where (registry and repository), that push is missing, and
 * what to do; the refusals together are an MA_ERR_INPUT error (exit 2). */
#ifndef MA_PUSHRIGHTS_H
#define MA_PUSHRIGHTS_H
#include "error.h"
#include "plantypes.h"
#include "regclient.h"
#include "strlist.h"

/* The repositories a run of plan writes, as "host/repo" (deduplicated, the
 * images' first, then the caches'), and for each what it is ("image
 * <component>" or "build cache of <component>") in `what`.  Pure. */
int ma_pushrights_targets(const ma_plan *plan, ma_strlist *repos, ma_strlist *what);

/* Check them all (nothing to do unless the plan pushes).  0 when no
 * repository refused (a registry that cannot be reached, or answers the
 * upload otherwise than 202/401/403/405, is left to the steps that follow,
 * which report it per image); -1 with MA_ERR_INPUT listing the refusals,
 * MA_ERR_NOMEM, MA_ERR_INTERRUPTED. */
int ma_pushrights_check(ma_regclient *cl, const ma_plan *plan, ma_error *err);
#endif

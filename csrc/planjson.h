/* The plan as JSON (cJSON): what `--dry-run --json` prints.  The Python
 * binding builds the same structure as a dict, key for key.  multiarch's
 * version first, then the options' keys, in the option table's order (options.c: its json_key
 * column, each value read through its row from the plan's request), then
 * revision, tags and images. */
#ifndef MA_PLANJSON_H
#define MA_PLANJSON_H

#include "error.h"
#include "plan.h"

/* A malloc'd, pretty-printed JSON document, or NULL with err filled. */
char *ma_plan_json(const ma_plan *plan, ma_error *err);

/* The same on one line (a GitHub step output). */
char *ma_plan_json_compact(const ma_plan *plan, ma_error *err);

/* The index annotations of every image, one line of JSON:
 * {"broker": {"org.opencontainers.image.source": "...", ...}, ...}
 * (the GitHub output `annotations`).  NULL when out of memory. */
char *ma_plan_annotations_json(const ma_plan *plan);

#endif

/* The plan of a promotion (`angreal build promote`, MA_MODE_PROMOTE): no
 * build; a published index (--from: its sha- tag or @sha256:<digest>, in
 * --from-registry or the release's registry) goes under the release's tags.
 * Pure: plan.c calls these for the promote mode. */
#ifndef MA_PROMOTEPLAN_H
#define MA_PROMOTEPLAN_H

#include "error.h"
#include "request.h"
#include "strlist.h"

/* Set the promote mode on req (promote: the call is `build promote`):
 * --from is required, and a promotion neither builds by digest nor merges. */
int ma_promote_request(ma_request *req, int promote, int push_by_digest, int merge, ma_error *err);

/* Check a promotion's inputs: --from well formed, --from-registry a registry,
 * no build options.  MA_ERR_INPUT naming the value otherwise. */
int ma_promote_check(const ma_request *req, ma_error *err);

/* The release's tags from the computed ones: the sha- tag of the checkout is
 * dropped (the source was built from its own commit), and the first tag must
 * be a version (a release: --tag vX.Y.Z, or auto on a release tag). */
int ma_promote_tags(const ma_strlist *computed, const char *version_prefix, ma_strlist *out, ma_error *err);

/* Where image `path` (the component's repository path) of the source is:
 * <from-registry or registry>/<path>:<tag> or ...@sha256:<digest>, appended to sources. */
int ma_promote_source(const ma_request *req, const char *registry, const char *path, ma_strlist *sources,
                      ma_error *err);

#endif

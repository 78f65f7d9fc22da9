/* The build plan: a pure function of (component, tags, platforms, registry,
 * config) -> one job per image with the exact docker argv that runs it.
 *
 * Four modes: a local build (`--load`), a push from this machine, a push by
 * digest of one platform for a later merge (the matrix flow), and the merge
 * of such digests into one index under the tags.
 *
 * Publishing goes in three steps so a failure never moves a mutable tag:
 *   1. build: `docker buildx build ... --output type=image,...,push-by-digest=true`
 *      pushes the multi-platform index by digest only and writes the digest to
 *      the metadata file;
 *   2. the immutable tags (vX.Y.Z / sha-...) get the index's bytes (a registry PUT each);
 *   3. then the mutable ones (vX.Y, vX, latest, branch, pr-N).
 * A local build (no push) is one `--load` build of one platform with every tag.
 * A push by digest is step 1 only, plus a record in the digest directory; a
 * merge has no build: step 2 and 3 put the index composed from the recorded digests. */
#ifndef MA_PLAN_H
#define MA_PLAN_H

#include "error.h"
#include "plantypes.h"
#include "refname.h"

/* "load", "push", "push-by-digest", "merge" */
const char *ma_plan_mode_name(ma_plan_mode mode);

int ma_plan_build(const ma_plan_inputs *in, ma_plan *out, ma_error *err);


void ma_plan_free(ma_plan *plan);

#endif

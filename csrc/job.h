/* The publish order for one image, as a state machine the run loop drives.
 *
 * Phase 1 (every image, before anything is built): read each immutable tag
 *   (vX.Y.Z, sha-...) from the registry.  Absent: build.  Made from this
 *   commit for this version: a re-run, so build nothing and finish the
 *   release from the digest the tag names.  A sha- tag of this commit from
 *   another version (its branch build): kept where it is.  Anything else is
 *   a conflict, refused here, before a minute is spent building.
 * Phase 2 (every image, concurrently): build and push (by digest; on the
 *   docker driver under the first immutable tag), read the digest from the
 *   metadata file, read the index back and check every platform is in it
 *   (and the annotations and attestations asked for), and check no immutable
 *   tag already names another digest.  A re-run builds nothing: phase 1 read
 *   its index (which must hold every platform) and its immutable tags; it
 *   reads which mutable tags already name it.  With --sign, phase 2 ends
 *   with the signature: `cosign verify` of the digest (a re-run finds it
 *   signed and signs nothing), else `cosign sign`, then `cosign verify` must
 *   pass; a merge first pushes its index by digest, so there is something to
 *   sign before any tag names it.
 * Phase 3 (only when every image passed phase 2): point the immutable tags
 *   that do not name the digest yet at it and read them back.
 * Phase 4 (only when every image passed phase 3): the same for the mutable
 *   tags (vX.Y, vX, latest, branch, pr-N).
 * So a failed build, push or check anywhere never moves `latest`, a release
 * is never half-tagged across images, and running a release again completes
 * it.  A local build is one phase: the `--load` build; so is a push by digest
 * (build, read back, no tags; a re-run reuses this commit's record when the
 * registry still holds its digest).  A merge has the same four phases, but
 * phase 2 reads every recorded digest back from the registry and composes
 * the index from them (checking it holds each platform exactly once) instead
 * of building; phases 3 and 4 put those bytes under the tags.
 *
 * Every registry read and tag move is a registry step (MA_NEXT_REGISTRY: a
 * GET, a blob GET, a PUT of the index's bytes), the rest commands.
 * Decisions only: the caller runs each command or step and hands back its
 * outcome. */
#ifndef MA_JOB_H
#define MA_JOB_H

#include <stddef.h>

#include "error.h"
#include "jobtypes.h"

void ma_job_init(ma_job *job, const ma_image_plan *image, ma_plan_mode mode, int allow_overwrite,
                 int retries, unsigned backoff_ms);

/* The number of phases this job has: 4 for a push or merge, 1 for a local
 * build or a push by digest. */
int ma_job_phases(const ma_job *job);

/* Start `phase` (1-based): fills next with the first action. */
int ma_job_begin(ma_job *job, int phase, ma_next *next, ma_error *err);

/* Hand back the outcome of the last MA_NEXT_RUN; fills next.  Only memory
 * errors return -1: failures of the work are MA_NEXT_FAILED with job->error. */
int ma_job_continue(ma_job *job, const ma_outcome *outcome, ma_next *next, ma_error *err);

/* What the job's current (or last) command does, for the people watching:
 * checking (phase 1: the registry read before building), building (the
 * buildx build; a watcher that reads buildx's progress may call its export
 * "pushing"), verifying (read-backs), tagging (registry PUTs).  New
 * kinds of step (signing) add a value here and a case in ma_job_activity. */
typedef enum {
    MA_ACTIVITY_CHECKING = 0,
    MA_ACTIVITY_BUILDING,
    MA_ACTIVITY_VERIFYING,
    MA_ACTIVITY_TAGGING,
    MA_ACTIVITY_SIGNING
} ma_activity;

ma_activity ma_job_activity(const ma_job *job);

/* "checking", "building", "verifying", "tagging", "signing". */
const char *ma_job_phase_name(const ma_job *job);

/* 1 once the job has a digest in the registry (built, reused or resumed). */
int ma_job_has_digest(const ma_job *job);

void ma_next_clear(ma_next *next);
void ma_job_free(ma_job *job);

#endif

/* Phases 1 and 2 of a promotion (MA_MODE_PROMOTE), the publish state
 * machine's without a build: phase 1 reads the source index (it must hold
 * every platform the release has) and then each immutable tag of the
 * release, refusing one that names another digest before anything moves;
 * phase 2 makes the source's content present in the target repository when
 * it is another one (a COPY step: mounted within a registry, copied across),
 * then signs as a publish does.  Phases 3 and 4 are the publish's own (job.c):
 * the source's bytes, unchanged, go under the immutable tags, then the
 * mutable ones (aliases forward-only).  Internal to the machine (job.c). */
#ifndef MA_JOBPROMOTE_H
#define MA_JOBPROMOTE_H

#include "jobtypes.h"

int ma_jobpromote_begin(ma_job *job, int phase, ma_next *next, ma_error *err);

/* The outcome of a promote step (STEP_PROMOTE_*); the signing steps after them are jobsign.c's. */
int ma_jobpromote_after(ma_job *job, const ma_outcome *o, ma_next *next, ma_error *err);

#endif

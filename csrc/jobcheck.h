/* Phase 1 of the publish state machine, and re-runs: what the immutable tags
 * already name before anything is built (absent, this release: resume, a
 * sha- tag of this commit: kept, else a conflict refused now), which mutable
 * tags a resumed release must still move, and a push by digest's record to
 * reuse.  Internal to the machine (job.c). */
#ifndef MA_JOBCHECK_H
#define MA_JOBCHECK_H

#include "jobtypes.h"

/* Read immutable tag job->tag_index, or (all read) wait for the other images. */
int ma_jobcheck_next(ma_job *job, ma_next *next);

/* What the read of immutable tag job->tag_index found. */
int ma_jobcheck_after(ma_job *job, const ma_outcome *o, ma_next *next, ma_error *err);

/* A re-run, phase 2: mutable tag job->tag_index read; those at the digest
 * need no move.  Once all are read, next is MA_NEXT_WAIT for the caller to go on. */
int ma_jobcheck_after_read_mutable(ma_job *job, const ma_outcome *o, ma_next *next);

/* A push by digest run again: job->reused and job->digest set when this
 * commit's record names the image and platform (the registry read decides). */
int ma_jobcheck_reusable_record(ma_job *job, ma_error *err);

/* A re-run says what it found and what it did, once, when it is done. */
int ma_jobcheck_note_resume(ma_job *job, const ma_next *next);

#endif

/* Phase 4 of the publish state machine, before the mutable tags move: each
 * version alias (vX.Y, vX, latest) is read from the registry, and one that
 * names a newer release stays where it is (job->kept, with a note); so does
 * a branch or pr-N tag that names a newer commit (job->revision's history,
 * asked through job->ancestry, else the recorded commit times).  The
 * decisions are aliasguard's and forwardguard's; this file only reads and records.  Internal to
 * the machine (job.c). */
#ifndef MA_JOBALIAS_H
#define MA_JOBALIAS_H

#include "jobtypes.h"

/* Read the next guarded alias from job->tag_index on, or (all read)
 * next->kind MA_NEXT_WAIT for the caller to move the mutable tags. */
int ma_jobalias_next(ma_job *job, ma_next *next);

/* What the read of alias job->tag_index found; then as ma_jobalias_next. */
int ma_jobalias_after(ma_job *job, const ma_outcome *o, ma_next *next, ma_error *err);

#endif

/* The end of phase 2 with --sign: `cosign verify` of the digest (a re-run
 * finds it signed and signs nothing), else `cosign sign`, then `cosign
 * verify` must pass before any tag moves; a merge first pushes its index by
 * digest so there is something to sign.  cosign runs with its own
 * environment (the key's password is only there).  Internal to job.c. */
#ifndef MA_JOBSIGN_H
#define MA_JOBSIGN_H

#include "jobtypes.h"

/* Start signing, or wait for the other images when there is nothing to sign. */
int ma_jobsign_begin(ma_job *job, ma_next *next);

/* The outcome of a signing step (job->step is one of them). */
int ma_jobsign_after(ma_job *job, const ma_outcome *o, ma_next *next, ma_error *err);

#endif

/* The run loop: drives every image's publish state machine through its
 * phases, at most `max_procs` commands at once, streaming their output, and
 * stops everything it started on SIGINT/SIGTERM. */
#ifndef MA_JOBRUNNER_H
#define MA_JOBRUNNER_H

#include <stdio.h>

#include "interrupt.h"
#include "job.h"

typedef enum {
    MA_RESULT_PENDING = 0,
    MA_RESULT_PUBLISHED,   /* pushed, verified, every tag points at the digest */
    MA_RESULT_RESUMED,     /* a re-run: the release was in the registry; nothing built, missing tags completed */
    MA_RESULT_BUILT,       /* local build loaded */
    MA_RESULT_PUSHED,      /* pushed by digest and verified, recorded for a merge: no tags */
    MA_RESULT_NOT_TAGGED,  /* pushed by digest and verified, but another image failed: no tag moved */
    MA_RESULT_NOT_BUILT,   /* another image's check refused the run before any build */
    MA_RESULT_FAILED,
    MA_RESULT_CANCELLED
} ma_result;

/* Every tag of the image names its digest: published now, or by an earlier run. */
#define MA_RESULT_IS_PUBLISHED(r) ((r) == MA_RESULT_PUBLISHED || (r) == MA_RESULT_RESUMED)

typedef struct {
    ma_job job;
    ma_result result;
    double seconds;
} ma_image_run;

typedef struct {
    int max_procs;            /* commands at once (at least 1) */
    const char *cwd;          /* where the commands run */
    const char *const *envp;  /* their environment (see ma_spawn_spec) */
    FILE *log;                /* progress, each line behind its component; NULL: none */
} ma_jobrunner_options;

/* Run every job; returns 0 when the loop ran to its end (results say how each
 * image fared), -1 with MA_ERR_INTERRUPTED after an interrupt stopped it. */
int ma_jobrunner_run(ma_image_run *runs, size_t n, const ma_jobrunner_options *opt, ma_interrupt *intr,
                     ma_error *err);

#endif

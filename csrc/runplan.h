/* A real run: preflight, then every image through the publish order, then
 * the summary.  The only caller of the process-running modules. */
#ifndef MA_RUNPLAN_H
#define MA_RUNPLAN_H

#include <stdio.h>

#include "error.h"
#include "plan.h"

typedef struct {
    int jobs;                /* commands at once (--jobs) */
    int retries;             /* retries of a transient registry failure */
    unsigned backoff_ms;     /* first retry delay, doubling */
    int allow_overwrite;     /* replace an immutable tag that names another digest */
    const char *token;       /* registry token for docker login, or NULL */
    const char *username;
    int builder_given;
    const char *github_output;  /* $GITHUB_OUTPUT: append step outputs, or NULL */
    const char *github_summary; /* $GITHUB_STEP_SUMMARY: append a markdown table, or NULL */
} ma_run_options;

/* Preflight may pick another builder than the plan names (the configured one
 * does not exist), or one that pushes under a tag (the docker driver): then
 * the run asks for the plan again through this callback, which fills `out`. */
typedef int (*ma_replan_fn)(void *ctx, const char *builder, int push_by_tag, ma_plan *out, ma_error *err);

/* A push by digest records each pushed image in the plan's digest directory.
 * Returns 0 when every image succeeded; else -1: MA_ERR_BUILD when some image
 * failed (the summary says which), MA_ERR_INTERRUPTED, or a preflight error.
 * Progress goes to log, the summary table to out. */
int ma_run_plan(const ma_plan *plan, const ma_run_options *opt, ma_replan_fn replan, void *replan_ctx, FILE *out,
                FILE *log, ma_error *err);

#endif

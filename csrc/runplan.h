/* A real run of a plan: preflight, then every image through the publish
 * order (job.c) on the job runner, then the digest records of a push by
 * digest.  Preflight's docker processes run while the registry is asked
 * what needs no builder (push rights, and a publish's checks of the
 * immutable tags), on the one registry client of the run.  What the user
 * reads about it is the caller's (report, github). */
#ifndef MA_RUNPLAN_H
#define MA_RUNPLAN_H

#include <stdio.h>

#include "error.h"
#include "jobrunner.h"
#include "plan.h"

typedef struct {
    int jobs;                /* commands at once (--jobs) */
    int retries;             /* retries of a transient registry failure */
    unsigned backoff_ms;     /* first retry delay, doubling */
    int allow_overwrite;     /* replace an immutable tag that names another digest */
    const char *token;       /* registry token for docker login, or NULL */
    const char *username;
    int builder_given;
    const char *const *envp; /* the environment the commands run in (see ma_spawn_spec) */
    const ma_run_watch *watch; /* who watches the images run (NULL: their lines go to the log) */
    int rawjson;             /* builds run with `--progress rawjson` (read into each run's `build`) */
    const char *const *cosign_envp; /* cosign's: envp plus COSIGN_PASSWORD, which no docker process sees */
    int oidc;                /* GitHub Actions may hand out an OIDC token (keyless signing) */
    int force_move;          /* --force-move: branch and pr-N tags move even when they name a newer commit */
} ma_run_options;

/* Preflight may pick another builder than the plan names (the configured one
 * does not exist), or one that pushes under a tag (the docker driver): then
 * the run asks for the plan again through this callback, which fills `out`. */
typedef int (*ma_replan_fn)(void *ctx, const char *builder, int push_by_tag, ma_plan *out, ma_error *err);

/* Progress goes to log.  When preflight chose another builder, *plan is
 * replaced by the plan for it (so the caller reports what ran).  When the
 * images ran, *runs is set (plan->nimages of them, freed with
 * ma_run_plan_free) even when the return is -1; after a preflight error it
 * stays NULL.  Returns 0, or -1: MA_ERR_INTERRUPTED, a preflight error, or a
 * digest record that could not be written. */
int ma_run_plan(ma_plan *plan, const ma_run_options *opt, ma_replan_fn replan, void *replan_ctx, FILE *log,
                ma_image_run **runs, ma_error *err);

/* MA_ERR_BUILD when some image did not build, push or publish (counting them). */
int ma_run_plan_check(const ma_plan *plan, const ma_image_run *runs, ma_error *err);

void ma_run_plan_free(ma_image_run *runs, size_t n);

#endif

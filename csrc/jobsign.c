#include "jobsign.h"

#include <stdio.h>
#include <string.h>

#include "buildx.h"
#include "cosign.h"
#include "jobstep.h"

static int cosign(ma_job *job, ma_next *next, int step, int verify)
{
    ma_strlist_free(&next->argv);
    char ref[1024];
    snprintf(ref, sizeof ref, "%s@%s", job->image->image, job->digest);
    int rc = verify ? ma_cosign_verify_argv(job->sign, ref, &next->argv)
                    : ma_cosign_sign_argv(job->sign, ref, &next->argv);
    if (rc != 0 || ma_jobstep_run(job, next, step, verify) != 0)
        return -1;
    next->envp = job->sign_envp;
    return 0;
}

/* A merge's index exists only once put (a promote's, in another repository): put it by digest, no tag. */
static int push_index(ma_job *job, ma_next *next)
{
    char *one[] = {job->digest};
    ma_strlist by_digest = {one, 1, 1};
    return ma_jobstep_put(job, next, STEP_PUSH_INDEX, &by_digest);
}

int ma_jobsign_begin(ma_job *job, ma_next *next)
{
    job->tag_index = 0;
    if (job->sign == NULL || !job->sign->enabled) {
        next->kind = MA_NEXT_WAIT;
        return 0;
    }
    if ((job->mode == MA_MODE_MERGE || job->mode == MA_MODE_PROMOTE) && !job->resume)
        return push_index(job, next);
    return cosign(job, next, STEP_SIGN_CHECK, 1);
}

int ma_jobsign_after(ma_job *job, const ma_outcome *o, ma_next *next, ma_error *err)
{
    char ref[1024], line[512];
    snprintf(ref, sizeof ref, "%s@%s", job->image->image, job->digest);
    int rc = 0;
    if (job->step == STEP_PUSH_INDEX) {
        if (o->status != 0)
            return ma_jobstep_retry_or_fail(job, o, next, "cannot push the index to sign it");
        rc = cosign(job, next, STEP_SIGN_CHECK, 1);
    } else if (job->step == STEP_SIGN_CHECK) {
        ma_cosign_verdict v = ma_cosign_verdict_of(o->status, o->err_text);
        if (v == MA_COSIGN_ERROR)
            return ma_jobstep_retry_or_fail(job, o, next, "cannot check the signature (cosign verify)");
        if (v == MA_COSIGN_UNSIGNED) {
            snprintf(job->heard, sizeof job->heard, "%s: not signed yet", ref);
            rc = cosign(job, next, STEP_SIGN, 0);
        } else if (ma_strlist_pushf(&job->notes, "%s was signed already: signed nothing", ref) != 0)
            rc = -1;
        else
            next->kind = MA_NEXT_WAIT;
    } else if (job->step == STEP_SIGN) {
        if (o->status != 0)
            return ma_jobstep_retry_or_fail(job, o, next, "signing failed (cosign sign); no tag was moved");
        rc = cosign(job, next, STEP_SIGN_VERIFY, 1);
    } else {
        if (o->status != 0 && ma_jobstep_transient(o))
            return ma_jobstep_retry_or_fail(job, o, next, "cannot verify the signature (cosign verify)");
        if (o->status != 0) {
            ma_buildx_last_error_line(o->err_text, line, sizeof line);
            return ma_jobstep_failed(job, next, "the signature of %s does not verify: %s; no tag was moved", ref,
                          line[0] ? line : "no error output");
        }
        next->kind = MA_NEXT_WAIT;
    }
    return rc ? ma_nomem(err) : 0;
}

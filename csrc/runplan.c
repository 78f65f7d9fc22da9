#include "runplan.h"

#include <stdlib.h>

#include "digestdir.h"
#include "interrupt.h"
#include "preflight.h"

/* The records `angreal build merge` reads: one per image pushed by digest. */
static int record_digests(const ma_plan *plan, const ma_image_run *runs, int rc, ma_error *err)
{
    for (size_t i = 0; i < plan->nimages; i++) {
        if (runs[i].result != MA_RESULT_PUSHED)
            continue;
        const ma_image_plan *ip = &plan->images[i];
        ma_digest_record r = {ip->component, ip->image, ip->platforms.items[0], (char *)runs[i].job.digest,
                              plan->revision, NULL};
        ma_error why = {0};
        if (ma_digestdir_write(plan->digest_dir, &r, &why) != 0 && rc == 0)
            rc = ma_fail(err, why.kind, "%s", why.msg);
    }
    return rc;
}

static int run_images(const ma_plan *plan, const ma_run_options *opt, FILE *log, ma_interrupt *intr,
                      ma_image_run **out, ma_error *err)
{
    ma_image_run *runs = calloc(plan->nimages ? plan->nimages : 1, sizeof *runs);
    if (runs == NULL)
        return ma_nomem(err);
    for (size_t i = 0; i < plan->nimages; i++)
        ma_job_init(&runs[i].job, &plan->images[i], plan->mode, opt->allow_overwrite, opt->retries,
                    opt->backoff_ms);
    ma_jobrunner_options ro = {opt->jobs, plan->workdir, opt->envp, log};
    int rc = ma_jobrunner_run(runs, plan->nimages, &ro, intr, err);
    if (plan->mode == MA_MODE_BY_DIGEST)
        rc = record_digests(plan, runs, rc, err);
    *out = runs;
    return rc;
}

int ma_run_plan(const ma_plan *plan, const ma_run_options *opt, FILE *log, ma_image_run **runs, ma_error *err)
{
    *runs = NULL;
    ma_interrupt intr;
    if (ma_interrupt_install(&intr, err) != 0)
        return -1;
    ma_preflight_options pre = {opt->token, opt->username, opt->builder_given, opt->envp};
    int rc = ma_preflight(plan, &pre, log, &intr, err);
    if (rc == 0)
        rc = run_images(plan, opt, log, &intr, runs, err);
    ma_interrupt_restore(&intr);
    return rc;
}

int ma_run_plan_check(const ma_plan *plan, const ma_image_run *runs, ma_error *err)
{
    size_t failed = 0;
    for (size_t i = 0; i < plan->nimages; i++)
        failed += runs[i].result != MA_RESULT_PUBLISHED && runs[i].result != MA_RESULT_BUILT &&
                  runs[i].result != MA_RESULT_PUSHED;
    if (failed == 0)
        return 0;
    return ma_fail(err, MA_ERR_BUILD, "%zu of %zu image%s did not %s%s", failed, plan->nimages,
                   plan->nimages == 1 ? "" : "s",
                   plan->mode == MA_MODE_LOCAL ? "build" : plan->mode == MA_MODE_BY_DIGEST ? "push" : "publish",
                   plan->mode == MA_MODE_PUSH || plan->mode == MA_MODE_MERGE
                       ? "; no tag was moved for any image that did not publish" : "");
}

void ma_run_plan_free(ma_image_run *runs, size_t n)
{
    for (size_t i = 0; runs != NULL && i < n; i++)
        ma_job_free(&runs[i].job);
    free(runs);
}

#include "run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "preflight.h"
#include "report.h"
#include "runner.h"

static int run_images(const ma_plan *plan, const ma_run_options *opt, FILE *out, FILE *log,
                      ma_interrupt *intr, ma_error *err)
{
    ma_image_run *runs = calloc(plan->nimages, sizeof *runs);
    if (runs == NULL)
        return ma_nomem(err);
    for (size_t i = 0; i < plan->nimages; i++)
        ma_job_init(&runs[i].job, &plan->images[i], plan->push, opt->allow_overwrite, opt->retries,
                    opt->backoff_ms);
    int rc = ma_runner_run(runs, plan->nimages, opt->jobs, plan->workdir, log, intr, err);
    ma_report_summary(out, runs, plan->nimages);
    if (opt->github_output != NULL) {
        FILE *gh = fopen(opt->github_output, "a");
        if (gh == NULL && rc == 0)
            rc = ma_fail(err, MA_ERR_ENV, "cannot append to GITHUB_OUTPUT '%s': %s", opt->github_output, strerror(errno));
        if (gh != NULL) {
            ma_report_github_outputs(gh, runs, plan->nimages);
            fclose(gh);
        }
    }
    size_t failed = 0;
    for (size_t i = 0; i < plan->nimages; i++)
        failed += runs[i].result != MA_RESULT_PUBLISHED && runs[i].result != MA_RESULT_BUILT;
    if (rc == 0 && failed > 0)
        rc = ma_fail(err, MA_ERR_BUILD, "%zu of %zu image%s did not %s%s", failed, plan->nimages,
                     plan->nimages == 1 ? "" : "s", plan->push ? "publish" : "build",
                     plan->push ? "; no tag was moved for any image that did not publish" : "");
    for (size_t i = 0; i < plan->nimages; i++)
        ma_job_free(&runs[i].job);
    free(runs);
    return rc;
}

int ma_run(const ma_plan *plan, const ma_run_options *opt, FILE *out, FILE *log, ma_error *err)
{
    ma_interrupt intr;
    if (ma_interrupt_install(&intr, err) != 0)
        return -1;
    ma_preflight_options pre = {opt->token, opt->username, opt->builder_given};
    int rc = ma_preflight(plan, &pre, log, &intr, err);
    if (rc == 0)
        rc = run_images(plan, opt, out, log, &intr, err);
    ma_interrupt_restore(&intr);
    return rc;
}

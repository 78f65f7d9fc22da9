#include "runplan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "digestdir.h"
#include "github.h"
#include "interrupt.h"
#include "planjson.h"
#include "preflight.h"
#include "report.h"
#include "jobrunner.h"

/* Append to a file a workflow reads; the first failure to open it is the error. */
static FILE *open_for_append(const char *path, const char *what, int rc, ma_error *err)
{
    FILE *f = fopen(path, "a");
    if (f == NULL && rc == 0)
        ma_fail(err, MA_ERR_ENV, "cannot append to %s '%s': %s", what, path, strerror(errno));
    return f;
}

static int report_to_github(const ma_plan *plan, const ma_run_options *opt, const ma_image_run *runs, int rc,
                            ma_error *err)
{
    if (opt->github_output != NULL) {
        FILE *gh = open_for_append(opt->github_output, "GITHUB_OUTPUT", rc, err);
        rc = gh == NULL ? -1 : rc;
        if (gh != NULL) {
            ma_error ignored = {0};
            char *json = ma_plan_json_compact(plan, &ignored);
            ma_github_outputs(gh, plan, runs, json);
            free(json);
            fclose(gh);
        }
    }
    if (opt->github_summary != NULL) {
        FILE *gh = open_for_append(opt->github_summary, "GITHUB_STEP_SUMMARY", rc, err);
        rc = gh == NULL ? -1 : rc;
        if (gh != NULL) {
            ma_github_summary(gh, plan, runs);
            fclose(gh);
        }
    }
    return rc;
}

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

static int run_images(const ma_plan *plan, const ma_run_options *opt, FILE *out, FILE *log,
                      ma_interrupt *intr, ma_error *err)
{
    ma_image_run *runs = calloc(plan->nimages, sizeof *runs);
    if (runs == NULL)
        return ma_nomem(err);
    for (size_t i = 0; i < plan->nimages; i++) {
        ma_job_init(&runs[i].job, &plan->images[i], plan->mode, opt->allow_overwrite, opt->retries,
                    opt->backoff_ms);
        runs[i].job.revision = plan->revision;
        runs[i].job.version = plan->images[i].tags.items[0];
        runs[i].job.push_by_tag = plan->push_by_tag;
    }
    int rc = ma_jobrunner_run(runs, plan->nimages, opt->jobs, plan->workdir, log, intr, err);
    if (plan->mode == MA_MODE_BY_DIGEST)
        rc = record_digests(plan, runs, rc, err);
    ma_report_summary(out, runs, plan->nimages);
    rc = report_to_github(plan, opt, runs, rc, err);
    size_t failed = 0;
    for (size_t i = 0; i < plan->nimages; i++)
        failed += !MA_RESULT_IS_PUBLISHED(runs[i].result) && runs[i].result != MA_RESULT_BUILT &&
                  runs[i].result != MA_RESULT_PUSHED;
    if (rc == 0 && failed > 0)
        rc = ma_fail(err, MA_ERR_BUILD, "%zu of %zu image%s did not %s%s", failed, plan->nimages,
                     plan->nimages == 1 ? "" : "s",
                     plan->mode == MA_MODE_LOCAL ? "build" : plan->mode == MA_MODE_BY_DIGEST ? "push" : "publish",
                     plan->mode == MA_MODE_PUSH || plan->mode == MA_MODE_MERGE
                         ? "; no tag was moved for any image that did not publish" : "");
    for (size_t i = 0; i < plan->nimages; i++)
        ma_job_free(&runs[i].job);
    free(runs);
    return rc;
}

int ma_run_plan(const ma_plan *plan, const ma_run_options *opt, ma_replan_fn replan, void *replan_ctx, FILE *out,
                FILE *log, ma_error *err)
{
    ma_interrupt intr;
    if (ma_interrupt_install(&intr, err) != 0)
        return -1;
    ma_preflight_options pre = {opt->token, opt->username, opt->builder_given};
    ma_builder_info builder;
    int rc = ma_preflight(plan, &pre, log, &intr, &builder, err);
    int push_by_tag = rc == 0 && plan->mode == MA_MODE_PUSH && strcmp(builder.driver, "docker") == 0;
    if (rc == 0 && builder.name[0] != '\0' && (strcmp(builder.name, plan->builder) != 0 || push_by_tag)) {
        if (log != NULL)
            fprintf(log, "[setup] using builder %s (%s driver%s)\n", builder.name, builder.driver,
                    push_by_tag ? ": pushes under the first immutable tag, not by digest" : "");
        ma_plan chosen;
        rc = replan(replan_ctx, builder.name, push_by_tag, &chosen, err);
        if (rc == 0) {
            rc = run_images(&chosen, opt, out, log, &intr, err);
            ma_plan_free(&chosen);
        }
    } else if (rc == 0) {
        rc = run_images(plan, opt, out, log, &intr, err);
    }
    ma_builder_info_free(&builder);
    ma_interrupt_restore(&intr);
    return rc;
}

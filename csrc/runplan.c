#include "runplan.h"

#include <stdlib.h>
#include <string.h>

#include "digestdir.h"
#include "gitancestry.h"
#include "interrupt.h"
#include "monoclock.h"
#include "preflight.h"
#include "progress.h"
#include "pushrights.h"
#include "pubsizes.h"

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
        if (ma_digestdir_write(plan->req.digest_dir, &r, &why) != 0 && rc == 0)
            rc = ma_fail(err, why.kind, "%s", why.msg);
    }
    return rc;
}

/* The git question of the forward-only rule, asked of the project's checkout. */
static int ancestry_in_project(void *ctx, const char *ours, const char *theirs, ma_ancestry *out, ma_error *err)
{
    const char *dir = ctx;
    return ma_git_ancestry(dir != NULL ? dir : ".", ours, theirs, out, err);
}

/* The created time this run records (org.opencontainers.image.created), from the image's annotations or labels. */
static const char *recorded_created(const ma_image_plan *ip)
{
    static const char key[] = "org.opencontainers.image.created=";
    const ma_strlist *lists[] = {&ip->annotations, &ip->labels};
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 0; i < lists[l]->len; i++)
            if (strncmp(lists[l]->items[i], key, sizeof key - 1) == 0)
                return lists[l]->items[i] + sizeof key - 1;
    return NULL;
}

static int init_runs(const ma_plan *plan, const ma_run_options *opt, ma_image_run **out, ma_error *err)
{
    ma_image_run *runs = calloc(plan->nimages ? plan->nimages : 1, sizeof *runs);
    if (runs == NULL)
        return ma_nomem(err);
    for (size_t i = 0; i < plan->nimages; i++) {
        ma_job_init(&runs[i].job, &plan->images[i], plan->req.mode, opt->allow_overwrite, opt->retries,
                    opt->backoff_ms);
        runs[i].job.revision = plan->revision;
        runs[i].job.version = plan->images[i].tags.items[0];
        runs[i].job.push_by_tag = plan->req.push_by_tag;
        runs[i].job.sign = &plan->sign;
        runs[i].job.sign_envp = opt->cosign_envp;
        runs[i].job.force_move = opt->force_move;
        runs[i].job.created = recorded_created(&plan->images[i]);
        runs[i].job.ancestry = ancestry_in_project;
        runs[i].job.ancestry_ctx = (void *)plan->req.project_dir;
    }
    *out = runs;
    return 0;
}

/* The images through phases first..last (0: to the end) on the run's client. */
static int run_images(const ma_plan *plan, const ma_run_options *opt, FILE *log, ma_interrupt *intr,
                      ma_regclient *cl, ma_image_run *runs, int first, int last, long t0, ma_error *err)
{
    /* the registry as docker login left it: the same config.json, the same identity */
    ma_regclient_opts reg = {.retries = opt->retries, .backoff_ms = (int)opt->backoff_ms, .envp = opt->envp};
    ma_jobrunner_options ro = {opt->jobs, plan->req.project_dir, opt->envp, log, opt->watch, opt->rawjson, &reg,
                               cl, first, last, t0};
    return ma_jobrunner_run(runs, plan->nimages, &ro, intr, err);
}

static void setup_step(void *ctx, const ma_regstep *step)
{
    ma_progress progress = {ctx, "setup"};
    ma_progress_regstep(&progress, step);
}

static int any_settled(const ma_image_run *runs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (runs[i].result != MA_RESULT_PENDING)
            return 1;
    return 0;
}

/* Every image found published by this commit and version: nothing will be
 * built, so the builder's answer is not needed. */
static int all_resumed(const ma_image_run *runs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!runs[i].job.resume)
            return 0;
    return n > 0;
}

/* Preflight's docker processes (buildx version, the builder booting) run
 * while the registry is asked what needs no builder: push rights, and for a
 * publish each image's checks (phase 1: its immutable tags).  A refusal
 * found there ends the run at once, the docker processes stopped; so does a
 * re-run that finds every image published (it builds nothing).  The
 * builder preflight settles on may need another plan (replan): the checks
 * made for the old one are then made again for the new. */
int ma_run_plan(ma_plan *plan, const ma_run_options *opt, ma_replan_fn replan, void *replan_ctx, FILE *log,
                ma_image_run **runs, ma_error *err)
{
    *runs = NULL;
    long t0 = ma_monoclock_ms();
    ma_interrupt intr;
    if (ma_interrupt_install(&intr, err) != 0)
        return -1;
    ma_preflight_options pre = {opt->token, opt->username, opt->builder_given, opt->envp, opt->cosign_envp, opt->oidc};
    ma_preflight_pending pending;
    ma_regclient *cl = NULL;
    ma_image_run *early = NULL;
    int from = 1; /* the phase the images go on from after preflight */
    int rc = ma_preflight_begin(plan, &pre, log, &intr, &pending, err);
    if (rc != 0) {
        ma_interrupt_restore(&intr);
        return -1;
    }
    ma_regclient_opts reg = {.retries = opt->retries, .backoff_ms = (int)opt->backoff_ms, .envp = opt->envp,
                             .intr = &intr, .on_step = setup_step, .step_ctx = log};
    if (plan->req.push)
        rc = ma_regclient_new(&reg, &cl, err);
    if (rc == 0)
        rc = ma_pushrights_check(cl, plan, err);
    int checks_first = plan->req.mode == MA_MODE_PUSH || plan->req.mode == MA_MODE_MERGE;
    if (rc == 0 && checks_first) {
        rc = init_runs(plan, opt, &early, err);
        if (rc == 0)
            rc = run_images(plan, opt, log, &intr, cl, early, 1, 1, t0, err);
        from = 2;
        if (rc == 0 && any_settled(early, plan->nimages)) {
            /* refused before building: no need to hear the builder out */
            ma_preflight_pending_free(&pending);
            *runs = early;
            ma_regclient_free(cl);
            ma_interrupt_restore(&intr);
            return 0;
        }
    }
    if (rc != 0) {
        ma_preflight_pending_free(&pending);
        ma_run_plan_free(early, plan->nimages);
        ma_regclient_free(cl);
        ma_interrupt_restore(&intr);
        return -1;
    }
    ma_builder_info builder;
    if (early != NULL && all_resumed(early, plan->nimages)) {
        /* a re-run builds nothing: docker's answers are not waited for */
        ma_preflight_pending_free(&pending);
        memset(&builder, 0, sizeof builder);
    } else {
        rc = ma_preflight_end(plan, &pre, log, &intr, &pending, &builder, err);
    }
    int push_by_tag = rc == 0 && plan->req.mode == MA_MODE_PUSH && strcmp(builder.driver, "docker") == 0;
    if (rc == 0 && builder.name[0] != '\0' && (strcmp(builder.name, plan->req.builder) != 0 || push_by_tag)) {
        if (log != NULL)
            fprintf(log, "[setup] using builder %s (%s driver%s)\n", builder.name, builder.driver,
                    push_by_tag ? ": pushes under the first immutable tag, not by digest" : "");
        ma_plan chosen;
        rc = replan(replan_ctx, builder.name, push_by_tag, &chosen, err);
        if (rc == 0) {
            /* the early checks were the old plan's: made again below */
            ma_run_plan_free(early, plan->nimages);
            early = NULL;
            from = 1;
            ma_plan_free(plan);
            *plan = chosen;
        }
    }
    if (rc != 0) {
        ma_run_plan_free(early, plan->nimages);
        early = NULL;
    }
    if (rc == 0 && early == NULL) {
        rc = init_runs(plan, opt, &early, err);
        from = 1;
    }
    if (rc == 0) {
        *runs = early;
        /* what latest names before the tags move, to compare the sizes against */
        ma_pubsizes_before(plan, cl, early);
        rc = run_images(plan, opt, log, &intr, cl, early, from, 0, t0, err);
        if (rc == 0)
            ma_pubsizes_after(plan, cl, early);
    }
    if (*runs != NULL && plan->req.mode == MA_MODE_BY_DIGEST)
        rc = record_digests(plan, *runs, rc, err);
    ma_builder_info_free(&builder);
    ma_regclient_free(cl);
    ma_interrupt_restore(&intr);
    return rc;
}

int ma_run_plan_check(const ma_plan *plan, const ma_image_run *runs, ma_error *err)
{
    size_t failed = 0;
    for (size_t i = 0; i < plan->nimages; i++)
        failed += !MA_RESULT_IS_PUBLISHED(runs[i].result) && runs[i].result != MA_RESULT_BUILT &&
                  runs[i].result != MA_RESULT_PUSHED;
    if (failed == 0)
        return 0;
    return ma_fail(err, MA_ERR_BUILD, "%zu of %zu image%s did not %s%s", failed, plan->nimages,
                   plan->nimages == 1 ? "" : "s",
                   plan->req.mode == MA_MODE_LOCAL ? "build" : plan->req.mode == MA_MODE_BY_DIGEST ? "push" : "publish",
                   plan->req.mode == MA_MODE_PUSH || plan->req.mode == MA_MODE_MERGE ||
                           plan->req.mode == MA_MODE_PROMOTE
                       ? "; no tag was moved for any image that did not publish" : "");
}

void ma_run_plan_free(ma_image_run *runs, size_t n)
{
    for (size_t i = 0; runs != NULL && i < n; i++) {
        ma_job_free(&runs[i].job);
        ma_rawjson_free(&runs[i].build);
        ma_release_size_free(&runs[i].size);
    }
    free(runs);
}

#include "prunecli.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "env.h"
#include "pipeline.h"
#include "prune.h"
#include "prunereport.h"
#include "report.h"

/* The request from the options, the images from the plan the same options make. */
static int prune_request(const ma_cli_options *opt, ma_prune_request *req, ma_strlist *images, char *pr,
                         size_t pr_size, ma_error *err)
{
    int pr_number = 0, keep = -1, retries = 0;
    if (ma_parse_count(opt->prune_pr, "--pr", 1, 1000000000, 0, &pr_number, err) != 0 ||
        ma_parse_count(opt->keep_sha, "--keep-sha", 0, 100000, -1, &keep, err) != 0 ||
        ma_parse_count(opt->retries, "--retries", 0, 10, MA_DEFAULT_RETRIES, &retries, err) != 0)
        return -1;
    if (opt->prune_pr == NULL && !opt->prune_untagged && opt->keep_sha == NULL)
        return ma_fail(err, MA_ERR_INPUT, "nothing to let go: give --pr N, --untagged or --keep-sha N");
    snprintf(pr, pr_size, "%d", pr_number);
    *req = (ma_prune_request){.images = images,
                              .rules = {opt->prune_pr != NULL ? pr : NULL, opt->prune_untagged, keep},
                              .yes = opt->yes,
                              .retries = retries,
                              .backoff_ms = opt->backoff_ms != 0 ? (int)opt->backoff_ms : MA_DEFAULT_BACKOFF_MS,
                              .envp = opt->req.envp};
    if (ma_prune_api_parse(opt->api, &req->api, err) != 0)
        return -1;
    ma_plan plan;
    if (ma_pipeline_plan(&opt->req, &plan, err) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < plan.nimages; i++)
        if (ma_strlist_push_unique(images, plan.images[i].image) != 0)
            rc = ma_nomem(err);
    ma_plan_free(&plan);
    return rc;
}

/* Run: 0 with *result filled (repositories tried), or -1 with err (*tried
 * says whether result holds the repositories' outcomes). */
static int run(const ma_cli_options *opt, ma_prune_result *result, int *tried, ma_error *err)
{
    ma_strlist images = MA_STRLIST_INIT;
    ma_prune_request req;
    char pr[32];
    *tried = 0;
    memset(result, 0, sizeof *result);
    int rc = prune_request(opt, &req, &images, pr, sizeof pr, err);
    if (rc == 0) {
        rc = ma_prune_run(&req, result, err);
        *tried = err->kind != MA_ERR_INPUT || rc == 0;
    }
    ma_strlist_free(&images);
    return rc;
}

int ma_prune_call(const ma_cli_options *opt, char **json, ma_error *err)
{
    *json = NULL;
    ma_prune_result result;
    int tried;
    int rc = run(opt, &result, &tried, err);
    if (tried && (*json = ma_prune_report_json(&result, err)) == NULL)
        rc = -1;
    ma_prune_result_free(&result);
    return rc == 0 ? MA_EXIT_OK : ma_exit_status(err->kind);
}

int ma_prune_main(const ma_cli_options *opt, FILE *out, FILE *errout)
{
    ma_prune_result result;
    ma_error err = {0};
    int tried;
    int rc = run(opt, &result, &tried, &err);
    if (tried && opt->json) {
        ma_error jerr = {0};
        char *text = ma_prune_report_json(&result, &jerr);
        if (text != NULL)
            fprintf(out, "%s\n", text);
        else if (rc == 0)
            rc = (err = jerr, -1);
        free(text);
    } else if (tried) {
        ma_prune_report_text(out, &result);
    }
    const char *summary = ma_env_lookup(opt->req.envp, "GITHUB_STEP_SUMMARY");
    FILE *f = tried && summary != NULL ? fopen(summary, "a") : NULL;
    if (f != NULL) {
        ma_prune_summary(f, &result);
        fclose(f);
    }
    fflush(out);
    ma_prune_result_free(&result);
    if (rc != 0) {
        ma_report_error(errout, &err);
        return ma_exit_status(err.kind);
    }
    return MA_EXIT_OK;
}

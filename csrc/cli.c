#include "cli.h"

#include <stdlib.h>

#include "planjson.h"
#include "report.h"

int ma_exit_status(ma_error_kind kind)
{
    switch (kind) {
    case MA_ERR_NONE:
        return MA_EXIT_OK;
    case MA_ERR_INPUT:
        return MA_EXIT_USAGE;
    case MA_ERR_INTERRUPTED:
        return MA_EXIT_INTERRUPTED;
    default:
        return MA_EXIT_FAILED;
    }
}

static int fail(FILE *errout, const ma_error *err)
{
    ma_report_error(errout, err);
    return ma_exit_status(err->kind);
}

static int dry_run(const ma_cli_options *opt, FILE *out, FILE *errout)
{
    ma_error err = {0};
    ma_plan plan;
    if (ma_pipeline_plan(&opt->req, &plan, &err) != 0)
        return fail(errout, &err);
    if (opt->json) {
        char *text = ma_plan_json(&plan, &err);
        if (text != NULL) {
            fprintf(out, "%s\n", text);
            fflush(out);
        }
        free(text);
    } else {
        ma_report_plan(out, &plan);
    }
    ma_plan_free(&plan);
    return err.kind == MA_ERR_NONE ? MA_EXIT_OK : fail(errout, &err);
}

int ma_cli_main(const ma_cli_options *opt, FILE *out, FILE *errout)
{
    ma_error err = {0};
    if (opt->json && !opt->dry_run) {
        ma_fail(&err, MA_ERR_INPUT, "--json prints the plan and goes with --dry-run");
        return fail(errout, &err);
    }
    if (opt->dry_run)
        return dry_run(opt, out, errout);
    ma_fail(&err, MA_ERR_ENV, "running builds is not available yet: use --dry-run to see the plan");
    return fail(errout, &err);
}

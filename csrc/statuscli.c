#include "statuscli.h"

#include <stdlib.h>

#include "cli.h"
#include "report.h"
#include "statusreport.h"
#include "statusrun.h"

int ma_status_main(const ma_cli_options *opt, FILE *out, FILE *errout)
{
    ma_error err = {0};
    ma_status_result r;
    if (ma_status_collect(opt, &r, &err) != 0) {
        ma_report_error(errout, &err);
        return ma_exit_status(err.kind);
    }
    int status = opt->check && r.ndrift > 0 ? MA_EXIT_FAILED : MA_EXIT_OK;
    if (opt->json) {
        char *json = ma_status_json(&r, 1, &err);
        if (json == NULL) {
            ma_report_error(errout, &err);
            status = ma_exit_status(err.kind);
        } else {
            fprintf(out, "%s\n", json);
            fflush(out);
        }
        free(json);
    } else {
        ma_status_text(out, &r);
    }
    if (opt->check && r.ndrift > 0)
        fprintf(errout, "error: %zu drift%s found (status --check)\n", r.ndrift, r.ndrift == 1 ? "" : "s");
    ma_status_result_free(&r);
    return status;
}

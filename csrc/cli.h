/* `angreal build multi-arch`: the one function the angreal task calls.  It
 * prints (plan, progress, one-line errors) and returns the exit status, so no
 * failure a user can cause ever ends in a traceback. */
#ifndef MA_CLI_H
#define MA_CLI_H

#include <stdio.h>

#include "jobrunner.h"
#include "options.h"
#include "pipeline.h"

enum {
    MA_EXIT_OK = 0,
    MA_EXIT_FAILED = 1,      /* environment, build, push or verification failure */
    MA_EXIT_USAGE = 2,       /* bad input: unknown component, invalid tag or platform */
    MA_EXIT_INTERRUPTED = 130
};

/* What publish() hands back: the plan and every image's run (when the images
 * ran; runs point into plan), each image's log file ("" in plain view), and
 * the error that ended the run (kind MA_ERR_NONE when all went well). */
typedef struct {
    ma_plan plan;
    int has_plan;
    ma_image_run *runs;
    size_t nruns;
    ma_strlist logs;
    ma_error err;
} ma_cli_outcome;

#define MA_DEFAULT_JOBS 3
#define MA_DEFAULT_RETRIES 3
#define MA_DEFAULT_BACKOFF_MS 1000
/* The signing key's password: only cosign's environment holds it. */
#define MA_COSIGN_PASSWORD_VARIABLE "COSIGN_PASSWORD"
/* Registry token variables, first set wins. */
#define MA_TOKEN_VARIABLES {"MULTIARCH_REGISTRY_TOKEN", "GITHUB_TOKEN"}

int ma_cli_main(const ma_cli_options *opt, FILE *out, FILE *errout);

/* The same run for programs: prints the same board or lines and summary, but
 * no `error:` line; the outcome (freed with ma_cli_outcome_free) says how it
 * went.  Returns the exit status ma_cli_main would. */
int ma_cli_publish(const ma_cli_options *opt, FILE *out, FILE *errout, ma_cli_outcome *outcome);
void ma_cli_outcome_free(ma_cli_outcome *outcome);

/* The exit status for an error kind. */
int ma_exit_status(ma_error_kind kind);

/* A whole number in [lo, hi] from an option's text (NULL: fallback): 0, or
 * -1 with MA_ERR_INPUT naming flag. */
int ma_parse_count(const char *text, const char *flag, int lo, int hi, int fallback, int *out, ma_error *err);

#endif

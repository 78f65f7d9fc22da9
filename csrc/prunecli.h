/* `angreal build prune <component|all>` and multiarch.prune(): the options,
 * the repositories of the component (the images a plan names), the run
 * (prune.h) and its report.  Bad input is a one-line error and exit 2. */
#ifndef MA_PRUNECLI_H
#define MA_PRUNECLI_H
#include <stdio.h>

#include "error.h"
#include "options.h"

/* The command: prints the report (text, or JSON with --json), appends the
 * step summary to $GITHUB_STEP_SUMMARY when set, returns the exit status. */
int ma_prune_main(const ma_cli_options *opt, FILE *out, FILE *errout);

/* For programs: nothing printed.  *json gets the report whenever the
 * repositories were tried (malloc'd, else NULL).  Returns the exit status,
 * with err set when it is not 0. */
int ma_prune_call(const ma_cli_options *opt, char **json, ma_error *err);
#endif

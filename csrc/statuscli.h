/* `angreal build status`: what the task calls (through
 * multiarch.status_cli()).  Prints the status (or its JSON) and returns the
 * exit status: 0; 1 with --check when there is drift, or when the registry
 * or cosign failed; 2 for bad input. */
#ifndef MA_STATUSCLI_H
#define MA_STATUSCLI_H

#include <stdio.h>

#include "options.h"

int ma_status_main(const ma_cli_options *opt, FILE *out, FILE *errout);

#endif

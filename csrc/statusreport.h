/* `status` written out: the text a maintainer reads (versions, aliases,
 * HEAD's sha- tag, drift with its fixes) and the JSON document that
 * `--json` prints and multiarch.status() returns, parsed. */
#ifndef MA_STATUSREPORT_H
#define MA_STATUSREPORT_H

#include <stdio.h>

#include "error.h"
#include "statusrun.h"

void ma_status_text(FILE *out, const ma_status_result *r);

/* The JSON document (malloc'd), or NULL with err (out of memory). */
char *ma_status_json(const ma_status_result *r, int pretty, ma_error *err);

#endif

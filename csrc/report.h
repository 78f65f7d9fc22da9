/* What the user reads: the dry-run plan as text, shell-quoted commands, and
 * one-line errors. */
#ifndef MA_REPORT_H
#define MA_REPORT_H

#include <stdio.h>

#include "error.h"
#include "plan.h"
#include "jobrunner.h"
#include "strlist.h"

/* The dry-run plan: the tags, then each image's commands, nothing run. */
void ma_report_plan(FILE *out, const ma_plan *plan, const char *const *digests);

/* Under a version_prefix other than the seed's, one line saying how the
 * plan's version tags are spelled (and that versions, not strings, are
 * compared with what the registry holds); nothing otherwise. */
void ma_report_spelling(FILE *out, const ma_plan *plan);

/* The table at the end of a run: component, result, time, digest reference
 * (what to deploy by) or the error. */
void ma_report_summary(FILE *out, const ma_image_run *runs, size_t n);

/* "published", "built", "pushed", "not tagged", "failed", "cancelled". */
const char *ma_result_name(ma_result r);

/* `error: <message>` on one line. */
void ma_report_error(FILE *out, const ma_error *err);

#endif

/* What a GitHub Actions workflow reads after a run: step outputs appended to
 * $GITHUB_OUTPUT and a markdown table appended to $GITHUB_STEP_SUMMARY. */
#ifndef MA_GITHUB_H
#define MA_GITHUB_H

#include <stdio.h>

#include "plan.h"
#include "jobrunner.h"

/* Step outputs, in GitHub's `name=value` form (`name<<DELIMITER` for a value
 * with a line break):
 *   tags      the tags, comma-separated        version   the version tag (first tag)
 *   refs      image:tag of every published image, comma-separated
 *   digest    the digest, when the plan has one image and it was pushed
 *   <component>-digest, <component>-ref (image@digest) for each pushed image
 *   json      the plan as one-line JSON (plan_json, may be NULL)
 * Returns 0, or -1 when out of memory (the file may then hold part of them). */
int ma_github_outputs(FILE *out, const ma_plan *plan, const ma_image_run *runs, const char *plan_json);

/* A short markdown table: component, result, digest reference or error, tags. */
void ma_github_summary(FILE *out, const ma_plan *plan, const ma_image_run *runs);

#endif

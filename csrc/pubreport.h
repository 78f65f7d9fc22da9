/* What a publish weighed and where its build time went, for the reader: the
 * summary's "Sizes" and "Build time per platform" sections, and the same in
 * GitHub's step summary.  Written from each run's sizes (pubsizes.c) and its
 * build's rawjson progress (buildtime.c). */
#ifndef MA_PUBREPORT_H
#define MA_PUBREPORT_H

#include <stdio.h>

#include "jobrunner.h"

/* After the summary table: each published image's size per platform, with
 * the change since what latest named before; each built image's time per
 * platform and, where one platform was far slower, the note. */
void ma_pubreport_text(FILE *out, const ma_image_run *runs, size_t n);

/* The same as markdown, for $GITHUB_STEP_SUMMARY. */
void ma_pubreport_markdown(FILE *out, const ma_image_run *runs, size_t n);

/* The `sizes` step output for $GITHUB_OUTPUT, one line of JSON: per
 * component, each platform's bytes and, when latest named a release before,
 * its bytes and version: {"broker": [{"platform": "linux/amd64", "bytes": …,
 * "before_bytes": …, "since": "v1.2.3"}]}.  Nothing when no size was read;
 * -1 out of memory. */
int ma_pubreport_output(FILE *out, const ma_image_run *runs, size_t n);

#endif

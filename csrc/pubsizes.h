/* Sizes in every publish: before the images run, what `latest` names in
 * each image's repository (digest and version); after, each published
 * release's compressed size per platform, and the size of what latest named
 * before, to compare.  Read on the run's client (its credentials and tokens;
 * no image's request count includes them).  A size that cannot be read is no
 * failure: the run's result stands, and the size says why it is missing. */
#ifndef MA_PUBSIZES_H
#define MA_PUBSIZES_H

#include "jobrunner.h"
#include "plan.h"
#include "regclient.h"

/* The tag a publish's sizes are compared against. */
#define MA_PUBSIZES_BASELINE "latest"

void ma_pubsizes_before(const ma_plan *plan, ma_regclient *cl, ma_image_run *runs);
void ma_pubsizes_after(const ma_plan *plan, ma_regclient *cl, ma_image_run *runs);

#endif

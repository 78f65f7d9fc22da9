/* Sizes in every publish: before the images run, what `latest` names in
 * each image's repository (digest and version); after, each published
 * release's compressed size per platform, and the size of what latest named
 * before, to compare.  Read on a client of their own (the run's request
 * counts stay the run's).  A size that cannot be read is no failure: the
 * run's result stands, and the size says why it is missing. */
#ifndef MA_PUBSIZES_H
#define MA_PUBSIZES_H

#include "interrupt.h"
#include "jobrunner.h"
#include "plan.h"
#include "regclient.h"

/* The tag a publish's sizes are compared against. */
#define MA_PUBSIZES_BASELINE "latest"

void ma_pubsizes_before(const ma_plan *plan, const ma_regclient_opts *opts, ma_interrupt *intr, ma_image_run *runs);
void ma_pubsizes_after(const ma_plan *plan, const ma_regclient_opts *opts, ma_interrupt *intr, ma_image_run *runs);

#endif

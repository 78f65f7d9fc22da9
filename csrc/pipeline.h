/* The dry-run half of the data flow: request -> context -> tags -> plan.
 * Shared by the Python API (compute_tags, plan) and the command line. */
#ifndef MA_PIPELINE_H
#define MA_PIPELINE_H

#include "error.h"
#include "plan.h"
#include "request.h"
#include "strlist.h"

/* Set req->mode (and push) from the flags: a merge, a push by digest
 * (--push beside it changes nothing), else push decides.  MA_ERR_INPUT for both. */
int ma_request_set_mode(ma_request *req, int push_by_digest, int merge, ma_error *err);

int ma_pipeline_tags(const ma_request *req, ma_strlist *tags, ma_error *err);
int ma_pipeline_plan(const ma_request *req, ma_plan *plan, ma_error *err);

#endif

/* The registry steps of a run (MA_NEXT_REGISTRY), asked on one client for
 * the whole run, so every image's steps share its connections and tokens:
 * what a step asks (a manifest, a blob, a PUT under tags) sent, and what came
 * back made into the outcome the job reads.  The client retries what is
 * transient; the outcome says so (outcome.registry), and whether the
 * registry does not have it (outcome.not_found). */
#ifndef MA_JOBREGISTRY_H
#define MA_JOBREGISTRY_H

#include "error.h"
#include "jobtypes.h"
#include "regclient.h"

typedef struct {
    ma_regclient_opts opts;  /* its intr, on_step and step_ctx set by the caller */
    ma_regclient *cl;        /* made at the first step */
    int borrowed;            /* cl was handed in: not freed here */
} ma_jobregistry;

/* One step's answer: `outcome` points into the rest, kept until ..._free. */
typedef struct {
    ma_outcome outcome;
    char *body;
    char *media_type;
    char digest[MA_DIGEST_MAX];
    char text[MA_ERROR_MSG_MAX + 64];
    unsigned long requests;  /* HTTP requests the step sent */
} ma_jobregistry_answer;

/* Ask what next asks.  0 with *a filled, a failure of the step being its
 * outcome's (status 1, err_text); -1 only with MA_ERR_NOMEM or
 * MA_ERR_INTERRUPTED. */
int ma_jobregistry_ask(ma_jobregistry *r, const ma_next *next, ma_jobregistry_answer *a, ma_error *err);

void ma_jobregistry_answer_free(ma_jobregistry_answer *a);
void ma_jobregistry_free(ma_jobregistry *r);

#endif

/* Checks and set-up before any build starts, so a run that cannot succeed
 * fails before it pushes anything: the Dockerfiles and contexts exist, docker
 * and its buildx plugin answer, the registry login works, and the builder
 * boots and can build every platform asked for (with what to do if not).
 * With --sign: cosign is installed, and the key opens with its password (its
 * public half is written where the plan says), or keyless signing has an
 * OIDC token to sign with. */
#ifndef MA_PREFLIGHT_H
#define MA_PREFLIGHT_H

#include <stdio.h>

#include "buildx.h"
#include "error.h"
#include "execgroup.h"
#include "progress.h"
#include "interrupt.h"
#include "plan.h"

typedef struct {
    const char *token;        /* registry token, or NULL: no login */
    const char *username;     /* user for the login */
    int builder_given;        /* --builder NAME: use it as it is, never create it */
    const char *const *envp;  /* the environment docker runs in (see ma_spawn_spec) */
    const char *const *cosign_envp; /* cosign's: envp with COSIGN_PASSWORD (with --sign) */
    int oidc;                 /* GitHub Actions may hand out an OIDC token (keyless signing) */
} ma_preflight_options;

/* Preflight in two halves, so the registry can be asked in between: begin
 * checks the files, starts `docker buildx version` and the builder's
 * `inspect --bootstrap` in the background, logs in and checks signing; end
 * waits for the two and settles the builder (which may mean more docker
 * commands).  After a successful begin, call end, or
 * ma_preflight_pending_free when the run stops anyway (a refusal found
 * meanwhile): that stops the commands. */
typedef struct {
    ma_execgroup group;                       /* [0] buildx version, [1] the builder's inspect */
    ma_progress progress[MA_EXECGROUP_MAX];   /* where their lines go */
} ma_preflight_pending;

int ma_preflight_begin(const ma_plan *plan, const ma_preflight_options *opt, FILE *log, ma_interrupt *intr,
                       ma_preflight_pending *p, ma_error *err);
int ma_preflight_end(const ma_plan *plan, const ma_preflight_options *opt, FILE *log, ma_interrupt *intr,
                     ma_preflight_pending *p, ma_builder_info *builder, ma_error *err);
void ma_preflight_pending_free(ma_preflight_pending *p);

/* Both halves at once.  On success `builder` describes the builder the run must use (empty for a
 * merge, which builds nothing); free it with ma_builder_info_free. */
int ma_preflight(const ma_plan *plan, const ma_preflight_options *opt, FILE *log, ma_interrupt *intr,
                 ma_builder_info *builder, ma_error *err);

#endif

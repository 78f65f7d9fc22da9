/* Checks and set-up before any build starts, so a run that cannot succeed
 * fails before it pushes anything: the Dockerfiles and contexts exist, docker
 * and its buildx plugin answer, the registry login works, the builder exists. */
#ifndef MA_PREFLIGHT_H
#define MA_PREFLIGHT_H

#include <stdio.h>

#include "error.h"
#include "interrupt.h"
#include "plan.h"

typedef struct {
    const char *token;        /* registry token, or NULL: no login */
    const char *username;     /* user for the login */
    int builder_given;        /* --builder NAME: use it as it is, never create it */
    const char *const *envp;  /* the environment docker runs in (see ma_spawn_spec) */
} ma_preflight_options;

/* The registry host of `registry` ("ghcr.io/colliery-io" -> "ghcr.io"), into out. */
void ma_registry_host(const char *registry, char *out, size_t outsz);

int ma_preflight(const ma_plan *plan, const ma_preflight_options *opt, FILE *log, ma_interrupt *intr,
                 ma_error *err);

#endif

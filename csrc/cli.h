/* `angreal build multi-arch`: the one function the angreal task calls.  It
 * prints (plan, progress, one-line errors) and returns the exit status, so no
 * failure a user can cause ever ends in a traceback. */
#ifndef MA_CLI_H
#define MA_CLI_H

#include <stdio.h>

#include "pipeline.h"

enum {
    MA_EXIT_OK = 0,
    MA_EXIT_FAILED = 1,      /* environment, build, push or verification failure */
    MA_EXIT_USAGE = 2,       /* bad input: unknown component, invalid tag or platform */
    MA_EXIT_INTERRUPTED = 130
};

typedef struct {
    ma_request req;
    int merge;               /* `angreal build merge`: tag an index of the recorded digests */
    int push_by_digest;      /* --push-by-digest: one platform, no tags, record in --digest-dir */
    int dry_run;             /* print the plan, run nothing */
    int json;                /* with dry_run: stdout is exactly the plan as JSON */
    const char *jobs;        /* --jobs: commands at once (NULL: 3) */
    const char *retries;     /* --retries: transient registry failures retried (NULL: 3) */
    int allow_overwrite;     /* --allow-overwrite: replace an immutable tag at another digest */
    const char *username;    /* --username for docker login (NULL: GITHUB_ACTOR) */
    unsigned backoff_ms;     /* first retry delay (0: 1000) */
    const char *const *spawn_envp; /* the environment docker runs in: a copy the binding made while it
                                    * held the GIL (NULL: `environ`, for callers with no other threads) */
} ma_cli_options;

#define MA_DEFAULT_JOBS 3
#define MA_DEFAULT_RETRIES 3
#define MA_DEFAULT_BACKOFF_MS 1000
/* The signing key's password: only cosign's environment holds it. */
#define MA_COSIGN_PASSWORD_VARIABLE "COSIGN_PASSWORD"
/* Registry token variables, first set wins. */
#define MA_TOKEN_VARIABLES {"MULTIARCH_REGISTRY_TOKEN", "GITHUB_TOKEN"}

int ma_cli_main(const ma_cli_options *opt, FILE *out, FILE *errout);

/* The exit status for an error kind. */
int ma_exit_status(ma_error_kind kind);

#endif

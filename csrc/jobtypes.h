/* The plain data of one image's publish state machine (job.c): what it asks
 * the run loop to do next, what the command did, and the job itself.  Shared
 * by the files that make up the machine (jobstep, jobcheck, jobalias, jobsign, job). */
#ifndef MA_JOBTYPES_H
#define MA_JOBTYPES_H

#include <stddef.h>

#include "error.h"
#include "plan.h"
#include "sha256.h"
#include "strlist.h"

typedef struct {
    int status;             /* exit status */
    const char *out;        /* captured stdout (read-backs), may be NULL */
    size_t out_len;
    const char *err_text;   /* the end of stderr */
} ma_outcome;

typedef enum {
    MA_NEXT_RUN,     /* run `argv` (after delay_ms) and hand back its outcome */
    MA_NEXT_WAIT,    /* this phase is done: wait for the other images */
    MA_NEXT_DONE,    /* every phase is done */
    MA_NEXT_FAILED   /* stop: job->error says why */
} ma_next_kind;

/* The longest wait before a retry: an hour. */
#define MA_JOB_BACKOFF_MAX_MS 3600000u

typedef struct {
    ma_next_kind kind;
    ma_strlist argv;
    int capture;        /* the outcome needs stdout */
    unsigned delay_ms;  /* back-off before a retry, at most MA_JOB_BACKOFF_MAX_MS */
    const char *const *envp; /* the command's own environment (cosign's), or NULL: the runner's */
} ma_next;

typedef struct {
    const ma_image_plan *image;
    ma_plan_mode mode;
    const char *revision;  /* the commit this run builds (NULL outside git): set after init */
    const char *version;   /* this run's version, the first tag: set after init */
    int push_by_tag;       /* the build pushes under immutable tag 0 (docker driver): set after init */
    int allow_overwrite;   /* replace an immutable tag that names another digest */
    int retries;           /* how often a transient failure is retried */
    unsigned backoff_ms;   /* first retry delay; doubles each time */
    const ma_sign_plan *sign;      /* how to sign (sign->enabled), or NULL: set after init */
    const char *const *sign_envp;  /* cosign's environment (COSIGN_PASSWORD is only there): set after init */
    /* progress */
    int step;
    size_t tag_index;
    int attempt;
    char digest[MA_DIGEST_MAX];
    ma_strlist notes;      /* things worth reporting (a tag that already held this digest) */
    ma_strlist kept;       /* sha- tags already naming an earlier build of this commit: left as they are */
    ma_strlist done;       /* tags that already name the digest: nothing to move */
    ma_strlist moved;      /* tags this run pointed at the digest */
    int resume;            /* the release was already in the registry: nothing built */
    int reused;            /* push by digest: this commit's record reused, nothing built */
    char heard[512];       /* a read's expected negative, worded for the log ("…: not published yet");
                              the runner prints it in place of the command's error output, and clears it */
    char error[MA_ERROR_MSG_MAX];
} ma_job;

#endif

/* The plain data of one image's publish state machine (job.c): what it asks
 * the run loop to do next, what the command did, and the job itself.  Shared
 * by the files that make up the machine (jobstep, jobcheck, jobalias, jobsign, job). */
#ifndef MA_JOBTYPES_H
#define MA_JOBTYPES_H

#include <stddef.h>

#include "error.h"
#include "gitancestry.h"
#include "plan.h"
#include "sha256.h"
#include "strlist.h"

typedef struct {
    int status;             /* exit status; a registry step: 0 answered, 1 not */
    const char *out;        /* captured stdout (read-backs) or the body a registry GET read, may be NULL */
    size_t out_len;
    const char *err_text;   /* the end of stderr; a registry step: the client's one-line error */
    int registry;           /* a registry step: the client already retried what was transient */
    int not_found;          /* a registry step: the registry does not have it */
    const char *digest;     /* a registry step: what the reference names (or was put), or NULL */
    const char *media_type; /* a registry GET: the manifest's media type, or NULL */
} ma_outcome;

typedef enum {
    MA_NEXT_RUN,     /* run `argv` (after delay_ms) and hand back its outcome */
    MA_NEXT_REGISTRY, /* ask the registry (reg_op) on the run's client and hand back its outcome */
    MA_NEXT_WAIT,    /* this phase is done: wait for the other images */
    MA_NEXT_DONE,    /* every phase is done */
    MA_NEXT_FAILED   /* stop: job->error says why */
} ma_next_kind;

/* How the run asks git about two commits (gitancestry.h's answer; the job
 * itself reads nothing): 0 with *out set, -1 with err. */
typedef int (*ma_ancestry_fn)(void *ctx, const char *ours, const char *theirs, ma_ancestry *out, ma_error *err);

/* The longest wait before a retry: an hour. */
#define MA_JOB_BACKOFF_MAX_MS 3600000u

/* A registry step: what it asks of the registry holding `image`. */
typedef enum {
    MA_REGOP_GET = 1,   /* the manifest a tag or digest names, whole (its bytes checked) */
    MA_REGOP_BLOB,      /* a blob's bytes, by digest (an image config) */
    MA_REGOP_PUT,       /* body under each tag in argv */
    MA_REGOP_COPY       /* what body (a manifest of `source`) references, made present in image */
} ma_regop;

typedef struct {
    ma_next_kind kind;
    ma_strlist argv;    /* MA_NEXT_REGISTRY: GET/BLOB one tag or digest; PUT the tags (or one digest) */
    int capture;        /* the outcome needs stdout */
    unsigned delay_ms;  /* back-off before a retry, at most MA_JOB_BACKOFF_MAX_MS */
    const char *const *envp; /* the command's own environment (cosign's), or NULL: the runner's */
    ma_regop reg_op;         /* MA_NEXT_REGISTRY: */
    const char *image;       /* host/repository (borrowed from the plan) */
    const char *body;        /* PUT: the manifest's exact bytes (borrowed from the job) */
    size_t body_len;
    const char *media_type;  /* PUT: its media type */
    const char *source;      /* COPY: the host/repository body was read from (borrowed from the job) */
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
    int force_move;        /* --force-move: branch and pr-N tags move even backwards */
    const char *created;   /* org.opencontainers.image.created this run records, or NULL: set after init */
    ma_ancestry_fn ancestry;  /* how this run's commit relates to another, or NULL: set after init */
    void *ancestry_ctx;
    char *source_image;    /* promote: the host/repository of the source (image->sources[0]) */
    char *source_ref;      /* promote: its tag or sha256: digest */
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
    char *index;           /* the bytes the tags get: the index read back (or composed, merge) */
    size_t index_len;
    char *index_type;      /* its media type */
    ma_strlist source_raw; /* merge: each recorded digest's manifest, as read back */
    char *held;            /* phase 1: what the immutable tag being read names, while its labels are read */
    size_t held_len;
    char *held_type;
    char held_digest[MA_DIGEST_MAX];
    int held_stage;        /* what that read asks now: 0 the tag, 1 its first platform image, 2 that image's config */
    char heard[512];       /* a read's expected negative, worded for the log ("…: not published yet");
                              the runner prints it in place of the command's error output, and clears it */
    char error[MA_ERROR_MSG_MAX];
} ma_job;

#endif

/* The steps of the publish state machine (job.c, jobcheck.c, jobalias.c, jobsign.c) and
 * what they share: the command asked for next, a failure, a retry with
 * back-off.  Internal to those files. */
#ifndef MA_JOBSTEP_H
#define MA_JOBSTEP_H

#include "jobtypes.h"
#include "published.h"

enum ma_job_step {
    STEP_PRECHECK = 1,   /* before any build: what immutable tag i already names */
    STEP_BUILD,
    STEP_CHECK_SOURCE,   /* merge: recorded digest i must be in the registry */
    STEP_VERIFY_INDEX,   /* read image@digest back, check platforms */
    STEP_GUARD,          /* immutable tag i must be absent or at our digest */
    STEP_PROMOTE_IMMUTABLE,
    STEP_CHECK_IMMUTABLE,
    STEP_PROMOTE_MUTABLE,
    STEP_CHECK_MUTABLE,
    STEP_READ_MUTABLE,   /* a re-run: does mutable tag i already name the digest? */
    STEP_READ_ALIAS,     /* just before the move: which version does alias i name now? */
    STEP_PUSH_INDEX,     /* merge with --sign: push the index by digest, untagged, to sign it */
    STEP_SIGN_CHECK,     /* cosign verify: is the digest signed already (a re-run)? */
    STEP_SIGN,           /* cosign sign */
    STEP_SIGN_VERIFY,    /* cosign verify after signing: must pass before any tag moves */
    STEP_PROMOTE_SOURCE, /* promote: read the source index (every platform in it) */
    STEP_PROMOTE_GUARD,  /* promote: immutable tag i must be absent or at the source's digest */
    STEP_PROMOTE_COPY,   /* promote: its blobs and manifests made present in the target repository */
};

/* Stop the job with a message; returns 0 because failing is not an error of the machine. */
int ma_jobstep_failed(ma_job *job, ma_next *next, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Ask for next->argv to run as `step`; capture: the outcome needs stdout. */
int ma_jobstep_run(ma_job *job, ma_next *next, int step, int capture);

/* Ask the registry (op) about ref (a tag or digest of the job's image) as `step`. */
int ma_jobstep_registry(ma_job *job, ma_next *next, int step, ma_regop op, const char *ref);

/* Read back image:tag, or the pushed image@digest when tag is NULL, as `step` (a GET). */
int ma_jobstep_inspect(ma_job *job, ma_next *next, int step, const char *tag);

/* PUT job->index under each of tags, as `step`. */
int ma_jobstep_put(ma_job *job, ma_next *next, int step, const ma_strlist *tags);

/* The outcome says the registry does not have it (a registry step's flag, or a command's words). */
int ma_jobstep_not_found(const ma_outcome *o);

/* A failure worth retrying here: a process's transient failure (a registry
 * step's were retried by the client already). */
int ma_jobstep_transient(const ma_outcome *o);

/* The line that says why the step failed. */
void ma_jobstep_error_line(const ma_outcome *o, char *line, size_t size);

/* What image:tag names now, with the commit and version it was made from:
 * a GET of the tag (as `step`), then, when the index's annotations do not say
 * both, its first platform image and that image's config (ma_jobstep_published
 * reads the answers).  The one place the machine asks the registry what a tag
 * holds. */
int ma_jobstep_read_published(ma_job *job, ma_next *next, int step, const char *tag);

/* An answer to ma_jobstep_read_published's reads (o->status 0; a failure
 * is the caller's: job->held_stage 0 and not found means the tag is absent).
 * 1 with *held filled (the caller frees it) when what the tag names is known;
 * 0 when next asks for the next read; -1 with why set (MA_ERR_NOMEM, or
 * MA_ERR_BUILD naming ref when the registry's answer is not a manifest). */
int ma_jobstep_published(ma_job *job, const ma_outcome *o, ma_next *next, const char *ref, ma_published *held,
                         ma_error *why);
/* Keep raw (of media_type) as the bytes the tags get (job->index); -1: out of memory. */
int ma_jobstep_keep_index(ma_job *job, const char *raw, size_t len, const char *media_type);

/* A transient failure is retried (with back-off) while retries are left;
 * anything else fails the job, `what` naming the step. */
int ma_jobstep_retry_or_fail(ma_job *job, const ma_outcome *o, ma_next *next, const char *what);

#endif

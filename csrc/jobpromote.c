#include "jobpromote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobsign.h"
#include "jobstep.h"
#include "manifest.h"

/* image->sources[0] is host/repo:tag or host/repo@sha256:...: split it once. */
static int split_source(ma_job *job)
{
    const char *src = job->image->sources.items[0], *at = strchr(src, '@');
    const char *slash = strrchr(src, '/'), *colon = slash != NULL ? strchr(slash, ':') : NULL;
    const char *cut = at != NULL ? at : colon;
    if (cut == NULL)
        return 1;
    free(job->source_image);
    free(job->source_ref);
    job->source_image = strndup(src, (size_t)(cut - src));
    job->source_ref = ma_strdup(cut + 1);
    return job->source_image == NULL || job->source_ref == NULL ? -1 : 0;
}

static int read_source(ma_job *job, ma_next *next)
{
    if (ma_jobstep_registry(job, next, STEP_PROMOTE_SOURCE, MA_REGOP_GET, job->source_ref) != 0)
        return -1;
    next->image = job->source_image;
    return 0;
}

/* The next immutable tag to read, or the end of phase 1. */
static int next_guard(ma_job *job, ma_next *next)
{
    const ma_strlist *tags = &job->image->immutable_tags;
    if (job->tag_index < tags->len)
        return ma_jobstep_inspect(job, next, STEP_PROMOTE_GUARD, tags->items[job->tag_index]);
    job->tag_index = 0;
    /* every immutable tag names the source already: a promotion run again */
    job->resume = tags->len > 0 && job->done.len >= tags->len;
    next->kind = MA_NEXT_WAIT;
    return 0;
}

int ma_jobpromote_begin(ma_job *job, int phase, ma_next *next, ma_error *err)
{
    job->tag_index = 0;
    int rc = 0;
    if (phase == 1) {
        int split = split_source(job);
        if (split > 0)
            return ma_jobstep_failed(job, next, "cannot read the source %s: expected host/repository:tag or "
                                                "@sha256:<digest>", job->image->sources.items[0]);
        rc = split < 0 ? -1 : read_source(job, next);
    } else if (strcmp(job->source_image, job->image->image) != 0) {
        if (ma_jobstep_registry(job, next, STEP_PROMOTE_COPY, MA_REGOP_COPY, job->digest) != 0)
            return ma_nomem(err);
        next->source = job->source_image;
        next->body = job->index;
        next->body_len = job->index_len;
        next->media_type = job->index_type;
    } else {
        rc = ma_jobsign_begin(job, next);
    }
    return rc != 0 ? ma_nomem(err) : 0;
}

static int after_source(ma_job *job, const ma_outcome *o, ma_next *next, ma_error *err)
{
    char ref[1024];
    snprintf(ref, sizeof ref, "%s%c%s", job->source_image, strncmp(job->source_ref, "sha256:", 7) == 0 ? '@' : ':',
             job->source_ref);
    if (o->status != 0) {
        char line[512];
        ma_jobstep_error_line(o, line, sizeof line);
        return ma_jobstep_failed(job, next, ma_jobstep_not_found(o) ? "the source %s is not in the registry (%s)"
                                                                    : "cannot read the source %s: %s", ref, line);
    }
    const char *raw = o->out != NULL ? o->out : "";
    ma_sha256_digest(raw, o->out_len, job->digest);
    ma_error why = {0};
    if (ma_index_verify(ref, raw, o->out_len, job->digest, &job->image->platforms, &why) != 0)
        return why.kind == MA_ERR_NOMEM ? ma_nomem(err)
                                        : ma_jobstep_failed(job, next, "%s; nothing was promoted", why.msg);
    if (ma_jobstep_keep_index(job, raw, o->out_len, o->media_type) != 0)
        return ma_nomem(err);
    return next_guard(job, next) ? ma_nomem(err) : 0;
}

/* An immutable tag of the release: absent, at the source's digest, or a conflict. */
static int after_guard(ma_job *job, const ma_outcome *o, ma_next *next, ma_error *err)
{
    const char *tag = job->image->immutable_tags.items[job->tag_index];
    char ref[1024];
    snprintf(ref, sizeof ref, "%s:%s", job->image->image, tag);
    int rc = 0;
    if (o->status != 0 && ma_jobstep_not_found(o)) {
        snprintf(job->heard, sizeof job->heard, "%s: not published yet", ref);
    } else if (o->status != 0) {
        char line[512];
        ma_jobstep_error_line(o, line, sizeof line);
        return ma_jobstep_failed(job, next, "cannot read %s before promoting: %s", ref, line);
    } else {
        char found[MA_DIGEST_MAX];
        ma_sha256_digest(o->out != NULL ? o->out : "", o->out_len, found);
        if (strcmp(found, job->digest) == 0)
            rc = ma_strlist_push(&job->done, tag) || ma_strlist_pushf(&job->notes, "%s already held this digest", ref);
        else if (!job->allow_overwrite)
            return ma_jobstep_failed(job, next, "immutable tag %s already exists at %s; not promoting %s over it "
                                                "(pass --allow-overwrite to replace it); nothing was moved",
                                     ref, found, job->digest);
        else
            rc = ma_strlist_pushf(&job->notes, "replaced %s (was %s)", ref, found);
    }
    job->tag_index++;
    return rc || next_guard(job, next) ? ma_nomem(err) : 0;
}

int ma_jobpromote_after(ma_job *job, const ma_outcome *o, ma_next *next, ma_error *err)
{
    switch (job->step) {
    case STEP_PROMOTE_SOURCE:
        return after_source(job, o, next, err);
    case STEP_PROMOTE_GUARD:
        return after_guard(job, o, next, err);
    case STEP_PROMOTE_COPY:
        if (o->status != 0) {
            char line[512];
            ma_jobstep_error_line(o, line, sizeof line);
            return ma_jobstep_failed(job, next, "cannot copy %s@%s into %s: %s; no tag was moved", job->source_image,
                                     job->digest, job->image->image, line);
        }
        if (o->out != NULL && o->out_len > 0 && ma_strlist_pushf(&job->notes, "%s", o->out) != 0)
            return ma_nomem(err);
        return ma_jobsign_begin(job, next) ? ma_nomem(err) : 0;
    default:
        return ma_jobstep_failed(job, next, "internal error: unknown promote step %d", job->step);
    }
}

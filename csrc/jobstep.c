#include "jobstep.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buildx.h"
#include "published.h"

int ma_jobstep_failed(ma_job *job, ma_next *next, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(job->error, sizeof job->error, fmt, ap);
    va_end(ap);
    next->kind = MA_NEXT_FAILED;
    return 0;
}

int ma_jobstep_run(ma_job *job, ma_next *next, int step, int capture)
{
    job->step = step;
    job->attempt = 0;
    next->kind = MA_NEXT_RUN;
    next->capture = capture;
    next->delay_ms = 0;
    next->envp = NULL;
    next->reg_op = 0;
    next->image = NULL;
    next->body = next->media_type = NULL;
    next->body_len = 0;
    return 0;
}

int ma_jobstep_not_found(const ma_outcome *o)
{
    return o->registry ? o->not_found : ma_buildx_classify_failure(o->err_text) == MA_FAILURE_NOT_FOUND;
}

int ma_jobstep_transient(const ma_outcome *o)
{
    return !o->registry && ma_buildx_classify_failure(o->err_text) == MA_FAILURE_TRANSIENT;
}

void ma_jobstep_error_line(const ma_outcome *o, char *line, size_t size)
{
    if (o->registry)
        snprintf(line, size, "%s", o->err_text ? o->err_text : "");
    else
        ma_buildx_last_error_line(o->err_text, line, size);
}

int ma_jobstep_registry(ma_job *job, ma_next *next, int step, ma_regop op, const char *ref)
{
    ma_strlist_free(&next->argv);
    if (ma_strlist_push(&next->argv, ref) != 0 || ma_jobstep_run(job, next, step, 1) != 0)
        return -1;
    next->kind = MA_NEXT_REGISTRY;
    next->reg_op = op;
    next->image = job->image->image;
    return 0;
}

int ma_jobstep_inspect(ma_job *job, ma_next *next, int step, const char *tag)
{
    return ma_jobstep_registry(job, next, step, MA_REGOP_GET, tag != NULL ? tag : job->digest);
}

int ma_jobstep_put(ma_job *job, ma_next *next, int step, const ma_strlist *tags)
{
    ma_strlist_free(&next->argv);
    if (ma_strlist_extend(&next->argv, tags) != 0 || ma_jobstep_run(job, next, step, 0) != 0)
        return -1;
    next->kind = MA_NEXT_REGISTRY;
    next->reg_op = MA_REGOP_PUT;
    next->image = job->image->image;
    next->body = job->index;
    next->body_len = job->index_len;
    next->media_type = job->index_type;
    return 0;
}

int ma_jobstep_read_published(ma_job *job, ma_next *next, int step, const char *tag)
{
    job->held_stage = 0;
    return ma_jobstep_registry(job, next, step, MA_REGOP_GET, tag);
}

static char *copy_bytes(const char *raw, size_t len)
{
    char *c = malloc(len + 1);
    if (c != NULL) {
        memcpy(c, raw != NULL ? raw : "", len);
        c[len] = '\0';
    }
    return c;
}

int ma_jobstep_published(ma_job *job, const ma_outcome *o, ma_next *next, const char *ref, ma_published *held,
                         ma_error *why)
{
    const char *raw = o->out != NULL ? o->out : "";
    int stage = job->held_stage;
    if (stage == 0) {
        /* kept: the labels may take two more reads, and a re-run puts these bytes under the other tags */
        free(job->held);
        free(job->held_type);
        job->held = copy_bytes(raw, o->out_len);
        job->held_type = ma_strdup(o->media_type != NULL ? o->media_type : "");
        job->held_len = o->out_len;
        if (job->held == NULL || job->held_type == NULL)
            return ma_nomem(why);
        snprintf(job->held_digest, sizeof job->held_digest, "%s", o->digest != NULL ? o->digest : "");
    }
    if (ma_published_from_manifest(ref, job->held_digest, job->held, job->held_len, held, why) != 0)
        return -1;
    if (stage == 2 && ma_published_take_config(held, raw, o->out_len) != 0) {
        ma_published_free(held);
        return ma_nomem(why);
    }
    if (stage < 2 && (held->revision == NULL || held->version == NULL)) {
        char digest[MA_DIGEST_MAX];
        int config = 0;
        if (ma_published_labels_at(stage == 0 ? job->held : raw, stage == 0 ? job->held_len : o->out_len, digest,
                                   &config)) {
            ma_published_free(held);
            int step = job->step;
            if (ma_jobstep_registry(job, next, step, config ? MA_REGOP_BLOB : MA_REGOP_GET, digest) != 0)
                return ma_nomem(why);
            job->held_stage = config ? 2 : 1;
            return 0;
        }
    }
    return 1;
}

/* backoff_ms doubled `attempt` times, capped: a shift past the width of
 * unsigned is undefined, and a wrapped delay would be a wrong one. */
static unsigned backoff_delay(unsigned backoff_ms, int attempt)
{
    unsigned long long delay = backoff_ms;
    for (int i = 0; i < attempt && delay < MA_JOB_BACKOFF_MAX_MS; i++)
        delay *= 2;
    return delay < MA_JOB_BACKOFF_MAX_MS ? (unsigned)delay : MA_JOB_BACKOFF_MAX_MS;
}

int ma_jobstep_retry_or_fail(ma_job *job, const ma_outcome *o, ma_next *next, const char *what)
{
    if (o->registry) /* the client retried it already: its message says how often */
        return ma_jobstep_failed(job, next, "%s: %s", what, o->err_text && o->err_text[0] ? o->err_text : "no answer");
    ma_failure_kind kind = ma_buildx_classify_failure(o->err_text);
    if (kind == MA_FAILURE_TRANSIENT && job->attempt < job->retries) {
        next->delay_ms = backoff_delay(job->backoff_ms, job->attempt);
        job->attempt++;
        next->kind = MA_NEXT_RUN;
        return 0;
    }
    char line[512];
    ma_buildx_last_error_line(o->err_text, line, sizeof line);
    if (kind == MA_FAILURE_TRANSIENT && job->attempt > 0)
        return ma_jobstep_failed(job, next, "%s: %s (gave up after %d retries)", what, line, job->attempt);
    return ma_jobstep_failed(job, next, "%s: %s (exit status %d)", what, line[0] ? line : "no error output", o->status);
}

/* Keep the bytes the tags will get. */
int ma_jobstep_keep_index(ma_job *job, const char *raw, size_t len, const char *media_type)
{
    free(job->index);
    free(job->index_type);
    job->index = malloc(len + 1);
    job->index_type = ma_strdup(media_type != NULL ? media_type : "");
    if (job->index == NULL || job->index_type == NULL)
        return -1;
    memcpy(job->index, raw, len);
    job->index[len] = '\0';
    job->index_len = len;
    return 0;
}

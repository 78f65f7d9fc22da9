#include "jobstep.h"

#include <stdarg.h>
#include <stdio.h>
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
    return 0;
}

int ma_jobstep_imagetools(ma_next *next, const char *command)
{
    ma_strlist_free(&next->argv);
    return ma_strlist_push(&next->argv, "docker") || ma_strlist_push(&next->argv, "buildx") ||
                   ma_strlist_push(&next->argv, "imagetools") || ma_strlist_push(&next->argv, command)
               ? -1
               : 0;
}

int ma_jobstep_inspect(ma_job *job, ma_next *next, int step, const char *tag)
{
    int rc = ma_jobstep_imagetools(next, "inspect") || ma_strlist_push(&next->argv, "--raw") ||
             (tag != NULL ? ma_strlist_pushf(&next->argv, "%s:%s", job->image->image, tag)
                          : ma_strlist_pushf(&next->argv, "%s@%s", job->image->image, job->digest));
    return rc ? -1 : ma_jobstep_run(job, next, step, 1);
}

int ma_jobstep_read_published(ma_job *job, ma_next *next, int step, const char *tag)
{
    int rc = ma_jobstep_imagetools(next, "inspect") || ma_strlist_push(&next->argv, "--format") ||
             ma_strlist_push(&next->argv, MA_PUBLISHED_FORMAT) ||
             ma_strlist_pushf(&next->argv, "%s:%s", job->image->image, tag);
    return rc ? -1 : ma_jobstep_run(job, next, step, 1);
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

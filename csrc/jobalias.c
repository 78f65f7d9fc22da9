#include "jobalias.h"

#include <stdio.h>

#include "aliasguard.h"
#include "jobstep.h"
#include "published.h"

int ma_jobalias_next(ma_job *job, ma_next *next)
{
    const ma_strlist *tags = &job->image->mutable_tags;
    while (job->tag_index < tags->len &&
           (!ma_alias_is_guarded(tags->items[job->tag_index], job->version) ||
            ma_strlist_contains(&job->kept, tags->items[job->tag_index]) ||
            ma_strlist_contains(&job->done, tags->items[job->tag_index])))
        job->tag_index++;
    if (job->tag_index < tags->len)
        return ma_jobstep_read_published(job, next, STEP_READ_ALIAS, tags->items[job->tag_index]);
    job->tag_index = 0;
    next->kind = MA_NEXT_WAIT;
    return 0;
}

int ma_jobalias_after(ma_job *job, const ma_outcome *o, ma_next *next, ma_error *err)
{
    const char *tag = job->image->mutable_tags.items[job->tag_index];
    char ref[1024];
    snprintf(ref, sizeof ref, "%s:%s", job->image->image, tag);
    if (o->status != 0) {
        if (job->held_stage != 0 || !ma_jobstep_not_found(o)) {
            char line[512];
            ma_jobstep_error_line(o, line, sizeof line);
            return ma_jobstep_failed(job, next, "cannot read %s before moving it: %s", ref,
                                     line[0] ? line : "no error output");
        }
        snprintf(job->heard, sizeof job->heard, "%s: not published yet", ref);
    } else {
        ma_published held;
        ma_error why = {0};
        int known = ma_jobstep_published(job, o, next, ref, &held, &why);
        if (known < 0)
            return why.kind == MA_ERR_NOMEM ? ma_nomem(err) : ma_jobstep_failed(job, next, "%s", why.msg);
        if (known == 0)
            return 0; /* its labels are read next */
        int rc = 0;
        if (ma_alias_decide(job->version, held.version) == MA_ALIAS_KEEP)
            rc = ma_strlist_push(&job->kept, tag) ||
                 ma_strlist_pushf(&job->notes, "%s kept at %s, newer than %s", tag, held.version, job->version);
        ma_published_free(&held);
        if (rc != 0)
            return ma_nomem(err);
    }
    job->tag_index++;
    return ma_jobalias_next(job, next) ? ma_nomem(err) : 0;
}

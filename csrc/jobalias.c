#include "jobalias.h"

#include <stdio.h>

#include "aliasguard.h"
#include "forwardguard.h"
#include "jobstep.h"
#include "published.h"

/* A version alias (aliasguard), or a branch or pr-N tag when the run knows
 * its commit and was not told to force the move (forwardguard). */
static int guarded(const ma_job *job, const char *tag)
{
    return ma_alias_is_guarded(tag, job->version) ||
           (job->revision != NULL && !job->force_move && ma_forward_is_guarded(tag, job->version));
}

int ma_jobalias_next(ma_job *job, ma_next *next)
{
    const ma_strlist *tags = &job->image->mutable_tags;
    while (job->tag_index < tags->len &&
           (!guarded(job, tags->items[job->tag_index]) ||
            ma_strlist_contains(&job->kept, tags->items[job->tag_index]) ||
            ma_strlist_contains(&job->done, tags->items[job->tag_index])))
        job->tag_index++;
    if (job->tag_index < tags->len)
        return ma_jobstep_read_published(job, next, STEP_READ_ALIAS, tags->items[job->tag_index]);
    job->tag_index = 0;
    next->kind = MA_NEXT_WAIT;
    return 0;
}

/* A branch or pr-N tag that names `held` now: moved only forward (git's
 * history, else the times the images record).  A tag kept, or moved on a
 * comparison, gets a note with both commits. */
static int forward_only(ma_job *job, const char *tag, const ma_published *held, ma_next *next, ma_error *err)
{
    ma_forward_facts f = {job->revision, held->revision, MA_ANCESTRY_UNKNOWN, job->created, held->created,
                          job->force_move};
    if (ma_forward_needs_history(&f) && job->ancestry != NULL) {
        ma_error why = {0};
        if (job->ancestry(job->ancestry_ctx, f.ours, f.held, &f.ancestry, &why) != 0)
            return why.kind == MA_ERR_NOMEM ? ma_nomem(err)
                                            : ma_jobstep_failed(job, next, "cannot tell whether %s:%s may move: %s",
                                                                job->image->image, tag, why.msg);
    }
    ma_forward_decision d = ma_forward_decide(&f);
    const char *basis = ma_forward_basis_words(d.basis, f.ancestry);
    int rc = 0;
    if (d.verdict == MA_FORWARD_KEEP)
        rc = ma_strlist_push(&job->kept, tag) ||
             ma_strlist_pushf(&job->notes, "%s kept at %.12s (%s), newer than this run's %.12s (%s), %s; "
                                           "--force-move moves it", tag, held->revision,
                              held->created ? held->created : "time unknown", job->revision,
                              job->created ? job->created : "time unknown", basis);
    else if (d.basis == MA_FORWARD_BY_HISTORY || d.basis == MA_FORWARD_BY_TIME)
        rc = ma_strlist_pushf(&job->notes, "%s moves forward from %.12s to %.12s, %s", tag, held->revision,
                              job->revision, basis);
    return rc != 0 ? ma_nomem(err) : 0;
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
        if (!ma_alias_is_guarded(tag, job->version)) {
            rc = forward_only(job, tag, &held, next, err);
            ma_published_free(&held);
            if (rc != 0 || next->kind == MA_NEXT_FAILED)
                return rc;
        } else {
            if (ma_alias_decide(job->version, held.version) == MA_ALIAS_KEEP)
                rc = ma_strlist_push(&job->kept, tag) ||
                     ma_strlist_pushf(&job->notes, "%s kept at %s, newer than %s", tag, held.version, job->version);
            ma_published_free(&held);
        }
        if (rc != 0)
            return ma_nomem(err);
    }
    job->tag_index++;
    return ma_jobalias_next(job, next) ? ma_nomem(err) : 0;
}

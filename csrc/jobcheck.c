#include "jobcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buildx.h"
#include "digestdir.h"
#include "jobstep.h"
#include "platform.h"
#include "published.h"
#include "tagpolicy.h"
#include "tagrules.h"
#include "textfile.h"

static int same(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

int ma_jobcheck_next(ma_job *job, ma_next *next)
{
    const ma_strlist *tags = &job->image->immutable_tags;
    if (job->tag_index < tags->len)
        return ma_jobstep_read_published(job, next, STEP_PRECHECK, tags->items[job->tag_index]);
    if (job->push_by_tag && !job->resume && tags->len > 0 && ma_strlist_contains(&job->kept, tags->items[0]))
        return ma_jobstep_failed(job, next, "%s:%s already names an earlier build of this commit, and this builder (docker "
                                 "driver) can only push under that tag: pass --builder with a builder that pushes by "
                                 "digest (remote, docker-container, kubernetes), or --allow-overwrite",
                      job->image->image, tags->items[0]);
    next->kind = MA_NEXT_WAIT;
    return 0;
}

/* What the tag names is known (held): a re-run, a kept sha- tag, or a conflict. */
static int decide(ma_job *job, ma_published held, const char *tag, const char *ref, ma_next *next, ma_error *err)
{
    const ma_image_plan *ip = job->image;
    int rc = 0;
    if (job->resume && strcmp(held.digest, job->digest) == 0) {
        rc = ma_strlist_push(&job->done, tag);
    } else if (job->resume && job->allow_overwrite) {
        /* a re-run skips the guard: say here what phase 3 will replace */
        rc = ma_strlist_pushf(&job->notes, "replaced %s (was %s)", ref, held.digest);
    } else if (same(held.revision, job->revision) && held.version != NULL && ma_version_same(held.version, job->version) && !job->resume) {
        /* a re-run: the published index must hold every platform asked for */
        for (size_t i = 0; i < ip->platforms.len; i++)
            if (!ma_platforms_hold(&held.platforms, ip->platforms.items[i])) {
                char *has = ma_strlist_join(&held.platforms, ", ");
                ma_jobstep_failed(job, next, "%s was published from this commit without %s (it holds %s): pass "
                                  "--allow-overwrite to build and replace it", ref, ip->platforms.items[i],
                       has != NULL && has[0] ? has : "no platform images");
                free(has);
                ma_published_free(&held);
                return 0;
            }
        job->resume = 1;
        snprintf(job->digest, sizeof job->digest, "%s", held.digest);
        /* the bytes the other tags get */
        free(job->index);
        free(job->index_type);
        job->index = job->held;
        job->index_len = job->held_len;
        job->index_type = job->held_type;
        job->held = job->held_type = NULL;
        rc = ma_strlist_push(&job->done, tag);
    } else if (same(held.revision, job->revision) && ma_tag_is_commit(tag) && !job->allow_overwrite) {
        rc = ma_strlist_push(&job->kept, tag) ||
             ma_strlist_pushf(&job->notes, "kept %s at %s: an earlier build of this commit (version %s) holds it",
                              ref, held.digest, held.version ? held.version : "unknown");
    } else if (!job->allow_overwrite) {
        char made[256];
        if (held.revision != NULL)
            snprintf(made, sizeof made, "commit %.40s, version %.100s", held.revision,
                     held.version ? held.version : "unknown");
        else
            snprintf(made, sizeof made, "an unknown commit (it has no " MA_LABEL_REVISION " label)");
        ma_published_free(&held);
        return ma_jobstep_failed(job, next, "immutable tag %s already exists at %s, made from %s, not from this run "
                                 "(commit %.40s, version %.100s); refused before building: nothing was built and no "
                                 "tag moved (pass --allow-overwrite to replace it)",
                      ref, held.digest, made, job->revision ? job->revision : "unknown", job->version);
    }
    ma_published_free(&held);
    if (rc != 0)
        return ma_nomem(err);
    job->tag_index++;
    return ma_jobcheck_next(job, next) ? ma_nomem(err) : 0;
}

int ma_jobcheck_after(ma_job *job, const ma_outcome *o, ma_next *next, ma_error *err)
{
    const ma_image_plan *ip = job->image;
    const char *tag = ip->immutable_tags.items[job->tag_index];
    char ref[1024], line[512];
    snprintf(ref, sizeof ref, "%s:%s", ip->image, tag);
    if (o->status != 0) {
        if (job->held_stage != 0 || !ma_jobstep_not_found(o)) {
            ma_jobstep_error_line(o, line, sizeof line);
            return ma_jobstep_failed(job, next, "cannot read %s before building: %s", ref, line[0] ? line : "no error output");
        }
        snprintf(job->heard, sizeof job->heard, "%s: not published yet", ref);
        job->tag_index++;
        return ma_jobcheck_next(job, next) ? ma_nomem(err) : 0;
    }
    ma_published held;
    ma_error why = {0};
    int known = ma_jobstep_published(job, o, next, ref, &held, &why);
    if (known < 0)
        return why.kind == MA_ERR_NOMEM ? ma_nomem(err) : ma_jobstep_failed(job, next, "%s", why.msg);
    return known ? decide(job, held, tag, ref, next, err) : 0;
}

int ma_jobcheck_after_read_mutable(ma_job *job, const ma_outcome *o, ma_next *next)
{
    const ma_strlist *tags = &job->image->mutable_tags;
    if (o->status != 0 && !ma_jobstep_not_found(o)) {
        char line[512];
        ma_jobstep_error_line(o, line, sizeof line);
        return ma_jobstep_failed(job, next, "cannot read back %s:%s: %s", job->image->image,
                                 tags->items[job->tag_index], line);
    }
    if (o->status != 0)
        snprintf(job->heard, sizeof job->heard, "%s:%s: not published yet", job->image->image,
                 tags->items[job->tag_index]);
    char found[MA_DIGEST_MAX];
    ma_sha256_digest(o->out ? o->out : "", o->out_len, found);
    if (o->status == 0 && strcmp(found, job->digest) == 0 && ma_strlist_push(&job->done, tags->items[job->tag_index]))
        return -1;
    if (++job->tag_index < tags->len)
        return ma_jobstep_inspect(job, next, STEP_READ_MUTABLE, tags->items[job->tag_index]);
    job->tag_index = 0;
    next->kind = MA_NEXT_WAIT; /* the caller goes on (to signing) */
    return 0;
}

int ma_jobcheck_reusable_record(ma_job *job, ma_error *err)
{
    const ma_image_plan *ip = job->image;
    char *text = NULL;
    ma_error why = {0};
    if (ip->digest_file == NULL || job->revision == NULL ||
        ma_textfile_read(ip->digest_file, MA_DIGEST_RECORD_MAX_BYTES, "digest record", MA_ERR_INPUT, &text, &why) != 0)
        return why.kind == MA_ERR_NOMEM ? ma_nomem(err) : 0;
    ma_digest_record r;
    int rc = ma_digest_record_parse(text, ip->digest_file, &r, &why);
    free(text);
    if (rc != 0)
        return why.kind == MA_ERR_NOMEM ? ma_nomem(err) : 0;
    if (strcmp(r.component, ip->component) == 0 && strcmp(r.image, ip->image) == 0 &&
        ma_platform_same(r.platform, ip->platforms.items[0]) && r.revision != NULL &&
        strcmp(r.revision, job->revision) == 0) {
        snprintf(job->digest, sizeof job->digest, "%s", r.digest);
        job->reused = 1;
    }
    ma_digest_record_free(&r);
    return 0;
}

int ma_jobcheck_note_resume(ma_job *job, const ma_next *next)
{
    if (next->kind != MA_NEXT_DONE || !job->resume)
        return 0;
    if (job->moved.len == 0)
        return ma_strlist_pushf(&job->notes, "already published at %s: built nothing, moved no tag", job->digest);
    char *moved = ma_strlist_join(&job->moved, ", ");
    int rc = moved == NULL || ma_strlist_pushf(&job->notes, "resumed the release at %s: built nothing, completed %s",
                                               job->digest, moved);
    free(moved);
    return rc ? -1 : 0;
}

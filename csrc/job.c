#include "job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annotations.h"
#include "buildcmd.h"
#include "buildx.h"
#include "indexcompose.h"
#include "jobalias.h"
#include "jobcheck.h"
#include "jobpromote.h"
#include "jobsign.h"
#include "jobstep.h"
#include "manifest.h"
#include "pushrefused.h"
#include "tagrules.h"

void ma_job_init(ma_job *job, const ma_image_plan *image, ma_plan_mode mode, int allow_overwrite,
                 int retries, unsigned backoff_ms)
{
    memset(job, 0, sizeof *job);
    job->image = image;
    job->mode = mode;
    job->allow_overwrite = allow_overwrite;
    job->retries = retries;
    job->backoff_ms = backoff_ms;
}

int ma_job_phases(const ma_job *job)
{
    return job->mode == MA_MODE_PUSH || job->mode == MA_MODE_MERGE || job->mode == MA_MODE_PROMOTE ? 4 : 1;
}

ma_activity ma_job_activity(const ma_job *job)
{
    switch (job->step) {
    case STEP_BUILD:
        return MA_ACTIVITY_BUILDING;
    case STEP_PROMOTE_IMMUTABLE:
    case STEP_PROMOTE_MUTABLE:
        return MA_ACTIVITY_TAGGING;
    case STEP_PRECHECK:
    case 0:
        return MA_ACTIVITY_CHECKING;
    case STEP_SIGN_CHECK:
    case STEP_SIGN:
    case STEP_SIGN_VERIFY:
        return MA_ACTIVITY_SIGNING;
    default:
        return MA_ACTIVITY_VERIFYING;
    }
}

const char *ma_job_phase_name(const ma_job *job)
{
    static const char *const names[] = {"checking", "building", "verifying", "tagging", "signing"};
    return names[ma_job_activity(job)];
}

int ma_job_has_digest(const ma_job *job)
{
    return job->digest[0] != '\0';
}

void ma_next_clear(ma_next *next)
{
    ma_strlist_free(&next->argv);
    memset(next, 0, sizeof *next);
}

void ma_job_free(ma_job *job)
{
    if (job != NULL) {
        ma_strlist_free(&job->notes);
        ma_strlist_free(&job->kept);
        ma_strlist_free(&job->done);
        ma_strlist_free(&job->moved);
        ma_strlist_free(&job->source_raw);
        free(job->index);
        free(job->index_type);
        free(job->held);
        free(job->held_type);
        free(job->source_image);
        free(job->source_ref);
        job->index = job->index_type = job->held = job->held_type = job->source_image = job->source_ref = NULL;
    }
}

/* A merge's recorded digest i (image@digest), read back whole. */
static int inspect_source(ma_job *job, ma_next *next)
{
    const char *source = job->image->sources.items[job->tag_index], *at = strchr(source, '@');
    return ma_jobstep_registry(job, next, STEP_CHECK_SOURCE, MA_REGOP_GET, at != NULL ? at + 1 : source);
}

static int combine(ma_job *job, ma_next *next, ma_error *err);

/* Tags point at the pushed index, or (merge) at the index composed from the recorded digests. */
static int promote(ma_job *job, ma_next *next, int step, const ma_strlist *all_tags)
{
    ma_strlist tags_left = MA_STRLIST_INIT;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < all_tags->len; i++) {
        const char *tag = all_tags->items[i];
        if (!ma_strlist_contains(&job->kept, tag) && !ma_strlist_contains(&job->done, tag))
            rc = ma_strlist_push(&tags_left, tag) || ma_strlist_push(&job->moved, tag);
    }
    if (rc == 0)
        rc = ma_jobstep_put(job, next, step, &tags_left);
    ma_strlist_free(&tags_left);
    return rc != 0 ? -1 : 0;
}

static int copy_argv(ma_next *next, const ma_strlist *argv)
{
    ma_strlist_free(&next->argv);
    return ma_strlist_extend(&next->argv, argv);
}

/* How many of tags still need moving: not kept, not already at the digest. */
static size_t to_move(const ma_job *job, const ma_strlist *tags)
{
    size_t n = 0;
    for (size_t i = 0; i < tags->len; i++)
        n += !ma_strlist_contains(&job->kept, tags->items[i]) && !ma_strlist_contains(&job->done, tags->items[i]);
    return n;
}

/* Phase 4, once jobalias has read the version aliases: one move of the mutable tags left. */
static int move_mutable(ma_job *job, ma_next *next)
{
    if (to_move(job, &job->image->mutable_tags) > 0)
        return promote(job, next, STEP_PROMOTE_MUTABLE, &job->image->mutable_tags);
    next->kind = MA_NEXT_DONE;
    return 0;
}

static int begin_build(ma_job *job, ma_next *next)
{
    return copy_argv(next, &job->image->build_argv) || ma_jobstep_run(job, next, STEP_BUILD, 0) ? -1 : 0;
}

int ma_job_begin(ma_job *job, int phase, ma_next *next, ma_error *err)
{
    ma_next_clear(next);
    if (job->mode == MA_MODE_PROMOTE && phase <= 2)
        return ma_jobpromote_begin(job, phase, next, err);
    const ma_image_plan *ip = job->image;
    int publishes = job->mode == MA_MODE_PUSH || job->mode == MA_MODE_MERGE;
    int rc = 0;
    job->tag_index = 0;
    if (publishes && phase == 1) {
        rc = ma_jobcheck_next(job, next);
    } else if (publishes && phase == 2 && job->resume) {
        /* phase 1 read the immutable tags and the index: only the mutable tags are left to read */
        if (ip->mutable_tags.len > 0)
            rc = ma_jobstep_inspect(job, next, STEP_READ_MUTABLE, ip->mutable_tags.items[0]);
        else
            rc = ma_jobsign_begin(job, next);
    } else if (phase == 2 && job->mode == MA_MODE_MERGE) {
        if (ip->sources.len == 0)
            return combine(job, next, err);
        rc = inspect_source(job, next);
    } else if (phase == 1 && job->mode == MA_MODE_BY_DIGEST) {
        if (ma_jobcheck_reusable_record(job, err) != 0)
            return -1;
        rc = job->reused ? ma_jobstep_inspect(job, next, STEP_VERIFY_INDEX, NULL) : begin_build(job, next);
    } else if ((phase == 1 && job->mode == MA_MODE_LOCAL) || (phase == 2 && job->mode == MA_MODE_PUSH)) {
        rc = begin_build(job, next);
    } else if (phase == 3 && to_move(job, &ip->immutable_tags) > 0) {
        rc = promote(job, next, STEP_PROMOTE_IMMUTABLE, &ip->immutable_tags);
    } else if (phase == 4 && to_move(job, &ip->mutable_tags) > 0) {
        job->tag_index = 0;
        rc = ma_jobalias_next(job, next);
        if (rc == 0 && next->kind == MA_NEXT_WAIT)
            rc = move_mutable(job, next);
    } else {
        next->kind = phase >= ma_job_phases(job) ? MA_NEXT_DONE : MA_NEXT_WAIT;
    }
    return rc || ma_jobcheck_note_resume(job, next) ? ma_nomem(err) : 0;
}

/* The next immutable tag to guard/check, or the end of the phase. */
static int next_tag(ma_job *job, ma_next *next, int step, const ma_strlist *tags, int last_phase)
{
    /* after a promote only the tags it moved are read back; the guard skips kept ones */
    int checks = step == STEP_CHECK_IMMUTABLE || step == STEP_CHECK_MUTABLE;
    while (job->tag_index < tags->len &&
           (checks ? !ma_strlist_contains(&job->moved, tags->items[job->tag_index])
                   : step == STEP_GUARD && ma_strlist_contains(&job->kept, tags->items[job->tag_index])))
        job->tag_index++;
    if (job->tag_index < tags->len)
        return ma_jobstep_inspect(job, next, step, tags->items[job->tag_index]);
    if (step == STEP_GUARD)
        return ma_jobsign_begin(job, next);
    job->tag_index = 0;
    next->kind = last_phase ? MA_NEXT_DONE : MA_NEXT_WAIT;
    return 0;
}

static int after_build(ma_job *job, ma_next *next, ma_error *err)
{
    if (job->mode == MA_MODE_LOCAL) {
        next->kind = MA_NEXT_DONE;
        return 0;
    }
    ma_error why = {0};
    if (ma_buildx_read_metadata(job->image->metadata_file, job->digest, &why) != 0) {
        if (why.kind == MA_ERR_NOMEM)
            return ma_nomem(err);
        return ma_jobstep_failed(job, next, "%s", why.msg);
    }
    return ma_jobstep_inspect(job, next, STEP_VERIFY_INDEX, NULL);
}

/* What the pushed index must carry besides its platforms: the annotations
 * (where there is an index), and attestations when they were asked for. */
static int check_metadata(const ma_job *job, const char *ref, const char *raw, size_t len, ma_error *why)
{
    const ma_image_plan *ip = job->image;
    if (ip->index_annotations && ma_index_annotations_check(ref, raw, len, &ip->annotations, why) != 0)
        return -1;
    if (ip->attestations && ma_index_attestations_check(ref, raw, len, why) != 0)
        return -1;
    return 0;
}

static int after_verify(ma_job *job, const ma_outcome *o, ma_next *next, ma_error *err)
{
    char ref[1024];
    snprintf(ref, sizeof ref, "%s@%s", job->image->image, job->digest);
    ma_error why = {0};
    const char *raw = o->out ? o->out : "";
    /* One platform pushed without attestations is a plain image manifest: its
     * platform is checked when the merge combines it. */
    const ma_strlist *want = job->mode == MA_MODE_BY_DIGEST && !ma_raw_is_index(raw, o->out_len)
                                 ? NULL : &job->image->platforms;
    if (ma_index_verify(ref, raw, o->out_len, job->digest, want, &why) != 0 ||
        check_metadata(job, ref, raw, o->out_len, &why) != 0) {
        if (why.kind == MA_ERR_NOMEM)
            return ma_nomem(err);
        return ma_jobstep_failed(job, next, "%s", why.msg);
    }
    if (ma_jobstep_keep_index(job, raw, o->out_len, o->media_type) != 0)
        return ma_nomem(err);
    if (job->mode == MA_MODE_PUSH && !job->image->index_annotations &&
        ma_strlist_pushf(&job->notes, "one platform without attestations makes no image index: the annotations "
                                      "are on the image manifest only") != 0)
        return ma_nomem(err);
    if (job->mode == MA_MODE_BY_DIGEST) {
        next->kind = MA_NEXT_DONE;
        return job->reused ? ma_strlist_pushf(&job->notes, "reused %s: this commit's %s digest is in the registry; "
                                                          "nothing built", job->image->digest_file,
                                              job->image->platforms.items[0])
                           : 0;
    }
    job->tag_index = 0;
    return next_tag(job, next, STEP_GUARD, &job->image->immutable_tags, 0);
}

/* A recorded digest read back: it must be in the registry, byte for byte. */
static int after_source(ma_job *job, const ma_outcome *o, ma_next *next, ma_error *err)
{
    const ma_image_plan *ip = job->image;
    const char *source = ip->sources.items[job->tag_index], *platform = ip->platforms.items[job->tag_index];
    if (o->status != 0) {
        char line[512];
        ma_jobstep_error_line(o, line, sizeof line);
        if (ma_jobstep_not_found(o))
            return ma_jobstep_failed(job, next, "the %s digest %s is not in the registry (%s): was it pushed to this registry?",
                          platform, source, line);
        return ma_jobstep_failed(job, next, "cannot read back the %s digest %s: %s", platform, source, line);
    }
    char found[MA_DIGEST_MAX];
    ma_sha256_digest(o->out ? o->out : "", o->out_len, found);
    const char *at = strchr(source, '@');
    if (at == NULL || strcmp(found, at + 1) != 0)
        return ma_jobstep_failed(job, next, "%s reads back as %s, not the recorded digest", source, found);
    if (ma_strlist_push(&job->source_raw, o->out ? o->out : "") != 0)
        return ma_nomem(err);
    if (++job->tag_index < ip->sources.len)
        return inspect_source(job, next) ? ma_nomem(err) : 0;
    return combine(job, next, err);
}

/* The index the merge will push, composed here from the recorded digests'
 * manifests: its digest, and each platform exactly once. */
static int combine(ma_job *job, ma_next *next, ma_error *err)
{
    const ma_image_plan *ip = job->image;
    char shown[512];
    snprintf(shown, sizeof shown, "the index of %s's digests", ip->component);
    char *raw = NULL;
    size_t len = 0;
    ma_error why = {0};
    if (ma_merge_index(&ip->sources, &ip->platforms, &ip->annotations, &job->source_raw, shown, &raw, &len, &why) != 0)
        return why.kind == MA_ERR_NOMEM ? ma_nomem(err) : ma_jobstep_failed(job, next, "%s", why.msg);
    ma_sha256_digest(raw, len, job->digest);
    free(job->index);
    free(job->index_type);
    job->index = raw;
    job->index_len = len;
    job->index_type = ma_strdup(MA_MEDIA_OCI_INDEX);
    if (job->index_type == NULL)
        return ma_nomem(err);
    job->tag_index = 0;
    return next_tag(job, next, STEP_GUARD, &ip->immutable_tags, 0) ? ma_nomem(err) : 0;
}

/* A read-back of image:tag: absent, at our digest, or elsewhere. */
static int after_tag_read(ma_job *job, const ma_outcome *o, ma_next *next)
{
    const ma_image_plan *ip = job->image;
    int guard = job->step == STEP_GUARD;
    const ma_strlist *tags = job->step == STEP_CHECK_MUTABLE ? &ip->mutable_tags : &ip->immutable_tags;
    const char *tag = tags->items[job->tag_index];
    char ref[1024], found[MA_DIGEST_MAX] = "";
    snprintf(ref, sizeof ref, "%s:%s", ip->image, tag);
    if (o->status != 0) {
        /* only a guard may find nothing: after a promote the tag must be there */
        if (guard && ma_jobstep_not_found(o)) {
            snprintf(job->heard, sizeof job->heard, "%s: not published yet", ref);
            job->tag_index++;
            return next_tag(job, next, STEP_GUARD, tags, 0);
        }
        char line[512];
        ma_jobstep_error_line(o, line, sizeof line);
        return ma_jobstep_failed(job, next, "cannot read back %s: %s", ref, line);
    }
    ma_sha256_digest(o->out ? o->out : "", o->out_len, found);
    if (strcmp(found, job->digest) != 0) {
        if (!guard)
            return ma_jobstep_failed(job, next, "%s points at %s after tagging, not at the pushed %s", ref, found,
                          job->digest);
        if (!job->allow_overwrite && ma_tag_is_commit(tag)) {
            /* an earlier build of this commit (its branch build, or a re-run) holds it */
            if (ma_strlist_push(&job->kept, tag) != 0 ||
                ma_strlist_pushf(&job->notes, "kept %s at %s: an earlier build of this commit holds it", ref, found) != 0)
                return -1;
        } else if (!job->allow_overwrite) {
            return ma_jobstep_failed(job, next, "immutable tag %s already exists at %s; not overwriting it with %s "
                                     "(pass --allow-overwrite to replace it)", ref, found, job->digest);
        } else if (ma_strlist_pushf(&job->notes, "replaced %s (was %s)", ref, found) != 0) {
            return -1;
        }
    } else if (guard) {
        if (ma_strlist_push(&job->done, tag) != 0 ||
            (!job->resume && !(job->push_by_tag && tag == ip->immutable_tags.items[0]) &&
             ma_strlist_pushf(&job->notes, "%s already held this digest", ref) != 0))
            return -1;
    }
    job->tag_index++;
    int last = job->step == STEP_CHECK_MUTABLE;
    return next_tag(job, next, job->step, tags, last);
}

static int step_on(ma_job *job, const ma_outcome *o, ma_next *next, ma_error *err)
{
    if (job->step >= STEP_PROMOTE_SOURCE)
        return ma_jobpromote_after(job, o, next, err);
    if (job->step >= STEP_PUSH_INDEX)
        return ma_jobsign_after(job, o, next, err);
    const ma_image_plan *ip = job->image;
    int is_read = job->step == STEP_VERIFY_INDEX || job->step == STEP_GUARD || job->step == STEP_CHECK_SOURCE ||
                  job->step == STEP_PRECHECK || job->step == STEP_READ_MUTABLE ||
                  job->step == STEP_CHECK_IMMUTABLE || job->step == STEP_CHECK_MUTABLE ||
                  job->step == STEP_READ_ALIAS;
    if (o->status != 0 && (!is_read || ma_jobstep_transient(o))) {
        const char *what = job->step == STEP_BUILD ? (ma_push_refused(o->err_text) ? "push refused" : "build failed")
                           : is_read                ? "registry read-back failed"
                                                    : "tagging failed";
        return ma_jobstep_retry_or_fail(job, o, next, what);
    }
    int rc = 0;
    switch (job->step) {
    case STEP_BUILD:
        return after_build(job, next, err);
    case STEP_PRECHECK:
        return ma_jobcheck_after(job, o, next, err);
    case STEP_READ_MUTABLE:
        rc = ma_jobcheck_after_read_mutable(job, o, next);
        if (rc == 0 && next->kind == MA_NEXT_WAIT)
            rc = ma_jobsign_begin(job, next);
        break;
    case STEP_VERIFY_INDEX:
        if (o->status != 0 && job->reused && ma_jobstep_not_found(o)) {
            /* the recorded digest is gone from the registry: build it again */
            snprintf(job->heard, sizeof job->heard, "%s@%s: no longer in the registry, building it again",
                     job->image->image, job->digest);
            job->reused = 0;
            job->digest[0] = '\0';
            return begin_build(job, next) ? ma_nomem(err) : 0;
        }
        if (o->status != 0)
            return ma_jobstep_retry_or_fail(job, o, next, job->resume ? "cannot read back the published index"
                                                           : "cannot read back the pushed index");
        return after_verify(job, o, next, err);
    case STEP_CHECK_SOURCE:
        return after_source(job, o, next, err);
    case STEP_READ_ALIAS:
        if (ma_jobalias_after(job, o, next, err) != 0)
            return -1;
        rc = next->kind == MA_NEXT_WAIT ? move_mutable(job, next) : 0;
        break;
    case STEP_GUARD:
    case STEP_CHECK_IMMUTABLE:
    case STEP_CHECK_MUTABLE:
        rc = after_tag_read(job, o, next);
        break;
    case STEP_PROMOTE_IMMUTABLE:
        job->tag_index = 0;
        rc = next_tag(job, next, STEP_CHECK_IMMUTABLE, &ip->immutable_tags, 0);
        break;
    case STEP_PROMOTE_MUTABLE:
        job->tag_index = 0;
        rc = next_tag(job, next, STEP_CHECK_MUTABLE, &ip->mutable_tags, 1);
        break;
    default:
        return ma_jobstep_failed(job, next, "internal error: unknown step %d", job->step);
    }
    return rc ? ma_nomem(err) : 0;
}

int ma_job_continue(ma_job *job, const ma_outcome *o, ma_next *next, ma_error *err)
{
    if (step_on(job, o, next, err) != 0)
        return -1;
    return ma_jobcheck_note_resume(job, next) ? ma_nomem(err) : 0;
}

#include "job.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annotations.h"
#include "buildcmd.h"
#include "cosign.h"
#include "buildx.h"
#include "digestdir.h"
#include "manifest.h"
#include "platform.h"
#include "published.h"
#include "tagrules.h"
#include "textfile.h"

enum step {
    STEP_PRECHECK = 1,   /* before any build: what immutable tag i already names */
    STEP_BUILD,
    STEP_CHECK_SOURCE,   /* merge: recorded digest i must be in the registry */
    STEP_COMBINE,        /* merge: the index the digests make, from imagetools create --dry-run */
    STEP_VERIFY_INDEX,   /* read image@digest back, check platforms */
    STEP_GUARD,          /* immutable tag i must be absent or at our digest */
    STEP_PROMOTE_IMMUTABLE,
    STEP_CHECK_IMMUTABLE,
    STEP_PROMOTE_MUTABLE,
    STEP_CHECK_MUTABLE,
    STEP_READ_MUTABLE,   /* a re-run: does mutable tag i already name the digest? */
    STEP_PUSH_INDEX,     /* merge with --sign: push the index by digest, untagged, to sign it */
    STEP_SIGN_CHECK,     /* cosign verify: is the digest signed already (a re-run)? */
    STEP_SIGN,           /* cosign sign */
    STEP_SIGN_VERIFY,    /* cosign verify after signing: must pass before any tag moves */
};

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
    return job->mode == MA_MODE_PUSH || job->mode == MA_MODE_MERGE ? 4 : 1;
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
    }
}

/* Stop the job with a message; returns 0 because failing is not an error of the machine. */
static int failed(ma_job *job, ma_next *next, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int failed(ma_job *job, ma_next *next, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(job->error, sizeof job->error, fmt, ap);
    va_end(ap);
    next->kind = MA_NEXT_FAILED;
    return 0;
}

static int run(ma_job *job, ma_next *next, int step, int capture)
{
    job->step = step;
    job->attempt = 0;
    next->kind = MA_NEXT_RUN;
    next->capture = capture;
    next->delay_ms = 0;
    next->envp = NULL;
    return 0;
}

static int imagetools(ma_next *next, const char *command)
{
    ma_strlist_free(&next->argv);
    return ma_strlist_push(&next->argv, "docker") || ma_strlist_push(&next->argv, "buildx") ||
                   ma_strlist_push(&next->argv, "imagetools") || ma_strlist_push(&next->argv, command)
               ? -1
               : 0;
}

/* Read back image:tag, or the pushed image@digest when tag is NULL. */
static int inspect(ma_job *job, ma_next *next, int step, const char *tag)
{
    int rc = imagetools(next, "inspect") || ma_strlist_push(&next->argv, "--raw") ||
             (tag != NULL ? ma_strlist_pushf(&next->argv, "%s:%s", job->image->image, tag)
                          : ma_strlist_pushf(&next->argv, "%s@%s", job->image->image, job->digest));
    return rc ? -1 : run(job, next, step, 1);
}

/* What image:tag names now, with the commit and version it was made from. */
static int inspect_published(ma_job *job, ma_next *next, const char *tag)
{
    int rc = imagetools(next, "inspect") || ma_strlist_push(&next->argv, "--format") ||
             ma_strlist_push(&next->argv, MA_PUBLISHED_FORMAT) ||
             ma_strlist_pushf(&next->argv, "%s:%s", job->image->image, tag);
    return rc ? -1 : run(job, next, STEP_PRECHECK, 1);
}

/* A merge's recorded digest i, read back whole. */
static int inspect_source(ma_job *job, ma_next *next)
{
    int rc = imagetools(next, "inspect") || ma_strlist_push(&next->argv, "--raw") ||
             ma_strlist_push(&next->argv, job->image->sources.items[job->tag_index]);
    return rc ? -1 : run(job, next, STEP_CHECK_SOURCE, 1);
}

static int combine(ma_job *job, ma_next *next)
{
    int rc = imagetools(next, "create") || ma_strlist_push(&next->argv, "--dry-run") ||
             ma_annotation_args(&job->image->annotations, MA_ANNOTATE_INDEX, &next->argv) ||
             ma_strlist_extend(&next->argv, &job->image->sources);
    return rc ? -1 : run(job, next, STEP_COMBINE, 1);
}

/* ---- signing: the end of phase 2 ---- */

static int cosign(ma_job *job, ma_next *next, int step, int verify)
{
    ma_strlist_free(&next->argv);
    char ref[1024];
    snprintf(ref, sizeof ref, "%s@%s", job->image->image, job->digest);
    int rc = verify ? ma_cosign_verify_argv(job->sign, ref, &next->argv)
                    : ma_cosign_sign_argv(job->sign, ref, &next->argv);
    if (rc != 0 || run(job, next, step, verify) != 0)
        return -1;
    next->envp = job->sign_envp;
    return 0;
}

/* A merge's index exists only once created: push it by digest, no tag. */
static int push_index(ma_job *job, ma_next *next)
{
    int rc = imagetools(next, "create") ||
             ma_annotation_args(&job->image->annotations, MA_ANNOTATE_INDEX, &next->argv) ||
             ma_strlist_push(&next->argv, "--tag") ||
             ma_strlist_pushf(&next->argv, "%s@%s", job->image->image, job->digest) ||
             ma_strlist_extend(&next->argv, &job->image->sources);
    return rc ? -1 : run(job, next, STEP_PUSH_INDEX, 0);
}

/* The last step of phase 2: sign (when asked) before phase 3 moves a tag. */
static int begin_signing(ma_job *job, ma_next *next)
{
    job->tag_index = 0;
    if (job->sign == NULL || !job->sign->enabled) {
        next->kind = MA_NEXT_WAIT;
        return 0;
    }
    if (job->mode == MA_MODE_MERGE && !job->resume)
        return push_index(job, next);
    return cosign(job, next, STEP_SIGN_CHECK, 1);
}

/* Tags point at the pushed index, or (merge) at the index of the recorded digests. */
static int promote(ma_job *job, ma_next *next, int step, const ma_strlist *all_tags)
{
    ma_strlist_free(&next->argv);
    ma_strlist pushed = MA_STRLIST_INIT, tags_left = MA_STRLIST_INIT;
    const ma_strlist *sources = &job->image->sources;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < all_tags->len; i++) {
        const char *tag = all_tags->items[i];
        if (!ma_strlist_contains(&job->kept, tag) && !ma_strlist_contains(&job->done, tag))
            rc = ma_strlist_push(&tags_left, tag) || ma_strlist_push(&job->moved, tag);
    }
    int from_digests = job->mode == MA_MODE_MERGE && !job->resume;
    if (rc == 0 && !from_digests) {
        rc = ma_strlist_pushf(&pushed, "%s@%s", job->image->image, job->digest);
        sources = &pushed;
    }
    if (rc == 0)
        rc = ma_buildcmd_promote_argv(job->image->image, &tags_left, sources,
                                      from_digests ? &job->image->annotations : NULL, &next->argv);
    ma_strlist_free(&pushed);
    ma_strlist_free(&tags_left);
    return rc != 0 ? -1 : run(job, next, step, 0);
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

/* A re-run says what it found and what it did, once, when it is done. */
static int note_resume(ma_job *job, const ma_next *next)
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

static int next_precheck(ma_job *job, ma_next *next)
{
    const ma_strlist *tags = &job->image->immutable_tags;
    if (job->tag_index < tags->len)
        return inspect_published(job, next, tags->items[job->tag_index]);
    if (job->push_by_tag && !job->resume && tags->len > 0 && ma_strlist_contains(&job->kept, tags->items[0]))
        return failed(job, next, "%s:%s already names an earlier build of this commit, and this builder (docker "
                                 "driver) can only push under that tag: pass --builder with a builder that pushes by "
                                 "digest (remote, docker-container, kubernetes), or --allow-overwrite",
                      job->image->image, tags->items[0]);
    next->kind = MA_NEXT_WAIT;
    return 0;
}

/* A push by digest run again for the same commit: the record it wrote names
 * a digest; when the registry still holds it, nothing needs building. */
static int reusable_record(ma_job *job, ma_error *err)
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
        strcmp(r.platform, ip->platforms.items[0]) == 0 && r.revision != NULL &&
        strcmp(r.revision, job->revision) == 0) {
        snprintf(job->digest, sizeof job->digest, "%s", r.digest);
        job->reused = 1;
    }
    ma_digest_record_free(&r);
    return 0;
}

static int begin_build(ma_job *job, ma_next *next)
{
    return copy_argv(next, &job->image->build_argv) || run(job, next, STEP_BUILD, 0) ? -1 : 0;
}

int ma_job_begin(ma_job *job, int phase, ma_next *next, ma_error *err)
{
    ma_next_clear(next);
    const ma_image_plan *ip = job->image;
    int publishes = job->mode == MA_MODE_PUSH || job->mode == MA_MODE_MERGE;
    int rc = 0;
    job->tag_index = 0;
    if (publishes && phase == 1) {
        rc = next_precheck(job, next);
    } else if (publishes && phase == 2 && job->resume) {
        /* phase 1 read the immutable tags and the index: only the mutable tags are left to read */
        if (ip->mutable_tags.len > 0)
            rc = inspect(job, next, STEP_READ_MUTABLE, ip->mutable_tags.items[0]);
        else
            rc = begin_signing(job, next);
    } else if (phase == 2 && job->mode == MA_MODE_MERGE) {
        rc = ip->sources.len > 0 ? inspect_source(job, next) : combine(job, next);
    } else if (phase == 1 && job->mode == MA_MODE_BY_DIGEST) {
        if (reusable_record(job, err) != 0)
            return -1;
        rc = job->reused ? inspect(job, next, STEP_VERIFY_INDEX, NULL) : begin_build(job, next);
    } else if ((phase == 1 && job->mode == MA_MODE_LOCAL) || (phase == 2 && job->mode == MA_MODE_PUSH)) {
        rc = begin_build(job, next);
    } else if (phase == 3 && to_move(job, &ip->immutable_tags) > 0) {
        rc = promote(job, next, STEP_PROMOTE_IMMUTABLE, &ip->immutable_tags);
    } else if (phase == 4 && to_move(job, &ip->mutable_tags) > 0) {
        rc = promote(job, next, STEP_PROMOTE_MUTABLE, &ip->mutable_tags);
    } else {
        next->kind = phase >= ma_job_phases(job) ? MA_NEXT_DONE : MA_NEXT_WAIT;
    }
    return rc || note_resume(job, next) ? ma_nomem(err) : 0;
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
        return inspect(job, next, step, tags->items[job->tag_index]);
    if (step == STEP_GUARD)
        return begin_signing(job, next);
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
        return failed(job, next, "%s", why.msg);
    }
    return inspect(job, next, STEP_VERIFY_INDEX, NULL);
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
        return failed(job, next, "%s", why.msg);
    }
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
static int after_source(ma_job *job, const ma_outcome *o, ma_next *next)
{
    const ma_image_plan *ip = job->image;
    const char *source = ip->sources.items[job->tag_index], *platform = ip->platforms.items[job->tag_index];
    if (o->status != 0) {
        char line[512];
        ma_buildx_last_error_line(o->err_text, line, sizeof line);
        if (ma_buildx_classify_failure(o->err_text) == MA_FAILURE_NOT_FOUND)
            return failed(job, next, "the %s digest %s is not in the registry (%s): was it pushed to this registry?",
                          platform, source, line);
        return failed(job, next, "cannot read back the %s digest %s: %s", platform, source, line);
    }
    char found[MA_DIGEST_MAX];
    ma_sha256_digest(o->out ? o->out : "", o->out_len, found);
    const char *at = strchr(source, '@');
    if (at == NULL || strcmp(found, at + 1) != 0)
        return failed(job, next, "%s reads back as %s, not the recorded digest", source, found);
    if (++job->tag_index < ip->sources.len)
        return inspect_source(job, next);
    return combine(job, next);
}

/* The index the merge will push: its digest, and each platform exactly once. */
static int after_combine(ma_job *job, const ma_outcome *o, ma_next *next, ma_error *err)
{
    size_t len = o->out_len;
    if (len > 0 && o->out[len - 1] == '\n')
        len--; /* imagetools prints the index bytes and a newline */
    char shown[512];
    snprintf(shown, sizeof shown, "the index of %s's digests", job->image->component);
    ma_error why = {0};
    if (ma_index_verify_exact(shown, o->out, len, &job->image->platforms, &why) != 0 ||
        ma_index_annotations_check(shown, o->out, len, &job->image->annotations, &why) != 0) {
        if (why.kind == MA_ERR_NOMEM)
            return ma_nomem(err);
        return failed(job, next, "%s", why.msg);
    }
    ma_sha256_digest(o->out, len, job->digest);
    job->tag_index = 0;
    return next_tag(job, next, STEP_GUARD, &job->image->immutable_tags, 0);
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
        if (guard && ma_buildx_classify_failure(o->err_text) == MA_FAILURE_NOT_FOUND) {
            job->tag_index++;
            return next_tag(job, next, STEP_GUARD, tags, 0);
        }
        char line[512];
        ma_buildx_last_error_line(o->err_text, line, sizeof line);
        return failed(job, next, "cannot read back %s: %s", ref, line);
    }
    ma_sha256_digest(o->out ? o->out : "", o->out_len, found);
    if (strcmp(found, job->digest) != 0) {
        if (!guard)
            return failed(job, next, "%s points at %s after tagging, not at the pushed %s", ref, found,
                          job->digest);
        if (!job->allow_overwrite && ma_tag_is_commit(tag)) {
            /* an earlier build of this commit (its branch build, or a re-run) holds it */
            if (ma_strlist_push(&job->kept, tag) != 0 ||
                ma_strlist_pushf(&job->notes, "kept %s at %s: an earlier build of this commit holds it", ref, found) != 0)
                return -1;
        } else if (!job->allow_overwrite) {
            return failed(job, next, "immutable tag %s already exists at %s; not overwriting it with %s "
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

/* backoff_ms doubled `attempt` times, capped: a shift past the width of
 * unsigned is undefined, and a wrapped delay would be a wrong one. */
static unsigned backoff_delay(unsigned backoff_ms, int attempt)
{
    unsigned long long delay = backoff_ms;
    for (int i = 0; i < attempt && delay < MA_JOB_BACKOFF_MAX_MS; i++)
        delay *= 2;
    return delay < MA_JOB_BACKOFF_MAX_MS ? (unsigned)delay : MA_JOB_BACKOFF_MAX_MS;
}

static int same(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Phase 1: immutable tag i read before building.  Absent: fine.  This
 * commit and version: a re-run.  A sha- tag of this commit: kept.  Else a
 * conflict, refused before anything is built. */
static int after_precheck(ma_job *job, const ma_outcome *o, ma_next *next, ma_error *err)
{
    const ma_image_plan *ip = job->image;
    const char *tag = ip->immutable_tags.items[job->tag_index];
    char ref[1024], line[512];
    snprintf(ref, sizeof ref, "%s:%s", ip->image, tag);
    if (o->status != 0) {
        if (ma_buildx_classify_failure(o->err_text) != MA_FAILURE_NOT_FOUND) {
            ma_buildx_last_error_line(o->err_text, line, sizeof line);
            return failed(job, next, "cannot read %s before building: %s", ref, line[0] ? line : "no error output");
        }
        job->tag_index++;
        return next_precheck(job, next);
    }
    ma_published held;
    ma_error why = {0};
    if (ma_published_parse(ref, o->out, o->out_len, &held, &why) != 0)
        return why.kind == MA_ERR_NOMEM ? ma_nomem(err) : failed(job, next, "%s", why.msg);
    int rc = 0;
    if (job->resume && strcmp(held.digest, job->digest) == 0) {
        rc = ma_strlist_push(&job->done, tag);
    } else if (job->resume && job->allow_overwrite) {
        /* a re-run skips the guard: say here what phase 3 will replace */
        rc = ma_strlist_pushf(&job->notes, "replaced %s (was %s)", ref, held.digest);
    } else if (same(held.revision, job->revision) && same(held.version, job->version) && !job->resume) {
        /* a re-run: the published index must hold every platform asked for */
        for (size_t i = 0; i < ip->platforms.len; i++)
            if (!ma_platforms_hold(&held.platforms, ip->platforms.items[i])) {
                char *has = ma_strlist_join(&held.platforms, ", ");
                failed(job, next, "%s was published from this commit without %s (it holds %s): pass "
                                  "--allow-overwrite to build and replace it", ref, ip->platforms.items[i],
                       has != NULL && has[0] ? has : "no platform images");
                free(has);
                ma_published_free(&held);
                return 0;
            }
        job->resume = 1;
        snprintf(job->digest, sizeof job->digest, "%s", held.digest);
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
        return failed(job, next, "immutable tag %s already exists at %s, made from %s, not from this run "
                                 "(commit %.40s, version %.100s); refused before building: nothing was built and no "
                                 "tag moved (pass --allow-overwrite to replace it)",
                      ref, held.digest, made, job->revision ? job->revision : "unknown", job->version);
    }
    ma_published_free(&held);
    if (rc != 0)
        return ma_nomem(err);
    job->tag_index++;
    return next_precheck(job, next) ? ma_nomem(err) : 0;
}

/* A re-run, phase 2: mutable tag i already at the digest needs no move. */
static int after_read_mutable(ma_job *job, const ma_outcome *o, ma_next *next)
{
    const ma_strlist *tags = &job->image->mutable_tags;
    if (o->status != 0 && ma_buildx_classify_failure(o->err_text) != MA_FAILURE_NOT_FOUND) {
        char line[512];
        ma_buildx_last_error_line(o->err_text, line, sizeof line);
        return failed(job, next, "cannot read back %s:%s: %s", job->image->image, tags->items[job->tag_index], line);
    }
    char found[MA_DIGEST_MAX];
    ma_sha256_digest(o->out ? o->out : "", o->out_len, found);
    if (o->status == 0 && strcmp(found, job->digest) == 0 && ma_strlist_push(&job->done, tags->items[job->tag_index]))
        return -1;
    if (++job->tag_index < tags->len)
        return inspect(job, next, STEP_READ_MUTABLE, tags->items[job->tag_index]);
    return begin_signing(job, next);
}

/* `what` names the failed step: "build failed", "tagging failed", ... */
static int retry_or_fail(ma_job *job, const ma_outcome *o, ma_next *next, const char *what)
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
        return failed(job, next, "%s: %s (gave up after %d retries)", what, line, job->attempt);
    return failed(job, next, "%s: %s (exit status %d)", what, line[0] ? line : "no error output", o->status);
}

/* The signing steps: the command ran with cosign's environment. */
static int after_signing_step(ma_job *job, const ma_outcome *o, ma_next *next, ma_error *err)
{
    char ref[1024], line[512];
    snprintf(ref, sizeof ref, "%s@%s", job->image->image, job->digest);
    int rc = 0;
    if (job->step == STEP_PUSH_INDEX) {
        if (o->status != 0)
            return retry_or_fail(job, o, next, "cannot push the index to sign it");
        rc = cosign(job, next, STEP_SIGN_CHECK, 1);
    } else if (job->step == STEP_SIGN_CHECK) {
        ma_cosign_verdict v = ma_cosign_verdict_of(o->status, o->err_text);
        if (v == MA_COSIGN_ERROR)
            return retry_or_fail(job, o, next, "cannot check the signature (cosign verify)");
        if (v == MA_COSIGN_UNSIGNED)
            rc = cosign(job, next, STEP_SIGN, 0);
        else if (ma_strlist_pushf(&job->notes, "%s was signed already: signed nothing", ref) != 0)
            rc = -1;
        else
            next->kind = MA_NEXT_WAIT;
    } else if (job->step == STEP_SIGN) {
        if (o->status != 0)
            return retry_or_fail(job, o, next, "signing failed (cosign sign); no tag was moved");
        rc = cosign(job, next, STEP_SIGN_VERIFY, 1);
    } else {
        if (o->status != 0 && ma_buildx_classify_failure(o->err_text) == MA_FAILURE_TRANSIENT)
            return retry_or_fail(job, o, next, "cannot verify the signature (cosign verify)");
        if (o->status != 0) {
            ma_buildx_last_error_line(o->err_text, line, sizeof line);
            return failed(job, next, "the signature of %s does not verify: %s; no tag was moved", ref,
                          line[0] ? line : "no error output");
        }
        next->kind = MA_NEXT_WAIT;
    }
    return rc ? ma_nomem(err) : 0;
}

static int step_on(ma_job *job, const ma_outcome *o, ma_next *next, ma_error *err)
{
    if (job->step >= STEP_PUSH_INDEX)
        return after_signing_step(job, o, next, err);
    const ma_image_plan *ip = job->image;
    int is_read = job->step == STEP_VERIFY_INDEX || job->step == STEP_GUARD || job->step == STEP_CHECK_SOURCE ||
                  job->step == STEP_COMBINE || job->step == STEP_PRECHECK || job->step == STEP_READ_MUTABLE ||
                  job->step == STEP_CHECK_IMMUTABLE || job->step == STEP_CHECK_MUTABLE;
    if (o->status != 0 && (!is_read || ma_buildx_classify_failure(o->err_text) == MA_FAILURE_TRANSIENT)) {
        const char *what = job->step == STEP_BUILD ? "build failed"
                           : is_read                ? "registry read-back failed"
                                                    : "tagging failed";
        return retry_or_fail(job, o, next, what);
    }
    int rc = 0;
    switch (job->step) {
    case STEP_BUILD:
        return after_build(job, next, err);
    case STEP_PRECHECK:
        return after_precheck(job, o, next, err);
    case STEP_READ_MUTABLE:
        rc = after_read_mutable(job, o, next);
        break;
    case STEP_VERIFY_INDEX:
        if (o->status != 0 && job->reused && ma_buildx_classify_failure(o->err_text) == MA_FAILURE_NOT_FOUND) {
            /* the recorded digest is gone from the registry: build it again */
            job->reused = 0;
            job->digest[0] = '\0';
            return begin_build(job, next) ? ma_nomem(err) : 0;
        }
        if (o->status != 0)
            return retry_or_fail(job, o, next, job->resume ? "cannot read back the published index"
                                                           : "cannot read back the pushed index");
        return after_verify(job, o, next, err);
    case STEP_CHECK_SOURCE:
        rc = after_source(job, o, next);
        break;
    case STEP_COMBINE:
        if (o->status != 0)
            return retry_or_fail(job, o, next, "cannot combine the digests into an index");
        return after_combine(job, o, next, err);
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
        return failed(job, next, "internal error: unknown step %d", job->step);
    }
    return rc ? ma_nomem(err) : 0;
}

int ma_job_continue(ma_job *job, const ma_outcome *o, ma_next *next, ma_error *err)
{
    if (step_on(job, o, next, err) != 0)
        return -1;
    return note_resume(job, next) ? ma_nomem(err) : 0;
}

/* The publish state machine, driven by hand: every command it asks for is
 * checked word for word, and its outcome is made up here.  The only file it
 * reads is the buildx metadata file, written here into a temporary run dir. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "buildcmd.h"
#include "check.h"
#include "config.h"
#include "digestdir.h"
#include "indexcompose.h"
#include "plan.h"
#include "job.h"
#include "sha256.h"

#define IMG "ghcr.io/colliery-io/brokkr-broker"
/* The commit this run builds, and another one. */
#define REV "0123456789abcdef0123456789abcdef01234567"
#define OTHER_REV "fedcba9876543210fedcba9876543210fedcba98"

#define MANIFEST(arch, hex)                                                               \
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" \
    hex "\",\"size\":1234,\"platform\":{\"architecture\":\"" arch "\",\"os\":\"linux\"}}"
#define HEX_A "1111111111111111111111111111111111111111111111111111111111111111"
#define HEX_B "2222222222222222222222222222222222222222222222222222222222222222"
#define HEX_C "3333333333333333333333333333333333333333333333333333333333333333"
#define INDEX_HEAD \
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["

/* The pushed multi-platform index, an index holding only amd64, and another
 * two-platform index (what a tag held before). */
#define INDEX_TEXT INDEX_HEAD MANIFEST("amd64", HEX_A) "," MANIFEST("arm64", HEX_B) "]}"
#define INDEX_AMD64_TEXT INDEX_HEAD MANIFEST("amd64", HEX_A) "]}"
static const char *const INDEX = INDEX_TEXT;
static const char *const INDEX_AMD64 = INDEX_AMD64_TEXT;
static const char *const INDEX_OLD = INDEX_HEAD MANIFEST("amd64", HEX_C) "," MANIFEST("arm64", HEX_B) "]}";

static char digest[MA_DIGEST_MAX], digest_amd64[MA_DIGEST_MAX], digest_old[MA_DIGEST_MAX];

static void write_metadata_(const char *path, const char *d)
{
    char json[256];
    snprintf(json, sizeof json,
             "{\n  \"buildx.build.ref\": \"brokkr-builder/brokkr-builder0/xyz\",\n"
             "  \"containerimage.digest\": \"%s\"\n}\n", d);
    CHECK(write_file(path, json, strlen(json)) == 0);
}
#define write_metadata(...) CASE(write_metadata_(__VA_ARGS__))

/* Compare argv with the NULL-terminated list `want`. */
static void check_argv_(const ma_strlist *got, const char *const *want, int line)
{
    check_strlist_(got, want, "argv", __FILE__, line);
}

static void check_same_list_(const ma_strlist *got, const ma_strlist *want, int line)
{
    check_argv_(got, (const char *const *)want->items, line);
}

static const char *kind_name(ma_next_kind k)
{
    switch (k) {
    case MA_NEXT_RUN:
        return "RUN";
    case MA_NEXT_REGISTRY:
        return "REGISTRY";
    case MA_NEXT_WAIT:
        return "WAIT";
    case MA_NEXT_DONE:
        return "DONE";
    case MA_NEXT_FAILED:
        return "FAILED";
    }
    return "?";
}

/* The job under test, for failure messages. */
static const ma_job *current_job;

static void check_kind_(const ma_next *next, ma_next_kind want, int line)
{
    check_count++;
    if (next->kind != want) {
        check_failures++;
        fprintf(stderr, "%s:%d: next is %s, want %s (job error: %s)\n", __FILE__, line,
                kind_name(next->kind), kind_name(want), current_job ? current_job->error : "");
        check_report_case_();
    }
}

#define CHECK_KIND(next, want) check_kind_((next), (want), __LINE__)
#define CHECK_SAME_ARGV(got, want) check_same_list_((got), (want), __LINE__)
/* RUN with exactly this argv, capture flag and delay. */
#define CHECK_RUN(next, cap, delay, ...)                           \
    do {                                                           \
        const char *const want_[] = {__VA_ARGS__, NULL};           \
        CHECK_KIND((next), MA_NEXT_RUN);                           \
        check_argv_(&(next)->argv, want_, __LINE__);               \
        CHECK((next)->capture == (cap));                           \
        CHECK((next)->delay_ms == (delay));                        \
    } while (0)

/* A registry step `op` of IMAGE:TAG or IMAGE@DIGEST (ref, whole) or, for a
 * blob or a digest of IMG, of that digest alone. */
static void check_registry_(const ma_next *next, ma_regop op, const char *ref, int line)
{
    check_kind_(next, MA_NEXT_REGISTRY, line);
    check_count++;
    char got[1024] = "";
    if (next->kind == MA_NEXT_REGISTRY && next->argv.len == 1 && next->image != NULL)
        snprintf(got, sizeof got, "%s%c%s", next->image, strncmp(next->argv.items[0], "sha256:", 7) == 0 ? '@' : ':',
                 next->argv.items[0]);
    if (next->reg_op != op || strcmp(got, ref) != 0) {
        check_failures++;
        fprintf(stderr, "%s:%d: registry step %d %s, want %d %s\n", __FILE__, line, (int)next->reg_op, got, (int)op,
                ref);
    }
}

#define CHECK_INSPECT(next, ref) check_registry_((next), MA_REGOP_GET, (ref), __LINE__)
/* Phase 1's read of what a tag holds (then its commit and version, see answer_published). */
#define CHECK_PRECHECK(next, ref) check_registry_((next), MA_REGOP_GET, (ref), __LINE__)

/* A PUT of the job's index under exactly these tags. */
#define CHECK_PUT(next, ...)                                       \
    do {                                                           \
        const char *const want_[] = {__VA_ARGS__, NULL};           \
        CHECK_KIND((next), MA_NEXT_REGISTRY);                      \
        CHECK((next)->reg_op == MA_REGOP_PUT);                     \
        CHECK(strcmp((next)->image, IMG) == 0);                    \
        CHECK((next)->body != NULL && (next)->body_len > 0);       \
        check_argv_(&(next)->argv, want_, __LINE__);               \
    } while (0)

/* A strlist holding exactly these items. */
#define CHECK_LIST(got, ...)                                       \
    do {                                                           \
        const char *const want_[] = {__VA_ARGS__, NULL};           \
        check_strlist_((got), want_, #got, __FILE__, __LINE__);    \
    } while (0)

/* A command that succeeded (out: its stdout), or a registry read answered with these bytes. */
static ma_outcome ok_out(const char *out)
{
    ma_outcome o = {.status = 0, .out = out, .out_len = out ? strlen(out) : 0, .err_text = "",
                    .media_type = "application/vnd.oci.image.index.v1+json"};
    return o;
}

static ma_outcome fail_out(int status, const char *err_text)
{
    ma_outcome o = {.status = status, .err_text = err_text};
    return o;
}

/* A registry read of something the registry does not have. */
static ma_outcome reg_nf(void)
{
    ma_outcome o = {.status = 1, .err_text = "not found", .registry = 1, .not_found = 1};
    return o;
}

/* A registry step the client gave up on (it retried what was transient). */
static ma_outcome reg_fail(const char *err_text)
{
    ma_outcome o = {.status = 1, .err_text = err_text, .registry = 1};
    return o;
}

/* A plan for the broker alone, with these tags. */
typedef struct {
    char dir[64];
    ma_config cfg;
    ma_strlist tags;
    ma_plan plan;
    const ma_image_plan *ip;
    char at_digest[256];  /* IMG@<digest> */
} fixture;

static void fixture_free(fixture *f)
{
    if (f->ip != NULL && f->ip->metadata_file != NULL)
        unlink(f->ip->metadata_file);
    if (f->ip != NULL && f->ip->digest_file != NULL)
        unlink(f->ip->digest_file);
    ma_plan_free(&f->plan);
    ma_strlist_free(&f->tags);
    ma_config_free(&f->cfg);
    CHECK(rmdir(f->dir) == 0);
}

/* Plan the broker in `mode` (platforms and digests as given, NULL for the
 * defaults; push_by_tag: the docker driver) with the tags in ap; on failure
 * everything is already freed and the test returns. */
static int fixture_setup(fixture *f, ma_plan_mode mode, int push_by_tag, const char *platforms,
                         const ma_digest_set *digests, va_list ap)
{
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ma-test-publish-XXXXXX");
    CHECK(mkdtemp(f->dir) != NULL);
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_config_defaults(&f->cfg, &err) == 0);
    for (const char *t = va_arg(ap, const char *); t != NULL; t = va_arg(ap, const char *))
        ma_strlist_push(&f->tags, t);
    ma_plan_inputs in;
    memset(&in, 0, sizeof in);
    in.req.component = "broker";
    in.tags = &f->tags;
    in.req.platforms = platforms;
    in.host_platform = "linux/amd64";
    in.req.run_dir = f->dir;
    in.revision = REV;
    in.req.project_dir = f->dir;
    in.req.push = mode != MA_MODE_LOCAL;
    in.req.mode = mode;
    in.req.push_by_tag = push_by_tag;
    in.req.digest_dir = mode == MA_MODE_BY_DIGEST || mode == MA_MODE_MERGE ? f->dir : NULL;
    in.digests = digests;
    in.config = &f->cfg;
    int rc = ma_plan_build(&in, &f->plan, &err);
    CHECK(rc == 0);
    CHECK(f->plan.nimages == 1);
    if (rc != 0 || f->plan.nimages != 1) {
        fprintf(stderr, "  plan failed: %s\n", err.msg);
        fixture_free(f);
        return -1;
    }
    f->ip = &f->plan.images[0];
    /* the walks below are about tags and digests: their indexes carry no
     * annotations (test_annotations_and_signing checks them) */
    ma_image_plan *ip = &f->plan.images[0];
    ma_strlist_free(&ip->annotations);
    snprintf(f->at_digest, sizeof f->at_digest, IMG "@%s", digest);
    return 0;
}

/* Plan the broker, pushed (push = 1) or built locally, with these tags (NULL-terminated). */
static int fixture_init(fixture *f, int push, ...)
{
    va_list ap;
    va_start(ap, push);
    int rc = fixture_setup(f, push ? MA_MODE_PUSH : MA_MODE_LOCAL, 0, NULL, NULL, ap);
    va_end(ap);
    return rc;
}

/* The same in another mode: a push by digest or a merge of `digests`. */
static int fixture_init_mode(fixture *f, ma_plan_mode mode, const char *platforms, const ma_digest_set *digests,
                             ...)
{
    va_list ap;
    va_start(ap, digests);
    int rc = fixture_setup(f, mode, 0, platforms, digests, ap);
    va_end(ap);
    return rc;
}

/* A push on the docker driver: the build lands on the first immutable tag. */
static int fixture_init_by_tag(fixture *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int rc = fixture_setup(f, MA_MODE_PUSH, 1, NULL, NULL, ap);
    va_end(ap);
    return rc;
}

/* A fresh job over the fixture's image, with the commit, version and driver
 * set the way runplan sets them; current_job names it in failure output. */
static void start_job(ma_job *job, const fixture *f, int push, int allow_overwrite, int retries,
                      unsigned backoff_ms)
{
    ma_job_init(job, f->ip, push, allow_overwrite, retries, backoff_ms);
    job->revision = f->plan.revision;
    job->version = f->ip->tags.items[0];
    job->push_by_tag = f->plan.req.push_by_tag;
    current_job = job;
}

/* A registry read of something the registry does not have. */
static ma_outcome not_found(char *buf, size_t size, const char *ref)
{
    snprintf(buf, size, "%s: not found", ref);
    ma_outcome o = {.status = 1, .err_text = buf, .registry = 1, .not_found = 1};
    return o;
}

/* Phase 1 of a push or merge with nothing published yet: each immutable tag
 * is read, in order and word for word, and is absent; then WAIT. */
static void precheck_absent_(const fixture *f, ma_job *job, ma_next *next)
{
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_job_begin(job, 1, next, &err) == 0);
    for (size_t i = 0; i < f->ip->immutable_tags.len; i++) {
        char ref[256], text[320];
        snprintf(ref, sizeof ref, IMG ":%s", f->ip->immutable_tags.items[i]);
        CHECK_PRECHECK(next, ref);
        ma_outcome o = not_found(text, sizeof text, ref);
        CHECK(ma_job_continue(job, &o, next, &err) == 0);
    }
    CHECK_KIND(next, MA_NEXT_WAIT);
    CHECK(!job->resume && job->kept.len == 0 && job->notes.len == 0 && !ma_job_has_digest(job));
}
#define precheck_absent(...) CASE(precheck_absent_(__VA_ARGS__))

/* Phase 4 begins with a read of each version alias just before the move:
 * here none is published yet (not found), so all of them move.  Returns what
 * ma_job_begin returned. */
static int begin_phase4(ma_job *job, ma_next *next, ma_error *err)
{
    int rc = ma_job_begin(job, 4, next, err);
    for (int reads = 0; rc == 0 && next->kind == MA_NEXT_REGISTRY && next->reg_op == MA_REGOP_GET &&
                        strncmp(next->argv.items[0], "sha256:", 7) != 0 && reads < 8; reads++) {
        char text[320], ref[256];
        snprintf(ref, sizeof ref, IMG ":%s", next->argv.items[0]);
        ma_outcome o = not_found(text, sizeof text, ref);
        rc = ma_job_continue(job, &o, next, err);
        CHECK(strstr(job->heard, ": not published yet") != NULL);
        job->heard[0] = '\0';
    }
    return rc;
}

/* Phase 1 as above, then the start of phase 2 (the build, or a merge's first source read). */
static void begin_phase2_(const fixture *f, ma_job *job, ma_next *next)
{
    ma_error err = {MA_ERR_NONE, ""};
    precheck_absent(f, job, next);
    CHECK(ma_job_begin(job, 2, next, &err) == 0);
}
#define begin_phase2(...) CASE(begin_phase2_(__VA_ARGS__))

/* Phase 1 (nothing published yet), then phase 2 up to the first guard read of v1.2.3. */
static void run_to_guard_(fixture *f, ma_job *job, ma_next *next)
{
    current_job = job;
    ma_error err = {MA_ERR_NONE, ""};
    write_metadata(f->ip->metadata_file, digest);
    begin_phase2(f, job, next);
    CHECK_SAME_ARGV(&next->argv, &f->ip->build_argv);
    ma_outcome o = ok_out(NULL);
    CHECK(ma_job_continue(job, &o, next, &err) == 0);
    CHECK_INSPECT(next, f->at_digest);
    o = ok_out(INDEX);
    CHECK(ma_job_continue(job, &o, next, &err) == 0);
    CHECK_INSPECT(next, IMG ":v1.2.3");
}
#define run_to_guard(...) CASE(run_to_guard_(__VA_ARGS__))

static void test_push_walk(void)
{
    fixture f;
    if (fixture_init(&f, 1, "v1.2.3", "v1.2", "v1", "latest", NULL) != 0)
        return;
    char meta[128];
    snprintf(meta, sizeof meta, "%s/broker.metadata.json", f.dir);
    CHECK_STR(f.ip->metadata_file, meta);
    write_metadata(meta, digest);

    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    start_job(&job, &f, 1, 0, 3, 500);
    CHECK(ma_job_phases(&job) == 4);

    /* phase 1: v1.2.3 is read before building and is absent; phase 2: build,
     * read the index back, guard v1.2.3 */
    begin_phase2(&f, &job, &next);
    CHECK_KIND(&next, MA_NEXT_RUN);
    CHECK(next.capture == 0);
    CHECK(next.delay_ms == 0);
    CHECK_SAME_ARGV(&next.argv, &f.ip->build_argv);
    CHECK(next.argv.len > 0 && strcmp(next.argv.items[next.argv.len - 1], ".") == 0);

    ma_outcome o = ok_out(NULL);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_STR(job.digest, digest);
    CHECK_INSPECT(&next, f.at_digest);

    o = ok_out(INDEX);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2.3");

    o = reg_nf();
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(job.notes.len == 0);

    /* phase 3: promote v1.2.3, read it back */
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_PUT(&next, "v1.2.3");
    o = ok_out(NULL);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2.3");
    o = ok_out(INDEX);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);

    /* phase 4: promote v1.2, v1, latest together, read each back */
    CHECK(begin_phase4(&job, &next, &err) == 0);
    CHECK_PUT(&next, "v1.2", "v1", "latest");
    o = ok_out(NULL);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2");
    o = ok_out(INDEX);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":latest");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    CHECK_STR(job.error, "");
    CHECK(job.notes.len == 0);

    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

static void test_build_failure(void)
{
    fixture f;
    if (fixture_init(&f, 1, "v1.2.3", "latest", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    start_job(&job, &f, 1, 0, 3, 500);
    begin_phase2(&f, &job, &next);
    CHECK_KIND(&next, MA_NEXT_RUN);
    ma_outcome o = fail_out(1,
                            "#12 [builder 5/5] RUN cargo build\n"
                            "#12 41.3 error[E0425]: cannot find value `x` in this scope\n"
                            "#12 ERROR: process \"/bin/sh -c cargo build\" did not complete successfully: exit code: 101\n"
                            "------\n"
                            "ERROR: failed to solve: process \"/bin/sh -c cargo build\" did not complete successfully: exit code: 101\n");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK_STR(job.error, "build failed: ERROR: failed to solve: process \"/bin/sh -c cargo build\" "
                         "did not complete successfully: exit code: 101 (exit status 1)");
    CHECK(job.attempt == 0);
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

static void test_transient_retries(void)
{
    fixture f;
    if (fixture_init(&f, 1, "v1.2.3", NULL) != 0)
        return;
    const char *text = "#15 exporting to image\n"
                       "ERROR: failed to push " IMG ": unexpected status from PUT request to "
                       "https://ghcr.io/v2/colliery-io/brokkr-broker/blobs/uploads/: "
                       "503 Service Unavailable\n";
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    start_job(&job, &f, 1, 0, 2, 250);
    begin_phase2(&f, &job, &next);
    CHECK(next.delay_ms == 0);
    ma_outcome o = fail_out(1, text);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_RUN);
    CHECK_SAME_ARGV(&next.argv, &f.ip->build_argv);
    CHECK(next.delay_ms == 250);
    CHECK(next.capture == 0);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_RUN);
    CHECK_SAME_ARGV(&next.argv, &f.ip->build_argv);
    CHECK(next.delay_ms == 500);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK_STR(job.error, "build failed: ERROR: failed to push " IMG ": unexpected status from PUT "
                         "request to https://ghcr.io/v2/colliery-io/brokkr-broker/blobs/uploads/: "
                         "503 Service Unavailable (gave up after 2 retries)");

    /* a retry that succeeds carries on, and the next step starts without delay */
    write_metadata(f.ip->metadata_file, digest);
    start_job(&job, &f, 1, 0, 2, 250);
    begin_phase2(&f, &job, &next);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK(next.delay_ms == 250);
    o = ok_out(NULL);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_INSPECT(&next, f.at_digest);
    /* a registry read the client gave up on is not retried again on top of its retries */
    o = reg_fail("registry ghcr.io: GET colliery-io/brokkr-broker@sha256:...: HTTP 503 (after 3 attempts)");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK(contains(job.error, "HTTP 503 (after 3 attempts)"));
    CHECK(!contains(job.error, "gave up"));
    ma_next_clear(&next);
    ma_job_free(&job);

    /* zero retries: the first transient failure is final, with the exit status */
    start_job(&job, &f, 1, 0, 0, 250);
    begin_phase2(&f, &job, &next);
    o = fail_out(2, text);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK(contains(job.error, "503 Service Unavailable (exit status 2)"));
    CHECK(!contains(job.error, "gave up"));
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

static void test_metadata_missing(void)
{
    fixture f;
    if (fixture_init(&f, 1, "v1.2.3", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    start_job(&job, &f, 1, 0, 3, 500);
    begin_phase2(&f, &job, &next);
    ma_outcome o = ok_out(NULL);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    char want[256];
    snprintf(want, sizeof want,
             "buildx wrote no metadata file at %s: cannot tell the pushed digest",
             f.ip->metadata_file);
    CHECK_STR(job.error, want);
    CHECK(contains(job.error, "metadata"));

    /* a metadata file without a digest fails the same way */
    const char *no_digest = "{\"buildx.build.ref\": \"a/b/c\"}";
    CHECK(write_file(f.ip->metadata_file, no_digest, strlen(no_digest)) == 0);
    start_job(&job, &f, 1, 0, 3, 500);
    begin_phase2(&f, &job, &next);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK(contains(job.error, "metadata"));
    CHECK(contains(job.error, "containerimage.digest"));
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

static void test_verify_failures(void)
{
    fixture f;
    if (fixture_init(&f, 1, "v1.2.3", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};

    /* an index with only amd64, and the digest matches it */
    write_metadata(f.ip->metadata_file, digest_amd64);
    start_job(&job, &f, 1, 0, 3, 500);
    begin_phase2(&f, &job, &next);
    ma_outcome o = ok_out(NULL);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    char ref[256];
    snprintf(ref, sizeof ref, IMG "@%s", digest_amd64);
    CHECK_INSPECT(&next, ref);
    o = ok_out(INDEX_AMD64);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    char want[512];
    snprintf(want, sizeof want, "pushed index %s holds linux/amd64 but not linux/arm64", ref);
    CHECK_STR(job.error, want);

    /* the index read back is not the pushed digest */
    write_metadata(f.ip->metadata_file, digest);
    start_job(&job, &f, 1, 0, 3, 500);
    begin_phase2(&f, &job, &next);
    o = ok_out(NULL);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    o = ok_out(INDEX_OLD);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK(contains(job.error, "reads back as"));
    CHECK(contains(job.error, digest_old));
    CHECK(contains(job.error, digest));

    /* the index read fails for good */
    start_job(&job, &f, 1, 0, 3, 500);
    begin_phase2(&f, &job, &next);
    o = ok_out(NULL);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    o = reg_fail("ERROR: unauthorized: authentication required");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK_STR(job.error, "cannot read back the pushed index: ERROR: unauthorized: authentication required");

    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

static void test_guard(void)
{
    fixture f;
    if (fixture_init(&f, 1, "v1.2.3", "latest", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};

    /* the tag already names another digest: refused */
    start_job(&job, &f, 1, 0, 3, 500);
    run_to_guard(&f, &job, &next);
    ma_outcome o = ok_out(INDEX_OLD);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    char want[768];
    snprintf(want, sizeof want,
             "immutable tag " IMG ":v1.2.3 already exists at %s; not overwriting it with %s "
             "(pass --allow-overwrite to replace it)",
             digest_old, digest);
    CHECK_STR(job.error, want);
    CHECK(contains(job.error, "already exists at"));
    CHECK(contains(job.error, "--allow-overwrite"));
    CHECK(job.notes.len == 0);
    ma_job_free(&job);

    /* allowed: carry on, with a note */
    start_job(&job, &f, 1, 1, 3, 500);
    run_to_guard(&f, &job, &next);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(job.notes.len == 1);
    if (job.notes.len == 1) {
        snprintf(want, sizeof want, "replaced " IMG ":v1.2.3 (was %s)", digest_old);
        CHECK_STR(job.notes.items[0], want);
        CHECK(contains(job.notes.items[0], "replaced"));
    }
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_PUT(&next, "v1.2.3");
    ma_job_free(&job);

    /* the tag already holds this very digest: fine, with a note */
    start_job(&job, &f, 1, 0, 3, 500);
    run_to_guard(&f, &job, &next);
    o = ok_out(INDEX);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(job.notes.len == 1);
    if (job.notes.len == 1)
        CHECK_STR(job.notes.items[0], IMG ":v1.2.3 already held this digest");
    ma_job_free(&job);

    /* the guard read fails for another reason: stop */
    start_job(&job, &f, 1, 0, 3, 500);
    run_to_guard(&f, &job, &next);
    o = reg_fail("ERROR: denied: permission_denied: read_package");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK_STR(job.error, "cannot read back " IMG ":v1.2.3: ERROR: denied: permission_denied: "
                         "read_package");
    ma_job_free(&job);

    ma_next_clear(&next);
    fixture_free(&f);
}

static void test_checks_after_promote(void)
{
    fixture f;
    if (fixture_init(&f, 1, "v1.2.3", "latest", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    ma_outcome nf = reg_nf();
    ma_outcome ok = ok_out(NULL), idx = ok_out(INDEX), old = ok_out(INDEX_OLD);

    /* v1.2.3 points elsewhere after the promote */
    start_job(&job, &f, 1, 0, 3, 500);
    run_to_guard(&f, &job, &next);
    CHECK(ma_job_continue(&job, &nf, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2.3");
    CHECK(ma_job_continue(&job, &old, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    char want[512];
    snprintf(want, sizeof want, IMG ":v1.2.3 points at %s after tagging, not at the pushed %s",
             digest_old, digest);
    CHECK_STR(job.error, want);
    CHECK(contains(job.error, "points at"));
    ma_job_free(&job);

    /* latest points elsewhere after phase 4 */
    start_job(&job, &f, 1, 0, 3, 500);
    run_to_guard(&f, &job, &next);
    CHECK(ma_job_continue(&job, &nf, &next, &err) == 0);
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(begin_phase4(&job, &next, &err) == 0);
    CHECK_PUT(&next, "latest");
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":latest");
    CHECK(ma_job_continue(&job, &old, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK(contains(job.error, IMG ":latest points at"));
    ma_job_free(&job);

    /* a tag missing right after the promote is an error, not "absent is fine" */
    start_job(&job, &f, 1, 0, 3, 500);
    run_to_guard(&f, &job, &next);
    CHECK(ma_job_continue(&job, &nf, &next, &err) == 0);
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &nf, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK_STR(job.error, "cannot read back " IMG ":v1.2.3: not found");
    ma_job_free(&job);

    /* the promote itself fails */
    start_job(&job, &f, 1, 0, 3, 500);
    run_to_guard(&f, &job, &next);
    CHECK(ma_job_continue(&job, &nf, &next, &err) == 0);
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    ma_outcome denied = reg_fail("ERROR: denied: permission_denied: write_package");
    CHECK(ma_job_continue(&job, &denied, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK_STR(job.error, "tagging failed: ERROR: denied: permission_denied: write_package");
    ma_job_free(&job);

    ma_next_clear(&next);
    fixture_free(&f);
}

/* Only mutable tags (a branch build): phase 1 reads nothing, phases 2 and 3 have nothing to tag. */
static void test_push_mutable_only(void)
{
    fixture f;
    if (fixture_init(&f, 1, "main", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    ma_outcome ok = ok_out(NULL), idx = ok_out(INDEX);
    write_metadata(f.ip->metadata_file, digest);
    start_job(&job, &f, 1, 0, 3, 500);
    begin_phase2(&f, &job, &next);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, f.at_digest);
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(next.argv.len == 0);
    CHECK(begin_phase4(&job, &next, &err) == 0);
    CHECK_PUT(&next, "main");
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":main");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);

    /* only an immutable tag: phase 4 is done at once */
    if (fixture_init(&f, 1, "v0.1.0", NULL) != 0)
        return;
    start_job(&job, &f, 1, 0, 3, 500);
    CHECK(begin_phase4(&job, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

static void test_local_build(void)
{
    fixture f;
    if (fixture_init(&f, 0, "dev", "sha-abc1234", NULL) != 0)
        return;
    CHECK_STR(f.ip->metadata_file, NULL);
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    start_job(&job, &f, 0, 0, 3, 500);
    CHECK(ma_job_phases(&job) == 1);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_RUN);
    CHECK(next.capture == 0);
    CHECK_SAME_ARGV(&next.argv, &f.ip->build_argv);
    CHECK(next.argv.len >= 2 && strcmp(next.argv.items[next.argv.len - 2], "--load") == 0);
    ma_outcome o = ok_out(NULL);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    CHECK_STR(job.error, "");

    /* a failed local build */
    start_job(&job, &f, 0, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    o = fail_out(1, "ERROR: failed to solve: failed to read dockerfile: open Dockerfile.broker: no such file or directory\n");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK(contains(job.error, "build failed: ERROR: failed to solve: failed to read dockerfile"));
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* ---- push by digest ---- */

/* One platform pushed without attestations: an image manifest, no "manifests". */
static const char *const IMAGE_ARM64 =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
    "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" HEX_B "\","
    "\"size\":1470},\"layers\":[]}";
static const char *const IMAGE_AMD64 =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
    "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" HEX_A "\","
    "\"size\":1470},\"layers\":[]}";
/* The same platform with its provenance attestation: an index. */
#define ATTESTATION(hex)                                                                                     \
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" hex "\",\"size\":566," \
    "\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\"},"                             \
    "\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}}"
static const char *const INDEX_ARM64_ATT = INDEX_HEAD MANIFEST("arm64", HEX_B) "," ATTESTATION(HEX_C) "]}";

static char digest_image_arm64[MA_DIGEST_MAX], digest_image_amd64[MA_DIGEST_MAX],
    digest_arm64_att[MA_DIGEST_MAX];

/* One phase: build, read the metadata, read the pushed manifest back; then
 * DONE with no tag read or moved.  A plain image manifest is accepted (its
 * platform is checked by the merge); an index must hold the platform. */
static void test_by_digest_walk(void)
{
    fixture f;
    if (fixture_init_mode(&f, MA_MODE_BY_DIGEST, "linux/arm64", NULL, "v1.2.3", "latest", "sha-abc1234", NULL) !=
        0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    ma_outcome ok = ok_out(NULL);
    char ref[256];

    /* a plain image manifest */
    write_metadata(f.ip->metadata_file, digest_image_arm64);
    start_job(&job, &f, MA_MODE_BY_DIGEST, 0, 3, 500);
    CHECK(ma_job_phases(&job) == 1);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_RUN);
    CHECK(next.capture == 0);
    CHECK_SAME_ARGV(&next.argv, &f.ip->build_argv);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    snprintf(ref, sizeof ref, IMG "@%s", digest_image_arm64);
    CHECK_INSPECT(&next, ref);
    ma_outcome o = ok_out(IMAGE_ARM64);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    CHECK_STR(job.digest, digest_image_arm64);
    CHECK_STR(job.error, "");
    CHECK(job.notes.len == 0 && job.kept.len == 0);
    ma_job_free(&job);

    /* an index with the platform and its attestation */
    write_metadata(f.ip->metadata_file, digest_arm64_att);
    start_job(&job, &f, MA_MODE_BY_DIGEST, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    snprintf(ref, sizeof ref, IMG "@%s", digest_arm64_att);
    CHECK_INSPECT(&next, ref);
    o = ok_out(INDEX_ARM64_ATT);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    CHECK_STR(job.digest, digest_arm64_att);
    ma_job_free(&job);

    /* an index of another platform: refused */
    write_metadata(f.ip->metadata_file, digest_amd64);
    start_job(&job, &f, MA_MODE_BY_DIGEST, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    o = ok_out(INDEX_AMD64);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    char want[512];
    snprintf(want, sizeof want, "pushed index " IMG "@%s holds linux/amd64 but not linux/arm64", digest_amd64);
    CHECK_STR(job.error, want);
    ma_job_free(&job);

    /* the registry holds other bytes than were pushed */
    write_metadata(f.ip->metadata_file, digest_image_arm64);
    start_job(&job, &f, MA_MODE_BY_DIGEST, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    o = ok_out(IMAGE_AMD64);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK(contains(job.error, "reads back as"));
    CHECK(contains(job.error, digest_image_amd64));
    ma_job_free(&job);

    /* the build fails: no read-back */
    start_job(&job, &f, MA_MODE_BY_DIGEST, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    o = fail_out(1, "ERROR: failed to solve: process \"/bin/sh -c make\" did not complete successfully: exit code: 2\n");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK(contains(job.error, "build failed: ERROR: failed to solve"));
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* ---- merge ---- */

static char source_amd64[256], source_arm64[256];

/* The broker's two records: each platform's plain image manifest, by digest. */
static ma_digest_record merge_records[2];
static ma_digest_set merge_set = {merge_records, 2};

static void merge_records_init(void)
{
    static char d_amd64[MA_DIGEST_MAX], d_arm64[MA_DIGEST_MAX];
    snprintf(d_amd64, sizeof d_amd64, "%s", digest_image_amd64);
    snprintf(d_arm64, sizeof d_arm64, "%s", digest_image_arm64);
    /* listed arm64 first: the sources still follow the platform order */
    merge_records[0] = (ma_digest_record){(char *)"broker", (char *)IMG, (char *)"linux/arm64", d_arm64, NULL,
                                          (char *)"broker-linux-arm64.json"};
    merge_records[1] = (ma_digest_record){(char *)"broker", (char *)IMG, (char *)"linux/amd64", d_amd64, NULL,
                                          (char *)"broker-linux-amd64.json"};
    snprintf(source_amd64, sizeof source_amd64, IMG "@%s", digest_image_amd64);
    snprintf(source_arm64, sizeof source_arm64, IMG "@%s", digest_image_arm64);
}

/* The index the merge composes from the two records' manifests (no annotations: the fixture has none). */
static char *merged_index(size_t *len, char d[MA_DIGEST_MAX])
{
    ma_index_source src[] = {{digest_image_amd64, "linux/amd64", IMAGE_AMD64, strlen(IMAGE_AMD64)},
                             {digest_image_arm64, "linux/arm64", IMAGE_ARM64, strlen(IMAGE_ARM64)}};
    ma_strlist none = MA_STRLIST_INIT;
    char *raw = NULL;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_index_compose(src, 2, &none, &raw, len, &err) == 0);
    ma_sha256_digest(raw != NULL ? raw : "", raw != NULL ? *len : 0, d);
    return raw;
}

/* Phase 1 (nothing published), then phase 2 of a merge: both sources read
 * back fine, the index composed, up to the guard's first read. */
static void merge_to_guard_(fixture *f, ma_job *job, ma_next *next, int allow_overwrite)
{
    ma_error err = {MA_ERR_NONE, ""};
    start_job(job, f, MA_MODE_MERGE, allow_overwrite, 3, 500);
    begin_phase2(f, job, next);
    CHECK_INSPECT(next, source_amd64);
    ma_outcome o = ok_out(IMAGE_AMD64);
    CHECK(ma_job_continue(job, &o, next, &err) == 0);
    CHECK_INSPECT(next, source_arm64);
    o = ok_out(IMAGE_ARM64);
    CHECK(ma_job_continue(job, &o, next, &err) == 0);
}
#define merge_to_guard(...) CASE(merge_to_guard_(__VA_ARGS__))

/* No build: every recorded digest is read back, the index they make is
 * composed here (its digest known before anything is put), the immutable
 * tags are guarded, then phases 3 and 4 put those exact bytes under the tags. */
static void test_merge_walk(void)
{
    fixture f;
    if (fixture_init_mode(&f, MA_MODE_MERGE, NULL, &merge_set, "v1.2.3", "v1.2", "latest", "sha-abc1234", NULL) != 0)
        return;
    CHECK_STR(f.ip->metadata_file, NULL);
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    char merged[MA_DIGEST_MAX];
    size_t merged_len = 0;
    char *merged_raw = merged_index(&merged_len, merged);
    ma_outcome ok = ok_out(NULL), idx = ok_out(merged_raw), nf = reg_nf();

    merge_to_guard(&f, &job, &next, 0);
    CHECK(ma_job_phases(&job) == 4);
    CHECK_STR(job.digest, merged);
    CHECK(job.index_len == merged_len && memcmp(job.index, merged_raw, merged_len) == 0);
    CHECK_STR(job.index_type, "application/vnd.oci.image.index.v1+json");
    CHECK_INSPECT(&next, IMG ":v1.2.3");
    CHECK(ma_job_continue(&job, &nf, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":sha-abc1234");
    CHECK(ma_job_continue(&job, &nf, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);

    /* phase 3: the composed bytes under the immutable tags */
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_PUT(&next, "v1.2.3", "sha-abc1234");
    CHECK(next.body_len == merged_len && memcmp(next.body, merged_raw, merged_len) == 0);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2.3");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":sha-abc1234");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);

    /* phase 4 */
    CHECK(begin_phase4(&job, &next, &err) == 0);
    CHECK_PUT(&next, "v1.2", "latest");
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":latest");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    CHECK_STR(job.error, "");
    ma_job_free(&job);

    /* a tag read back at another index after the put fails the merge */
    merge_to_guard(&f, &job, &next, 0);
    CHECK(ma_job_continue(&job, &nf, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &nf, &next, &err) == 0);
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    ma_outcome old = ok_out(INDEX_OLD);
    CHECK(ma_job_continue(&job, &old, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK(contains(job.error, IMG ":v1.2.3 points at"));
    ma_next_clear(&next);
    ma_job_free(&job);
    free(merged_raw);
    fixture_free(&f);
}

/* A recorded digest the registry does not have, or has other bytes for. */
static void test_merge_source_failures(void)
{
    fixture f;
    if (fixture_init_mode(&f, MA_MODE_MERGE, NULL, &merge_set, "v1.2.3", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    ma_outcome amd = ok_out(IMAGE_AMD64), arm = ok_out(IMAGE_ARM64);
    char want[768];

    /* not found: names the platform and the digest */
    start_job(&job, &f, MA_MODE_MERGE, 0, 3, 500);
    begin_phase2(&f, &job, &next);
    CHECK(ma_job_continue(&job, &amd, &next, &err) == 0);
    CHECK_INSPECT(&next, source_arm64);
    ma_outcome o = reg_nf();
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    snprintf(want, sizeof want,
             "the linux/arm64 digest %s is not in the registry (not found): was it pushed to this registry?",
             source_arm64);
    CHECK_STR(job.error, want);
    ma_job_free(&job);

    /* other bytes than the recorded digest */
    start_job(&job, &f, MA_MODE_MERGE, 0, 3, 500);
    begin_phase2(&f, &job, &next);
    CHECK(ma_job_continue(&job, &arm, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    snprintf(want, sizeof want, "%s reads back as %s, not the recorded digest", source_amd64, digest_image_arm64);
    CHECK_STR(job.error, want);
    ma_job_free(&job);

    /* any other read failure: named with the platform, not retried */
    start_job(&job, &f, MA_MODE_MERGE, 0, 3, 500);
    begin_phase2(&f, &job, &next);
    o = reg_fail("ERROR: unauthorized: authentication required");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    snprintf(want, sizeof want, "cannot read back the linux/amd64 digest %s: ERROR: unauthorized: authentication required",
             source_amd64);
    CHECK_STR(job.error, want);
    ma_job_free(&job);

    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* The composed index: the guard after it stops the merge when a release tag is elsewhere. */
static void test_merge_combine(void)
{
    fixture f;
    if (fixture_init_mode(&f, MA_MODE_MERGE, NULL, &merge_set, "v1.2.3", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    merge_to_guard(&f, &job, &next, 0);
    CHECK_INSPECT(&next, IMG ":v1.2.3");
    ma_outcome o = ok_out(INDEX_OLD);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK(contains(job.error, "immutable tag " IMG ":v1.2.3 already exists at"));
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* ---- the sha- rule ---- */

/* Phases 1 and 2 of a push up to the guard's first read, of `first`. */
static void push_to_guard_(fixture *f, ma_job *job, ma_next *next, int allow_overwrite, const char *first)
{
    ma_error err = {MA_ERR_NONE, ""};
    write_metadata(f->ip->metadata_file, digest);
    start_job(job, f, 1, allow_overwrite, 3, 500);
    begin_phase2(f, job, next);
    ma_outcome o = ok_out(NULL);
    CHECK(ma_job_continue(job, &o, next, &err) == 0);
    CHECK_INSPECT(next, f->at_digest);
    o = ok_out(INDEX);
    CHECK(ma_job_continue(job, &o, next, &err) == 0);
    CHECK_INSPECT(next, first);
}
#define push_to_guard(...) CASE(push_to_guard_(__VA_ARGS__))

/* Phases 1 and 2 of a push whose guard reads `first` then `second` (outcomes given). */
static void push_guard_(fixture *f, ma_job *job, ma_next *next, int allow_overwrite, const char *first,
                       const ma_outcome *first_out, const char *second, const ma_outcome *second_out)
{
    ma_error err = {MA_ERR_NONE, ""};
    push_to_guard(f, job, next, allow_overwrite, first);
    CHECK(ma_job_continue(job, first_out, next, &err) == 0);
    CHECK_INSPECT(next, second);
    CHECK(ma_job_continue(job, second_out, next, &err) == 0);
}
#define push_guard(...) CASE(push_guard_(__VA_ARGS__))

/* An existing sha-<commit> tag at another digest is an earlier build of the
 * same commit: kept where it is (noted, not a failure), and left out of the
 * phase-3 promote and of its read-back. */
static void test_sha_tag_kept(void)
{
    fixture f;
    if (fixture_init(&f, 1, "v1.2.3", "latest", "sha-abc1234", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    ma_outcome nf = reg_nf(), old = ok_out(INDEX_OLD), ok = ok_out(NULL),
               idx = ok_out(INDEX);

    push_guard(&f, &job, &next, 0, IMG ":v1.2.3", &nf, IMG ":sha-abc1234", &old);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK_STR(job.error, "");
    CHECK_LIST(&job.kept, "sha-abc1234");
    char want[512];
    snprintf(want, sizeof want, "kept " IMG ":sha-abc1234 at %s: an earlier build of this commit holds it",
             digest_old);
    CHECK_LIST(&job.notes, want);

    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_PUT(&next, "v1.2.3");
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2.3");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT); /* no read-back of the kept tag */

    CHECK(begin_phase4(&job, &next, &err) == 0);
    CHECK_PUT(&next, "latest");
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":latest");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    CHECK(job.notes.len == 1);
    ma_job_free(&job);

    /* a sha- tag already at this digest is no kept tag: it is done, so neither promoted again nor read back */
    push_guard(&f, &job, &next, 0, IMG ":v1.2.3", &nf, IMG ":sha-abc1234", &idx);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(job.kept.len == 0);
    CHECK_LIST(&job.done, "sha-abc1234");
    CHECK_LIST(&job.notes, IMG ":sha-abc1234 already held this digest");
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_PUT(&next, "v1.2.3");
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2.3");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK_LIST(&job.moved, "v1.2.3");
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* With --allow-overwrite the sha- tag is replaced like any immutable tag, and checked after. */
static void test_sha_tag_overwrite_allowed(void)
{
    fixture f;
    if (fixture_init(&f, 1, "v1.2.3", "sha-abc1234", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    ma_outcome nf = reg_nf(), old = ok_out(INDEX_OLD), ok = ok_out(NULL),
               idx = ok_out(INDEX);

    push_guard(&f, &job, &next, 1, IMG ":v1.2.3", &nf, IMG ":sha-abc1234", &old);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(job.kept.len == 0);
    char want[512];
    snprintf(want, sizeof want, "replaced " IMG ":sha-abc1234 (was %s)", digest_old);
    CHECK_LIST(&job.notes, want);
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_PUT(&next, "v1.2.3", "sha-abc1234");
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":sha-abc1234");
    CHECK(ma_job_continue(&job, &old, &next, &err) == 0); /* did not move after all */
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK(contains(job.error, IMG ":sha-abc1234 points at"));
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* The rule is for sha- tags only: a version tag at another digest still
 * fails, even after a sha- tag was kept. */
static void test_sha_rule_not_for_versions(void)
{
    fixture f;
    if (fixture_init(&f, 1, "sha-abc1234", "v1.2.3", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_outcome old = ok_out(INDEX_OLD);
    push_guard(&f, &job, &next, 0, IMG ":sha-abc1234", &old, IMG ":v1.2.3", &old);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    char want[768];
    snprintf(want, sizeof want,
             "immutable tag " IMG ":v1.2.3 already exists at %s; not overwriting it with %s "
             "(pass --allow-overwrite to replace it)",
             digest_old, digest);
    CHECK_STR(job.error, want);
    CHECK_LIST(&job.kept, "sha-abc1234");
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* A branch build whose only immutable tag is kept: phase 3 has nothing to do. */
static void test_sha_tag_kept_only(void)
{
    fixture f;
    if (fixture_init(&f, 1, "main", "sha-abc1234", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    ma_outcome ok = ok_out(NULL), idx = ok_out(INDEX), old = ok_out(INDEX_OLD);
    push_to_guard(&f, &job, &next, 0, IMG ":sha-abc1234");
    CHECK(ma_job_continue(&job, &old, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(next.argv.len == 0);
    CHECK(begin_phase4(&job, &next, &err) == 0);
    CHECK_PUT(&next, "main");
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* In a merge, the kept sha- tag is left out too, and the promote carries every source. */
static void test_sha_tag_kept_in_merge(void)
{
    fixture f;
    if (fixture_init_mode(&f, MA_MODE_MERGE, NULL, &merge_set, "v1.2.3", "sha-abc1234", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    char merged[MA_DIGEST_MAX];
    size_t merged_len = 0;
    char *merged_raw = merged_index(&merged_len, merged);
    ma_outcome nf = reg_nf(), old = ok_out(INDEX_OLD), ok = ok_out(NULL), idx = ok_out(merged_raw);
    merge_to_guard(&f, &job, &next, 0);
    CHECK(ma_job_continue(&job, &nf, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":sha-abc1234");
    CHECK(ma_job_continue(&job, &old, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK_LIST(&job.kept, "sha-abc1234");
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_PUT(&next, "v1.2.3");
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT); /* the kept tag is not read back */
    CHECK(begin_phase4(&job, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE); /* no mutable tags */
    ma_next_clear(&next);
    ma_job_free(&job);
    free(merged_raw);
    fixture_free(&f);
}

/* ---- phase 1: what the immutable tags already hold, read before building ---- */

/* The registry's answers to phase 1's reads of what a tag holds: an index
 * `d` of two platforms (amd64's manifest sha256:HEX_A, its config
 * sha256:HEX_C) with `annotations` (a JSON object, or NULL) on the index, and
 * config labels revision and version (NULL: left out).  The job reads the
 * platform manifest and its config only when the annotations do not say
 * both.  Returns what the last ma_job_continue returned. */
static int answer_published(ma_job *job, ma_next *next, ma_error *err, const char *d, const char *revision,
                            const char *version, const char *annotations)
{
    char index[2048], config[1024];
    snprintf(index, sizeof index, INDEX_HEAD MANIFEST("amd64", HEX_A) ", " MANIFEST("arm64", HEX_B) "]%s%s}",
             annotations ? ", \"annotations\": " : "", annotations ? annotations : "");
    ma_outcome o = ok_out(index);
    o.registry = 1;
    o.digest = d;
    int rc = ma_job_continue(job, &o, next, err);
    if (rc == 0 && next->kind == MA_NEXT_REGISTRY && next->reg_op == MA_REGOP_GET &&
        strcmp(next->argv.items[0], "sha256:" HEX_A) == 0) {
        o = ok_out("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                   "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                   "\"digest\":\"sha256:" HEX_C "\",\"size\":100},\"layers\":[]}");
        o.registry = 1;
        o.digest = "sha256:" HEX_A;
        rc = ma_job_continue(job, &o, next, err);
        CHECK_KIND(next, MA_NEXT_REGISTRY);
        CHECK(next->reg_op == MA_REGOP_BLOB && strcmp(next->argv.items[0], "sha256:" HEX_C) == 0);
        snprintf(config, sizeof config,
                 "{\"architecture\": \"amd64\", \"os\": \"linux\", \"config\": {\"Env\": [\"PATH=/usr/bin:/bin\"], "
                 "\"Labels\": {\"org.opencontainers.image.created\": \"2026-01-01T00:00:00Z\"%s%s%s%s%s%s,"
                 " \"org.opencontainers.image.title\": \"brokkr-broker\"}}}",
                 revision ? ", \"org.opencontainers.image.revision\": \"" : "", revision ? revision : "",
                 revision ? "\"" : "", version ? ", \"org.opencontainers.image.version\": \"" : "",
                 version ? version : "", version ? "\"" : "");
        o = ok_out(config);
        o.registry = 1;
        o.digest = "sha256:" HEX_C;
        if (rc == 0)
            rc = ma_job_continue(job, &o, next, err);
    }
    return rc;
}

/* The refusal phase 1 gives for IMG:tag held at d by another commit or version. */
static void conflict_message(char *buf, size_t size, const char *tag, const char *d, const char *made)
{
    snprintf(buf, size,
             "immutable tag " IMG ":%s already exists at %s, made from %s, not from this run (commit " REV
             ", version %s); refused before building: nothing was built and no tag moved "
             "(pass --allow-overwrite to replace it)",
             tag, d, made, current_job->version);
}

/* A re-run of a release that stopped part-way: v1.2.3 already holds this
 * commit's build, so nothing is built; the published index is read back,
 * the tags already at it are left alone, and only `v1` (missing) and
 * `latest` (elsewhere) are moved and read back. */
static void test_rerun_resumes_release(void)
{
    fixture f;
    if (fixture_init(&f, 1, "v1.2.3", "v1.2", "v1", "latest", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    char text[320], want[512];
    ma_outcome ok = ok_out(NULL), idx = ok_out(INDEX), old = ok_out(INDEX_OLD);
    start_job(&job, &f, MA_MODE_PUSH, 0, 3, 500);

    /* phase 1: v1.2.3 was made from this commit for this version */
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK_PRECHECK(&next, IMG ":v1.2.3");
    ma_outcome o = ok_out(NULL);
    CHECK(answer_published(&job, &next, &err, digest, REV, "v1.2.3", NULL) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(job.resume == 1);
    CHECK_STR(job.digest, digest);
    CHECK(ma_job_has_digest(&job));
    CHECK_LIST(&job.done, "v1.2.3");
    CHECK(job.notes.len == 0 && job.kept.len == 0);

    /* phase 2: no build, no second read of the index or of v1.2.3: only
     * which mutable tags already name the digest */
    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1");
    o = not_found(text, sizeof text, IMG ":v1");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":latest");
    CHECK(ma_job_continue(&job, &old, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK_LIST(&job.done, "v1.2.3", "v1.2");
    CHECK(job.notes.len == 0); /* no "already held this digest" notes on a re-run */

    /* phase 3: every immutable tag is in place */
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(next.argv.len == 0);

    /* phase 4: exactly v1 and latest move, from the published digest, and only they are read back */
    CHECK(begin_phase4(&job, &next, &err) == 0);
    CHECK_PUT(&next, "v1", "latest");
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":latest");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    CHECK_STR(job.error, "");
    CHECK_LIST(&job.moved, "v1", "latest");
    snprintf(want, sizeof want, "resumed the release at %s: built nothing, completed v1, latest", digest);
    CHECK_LIST(&job.notes, want);

    /* a mutable tag read that fails for another reason stops the re-run */
    ma_job_free(&job);
    start_job(&job, &f, MA_MODE_PUSH, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK(answer_published(&job, &next, &err, digest, REV, "v1.2.3", NULL) == 0);
    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2");
    o = reg_fail("ERROR: denied: permission_denied: read_package");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK_STR(job.error, "cannot read back " IMG ":v1.2: ERROR: denied: permission_denied: read_package");
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* A re-run of a release that finished: every tag already names the
 * digest, and phases 3 and 4 run nothing. */
static void test_rerun_already_published(void)
{
    fixture f;
    if (fixture_init(&f, 1, "v1.2.3", "v1.2", "latest", "sha-0123456", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    char want[512];
    ma_outcome idx = ok_out(INDEX);
    start_job(&job, &f, MA_MODE_PUSH, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK_PRECHECK(&next, IMG ":v1.2.3");
    CHECK(answer_published(&job, &next, &err, digest, REV, "v1.2.3", NULL) == 0);
    /* the sha- tag names the same digest: done as well */
    CHECK_PRECHECK(&next, IMG ":sha-0123456");
    CHECK(answer_published(&job, &next, &err, digest, REV, "v1.2.3", NULL) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK_LIST(&job.done, "v1.2.3", "sha-0123456");

    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":latest");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);

    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(next.argv.len == 0);
    CHECK(begin_phase4(&job, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    CHECK(next.argv.len == 0);
    CHECK(job.moved.len == 0);
    CHECK_LIST(&job.done, "v1.2.3", "sha-0123456", "v1.2", "latest");
    snprintf(want, sizeof want, "already published at %s: built nothing, moved no tag", digest);
    CHECK_LIST(&job.notes, want);
    CHECK_STR(job.error, "");
    ma_job_free(&job);

    /* a re-run with no mutable tags: phase 2 has nothing to read */
    fixture_free(&f);
    if (fixture_init(&f, 1, "v1.2.3", NULL) != 0)
        return;
    start_job(&job, &f, MA_MODE_PUSH, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK(answer_published(&job, &next, &err, digest, REV, "v1.2.3", NULL) == 0);
    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(next.argv.len == 0);
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(begin_phase4(&job, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    CHECK(job.notes.len == 1);
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* A re-run whose published index lacks a platform this run asks for is no
 * re-run: refused in phase 1, naming what it holds. */
static void test_rerun_missing_platform_refused(void)
{
    fixture f;
    if (fixture_init(&f, 1, "v1.2.3", "latest", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    start_job(&job, &f, MA_MODE_PUSH, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    ma_outcome o = ok_out(INDEX_HEAD MANIFEST("amd64", HEX_A) ", " ATTESTATION(HEX_C)
                          "], \"annotations\": {\"org.opencontainers.image.revision\": \"" REV "\", "
                          "\"org.opencontainers.image.version\": \"v1.2.3\"}}");
    o.registry = 1;
    o.digest = digest_amd64;
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK_STR(job.error, IMG ":v1.2.3 was published from this commit without linux/arm64 (it holds linux/amd64): "
                         "pass --allow-overwrite to build and replace it");
    CHECK(!job.resume);
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* A re-run whose sha- tag went missing: phase 3 puts back exactly that one. */
static void test_rerun_completes_immutable_tag(void)
{
    fixture f;
    if (fixture_init(&f, 1, "v1.2.3", "latest", "sha-0123456", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    char text[320], want[512];
    ma_outcome ok = ok_out(NULL), idx = ok_out(INDEX);
    start_job(&job, &f, MA_MODE_PUSH, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    ma_outcome o = ok_out(NULL);
    CHECK(answer_published(&job, &next, &err, digest, REV, "v1.2.3", NULL) == 0);
    CHECK_PRECHECK(&next, IMG ":sha-0123456");
    o = not_found(text, sizeof text, IMG ":sha-0123456");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(job.resume == 1);
    CHECK_LIST(&job.done, "v1.2.3");

    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":latest");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);

    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_PUT(&next, "sha-0123456");
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":sha-0123456");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(begin_phase4(&job, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    snprintf(want, sizeof want, "resumed the release at %s: built nothing, completed sha-0123456", digest);
    CHECK_LIST(&job.notes, want);
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* A merge run again: no source is read and nothing combined; the tags move
 * from the published index, not from the recorded digests. */
static void test_rerun_merge(void)
{
    fixture f;
    if (fixture_init_mode(&f, MA_MODE_MERGE, NULL, &merge_set, "v1.2.3", "latest", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    char text[320], want[512];
    ma_outcome ok = ok_out(NULL), idx = ok_out(INDEX);
    start_job(&job, &f, MA_MODE_MERGE, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK_PRECHECK(&next, IMG ":v1.2.3");
    ma_outcome o = ok_out(NULL);
    CHECK(answer_published(&job, &next, &err, digest, REV, "v1.2.3", NULL) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);

    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":latest");
    o = not_found(text, sizeof text, IMG ":latest");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);

    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(begin_phase4(&job, &next, &err) == 0);
    CHECK_PUT(&next, "latest");
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":latest");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    snprintf(want, sizeof want, "resumed the release at %s: built nothing, completed latest", digest);
    CHECK_LIST(&job.notes, want);
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* v1.2.3 already holds another commit's build: refused in phase 1, before
 * anything is built, with the tag, the digest it names, the commit and
 * version it was made from, and the way out. */
static void test_conflict_refused_before_building(void)
{
    fixture f;
    if (fixture_init(&f, 1, "v1.2.3", "latest", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    char want[1024];
    start_job(&job, &f, MA_MODE_PUSH, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK_PRECHECK(&next, IMG ":v1.2.3");
    CHECK(answer_published(&job, &next, &err, digest_old, OTHER_REV, "v1.2.3", NULL) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    conflict_message(want, sizeof want, "v1.2.3", digest_old, "commit " OTHER_REV ", version v1.2.3");
    CHECK_STR(job.error, want);
    CHECK(contains(job.error, IMG ":v1.2.3"));
    CHECK(contains(job.error, digest_old));
    CHECK(contains(job.error, OTHER_REV));
    CHECK(contains(job.error, "--allow-overwrite"));
    CHECK(!job.resume && !ma_job_has_digest(&job));
    CHECK(job.notes.len == 0 && job.kept.len == 0);
    ma_job_free(&job);

    /* the same commit released under another version: a version tag is no sha- tag, still refused */
    start_job(&job, &f, MA_MODE_PUSH, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK(answer_published(&job, &next, &err, digest_old, REV, "v1.2.2", NULL) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    conflict_message(want, sizeof want, "v1.2.3", digest_old, "commit " REV ", version v1.2.2");
    CHECK_STR(job.error, want);
    CHECK(job.kept.len == 0);
    ma_job_free(&job);

    /* no version label: "unknown" */
    start_job(&job, &f, MA_MODE_PUSH, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK(answer_published(&job, &next, &err, digest_old, OTHER_REV, NULL, NULL) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK(contains(job.error, "made from commit " OTHER_REV ", version unknown, not from this run"));
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* With --allow-overwrite the conflict is no reason to stop: the release is
 * built, and the guard notes the tag it replaces. */
static void test_conflict_allowed_builds(void)
{
    fixture f;
    if (fixture_init(&f, 1, "v1.2.3", "latest", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    char want[512];
    ma_outcome ok = ok_out(NULL), idx = ok_out(INDEX), old = ok_out(INDEX_OLD);
    write_metadata(f.ip->metadata_file, digest);
    start_job(&job, &f, MA_MODE_PUSH, 1, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK(answer_published(&job, &next, &err, digest_old, OTHER_REV, "v1.2.3", NULL) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(!job.resume && job.kept.len == 0 && job.notes.len == 0);

    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_RUN);
    CHECK_SAME_ARGV(&next.argv, &f.ip->build_argv);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, f.at_digest);
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2.3");
    CHECK(ma_job_continue(&job, &old, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    snprintf(want, sizeof want, "replaced " IMG ":v1.2.3 (was %s)", digest_old);
    CHECK_LIST(&job.notes, want);
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_PUT(&next, "v1.2.3");
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* sha-0123456 holds this commit's branch build (version main): kept in
 * phase 1, and the release still builds, never promoting or reading it. */
static void test_sha_tag_of_this_commit_kept_in_precheck(void)
{
    fixture f;
    if (fixture_init(&f, 1, "v1.2.3", "latest", "sha-0123456", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    char text[320], want[512];
    ma_outcome ok = ok_out(NULL), idx = ok_out(INDEX);
    write_metadata(f.ip->metadata_file, digest);
    start_job(&job, &f, MA_MODE_PUSH, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK_PRECHECK(&next, IMG ":v1.2.3");
    ma_outcome o = not_found(text, sizeof text, IMG ":v1.2.3");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_PRECHECK(&next, IMG ":sha-0123456");
    CHECK(answer_published(&job, &next, &err, digest_old, REV, "main", NULL) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(!job.resume && !ma_job_has_digest(&job));
    CHECK_LIST(&job.kept, "sha-0123456");
    snprintf(want, sizeof want,
             "kept " IMG ":sha-0123456 at %s: an earlier build of this commit (version main) holds it", digest_old);
    CHECK_LIST(&job.notes, want);

    /* phase 2 builds; the guard reads v1.2.3 only */
    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    CHECK_SAME_ARGV(&next.argv, &f.ip->build_argv);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, f.at_digest);
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2.3");
    o = not_found(text, sizeof text, IMG ":v1.2.3");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);

    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_PUT(&next, "v1.2.3");
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2.3");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(begin_phase4(&job, &next, &err) == 0);
    CHECK_PUT(&next, "latest");
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":latest");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    CHECK_LIST(&job.moved, "v1.2.3", "latest");
    CHECK(job.notes.len == 1);
    ma_job_free(&job);

    /* a sha- tag of another commit is a conflict like any other */
    start_job(&job, &f, MA_MODE_PUSH, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    o = not_found(text, sizeof text, IMG ":v1.2.3");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK(answer_published(&job, &next, &err, digest_old, OTHER_REV, "main", NULL) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK(contains(job.error, "immutable tag " IMG ":sha-0123456 already exists at"));
    CHECK(job.kept.len == 0);
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* An image without the revision label says nothing of where it came from:
 * treated as another commit's, even on a sha- tag. */
static void test_labels_absent_is_another_commit(void)
{
    fixture f;
    if (fixture_init(&f, 1, "main", "sha-0123456", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    char want[1024];
    start_job(&job, &f, MA_MODE_PUSH, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK_PRECHECK(&next, IMG ":sha-0123456");
    ma_outcome o = ok_out(NULL);
    CHECK(answer_published(&job, &next, &err, digest_old, NULL, NULL, NULL) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    conflict_message(want, sizeof want, "sha-0123456", digest_old,
                     "an unknown commit (it has no org.opencontainers.image.revision label)");
    CHECK_STR(job.error, want);
    CHECK(job.kept.len == 0);
    ma_job_free(&job);

    /* a version label alone does not make it this run's */
    start_job(&job, &f, MA_MODE_PUSH, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK(answer_published(&job, &next, &err, digest, NULL, "main", NULL) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK(!job.resume);
    ma_job_free(&job);

    /* what the registry gave is not a manifest: stop, naming the tag */
    start_job(&job, &f, MA_MODE_PUSH, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    o = ok_out("Name: " IMG ":sha-0123456\nMediaType: application/vnd.oci.image.index.v1+json\n");
    o.registry = 1;
    o.digest = digest_old;
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK(contains(job.error, IMG ":sha-0123456: "));
    CHECK(contains(job.error, "not valid JSON"));
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* Revision and version come from the index annotations when it has them,
 * whatever the platform images' labels say. */
static void test_annotations_preferred_over_labels(void)
{
    fixture f;
    if (fixture_init(&f, 1, "v1.2.3", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    char want[1024];

    /* annotations say this run, labels another: a re-run */
    start_job(&job, &f, MA_MODE_PUSH, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK(answer_published(&job, &next, &err, digest, OTHER_REV, "v0.9.0",
                                         "{\"org.opencontainers.image.revision\": \"" REV "\", "
                                         "\"org.opencontainers.image.version\": \"v1.2.3\"}") == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(job.resume == 1);
    CHECK_STR(job.digest, digest);
    ma_job_free(&job);

    /* annotations say another commit, labels this run: a conflict naming the annotated commit */
    start_job(&job, &f, MA_MODE_PUSH, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK(answer_published(&job, &next, &err, digest_old, REV, "v1.2.3",
                              "{\"org.opencontainers.image.revision\": \"" OTHER_REV "\", "
                              "\"org.opencontainers.image.version\": \"v1.2.3\"}") == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    conflict_message(want, sizeof want, "v1.2.3", digest_old, "commit " OTHER_REV ", version v1.2.3");
    CHECK_STR(job.error, want);
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* Registry trouble in phase 1 is retried with the same command; any other
 * failure stops the job before it builds. */
static void test_precheck_failures(void)
{
    fixture f;
    if (fixture_init(&f, 1, "v1.2.3", "latest", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    char text[320];
    ma_outcome timeout = reg_fail("registry ghcr.io: GET colliery-io/brokkr-broker:v1.2.3: timed out (after 3 attempts)");

    /* the tag is absent */
    start_job(&job, &f, MA_MODE_PUSH, 0, 2, 250);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK_PRECHECK(&next, IMG ":v1.2.3");
    ma_outcome o = not_found(text, sizeof text, IMG ":v1.2.3");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK_STR(job.error, "");
    ma_job_free(&job);

    /* the client gave up after its retries: the job does not retry on top */
    start_job(&job, &f, MA_MODE_PUSH, 0, 1, 250);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &timeout, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK_STR(job.error, "cannot read " IMG ":v1.2.3 before building: registry ghcr.io: GET "
                         "colliery-io/brokkr-broker:v1.2.3: timed out (after 3 attempts)");
    ma_job_free(&job);

    /* a permanent failure: named with the tag, not retried */
    start_job(&job, &f, MA_MODE_PUSH, 0, 2, 250);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    o = reg_fail("ERROR: unauthorized: authentication required");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK_STR(job.error, "cannot read " IMG ":v1.2.3 before building: ERROR: unauthorized: authentication required");
    CHECK(job.attempt == 0);
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* The docker driver pushes under the first immutable tag (here the sha- tag
 * the plan adds): the guard finds the build already there, says nothing of
 * it, and phase 3 has nothing to move. */
static void test_docker_driver_walk(void)
{
    fixture f;
    if (fixture_init_by_tag(&f, "main", NULL) != 0)
        return;
    CHECK(f.plan.req.push_by_tag == 1);
    CHECK_LIST(&f.ip->immutable_tags, "sha-0123456");
    int lands = 0;
    for (size_t i = 0; i < f.ip->build_argv.len; i++)
        lands += strcmp(f.ip->build_argv.items[i], "type=image,name=" IMG ":sha-0123456,push=true") == 0;
    CHECK(lands == 1);
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    ma_outcome ok = ok_out(NULL), idx = ok_out(INDEX);
    write_metadata(f.ip->metadata_file, digest);
    start_job(&job, &f, MA_MODE_PUSH, 0, 3, 500);
    CHECK(job.push_by_tag == 1);
    begin_phase2(&f, &job, &next);
    CHECK_SAME_ARGV(&next.argv, &f.ip->build_argv);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, f.at_digest);
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":sha-0123456");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK_LIST(&job.done, "sha-0123456");
    CHECK(job.notes.len == 0);
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(begin_phase4(&job, &next, &err) == 0);
    CHECK_PUT(&next, "main");
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":main");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    CHECK_LIST(&job.moved, "main");
    CHECK(job.notes.len == 0);
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* On the docker driver, a landing tag an earlier build of this commit holds
 * cannot be kept: the build would overwrite it.  Refused in phase 1, naming
 * the driver and the ways out. */
static void test_docker_driver_landing_tag_kept(void)
{
    fixture f;
    if (fixture_init_by_tag(&f, "main", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    start_job(&job, &f, MA_MODE_PUSH, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK_PRECHECK(&next, IMG ":sha-0123456");
    CHECK(answer_published(&job, &next, &err, digest_old, REV, "v1.2.3", NULL) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK_STR(job.error, IMG ":sha-0123456 already names an earlier build of this commit, and this builder (docker "
                         "driver) can only push under that tag: pass --builder with a builder that pushes by digest "
                         "(remote, docker-container, kubernetes), or --allow-overwrite");
    CHECK(contains(job.error, "docker driver"));
    ma_job_free(&job);

    /* the same landing tag from this very run's version is a re-run, not a refusal */
    start_job(&job, &f, MA_MODE_PUSH, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK(answer_published(&job, &next, &err, digest, REV, "main", NULL) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(job.resume == 1);
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* ---- push by digest: reusing this commit's record ---- */

/* Write the record a push by digest leaves for the merge. */
static void write_record_(const fixture *f, const char *platform, const char *d, const char *revision)
{
    ma_digest_record r = {(char *)"broker", (char *)IMG, (char *)platform, (char *)d, (char *)revision, NULL};
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_digestdir_write(f->dir, &r, &err) == 0);
}
#define write_record(...) CASE(write_record_(__VA_ARGS__))

/* The record names this commit's digest, and the registry still has it:
 * nothing is built. */
static void test_by_digest_reuses_record(void)
{
    fixture f;
    if (fixture_init_mode(&f, MA_MODE_BY_DIGEST, "linux/arm64", NULL, "v1.2.3", "latest", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    char ref[256], want[512];
    snprintf(ref, sizeof ref, IMG "@%s", digest_image_arm64);
    write_record(&f, "linux/arm64", digest_image_arm64, REV);
    CHECK(access(f.ip->digest_file, R_OK) == 0);

    start_job(&job, &f, MA_MODE_BY_DIGEST, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK(job.reused == 1);
    CHECK_STR(job.digest, digest_image_arm64);
    CHECK_INSPECT(&next, ref);
    ma_outcome o = ok_out(IMAGE_ARM64);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    CHECK_STR(job.error, "");
    snprintf(want, sizeof want,
             "reused %s: this commit's linux/arm64 digest is in the registry; nothing built", f.ip->digest_file);
    CHECK_LIST(&job.notes, want);
    ma_job_free(&job);

    /* a failure of that read (after the client's retries) is not taken for "gone" */
    start_job(&job, &f, MA_MODE_BY_DIGEST, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    o = reg_fail("registry ghcr.io: GET colliery-io/brokkr-broker@sha256:...: HTTP 502 (after 4 attempts)");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK(contains(job.error, "HTTP 502 (after 4 attempts)"));
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* The record's digest is gone from the registry: build after all. */
static void test_by_digest_record_gone_builds(void)
{
    fixture f;
    if (fixture_init_mode(&f, MA_MODE_BY_DIGEST, "linux/arm64", NULL, "v1.2.3", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    char ref[256], text[320];
    write_record(&f, "linux/arm64", digest_arm64_att, REV);
    write_metadata(f.ip->metadata_file, digest_image_arm64);
    start_job(&job, &f, MA_MODE_BY_DIGEST, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    snprintf(ref, sizeof ref, IMG "@%s", digest_arm64_att);
    CHECK_INSPECT(&next, ref);
    ma_outcome o = not_found(text, sizeof text, ref);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_RUN);
    CHECK_SAME_ARGV(&next.argv, &f.ip->build_argv);
    CHECK(next.capture == 0 && next.delay_ms == 0);
    CHECK(job.reused == 0 && !ma_job_has_digest(&job));
    ma_outcome ok = ok_out(NULL);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    snprintf(ref, sizeof ref, IMG "@%s", digest_image_arm64);
    CHECK_INSPECT(&next, ref);
    o = ok_out(IMAGE_ARM64);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    CHECK_STR(job.digest, digest_image_arm64);
    CHECK(job.notes.len == 0);
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* Only this commit's record for this component, image and platform is
 * reused; anything else (or no commit at all) builds. */
static void test_by_digest_record_not_reused(void)
{
    fixture f;
    if (fixture_init_mode(&f, MA_MODE_BY_DIGEST, "linux/arm64", NULL, "v1.2.3", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    const char *const records[] = {
        /* another commit */
        "{\"component\": \"broker\", \"image\": \"" IMG "\", \"platform\": \"linux/arm64\", \"digest\": \"%s\", "
        "\"revision\": \"" OTHER_REV "\"}\n",
        /* no commit recorded */
        "{\"component\": \"broker\", \"image\": \"" IMG "\", \"platform\": \"linux/arm64\", \"digest\": \"%s\"}\n",
        /* another platform */
        "{\"component\": \"broker\", \"image\": \"" IMG "\", \"platform\": \"linux/amd64\", \"digest\": \"%s\", "
        "\"revision\": \"" REV "\"}\n",
        /* another image */
        "{\"component\": \"broker\", \"image\": \"ghcr.io/other/broker\", \"platform\": \"linux/arm64\", "
        "\"digest\": \"%s\", \"revision\": \"" REV "\"}\n",
        /* not a record */
        "{\"digest\": \"%s\"",
    };
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++) {
        char json[512];
        snprintf(json, sizeof json, records[i], digest_image_arm64);
        CHECK(write_file(f.ip->digest_file, json, strlen(json)) == 0);
        start_job(&job, &f, MA_MODE_BY_DIGEST, 0, 3, 500);
        CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
        CHECK_KIND(&next, MA_NEXT_RUN);
        CHECK_SAME_ARGV(&next.argv, &f.ip->build_argv);
        CHECK(job.reused == 0 && !ma_job_has_digest(&job));
        if (job.reused)
            fprintf(stderr, "  record %zu was reused\n", i);
        ma_job_free(&job);
    }

    /* this commit's record, but the run knows no commit (outside git) */
    write_record(&f, "linux/arm64", digest_image_arm64, REV);
    start_job(&job, &f, MA_MODE_BY_DIGEST, 0, 3, 500);
    job.revision = NULL;
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK_SAME_ARGV(&next.argv, &f.ip->build_argv);
    CHECK(job.reused == 0);
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

static void test_free_and_clear(void)
{
    ma_job job;
    ma_job_init(&job, NULL, 1, 0, 0, 0);
    current_job = &job;
    ma_job_free(&job);
    ma_job_free(&job);
    ma_job_free(NULL);
    ma_next next;
    memset(&next, 0, sizeof next);
    ma_next_clear(&next);
    ma_next_clear(&next);
    CHECK(next.argv.items == NULL && next.argv.len == 0);
}

/* --sign: phase 2 ends with cosign, in cosign's own environment; phase 3
 * starts only once the signature verifies.  A digest that verifies already
 * (a re-run) is not signed again; a failed signing moves no tag. */
static void test_signing(void)
{
    static const char *const cosign_env[] = {"COSIGN_PASSWORD=pw", NULL};
    ma_sign_plan sign = {1, "/k/cosign.key", 1, 1, "/run/cosign.pub", NULL};
    for (int scenario = 0; scenario < 4; scenario++) {
        /* 0: signs; 1: already signed; 2: signing fails; 3: the signature does not verify */
        fixture f;
        if (fixture_init(&f, 1, "v1.2.3", "latest", NULL) != 0)
            return;
        ma_job job;
        ma_next next = {0};
        ma_error err = {MA_ERR_NONE, ""};
        start_job(&job, &f, 1, 0, 0, 500);
        job.sign = &sign;
        job.sign_envp = cosign_env;
        run_to_guard(&f, &job, &next);
        CHECK(next.envp == NULL); /* docker never gets cosign's environment */
        ma_outcome o = reg_nf();
        CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
        CHECK_RUN(&next, 1, 0u, "cosign", "verify", "--key", "/run/cosign.pub", "--insecure-ignore-tlog",
                  "--allow-http-registry", f.at_digest);
        CHECK(next.envp == cosign_env);
        if (scenario == 1) {
            o = ok_out("[{\"critical\":{}}]");
            CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
            CHECK_KIND(&next, MA_NEXT_WAIT);
            CHECK(job.notes.len == 1 && contains(job.notes.items[0], "signed already: signed nothing"));
        } else {
            o = fail_out(10, "Error: no signatures found\n");
            CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
            CHECK_RUN(&next, 0, 0u, "cosign", "sign", "--yes", "--key", "/k/cosign.key", "--tlog-upload=false",
                      "--allow-http-registry", f.at_digest);
            CHECK(next.envp == cosign_env);
            o = scenario == 2 ? fail_out(1, "Error: signing: getting signer: decrypt: encrypted: decryption failed\n")
                              : ok_out(NULL);
            CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
            if (scenario == 2) {
                CHECK_KIND(&next, MA_NEXT_FAILED);
                CHECK(contains(job.error, "signing failed (cosign sign); no tag was moved: Error: signing"));
            } else {
                CHECK_RUN(&next, 1, 0u, "cosign", "verify", "--key", "/run/cosign.pub", "--insecure-ignore-tlog",
                          "--allow-http-registry", f.at_digest);
                o = scenario == 3 ? fail_out(1, "Error: no matching signatures: crypto/ecdsa: verification error\n")
                                  : ok_out("[]");
                CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
                CHECK_KIND(&next, scenario == 3 ? MA_NEXT_FAILED : MA_NEXT_WAIT);
                if (scenario == 3)
                    CHECK(contains(job.error, "does not verify: Error: no matching signatures"));
            }
        }
        if (next.kind == MA_NEXT_WAIT) {
            /* phase 3 moves the tags: docker again, without cosign's environment */
            CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
            CHECK_PUT(&next, "v1.2.3");
            CHECK(next.envp == NULL);
        }
        ma_next_clear(&next);
        ma_job_free(&job);
        fixture_free(&f);
    }
}

/* Phase 1 to 3 of a release with nothing published: v1.2.3-style immutable tag moved, read back. */
static void run_to_phase4(fixture *f, ma_job *job, ma_next *next)
{
    ma_error err = {MA_ERR_NONE, ""};
    char text[320], ref[256];
    snprintf(ref, sizeof ref, IMG ":%s", f->ip->immutable_tags.items[0]);
    run_to_guard(f, job, next);
    ma_outcome o = not_found(text, sizeof text, ref);
    CHECK(ma_job_continue(job, &o, next, &err) == 0);
    CHECK_KIND(next, MA_NEXT_WAIT);
    CHECK(ma_job_begin(job, 3, next, &err) == 0);
    o = ok_out(NULL);
    CHECK(ma_job_continue(job, &o, next, &err) == 0);
    o = ok_out(INDEX);
    CHECK(ma_job_continue(job, &o, next, &err) == 0);
    CHECK_KIND(next, MA_NEXT_WAIT);
}

/* A release older than what the registry's aliases name (the checkout did not
 * know v1.3.0): those aliases stay, the others move, and it is said. */
static void test_alias_guard(void)
{
    fixture f;
    if (fixture_init(&f, 1, "v1.2.3", "v1.2", "v1", "latest", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    char text[320];
    start_job(&job, &f, 1, 0, 3, 500);
    CHECK_LIST(&f.ip->mutable_tags, "v1.2", "v1", "latest");
    run_to_phase4(&f, &job, &next);

    CHECK(ma_job_begin(&job, 4, &next, &err) == 0);
    CHECK_PRECHECK(&next, IMG ":v1.2");
    ma_outcome o = ok_out(NULL);
    CHECK(answer_published(&job, &next, &err, digest_old, OTHER_REV, "v1.2.2", NULL) == 0);
    CHECK_PRECHECK(&next, IMG ":v1");
    CHECK(answer_published(&job, &next, &err, digest_old, OTHER_REV, "v1.3.0", NULL) == 0);
    CHECK_PRECHECK(&next, IMG ":latest");
    CHECK(answer_published(&job, &next, &err, digest_old, OTHER_REV, NULL,
                              "{\"org.opencontainers.image.version\": \"v1.3.0\"}") == 0);
    /* one move, of the alias that names an older release */
    CHECK_PUT(&next, "v1.2");
    CHECK_LIST(&job.kept, "v1", "latest");
    CHECK_LIST(&job.notes, "v1 kept at v1.3.0, newer than v1.2.3", "latest kept at v1.3.0, newer than v1.2.3");
    o = ok_out(NULL);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2");
    o = ok_out(INDEX);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    CHECK_LIST(&job.moved, "v1.2.3", "v1.2");
    ma_job_free(&job);

    /* every alias newer: nothing moves in phase 4 */
    start_job(&job, &f, 1, 0, 3, 500);
    run_to_phase4(&f, &job, &next);
    CHECK(ma_job_begin(&job, 4, &next, &err) == 0);
    for (int i = 0; i < 3; i++) {
        CHECK(next.kind == MA_NEXT_REGISTRY && next.argv.len == 1);
        if (next.kind != MA_NEXT_REGISTRY || next.argv.len != 1)
            break;
        CHECK(answer_published(&job, &next, &err, digest_old, OTHER_REV, "v2.0.0", NULL) == 0);
    }
    CHECK_KIND(&next, MA_NEXT_DONE);
    CHECK_LIST(&job.kept, "v1.2", "v1", "latest");
    ma_job_free(&job);

    /* not a version, a pre-release, unlabelled: moved as always */
    start_job(&job, &f, 1, 0, 3, 500);
    run_to_phase4(&f, &job, &next);
    CHECK(ma_job_begin(&job, 4, &next, &err) == 0);
    CHECK(answer_published(&job, &next, &err, digest_old, OTHER_REV, "main", NULL) == 0);
    CHECK(answer_published(&job, &next, &err, digest_old, OTHER_REV, "v1.3.0-rc.1", NULL) == 0);
    CHECK(answer_published(&job, &next, &err, digest_old, NULL, NULL, NULL) == 0);
    CHECK_PUT(&next, "v1.2", "v1", "latest");
    CHECK(job.kept.len == 0 && job.notes.len == 0);
    ma_job_free(&job);

    /* a read that fails for another reason than absence stops before any alias moves */
    start_job(&job, &f, 1, 0, 0, 500);
    run_to_phase4(&f, &job, &next);
    CHECK(ma_job_begin(&job, 4, &next, &err) == 0);
    o = reg_fail("ERROR: denied: access forbidden");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK_STR(job.error, "cannot read " IMG ":v1.2 before moving it: ERROR: denied: access forbidden");
    ma_job_free(&job);

    /* absent: said as not published yet, and moved */
    start_job(&job, &f, 1, 0, 3, 500);
    run_to_phase4(&f, &job, &next);
    CHECK(ma_job_begin(&job, 4, &next, &err) == 0);
    o = not_found(text, sizeof text, IMG ":v1.2");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_STR(job.heard, IMG ":v1.2: not published yet");
    ma_job_free(&job);

    ma_next_clear(&next);
    fixture_free(&f);
}

int main(void)
{
    ma_sha256_digest(INDEX, strlen(INDEX), digest);
    ma_sha256_digest(INDEX_AMD64, strlen(INDEX_AMD64), digest_amd64);
    ma_sha256_digest(INDEX_OLD, strlen(INDEX_OLD), digest_old);
    CHECK(ma_digest_is_valid(digest));
    CHECK(strcmp(digest, digest_old) != 0);
    ma_sha256_digest(IMAGE_ARM64, strlen(IMAGE_ARM64), digest_image_arm64);
    ma_sha256_digest(IMAGE_AMD64, strlen(IMAGE_AMD64), digest_image_amd64);
    ma_sha256_digest(INDEX_ARM64_ATT, strlen(INDEX_ARM64_ATT), digest_arm64_att);
    merge_records_init();

    test_push_walk();
    test_signing();
    test_build_failure();
    test_transient_retries();
    test_metadata_missing();
    test_verify_failures();
    test_guard();
    test_checks_after_promote();
    test_push_mutable_only();
    test_local_build();
    test_by_digest_walk();
    test_merge_walk();
    test_merge_source_failures();
    test_merge_combine();
    test_sha_tag_kept();
    test_sha_tag_overwrite_allowed();
    test_sha_rule_not_for_versions();
    test_sha_tag_kept_only();
    test_sha_tag_kept_in_merge();
    test_rerun_resumes_release();
    test_alias_guard();
    test_rerun_already_published();
    test_rerun_missing_platform_refused();
    test_rerun_completes_immutable_tag();
    test_rerun_merge();
    test_conflict_refused_before_building();
    test_conflict_allowed_builds();
    test_sha_tag_of_this_commit_kept_in_precheck();
    test_labels_absent_is_another_commit();
    test_annotations_preferred_over_labels();
    test_precheck_failures();
    test_docker_driver_walk();
    test_docker_driver_landing_tag_kept();
    test_by_digest_reuses_record();
    test_by_digest_record_gone_builds();
    test_by_digest_record_not_reused();
    test_free_and_clear();
    return CHECK_DONE();
}

/* The publish state machine, driven by hand: every command it asks for is
 * checked word for word, and its outcome is made up here.  The only file it
 * reads is the buildx metadata file, written here into a temporary run dir. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "plan.h"
#include "job.h"
#include "sha256.h"

#define IMG "ghcr.io/colliery-io/brokkr-broker"

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

static void write_metadata(const char *path, const char *d)
{
    char json[256];
    snprintf(json, sizeof json,
             "{\n  \"buildx.build.ref\": \"brokkr-builder/brokkr-builder0/xyz\",\n"
             "  \"containerimage.digest\": \"%s\"\n}\n", d);
    CHECK(write_file(path, json, strlen(json)) == 0);
}

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

#define CHECK_INSPECT(next, ref) \
    CHECK_RUN((next), 1, 0u, "docker", "buildx", "imagetools", "inspect", "--raw", (ref))

/* A strlist holding exactly these items. */
#define CHECK_LIST(got, ...)                                       \
    do {                                                           \
        const char *const want_[] = {__VA_ARGS__, NULL};           \
        check_strlist_((got), want_, #got, __FILE__, __LINE__);    \
    } while (0)

static ma_outcome ok_out(const char *out)
{
    ma_outcome o = {0, out, out ? strlen(out) : 0, ""};
    return o;
}

static ma_outcome fail_out(int status, const char *err_text)
{
    ma_outcome o = {status, NULL, 0, err_text};
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
    ma_plan_free(&f->plan);
    ma_strlist_free(&f->tags);
    ma_config_free(&f->cfg);
    CHECK(rmdir(f->dir) == 0);
}

/* Plan the broker in `mode` (platforms and digests as given, NULL for the
 * defaults) with the tags in ap; on failure everything is already freed and
 * the test returns. */
static int fixture_setup(fixture *f, ma_plan_mode mode, const char *platforms, const ma_digest_set *digests,
                         va_list ap)
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
    in.component = "broker";
    in.tags = &f->tags;
    in.platforms = platforms;
    in.host_platform = "linux/amd64";
    in.run_dir = f->dir;
    in.revision = "0123456789abcdef0123456789abcdef01234567";
    in.workdir = f->dir;
    in.push = mode != MA_MODE_LOCAL;
    in.mode = mode;
    in.digest_dir = mode == MA_MODE_BY_DIGEST || mode == MA_MODE_MERGE ? f->dir : NULL;
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
    snprintf(f->at_digest, sizeof f->at_digest, IMG "@%s", digest);
    return 0;
}

/* Plan the broker, pushed (push = 1) or built locally, with these tags (NULL-terminated). */
static int fixture_init(fixture *f, int push, ...)
{
    va_list ap;
    va_start(ap, push);
    int rc = fixture_setup(f, push ? MA_MODE_PUSH : MA_MODE_LOCAL, NULL, NULL, ap);
    va_end(ap);
    return rc;
}

/* The same in another mode: a push by digest or a merge of `digests`. */
static int fixture_init_mode(fixture *f, ma_plan_mode mode, const char *platforms, const ma_digest_set *digests,
                             ...)
{
    va_list ap;
    va_start(ap, digests);
    int rc = fixture_setup(f, mode, platforms, digests, ap);
    va_end(ap);
    return rc;
}

/* A fresh job over the fixture's image; current_job names it in failure output. */
static void start_job(ma_job *job, const fixture *f, int push, int allow_overwrite, int retries,
                      unsigned backoff_ms)
{
    ma_job_init(job, f->ip, push, allow_overwrite, retries, backoff_ms);
    current_job = job;
}

/* Phase 1 up to the first guard read of v1.2.3 (metadata says `d`, index reads back as `index`). */
static void run_to_guard(fixture *f, ma_job *job, ma_next *next)
{
    current_job = job;
    ma_error err = {MA_ERR_NONE, ""};
    write_metadata(f->ip->metadata_file, digest);
    CHECK(ma_job_begin(job, 1, next, &err) == 0);
    CHECK_SAME_ARGV(&next->argv, &f->ip->build_argv);
    ma_outcome o = ok_out(NULL);
    CHECK(ma_job_continue(job, &o, next, &err) == 0);
    CHECK_INSPECT(next, f->at_digest);
    o = ok_out(INDEX);
    CHECK(ma_job_continue(job, &o, next, &err) == 0);
    CHECK_INSPECT(next, IMG ":v1.2.3");
}

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
    CHECK(ma_job_phases(&job) == 3);

    /* phase 1: build, read the index back, guard v1.2.3 */
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
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

    o = fail_out(1, "ERROR: " IMG ":v1.2.3: not found\n");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(job.notes.len == 0);

    /* phase 2: promote v1.2.3, read it back */
    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    CHECK_RUN(&next, 0, 0u, "docker", "buildx", "imagetools", "create", "--tag", IMG ":v1.2.3",
              f.at_digest);
    o = ok_out(NULL);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2.3");
    o = ok_out(INDEX);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);

    /* phase 3: promote v1.2, v1, latest together, read each back */
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_RUN(&next, 0, 0u, "docker", "buildx", "imagetools", "create", "--tag", IMG ":v1.2",
              "--tag", IMG ":v1", "--tag", IMG ":latest", f.at_digest);
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
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
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
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
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
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK(next.delay_ms == 250);
    o = ok_out(NULL);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_INSPECT(&next, f.at_digest);
    /* a transient read-back failure is retried with the same command */
    o = fail_out(1, "ERROR: failed to do request: Get \"https://ghcr.io/v2/\": dial tcp: i/o timeout\n");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_RUN(&next, 1, 250u, "docker", "buildx", "imagetools", "inspect", "--raw", f.at_digest);
    ma_next_clear(&next);
    ma_job_free(&job);

    /* zero retries: the first transient failure is final, with the exit status */
    start_job(&job, &f, 1, 0, 0, 250);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
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
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
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
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
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
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
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
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
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
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    o = ok_out(NULL);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    o = fail_out(1, "ERROR: unauthorized: authentication required\n");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK_STR(job.error, "cannot read back the pushed index: ERROR: unauthorized: authentication "
                         "required (exit status 1)");

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
    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    CHECK_RUN(&next, 0, 0u, "docker", "buildx", "imagetools", "create", "--tag", IMG ":v1.2.3",
              f.at_digest);
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
    o = fail_out(1, "ERROR: denied: permission_denied: read_package\n");
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
    ma_outcome nf = fail_out(1, "ERROR: " IMG ":v1.2.3: not found\n");
    ma_outcome ok = ok_out(NULL), idx = ok_out(INDEX), old = ok_out(INDEX_OLD);

    /* v1.2.3 points elsewhere after the promote */
    start_job(&job, &f, 1, 0, 3, 500);
    run_to_guard(&f, &job, &next);
    CHECK(ma_job_continue(&job, &nf, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
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

    /* latest points elsewhere after phase 3 */
    start_job(&job, &f, 1, 0, 3, 500);
    run_to_guard(&f, &job, &next);
    CHECK(ma_job_continue(&job, &nf, &next, &err) == 0);
    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_RUN(&next, 0, 0u, "docker", "buildx", "imagetools", "create", "--tag", IMG ":latest",
              f.at_digest);
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
    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &nf, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK_STR(job.error, "cannot read back " IMG ":v1.2.3: ERROR: " IMG ":v1.2.3: not found");
    ma_job_free(&job);

    /* the promote itself fails */
    start_job(&job, &f, 1, 0, 3, 500);
    run_to_guard(&f, &job, &next);
    CHECK(ma_job_continue(&job, &nf, &next, &err) == 0);
    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    ma_outcome denied = fail_out(1, "ERROR: denied: permission_denied: write_package\n");
    CHECK(ma_job_continue(&job, &denied, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK_STR(job.error, "tagging failed: ERROR: denied: permission_denied: write_package "
                         "(exit status 1)");
    ma_job_free(&job);

    ma_next_clear(&next);
    fixture_free(&f);
}

/* Only mutable tags (a branch build): phases 1 and 2 have nothing to tag. */
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
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, f.at_digest);
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(next.argv.len == 0);
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_RUN(&next, 0, 0u, "docker", "buildx", "imagetools", "create", "--tag", IMG ":main",
              f.at_digest);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":main");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);

    /* only an immutable tag: phase 3 is done at once */
    if (fixture_init(&f, 1, "v0.1.0", NULL) != 0)
        return;
    start_job(&job, &f, 1, 0, 3, 500);
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
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

#define CHECK_COMBINE(next) \
    CHECK_RUN((next), 1, 0u, "docker", "buildx", "imagetools", "create", "--dry-run", source_amd64, source_arm64)

/* Phase 1 of a merge up to the `imagetools create --dry-run` (both sources read back fine). */
static void merge_to_combine(fixture *f, ma_job *job, ma_next *next, int allow_overwrite)
{
    ma_error err = {MA_ERR_NONE, ""};
    start_job(job, f, MA_MODE_MERGE, allow_overwrite, 3, 500);
    CHECK(ma_job_begin(job, 1, next, &err) == 0);
    CHECK_INSPECT(next, source_amd64);
    ma_outcome o = ok_out(IMAGE_AMD64);
    CHECK(ma_job_continue(job, &o, next, &err) == 0);
    CHECK_INSPECT(next, source_arm64);
    o = ok_out(IMAGE_ARM64);
    CHECK(ma_job_continue(job, &o, next, &err) == 0);
    CHECK_COMBINE(next);
}

/* No build: every recorded digest is read back, the index they make is
 * worked out with --dry-run (its digest: the output without the trailing
 * newline), the immutable tags are guarded, then phases 2 and 3 create the
 * index under the tags from all the sources. */
static void test_merge_walk(void)
{
    fixture f;
    if (fixture_init_mode(&f, MA_MODE_MERGE, NULL, &merge_set, "v1.2.3", "v1.2", "latest", "sha-abc1234", NULL) != 0)
        return;
    CHECK_STR(f.ip->metadata_file, NULL);
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    ma_outcome ok = ok_out(NULL), idx = ok_out(INDEX),
               nf = fail_out(1, "ERROR: " IMG ":v1.2.3: not found\n");

    merge_to_combine(&f, &job, &next, 0);
    CHECK(ma_job_phases(&job) == 3);
    ma_outcome o = ok_out(INDEX_TEXT "\n");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_STR(job.digest, digest); /* sha256 of INDEX, not of INDEX "\n" */
    CHECK_INSPECT(&next, IMG ":v1.2.3");
    CHECK(ma_job_continue(&job, &nf, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":sha-abc1234");
    CHECK(ma_job_continue(&job, &nf, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);

    /* phase 2: exactly the plan's promote argv, with both sources */
    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    CHECK_RUN(&next, 0, 0u, "docker", "buildx", "imagetools", "create", "--tag", IMG ":v1.2.3", "--tag",
              IMG ":sha-abc1234", source_amd64, source_arm64);
    CHECK_SAME_ARGV(&next.argv, &f.ip->promote_immutable_argv);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2.3");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":sha-abc1234");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);

    /* phase 3 */
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_RUN(&next, 0, 0u, "docker", "buildx", "imagetools", "create", "--tag", IMG ":v1.2", "--tag",
              IMG ":latest", source_amd64, source_arm64);
    CHECK_SAME_ARGV(&next.argv, &f.ip->promote_mutable_argv);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":latest");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    CHECK_STR(job.error, "");
    ma_job_free(&job);

    /* a tag read back at another index after the promote fails the merge */
    merge_to_combine(&f, &job, &next, 0);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &nf, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &nf, &next, &err) == 0);
    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    ma_outcome old = ok_out(INDEX_OLD);
    CHECK(ma_job_continue(&job, &old, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK(contains(job.error, IMG ":v1.2.3 points at"));
    ma_next_clear(&next);
    ma_job_free(&job);
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
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &amd, &next, &err) == 0);
    CHECK_INSPECT(&next, source_arm64);
    ma_outcome o = fail_out(1, "ERROR: docker.io/x: not found\n");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    snprintf(want, sizeof want,
             "the linux/arm64 digest %s is not in the registry (ERROR: docker.io/x: not found): was it pushed "
             "to this registry?",
             source_arm64);
    CHECK_STR(job.error, want);
    ma_job_free(&job);

    /* other bytes than the recorded digest */
    start_job(&job, &f, MA_MODE_MERGE, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &arm, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    snprintf(want, sizeof want, "%s reads back as %s, not the recorded digest", source_amd64, digest_image_arm64);
    CHECK_STR(job.error, want);
    ma_job_free(&job);

    /* any other read failure: named with the platform, not retried */
    start_job(&job, &f, MA_MODE_MERGE, 0, 3, 500);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    o = fail_out(1, "ERROR: unauthorized: authentication required\n");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    snprintf(want, sizeof want, "cannot read back the linux/amd64 digest %s: ERROR: unauthorized: authentication required",
             source_amd64);
    CHECK_STR(job.error, want);
    ma_job_free(&job);

    /* a transient failure is retried with the same command */
    start_job(&job, &f, MA_MODE_MERGE, 0, 2, 250);
    CHECK(ma_job_begin(&job, 1, &next, &err) == 0);
    o = fail_out(1, "ERROR: 503 Service Unavailable\n");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_RUN(&next, 1, 250u, "docker", "buildx", "imagetools", "inspect", "--raw", source_amd64);
    CHECK(ma_job_continue(&job, &amd, &next, &err) == 0);
    CHECK_INSPECT(&next, source_arm64);
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* The --dry-run index: each platform exactly once, its digest from the exact
 * bytes, and a failed combine is a failure of the merge. */
static void test_merge_combine(void)
{
    fixture f;
    if (fixture_init_mode(&f, MA_MODE_MERGE, NULL, &merge_set, "v1.2.3", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};

    /* a platform missing */
    merge_to_combine(&f, &job, &next, 0);
    ma_outcome o = ok_out(INDEX_AMD64_TEXT "\n");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK_STR(job.error, "the index of broker's digests has the wrong platforms: linux/arm64 missing");
    ma_job_free(&job);

    /* a platform twice, one extra */
    merge_to_combine(&f, &job, &next, 0);
    o = ok_out(INDEX_HEAD MANIFEST("amd64", HEX_A) "," MANIFEST("amd64", HEX_C) "," MANIFEST("arm64", HEX_B) ","
               MANIFEST("s390x", HEX_C) "]}\n");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK_STR(job.error,
              "the index of broker's digests has the wrong platforms: linux/amd64 twice, linux/s390x not expected");
    ma_job_free(&job);

    /* nothing printed */
    merge_to_combine(&f, &job, &next, 0);
    o = ok_out("");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK(contains(job.error, "the index of broker's digests"));
    CHECK(contains(job.error, "empty manifest"));
    ma_job_free(&job);

    /* only one trailing newline is cut; without one, nothing is */
    char with_two[MA_DIGEST_MAX];
    ma_sha256_digest(INDEX_TEXT "\n", strlen(INDEX) + 1, with_two);
    merge_to_combine(&f, &job, &next, 0);
    o = ok_out(INDEX_TEXT "\n\n");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2.3");
    CHECK_STR(job.digest, with_two);
    ma_job_free(&job);
    merge_to_combine(&f, &job, &next, 0);
    o = ok_out(INDEX);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2.3");
    CHECK_STR(job.digest, digest);
    ma_job_free(&job);

    /* imagetools create fails */
    merge_to_combine(&f, &job, &next, 0);
    o = fail_out(1, "ERROR: multiple repositories currently not supported\n");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK_STR(job.error, "cannot combine the digests into an index: ERROR: multiple repositories currently not "
                         "supported (exit status 1)");
    ma_job_free(&job);

    /* the guard after the combine: a release tag elsewhere stops the merge */
    merge_to_combine(&f, &job, &next, 0);
    o = ok_out(INDEX_TEXT "\n");
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    o = ok_out(INDEX_OLD);
    CHECK(ma_job_continue(&job, &o, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_FAILED);
    CHECK(contains(job.error, "immutable tag " IMG ":v1.2.3 already exists at"));
    ma_next_clear(&next);
    ma_job_free(&job);
    fixture_free(&f);
}

/* ---- the sha- rule ---- */

/* Phase 1 of a push up to the guard's first read, of `first`. */
static void push_to_guard(fixture *f, ma_job *job, ma_next *next, int allow_overwrite, const char *first)
{
    ma_error err = {MA_ERR_NONE, ""};
    write_metadata(f->ip->metadata_file, digest);
    start_job(job, f, 1, allow_overwrite, 3, 500);
    CHECK(ma_job_begin(job, 1, next, &err) == 0);
    ma_outcome o = ok_out(NULL);
    CHECK(ma_job_continue(job, &o, next, &err) == 0);
    CHECK_INSPECT(next, f->at_digest);
    o = ok_out(INDEX);
    CHECK(ma_job_continue(job, &o, next, &err) == 0);
    CHECK_INSPECT(next, first);
}

/* Phase 1 of a push whose guard reads `first` then `second` (outcomes given). */
static void push_guard(fixture *f, ma_job *job, ma_next *next, int allow_overwrite, const char *first,
                       const ma_outcome *first_out, const char *second, const ma_outcome *second_out)
{
    ma_error err = {MA_ERR_NONE, ""};
    push_to_guard(f, job, next, allow_overwrite, first);
    CHECK(ma_job_continue(job, first_out, next, &err) == 0);
    CHECK_INSPECT(next, second);
    CHECK(ma_job_continue(job, second_out, next, &err) == 0);
}

/* An existing sha-<commit> tag at another digest is an earlier build of the
 * same commit: kept where it is (noted, not a failure), and left out of the
 * phase-2 promote and of its read-back. */
static void test_sha_tag_kept(void)
{
    fixture f;
    if (fixture_init(&f, 1, "v1.2.3", "latest", "sha-abc1234", NULL) != 0)
        return;
    ma_job job;
    ma_next next = {0};
    ma_error err = {MA_ERR_NONE, ""};
    ma_outcome nf = fail_out(1, "ERROR: not found\n"), old = ok_out(INDEX_OLD), ok = ok_out(NULL),
               idx = ok_out(INDEX);

    push_guard(&f, &job, &next, 0, IMG ":v1.2.3", &nf, IMG ":sha-abc1234", &old);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK_STR(job.error, "");
    CHECK_LIST(&job.kept, "sha-abc1234");
    char want[512];
    snprintf(want, sizeof want, "kept " IMG ":sha-abc1234 at %s: an earlier build of this commit holds it",
             digest_old);
    CHECK_LIST(&job.notes, want);

    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    CHECK_RUN(&next, 0, 0u, "docker", "buildx", "imagetools", "create", "--tag", IMG ":v1.2.3", f.at_digest);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":v1.2.3");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT); /* no read-back of the kept tag */

    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_RUN(&next, 0, 0u, "docker", "buildx", "imagetools", "create", "--tag", IMG ":latest", f.at_digest);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":latest");
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE);
    CHECK(job.notes.len == 1);
    ma_job_free(&job);

    /* a sha- tag already at this digest is no kept tag: it is promoted (again) and read back */
    push_guard(&f, &job, &next, 0, IMG ":v1.2.3", &nf, IMG ":sha-abc1234", &idx);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(job.kept.len == 0);
    CHECK_LIST(&job.notes, IMG ":sha-abc1234 already held this digest");
    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    CHECK_RUN(&next, 0, 0u, "docker", "buildx", "imagetools", "create", "--tag", IMG ":v1.2.3", "--tag",
              IMG ":sha-abc1234", f.at_digest);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":sha-abc1234");
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
    ma_outcome nf = fail_out(1, "ERROR: not found\n"), old = ok_out(INDEX_OLD), ok = ok_out(NULL),
               idx = ok_out(INDEX);

    push_guard(&f, &job, &next, 1, IMG ":v1.2.3", &nf, IMG ":sha-abc1234", &old);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(job.kept.len == 0);
    char want[512];
    snprintf(want, sizeof want, "replaced " IMG ":sha-abc1234 (was %s)", digest_old);
    CHECK_LIST(&job.notes, want);
    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    CHECK_RUN(&next, 0, 0u, "docker", "buildx", "imagetools", "create", "--tag", IMG ":v1.2.3", "--tag",
              IMG ":sha-abc1234", f.at_digest);
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

/* A branch build whose only immutable tag is kept: phase 2 has nothing to do. */
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
    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK(next.argv.len == 0);
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_RUN(&next, 0, 0u, "docker", "buildx", "imagetools", "create", "--tag", IMG ":main", f.at_digest);
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
    ma_outcome nf = fail_out(1, "ERROR: not found\n"), old = ok_out(INDEX_OLD), ok = ok_out(NULL),
               idx = ok_out(INDEX), combined = ok_out(INDEX_TEXT "\n");
    merge_to_combine(&f, &job, &next, 0);
    CHECK(ma_job_continue(&job, &combined, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &nf, &next, &err) == 0);
    CHECK_INSPECT(&next, IMG ":sha-abc1234");
    CHECK(ma_job_continue(&job, &old, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT);
    CHECK_LIST(&job.kept, "sha-abc1234");
    CHECK(ma_job_begin(&job, 2, &next, &err) == 0);
    CHECK_RUN(&next, 0, 0u, "docker", "buildx", "imagetools", "create", "--tag", IMG ":v1.2.3", source_amd64,
              source_arm64);
    CHECK(ma_job_continue(&job, &ok, &next, &err) == 0);
    CHECK(ma_job_continue(&job, &idx, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_WAIT); /* the kept tag is not read back */
    CHECK(ma_job_begin(&job, 3, &next, &err) == 0);
    CHECK_KIND(&next, MA_NEXT_DONE); /* no mutable tags */
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
    test_free_and_clear();
    return CHECK_DONE();
}

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
#include "publish.h"
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
static const char *const INDEX = INDEX_HEAD MANIFEST("amd64", HEX_A) "," MANIFEST("arm64", HEX_B) "]}";
static const char *const INDEX_AMD64 = INDEX_HEAD MANIFEST("amd64", HEX_A) "]}";
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

/* Plan the broker with these tags (NULL-terminated); on failure everything is
 * already freed and the test returns. */
static int fixture_init(fixture *f, int push, ...)
{
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ma-test-publish-XXXXXX");
    CHECK(mkdtemp(f->dir) != NULL);
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_config_defaults(&f->cfg, &err) == 0);
    va_list ap;
    va_start(ap, push);
    for (const char *t = va_arg(ap, const char *); t != NULL; t = va_arg(ap, const char *))
        ma_strlist_push(&f->tags, t);
    va_end(ap);
    ma_plan_inputs in;
    memset(&in, 0, sizeof in);
    in.component = "broker";
    in.tags = &f->tags;
    in.host_platform = "linux/amd64";
    in.run_dir = f->dir;
    in.revision = "0123456789abcdef0123456789abcdef01234567";
    in.workdir = f->dir;
    in.push = push;
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

    test_push_walk();
    test_build_failure();
    test_transient_retries();
    test_metadata_missing();
    test_verify_failures();
    test_guard();
    test_checks_after_promote();
    test_push_mutable_only();
    test_local_build();
    test_free_and_clear();
    return CHECK_DONE();
}

/* A promotion through the publish state machine, driven by hand: the
 * source is read and must hold every platform, an immutable tag at another
 * digest is refused before anything moves, another repository gets a COPY
 * step, and the tags get the source's exact bytes. */
#include "check.h"
#include "job.h"
#include "plan.h"
#include "sha256.h"

#define IMG "ghcr.io/team/brokkr-broker"
#define SRC "ghcr.io/staging/brokkr-broker"
#define ENTRY(arch, hex)                                                                  \
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" \
    hex "\",\"size\":1,\"platform\":{\"architecture\":\"" arch "\",\"os\":\"linux\"}}"
#define HEAD "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
#define HEX_A "1111111111111111111111111111111111111111111111111111111111111111"
#define HEX_B "2222222222222222222222222222222222222222222222222222222222222222"
#define HEX_C "3333333333333333333333333333333333333333333333333333333333333333"
static const char *const INDEX = HEAD ENTRY("amd64", HEX_A) "," ENTRY("arm64", HEX_B) "]}";
static const char *const INDEX_AMD64 = HEAD ENTRY("amd64", HEX_A) "]}";
static const char *const INDEX_OLD = HEAD ENTRY("amd64", HEX_C) "," ENTRY("arm64", HEX_B) "]}";

static void plan_image(ma_image_plan *ip, const char *source)
{
    memset(ip, 0, sizeof *ip);
    ip->component = "broker";
    ip->image = IMG;
    CHECK(ma_strlist_split(&ip->platforms, "linux/amd64,linux/arm64", ',') == 0);
    CHECK(ma_strlist_push(&ip->immutable_tags, "v1.2.3") == 0);
    CHECK(ma_strlist_split(&ip->mutable_tags, "v1.2,v1,latest", ',') == 0);
    CHECK(ma_strlist_push(&ip->sources, source) == 0);
}

static void plan_image_free(ma_image_plan *ip)
{
    ma_strlist_free(&ip->platforms);
    ma_strlist_free(&ip->immutable_tags);
    ma_strlist_free(&ip->mutable_tags);
    ma_strlist_free(&ip->sources);
}

static ma_outcome found(const char *body)
{
    return (ma_outcome){.status = 0, .out = body, .out_len = strlen(body), .registry = 1,
                        .media_type = "application/vnd.oci.image.index.v1+json"};
}

static const ma_outcome ABSENT = {.status = 1, .err_text = "not found", .registry = 1, .not_found = 1};

static void check_get_(const ma_next *next, const char *image, const char *ref)
{
    CHECK(next->kind == MA_NEXT_REGISTRY && next->reg_op == MA_REGOP_GET);
    CHECK(next->image != NULL && strcmp(next->image, image) == 0);
    CHECK(next->argv.len == 1 && strcmp(next->argv.items[0], ref) == 0);
}
#define check_get(...) CASE(check_get_(__VA_ARGS__))

static void step(ma_job *job, ma_outcome o, ma_next *next)
{
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_job_continue(job, &o, next, &err) == 0);
}

static void begin(ma_job *job, int phase, ma_next *next)
{
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_job_begin(job, phase, next, &err) == 0);
}

static void test_conflict_is_refused_before_anything_moves(void)
{
    ma_image_plan ip;
    plan_image(&ip, IMG ":sha-abc1234");
    ma_job job;
    ma_next next = {0};
    ma_job_init(&job, &ip, MA_MODE_PROMOTE, 0, 0, 0);
    CHECK(ma_job_phases(&job) == 4);
    begin(&job, 1, &next);
    check_get(&next, IMG, "sha-abc1234");
    step(&job, found(INDEX), &next);
    check_get(&next, IMG, "v1.2.3");
    step(&job, found(INDEX_OLD), &next);
    CHECK(next.kind == MA_NEXT_FAILED);
    CHECK(strstr(job.error, IMG ":v1.2.3 already exists at") != NULL && strstr(job.error, "--allow-overwrite"));
    CHECK(job.moved.len == 0);
    ma_next_clear(&next);
    ma_job_free(&job);
    plan_image_free(&ip);
}

static void test_a_source_without_a_platform_is_refused(void)
{
    ma_image_plan ip;
    plan_image(&ip, IMG "@sha256:" HEX_C);
    ma_job job;
    ma_next next = {0};
    ma_job_init(&job, &ip, MA_MODE_PROMOTE, 0, 0, 0);
    begin(&job, 1, &next);
    check_get(&next, IMG, "sha256:" HEX_C);
    step(&job, found(INDEX_AMD64), &next);
    CHECK(next.kind == MA_NEXT_FAILED && strstr(job.error, "linux/arm64") != NULL);
    ma_next_clear(&next);
    ma_job_free(&job);
    plan_image_free(&ip);

    plan_image(&ip, IMG ":sha-abc1234");
    ma_job_init(&job, &ip, MA_MODE_PROMOTE, 0, 0, 0);
    begin(&job, 1, &next);
    step(&job, ABSENT, &next);
    CHECK(next.kind == MA_NEXT_FAILED && strstr(job.error, "is not in the registry") != NULL);
    ma_next_clear(&next);
    ma_job_free(&job);
    plan_image_free(&ip);
}

static void test_another_repository_is_copied_then_tagged_with_the_same_bytes(void)
{
    ma_image_plan ip;
    plan_image(&ip, SRC ":sha-abc1234");
    ma_job job;
    ma_next next = {0};
    ma_job_init(&job, &ip, MA_MODE_PROMOTE, 0, 0, 0);
    begin(&job, 1, &next);
    check_get(&next, SRC, "sha-abc1234");
    step(&job, found(INDEX), &next);
    check_get(&next, IMG, "v1.2.3");
    step(&job, ABSENT, &next);
    CHECK(next.kind == MA_NEXT_WAIT && !job.resume);
    char want[MA_DIGEST_MAX];
    ma_sha256_digest(INDEX, strlen(INDEX), want);
    CHECK_STR(job.digest, want);

    begin(&job, 2, &next);
    CHECK(next.kind == MA_NEXT_REGISTRY && next.reg_op == MA_REGOP_COPY);
    CHECK(next.source != NULL && strcmp(next.source, SRC) == 0 && strcmp(next.image, IMG) == 0);
    CHECK(next.body_len == strlen(INDEX) && memcmp(next.body, INDEX, next.body_len) == 0);
    step(&job, found("content from " SRC ": 2 blobs mounted, 0 copied, 0 already there; 2 manifests put"), &next);
    CHECK(next.kind == MA_NEXT_WAIT);
    CHECK(ma_strlist_contains(&job.notes, "content from " SRC ": 2 blobs mounted, 0 copied, 0 already there; "
                                          "2 manifests put"));

    begin(&job, 3, &next);
    CHECK(next.kind == MA_NEXT_REGISTRY && next.reg_op == MA_REGOP_PUT);
    CHECK(next.argv.len == 1 && strcmp(next.argv.items[0], "v1.2.3") == 0);
    CHECK(next.body_len == strlen(INDEX) && memcmp(next.body, INDEX, next.body_len) == 0);
    ma_next_clear(&next);
    ma_job_free(&job);
    plan_image_free(&ip);
}

static void test_a_copy_that_fails_moves_no_tag(void)
{
    ma_image_plan ip;
    plan_image(&ip, SRC ":sha-abc1234");
    ma_job job;
    ma_next next = {0};
    ma_job_init(&job, &ip, MA_MODE_PROMOTE, 0, 0, 0);
    begin(&job, 1, &next);
    step(&job, found(INDEX), &next);
    step(&job, ABSENT, &next);
    begin(&job, 2, &next);
    ma_outcome bad = {.status = 1, .registry = 1, .err_text = "registry ghcr.io: GET staging/brokkr-broker@sha256:"
                                                              HEX_A ": the blob's digest is sha256:" HEX_B ": refused"};
    step(&job, bad, &next);
    CHECK(next.kind == MA_NEXT_FAILED && strstr(job.error, "refused; no tag was moved") != NULL);
    ma_next_clear(&next);
    ma_job_free(&job);
    plan_image_free(&ip);
}

static void test_a_promotion_run_again_is_resumed(void)
{
    ma_image_plan ip;
    plan_image(&ip, IMG ":sha-abc1234");
    ma_job job;
    ma_next next = {0};
    ma_job_init(&job, &ip, MA_MODE_PROMOTE, 0, 0, 0);
    begin(&job, 1, &next);
    step(&job, found(INDEX), &next);
    step(&job, found(INDEX), &next);
    CHECK(next.kind == MA_NEXT_WAIT && job.resume == 1 && ma_strlist_contains(&job.done, "v1.2.3"));
    begin(&job, 2, &next); /* same repository, no signing: nothing to do */
    CHECK(next.kind == MA_NEXT_WAIT);
    begin(&job, 3, &next); /* v1.2.3 names it already */
    CHECK(next.kind == MA_NEXT_WAIT);
    ma_next_clear(&next);
    ma_job_free(&job);
    plan_image_free(&ip);
}

int main(void)
{
    test_conflict_is_refused_before_anything_moves();
    test_a_source_without_a_platform_is_refused();
    test_another_repository_is_copied_then_tagged_with_the_same_bytes();
    test_a_copy_that_fails_moves_no_tag();
    test_a_promotion_run_again_is_resumed();
    return CHECK_DONE();
}

/* Platforms of pushed indexes and the read-back verification, on real-shaped manifests. */
#include <stdlib.h>

#include "check.h"
#include "manifest.h"
#include "sha256.h"

#define D_AMD64 "sha256:240389f4b730bad41f218a56c250ee7d82f42297ce7b9d0b6eb4f1cb3282c480"
#define D_ARM64 "sha256:ddf7ff5ebd9d66ce161466c1c0262430fa04de32b0e420ee3f489e2e2112e386"
#define D_ARMV7 "sha256:5ba6c8710dd1369ce61603ab9b7a81b25f92d4a9f74956ab72a7ea75884f07ee"
#define D_ATT1 "sha256:35143e7a5239313ee73b81f2f99b785aaed42d9572d1f797dc19fa14aa6b081f"
#define D_ATT2 "sha256:dd86e2310bdf3ab45816029e264c4745a2a028961719031597877887a8f6f1df"
#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"

/* What buildx pushes for three platforms with default provenance attestations. */
static const char OCI_INDEX[] =
    "{\n"
    "  \"schemaVersion\": 2,\n"
    "  \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n"
    "  \"manifests\": [\n"
    "    {\"mediaType\": \"" OCI_MANIFEST "\", \"digest\": \"" D_AMD64 "\", \"size\": 673,\n"
    "     \"platform\": {\"architecture\": \"amd64\", \"os\": \"linux\"}},\n"
    "    {\"mediaType\": \"" OCI_MANIFEST "\", \"digest\": \"" D_ARM64 "\", \"size\": 673,\n"
    "     \"platform\": {\"architecture\": \"arm64\", \"os\": \"linux\"}},\n"
    "    {\"mediaType\": \"" OCI_MANIFEST "\", \"digest\": \"" D_ARMV7 "\", \"size\": 673,\n"
    "     \"platform\": {\"architecture\": \"arm\", \"os\": \"linux\", \"variant\": \"v7\"}},\n"
    "    {\"mediaType\": \"" OCI_MANIFEST "\", \"digest\": \"" D_ATT1 "\", \"size\": 566,\n"
    "     \"annotations\": {\"vnd.docker.reference.digest\": \"" D_AMD64 "\",\n"
    "                     \"vnd.docker.reference.type\": \"attestation-manifest\"},\n"
    "     \"platform\": {\"architecture\": \"unknown\", \"os\": \"unknown\"}},\n"
    "    {\"mediaType\": \"" OCI_MANIFEST "\", \"digest\": \"" D_ATT2 "\", \"size\": 566,\n"
    "     \"annotations\": {\"vnd.docker.reference.digest\": \"" D_ARM64 "\",\n"
    "                     \"vnd.docker.reference.type\": \"attestation-manifest\"},\n"
    "     \"platform\": {\"architecture\": \"unknown\", \"os\": \"unknown\"}}\n"
    "  ]\n"
    "}\n";
/* sha256sum of OCI_INDEX's bytes (computed outside this code, with coreutils). */
#define OCI_INDEX_DIGEST "sha256:51188fcfc0b75b301670ee2a27210e3b3e4f1282a4739538476a1d8fbca7f940"

/* A Docker Hub style manifest list: arm64 carries its v8 variant. */
static const char DOCKER_LIST[] =
    "{\"schemaVersion\": 2,\n"
    " \"mediaType\": \"application/vnd.docker.distribution.manifest.list.v2+json\",\n"
    " \"manifests\": [\n"
    "  {\"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\", \"size\": 528,\n"
    "   \"digest\": \"" D_AMD64 "\",\n"
    "   \"platform\": {\"architecture\": \"amd64\", \"os\": \"linux\"}},\n"
    "  {\"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\", \"size\": 528,\n"
    "   \"digest\": \"" D_ARM64 "\",\n"
    "   \"platform\": {\"architecture\": \"arm64\", \"os\": \"linux\", \"variant\": \"v8\"}}\n"
    " ]}";

/* What a single-platform push gives: an image manifest, no "manifests". */
static const char IMAGE_MANIFEST[] =
    "{\"schemaVersion\": 2, \"mediaType\": \"" OCI_MANIFEST "\",\n"
    " \"config\": {\"mediaType\": \"application/vnd.oci.image.config.v1+json\",\n"
    "            \"digest\": \"" D_ATT1 "\", \"size\": 1470},\n"
    " \"layers\": [{\"mediaType\": \"application/vnd.oci.image.layer.v1.tar+gzip\",\n"
    "             \"digest\": \"" D_ATT2 "\", \"size\": 3401613}]}";

static const char AMD64_ONLY[] =
    "{\"schemaVersion\": 2, \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n"
    " \"manifests\": [{\"mediaType\": \"" OCI_MANIFEST "\", \"digest\": \"" D_AMD64 "\",\n"
    "   \"size\": 673, \"platform\": {\"architecture\": \"amd64\", \"os\": \"linux\"}}]}";

#define JOINED_MAX 512

/* The list joined with "," into buf, for one CHECK_STR. */
static const char *joined(const ma_strlist *l, char buf[JOINED_MAX])
{
    char *s = ma_strlist_join(l, ",");
    snprintf(buf, JOINED_MAX, "%s", s != NULL ? s : "(nomem)");
    free(s);
    return buf;
}

static void test_platforms(void)
{
    ma_strlist out = MA_STRLIST_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    char buf[JOINED_MAX];
    CHECK(ma_index_platforms(OCI_INDEX, strlen(OCI_INDEX), &out, &err) == 0);
    CHECK_STR(joined(&out, buf), "linux/amd64,linux/arm64,linux/arm/v7");
    ma_strlist_free(&out);

    CHECK(ma_index_platforms(DOCKER_LIST, strlen(DOCKER_LIST), &out, &err) == 0);
    CHECK_STR(joined(&out, buf), "linux/amd64,linux/arm64/v8");
    ma_strlist_free(&out);

    /* Appends after what the caller already holds. */
    CHECK(ma_strlist_push(&out, "keep") == 0);
    CHECK(ma_index_platforms(IMAGE_MANIFEST, strlen(IMAGE_MANIFEST), &out, &err) == 0);
    CHECK_STR(joined(&out, buf), "keep");
    CHECK(ma_index_platforms(AMD64_ONLY, strlen(AMD64_ONLY), &out, &err) == 0);
    CHECK_STR(joined(&out, buf), "keep,linux/amd64");
    ma_strlist_free(&out);

    /* Attestations by annotation alone, or by unknown/unknown alone; no platform at all. */
    const char *odd =
        "{\"mediaType\": \"application/vnd.oci.image.index.v1+json\", \"manifests\": [\n"
        " {\"digest\": \"" D_ATT1 "\",\n"
        "  \"platform\": {\"architecture\": \"amd64\", \"os\": \"linux\"},\n"
        "  \"annotations\": {\"vnd.docker.reference.type\": \"attestation-manifest\"}},\n"
        " {\"digest\": \"" D_ATT2 "\",\n"
        "  \"platform\": {\"architecture\": \"unknown\", \"os\": \"unknown\"}},\n"
        " {\"digest\": \"" D_ARMV7 "\"},\n"
        " {\"digest\": \"" D_ARM64 "\",\n"
        "  \"platform\": {\"architecture\": \"arm64\", \"os\": \"linux\", \"variant\": \"\"},\n"
        "  \"annotations\": {\"org.opencontainers.image.created\": \"now\"}}]}";
    CHECK(ma_index_platforms(odd, strlen(odd), &out, &err) == 0);
    CHECK_STR(joined(&out, buf), "linux/arm64");
    ma_strlist_free(&out);

    /* raw is bytes with a length, not a C string. */
    char raw[sizeof AMD64_ONLY + 8];
    memcpy(raw, AMD64_ONLY, strlen(AMD64_ONLY));
    memcpy(raw + strlen(AMD64_ONLY), "garbage!", 8);
    CHECK(ma_index_platforms(raw, strlen(AMD64_ONLY), &out, &err) == 0);
    CHECK_STR(joined(&out, buf), "linux/amd64");
    ma_strlist_free(&out);
}

/* Expect ma_index_platforms to fail with `why`, leaving the caller's list untouched. */
static void check_platforms_fail_(const char *raw, size_t len, const char *why)
{
    ma_strlist out = MA_STRLIST_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    char buf[JOINED_MAX];
    CHECK(ma_strlist_push(&out, "keep") == 0);
    CHECK(ma_index_platforms(raw, len, &out, &err) == -1);
    CHECK(err.kind == MA_ERR_BUILD);
    CHECK(contains(err.msg, why));
    if (!contains(err.msg, why))
        fprintf(stderr, "  message: %s\n", err.msg);
    CHECK_STR(joined(&out, buf), "keep");
    ma_strlist_free(&out);
}
#define check_platforms_fail(...) CASE(check_platforms_fail_(__VA_ARGS__))

static void test_platforms_reject(void)
{
    const char *truncated = "{\"schemaVersion\": 2, \"manifests\": [{\"platform\": {\"archi";
    check_platforms_fail(truncated, strlen(truncated), "not valid JSON");
    check_platforms_fail("not json", 8, "not valid JSON");
    check_platforms_fail("{} {}", 5, "not valid JSON");
    check_platforms_fail(OCI_INDEX, strlen(OCI_INDEX) - 3, "not valid JSON");
    check_platforms_fail("", 0, "empty manifest");
    check_platforms_fail(NULL, 0, "empty manifest");
    check_platforms_fail("[]", 2, "not a JSON object");
    check_platforms_fail("\"sha256:abc\"", 12, "not a JSON object");
    const char *registry_error =
        "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}";
    check_platforms_fail(registry_error, strlen(registry_error), "not an image manifest or index");
    const char *not_array = "{\"schemaVersion\": 2, \"manifests\": {}}";
    check_platforms_fail(not_array, strlen(not_array), "\"manifests\" is not an array");
    const char *bad_entry = "{\"manifests\": [{\"platform\": {\"architecture\": \"amd64\", "
                            "\"os\": \"linux\"}}, 42]}";
    check_platforms_fail(bad_entry, strlen(bad_entry), "entry 1 is not a JSON object");
    /* The first entry is pushed before the second fails: it must be taken back. */
    const char *no_os = "{\"manifests\": [{\"platform\": {\"architecture\": \"amd64\", "
                        "\"os\": \"linux\"}}, {\"platform\": {\"architecture\": \"arm64\"}}]}";
    check_platforms_fail(no_os, strlen(no_os), "entry 1 has a platform without");
    const char *num_os = "{\"manifests\": [{\"platform\": {\"architecture\": \"arm64\", "
                         "\"os\": 7}}]}";
    check_platforms_fail(num_os, strlen(num_os), "entry 0 has a platform without");
    /* Found by fuzz_index: a '/' inside a field made "os/arch" ambiguous
     * ("/ nux" gave "/ nux/arm64"; os "linux/arm" + "v7" passed for linux/arm/v7). */
    const char *slash_os = "{\"manifests\": [{\"platform\": {\"architecture\": \"v7\", "
                           "\"os\": \"linux/arm\"}}]}";
    check_platforms_fail(slash_os, strlen(slash_os), "entry 0 has a platform field holding '/'");
    const char *slash_arch = "{\"manifests\": [{\"platform\": {\"architecture\": \"arm/v7\", "
                             "\"os\": \"linux\"}}]}";
    check_platforms_fail(slash_arch, strlen(slash_arch), "entry 0 has a platform field holding '/'");
    const char *slash_variant = "{\"manifests\": [{\"platform\": {\"architecture\": \"arm\", "
                                "\"os\": \"linux\", \"variant\": \"v7/\"}}]}";
    check_platforms_fail(slash_variant, strlen(slash_variant), "entry 0 has a platform field holding '/'");
}

static void want_list_(ma_strlist *l, const char *csv)
{
    ma_strlist_free(l);
    if (*csv != '\0')
        CHECK(ma_strlist_split(l, csv, ',') == 0);
}
#define want_list(...) CASE(want_list_(__VA_ARGS__))

static void test_verify(void)
{
    ma_strlist want = MA_STRLIST_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    const char *ref = "127.0.0.1:5000/x:v1";
    size_t len = strlen(OCI_INDEX);

    char computed[MA_DIGEST_MAX];
    ma_sha256_digest(OCI_INDEX, len, computed);
    CHECK_STR(computed, OCI_INDEX_DIGEST);

    want_list(&want, "linux/amd64,linux/arm64");
    CHECK(ma_index_verify(ref, OCI_INDEX, len, OCI_INDEX_DIGEST, &want, &err) == 0);
    want_list(&want, "linux/arm64/v8,linux/arm,linux/amd64"); /* normalized like containerd */
    CHECK(ma_index_verify(ref, OCI_INDEX, len, OCI_INDEX_DIGEST, &want, &err) == 0);
    want_list(&want, "");
    CHECK(ma_index_verify(ref, OCI_INDEX, len, OCI_INDEX_DIGEST, &want, &err) == 0);
    CHECK(ma_index_verify(ref, OCI_INDEX, len, OCI_INDEX_DIGEST, NULL, &err) == 0);

    /* The registry holds other bytes than buildx pushed. */
    want_list(&want, "linux/amd64");
    CHECK(ma_index_verify(ref, OCI_INDEX, len, D_AMD64, &want, &err) == -1);
    CHECK(err.kind == MA_ERR_BUILD);
    CHECK_STR(err.msg, "pushed index 127.0.0.1:5000/x:v1 reads back as " OCI_INDEX_DIGEST
                       ", not the pushed digest " D_AMD64);
    /* One byte more is another digest. */
    CHECK(ma_index_verify(ref, OCI_INDEX, len - 1, OCI_INDEX_DIGEST, &want, &err) == -1);
    CHECK(contains(err.msg, "not the pushed digest " OCI_INDEX_DIGEST));

    char amd_digest[MA_DIGEST_MAX];
    ma_sha256_digest(AMD64_ONLY, strlen(AMD64_ONLY), amd_digest);
    want_list(&want, "linux/amd64,linux/arm64,linux/s390x");
    CHECK(ma_index_verify(ref, AMD64_ONLY, strlen(AMD64_ONLY), amd_digest, &want, &err) == -1);
    CHECK(err.kind == MA_ERR_BUILD);
    char expect[512];
    snprintf(expect, sizeof expect,
             "pushed index 127.0.0.1:5000/x:v1@%s holds linux/amd64 but not linux/arm64, "
             "linux/s390x",
             amd_digest);
    CHECK_STR(err.msg, expect);

    /* A digest reference is shown as it is. */
    char by_digest[256];
    snprintf(by_digest, sizeof by_digest, "127.0.0.1:5000/x@%s", amd_digest);
    want_list(&want, "linux/amd64,linux/arm64");
    CHECK(ma_index_verify(by_digest, AMD64_ONLY, strlen(AMD64_ONLY), amd_digest, &want, &err) ==
          -1);
    snprintf(expect, sizeof expect,
             "pushed index 127.0.0.1:5000/x@%s holds linux/amd64 but not linux/arm64", amd_digest);
    CHECK_STR(err.msg, expect);

    /* Docker's arm64/v8 satisfies linux/arm64; a v7 wish is not met by arm64. */
    char list_digest[MA_DIGEST_MAX];
    ma_sha256_digest(DOCKER_LIST, strlen(DOCKER_LIST), list_digest);
    want_list(&want, "linux/arm64,linux/amd64");
    CHECK(ma_index_verify(ref, DOCKER_LIST, strlen(DOCKER_LIST), list_digest, &want, &err) == 0);
    want_list(&want, "linux/arm/v7");
    CHECK(ma_index_verify(ref, DOCKER_LIST, strlen(DOCKER_LIST), list_digest, &want, &err) == -1);
    CHECK(contains(err.msg, "holds linux/amd64, linux/arm64/v8 but not linux/arm/v7"));

    /* A single-platform manifest where an index was wanted. */
    char image_digest[MA_DIGEST_MAX];
    ma_sha256_digest(IMAGE_MANIFEST, strlen(IMAGE_MANIFEST), image_digest);
    want_list(&want, "linux/amd64");
    CHECK(ma_index_verify(ref, IMAGE_MANIFEST, strlen(IMAGE_MANIFEST), image_digest, &want,
                          &err) == -1);
    snprintf(expect, sizeof expect,
             "pushed index 127.0.0.1:5000/x:v1@%s holds no platform images, not linux/amd64",
             image_digest);
    CHECK_STR(err.msg, expect);

    /* An entry whose os holds the architecture is no linux/arm/v7 image. */
    const char *split = "{\"schemaVersion\": 2, \"manifests\": [{\"platform\": "
                        "{\"architecture\": \"v7\", \"os\": \"linux/arm\"}}]}";
    char split_digest[MA_DIGEST_MAX];
    ma_sha256_digest(split, strlen(split), split_digest);
    want_list(&want, "linux/arm/v7");
    CHECK(ma_index_verify(ref, split, strlen(split), split_digest, &want, &err) == -1);
    CHECK(contains(err.msg, "platform field holding '/'"));

    /* Bytes that match the digest but are no manifest. */
    const char *junk = "{\"manifests\": [";
    char junk_digest[MA_DIGEST_MAX];
    ma_sha256_digest(junk, strlen(junk), junk_digest);
    CHECK(ma_index_verify(ref, junk, strlen(junk), junk_digest, &want, &err) == -1);
    CHECK(err.kind == MA_ERR_BUILD);
    CHECK(contains(err.msg, "pushed index 127.0.0.1:5000/x:v1@sha256:"));
    CHECK(contains(err.msg, "not valid JSON"));
    CHECK(strchr(err.msg, '\n') == NULL);

    ma_strlist_free(&want);
}

/* Only an object with a "manifests" array is an index; raw is bytes with a length. */
static void test_raw_is_index(void)
{
    CHECK(ma_raw_is_index(OCI_INDEX, strlen(OCI_INDEX)) == 1);
    CHECK(ma_raw_is_index(DOCKER_LIST, strlen(DOCKER_LIST)) == 1);
    CHECK(ma_raw_is_index(AMD64_ONLY, strlen(AMD64_ONLY)) == 1);
    CHECK(ma_raw_is_index(IMAGE_MANIFEST, strlen(IMAGE_MANIFEST)) == 0);
    const char *empty_list = "{\"manifests\": []}";
    CHECK(ma_raw_is_index(empty_list, strlen(empty_list)) == 1);
    const char *not_array = "{\"manifests\": {}}";
    CHECK(ma_raw_is_index(not_array, strlen(not_array)) == 0);
    CHECK(ma_raw_is_index("[{\"manifests\": []}]", 19) == 0);
    CHECK(ma_raw_is_index("not json", 8) == 0);
    CHECK(ma_raw_is_index("", 0) == 0);
    CHECK(ma_raw_is_index(NULL, 0) == 0);
    /* the length counts: garbage after it is not read, a cut document is no index */
    char raw[sizeof AMD64_ONLY + 8];
    memcpy(raw, AMD64_ONLY, strlen(AMD64_ONLY));
    memcpy(raw + strlen(AMD64_ONLY), "garbage!", 8);
    CHECK(ma_raw_is_index(raw, strlen(AMD64_ONLY)) == 1);
    CHECK(ma_raw_is_index(raw, strlen(AMD64_ONLY) + 8) == 0);
    CHECK(ma_raw_is_index(AMD64_ONLY, strlen(AMD64_ONLY) - 1) == 0);
}

/* ma_index_verify_exact(raw, want) fails with MA_ERR_BUILD and exactly this message. */
static void check_exact_fails_(const char *raw, const char *want_csv, const char *msg, int line)
{
    ma_strlist want = MA_STRLIST_INIT;
    want_list(&want, want_csv);
    ma_error err = {MA_ERR_NONE, ""};
    int rc = ma_index_verify_exact("the index of broker", raw, strlen(raw), &want, &err);
    check_count++;
    if (rc != -1 || err.kind != MA_ERR_BUILD || strcmp(err.msg, msg) != 0) {
        check_failures++;
        fprintf(stderr, "%s:%d: verify_exact(%s): rc %d kind %d\n  got:  %s\n  want: %s\n", __FILE__, line,
                want_csv, rc, (int)err.kind, err.msg, msg);
    }
    ma_strlist_free(&want);
}
#define CHECK_EXACT_FAILS(raw, want, msg) check_exact_fails_((raw), (want), (msg), __LINE__)

#define ENTRY(arch, variant_json) \
    "{\"digest\": \"" D_AMD64 "\", \"platform\": {\"architecture\": \"" arch "\", \"os\": \"linux\"" variant_json "}}"

/* The index a merge makes holds each wanted platform exactly once and nothing
 * else; attestation manifests are no platform images. */
static void test_verify_exact(void)
{
    ma_strlist want = MA_STRLIST_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    want_list(&want, "linux/amd64,linux/arm64,linux/arm/v7");
    CHECK(ma_index_verify_exact("x", OCI_INDEX, strlen(OCI_INDEX), &want, &err) == 0);
    want_list(&want, "linux/arm/v7,linux/amd64,linux/arm64"); /* order does not matter */
    CHECK(ma_index_verify_exact("x", OCI_INDEX, strlen(OCI_INDEX), &want, &err) == 0);
    /* platforms compare normalized: arm64/v8 is arm64 */
    want_list(&want, "linux/amd64,linux/arm64");
    CHECK(ma_index_verify_exact("x", DOCKER_LIST, strlen(DOCKER_LIST), &want, &err) == 0);
    ma_strlist_free(&want);

    CHECK_EXACT_FAILS(OCI_INDEX, "linux/amd64,linux/arm64",
                      "the index of broker has the wrong platforms: linux/arm/v7 not expected");
    CHECK_EXACT_FAILS(OCI_INDEX, "linux/amd64,linux/arm64,linux/arm/v7,linux/s390x",
                      "the index of broker has the wrong platforms: linux/s390x missing");
    CHECK_EXACT_FAILS(AMD64_ONLY, "linux/amd64,linux/arm64",
                      "the index of broker has the wrong platforms: linux/arm64 missing");
    const char *doubled = "{\"manifests\": [" ENTRY("amd64", "") ", " ENTRY("arm64", "") ", "
                          ENTRY("amd64", ", \"variant\": \"v1\"") "]}";
    CHECK_EXACT_FAILS(doubled, "linux/amd64,linux/arm64",
                      "the index of broker has the wrong platforms: linux/amd64 twice");
    /* every problem in one message: missing, then extra */
    CHECK_EXACT_FAILS(OCI_INDEX, "linux/amd64,linux/s390x",
                      "the index of broker has the wrong platforms: linux/s390x missing, linux/arm64 not "
                      "expected, linux/arm/v7 not expected");
    /* a single image manifest holds no platform images */
    CHECK_EXACT_FAILS(IMAGE_MANIFEST, "linux/amd64",
                      "the index of broker has the wrong platforms: linux/amd64 missing");

    /* not a manifest at all: the parse error, prefixed with what was checked */
    want_list(&want, "linux/amd64");
    ma_error_clear(&err);
    CHECK(ma_index_verify_exact("the index of ui", "{\"manifests\": [", 15, &want, &err) == -1);
    CHECK(err.kind == MA_ERR_BUILD);
    CHECK(strncmp(err.msg, "the index of ui: ", 17) == 0);
    CHECK(contains(err.msg, "not valid JSON"));
    ma_strlist_free(&want);
}

int main(void)
{
    test_platforms();
    test_platforms_reject();
    test_verify();
    test_raw_is_index();
    test_verify_exact();
    return CHECK_DONE();
}

/* What a tag already holds, from the registry's answers: the manifest the
 * tag names (its platforms, and revision and version from an index's
 * annotations), where the labels are when it does not say (an index's first
 * platform image, an image manifest's config), and the labels of a config. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "published.h"

/* A strlist holding exactly these items. */
#define CHECK_LIST(got, ...)                                    \
    do {                                                        \
        const char *const want_[] = {__VA_ARGS__, NULL};        \
        check_strlist_((got), want_, #got, __FILE__, __LINE__); \
    } while (0)

#define REF "127.0.0.1:5555/examples/hello-web:v1.0.0"
#define REV_A "7282dfcacd12ef5690110be285e29617c302f3c1"
#define REV_B "1e0691cb8f150bfd83ecda5b1f06ebb68d034196"
#define DIGEST_INDEX "sha256:b59a9a2c7ce437569e25e9612d0a459bc64ffda6c8e3f5d6f5b3e28066b46d3d"
#define D_AMD64 "sha256:114191c87e707fba65c64f2c05ac9dcea164aa128a2bcbbdb5f2062cf40bce27"
#define D_ARM64 "sha256:b85764096df7498c255d5af59763aa21a0cfd5907d92cf5ee85a76f8794d979e"
#define D_ATT "sha256:6c05af897015c1fea6ac261e1657a3fb7423330593a67f539d96212489c07c96"
#define D_CONFIG "sha256:1105444bf695e07d16ddc75529f781656eba72d2556cbf0a878eb31e2cb28f1a"

/* The index buildx pushes for two platforms with provenance, the attestation listed first. */
#define INDEX(annotations)                                                                                       \
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["            \
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D_ATT "\",\"size\":566,"      \
    "\"annotations\":{\"vnd.docker.reference.digest\":\"" D_AMD64 "\",\"vnd.docker.reference.type\":"           \
    "\"attestation-manifest\"},\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}},"                 \
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D_AMD64 "\",\"size\":669,"    \
    "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"                                              \
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D_ARM64 "\",\"size\":669,"    \
    "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}}]" annotations "}"

static const char *const IMAGE_MANIFEST =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
    "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D_CONFIG "\",\"size\":1200},\"layers\":[]}";

static const char *const CONFIG =
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\"],\"Labels\":{"
    "\"org.opencontainers.image.revision\":\"" REV_A "\",\"org.opencontainers.image.version\":\"v1.0.0\"}}}";

/* An index without annotations: its platforms; the labels are in its first platform image (not the attestation). */
static void test_index_then_labels(void)
{
    const char *raw = INDEX("");
    ma_published p;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_published_from_manifest(REF, DIGEST_INDEX, raw, strlen(raw), &p, &err) == 0);
    CHECK_STR(p.digest, DIGEST_INDEX);
    CHECK_LIST(&p.platforms, "linux/amd64", "linux/arm64");
    CHECK(p.revision == NULL && p.version == NULL);
    char at[MA_DIGEST_MAX] = "";
    int config = -1;
    CHECK(ma_published_labels_at(raw, strlen(raw), at, &config) == 1);
    CHECK_STR(at, D_AMD64);
    CHECK(config == 0);
    /* that image's manifest names its config */
    CHECK(ma_published_labels_at(IMAGE_MANIFEST, strlen(IMAGE_MANIFEST), at, &config) == 1);
    CHECK_STR(at, D_CONFIG);
    CHECK(config == 1);
    CHECK(ma_published_take_config(&p, CONFIG, strlen(CONFIG)) == 0);
    CHECK_STR(p.revision, REV_A);
    CHECK_STR(p.version, "v1.0.0");
    ma_published_free(&p);
    ma_published_free(&p); /* twice: safe */
}

/* The index's annotations win over the labels, which only fill what they leave out. */
static void test_annotations_preferred(void)
{
    const char *raw = INDEX(",\"annotations\":{\"org.opencontainers.image.revision\":\"" REV_B "\"}");
    ma_published p;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_published_from_manifest(REF, DIGEST_INDEX, raw, strlen(raw), &p, &err) == 0);
    CHECK_STR(p.revision, REV_B);
    CHECK(p.version == NULL);
    CHECK(ma_published_take_config(&p, CONFIG, strlen(CONFIG)) == 0);
    CHECK_STR(p.revision, REV_B);
    CHECK_STR(p.version, "v1.0.0");
    ma_published_free(&p);

    raw = INDEX(",\"annotations\":{\"org.opencontainers.image.revision\":\"" REV_A "\","
                "\"org.opencontainers.image.version\":\"v2.0.0\"}");
    CHECK(ma_published_from_manifest(REF, DIGEST_INDEX, raw, strlen(raw), &p, &err) == 0);
    CHECK_STR(p.revision, REV_A);
    CHECK_STR(p.version, "v2.0.0");
    ma_published_free(&p);
}

/* One platform's image manifest: no platforms listed, the labels in its config. */
static void test_single_manifest(void)
{
    ma_published p;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_published_from_manifest(REF, D_AMD64, IMAGE_MANIFEST, strlen(IMAGE_MANIFEST), &p, &err) == 0);
    CHECK(p.platforms.len == 0);
    CHECK_STR(p.digest, D_AMD64);
    ma_published_free(&p);
    /* a config without labels, or not JSON, leaves them missing */
    CHECK(ma_published_from_manifest(REF, D_AMD64, IMAGE_MANIFEST, strlen(IMAGE_MANIFEST), &p, &err) == 0);
    CHECK(ma_published_take_config(&p, "{\"config\":{}}", 13) == 0);
    CHECK(ma_published_take_config(&p, "not json", 8) == 0);
    CHECK(p.revision == NULL && p.version == NULL);
    ma_published_free(&p);
}

/* Nothing to read next: an index of attestations only, a manifest without a config. */
static void test_no_labels_to_read(void)
{
    const char *only_att =
        "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"" D_ATT "\",\"platform\":{\"architecture\":\"unknown\","
        "\"os\":\"unknown\"}}]}";
    char at[MA_DIGEST_MAX] = "";
    int config = -1;
    CHECK(ma_published_labels_at(only_att, strlen(only_att), at, &config) == 0);
    CHECK(ma_published_labels_at("{\"schemaVersion\":2,\"layers\":[]}", 31, at, &config) == 0);
    CHECK(ma_published_labels_at("{\"config\":{\"digest\":\"sha256:short\"}}", 36, at, &config) == 0);
}

/* What is not a manifest is refused, naming the reference; only len bytes are read. */
static void test_not_a_manifest(void)
{
    ma_published p;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_published_from_manifest(REF, DIGEST_INDEX, "Name: x\n", 8, &p, &err) == -1);
    CHECK(err.kind == MA_ERR_BUILD);
    CHECK(strncmp(err.msg, REF ": ", strlen(REF) + 2) == 0);
    CHECK(p.revision == NULL && p.platforms.len == 0);
    const char *raw = INDEX("");
    CHECK(ma_published_from_manifest(REF, DIGEST_INDEX, raw, strlen(raw) / 2, &p, &err) == -1);
    ma_published_free(&p);
}

int main(void)
{
    test_index_then_labels();
    test_annotations_preferred();
    test_single_manifest();
    test_no_labels_to_read();
    test_not_a_manifest();
    return CHECK_DONE();
}

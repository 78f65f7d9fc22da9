/* What a tag already holds, parsed from `docker buildx imagetools inspect
 * --format '{{json .}}' IMAGE:TAG`: the digest, the commit and version it
 * was made from, and its platforms. */
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
#define DIGEST_ONE "sha256:1105444bf695e07d16ddc75529f781656eba72d2556cbf0a878eb31e2cb28f1a"

/* Real output for a two-platform index with provenance attestations (history cut short). */
static const char *const HELLO_WEB =
    "{\n"
    "  \"name\": \"127.0.0.1:5555/examples/hello-web:v1.0.0\",\n"
    "  \"manifest\": {\n"
    "    \"schemaVersion\": 2,\n"
    "    \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n"
    "    \"digest\": \"sha256:b59a9a2c7ce437569e25e9612d0a459bc64ffda6c8e3f5d6f5b3e28066b46d3d\",\n"
    "    \"size\": 1607,\n"
    "    \"manifests\": [\n"
    "      {\n"
    "        \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n"
    "        \"digest\": \"sha256:114191c87e707fba65c64f2c05ac9dcea164aa128a2bcbbdb5f2062cf40bce27\",\n"
    "        \"size\": 669,\n"
    "        \"platform\": {\n"
    "          \"architecture\": \"amd64\",\n"
    "          \"os\": \"linux\"\n"
    "        }\n"
    "      },\n"
    "      {\n"
    "        \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n"
    "        \"digest\": \"sha256:b85764096df7498c255d5af59763aa21a0cfd5907d92cf5ee85a76f8794d979e\",\n"
    "        \"size\": 669,\n"
    "        \"platform\": {\n"
    "          \"architecture\": \"arm64\",\n"
    "          \"os\": \"linux\"\n"
    "        }\n"
    "      },\n"
    "      {\n"
    "        \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n"
    "        \"digest\": \"sha256:6c05af897015c1fea6ac261e1657a3fb7423330593a67f539d96212489c07c96\",\n"
    "        \"size\": 566,\n"
    "        \"annotations\": {\n"
    "          \"vnd.docker.reference.digest\": \"sha256:114191c87e707fba65c64f2c05ac9dcea164aa128a2bcbbdb5f2062cf40bce27\",\n"
    "          \"vnd.docker.reference.type\": \"attestation-manifest\"\n"
    "        },\n"
    "        \"platform\": {\n"
    "          \"architecture\": \"unknown\",\n"
    "          \"os\": \"unknown\"\n"
    "        }\n"
    "      },\n"
    "      {\n"
    "        \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n"
    "        \"digest\": \"sha256:3a89ae92b92f2994eea3906aa64b2d464f33954e48c0edf52c3ce34501ea9e1d\",\n"
    "        \"size\": 566,\n"
    "        \"annotations\": {\n"
    "          \"vnd.docker.reference.digest\": \"sha256:b85764096df7498c255d5af59763aa21a0cfd5907d92cf5ee85a76f8794d979e\",\n"
    "          \"vnd.docker.reference.type\": \"attestation-manifest\"\n"
    "        },\n"
    "        \"platform\": {\n"
    "          \"architecture\": \"unknown\",\n"
    "          \"os\": \"unknown\"\n"
    "        }\n"
    "      }\n"
    "    ]\n"
    "  },\n"
    "  \"image\": {\n"
    "    \"linux/amd64\": {\n"
    "      \"created\": \"2026-11-30T18:45:45.527245711Z\",\n"
    "      \"architecture\": \"amd64\",\n"
    "      \"os\": \"linux\",\n"
    "      \"config\": {\n"
    "        \"Env\": [\n"
    "          \"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"\n"
    "        ],\n"
    "        \"Cmd\": [\n"
    "          \"cat\",\n"
    "          \"/hello.txt\"\n"
    "        ],\n"
    "        \"Labels\": {\n"
    "          \"org.opencontainers.image.created\": \"2026-01-01T00:00:00Z\",\n"
    "          \"org.opencontainers.image.revision\": \"7282dfcacd12ef5690110be285e29617c302f3c1\",\n"
    "          \"org.opencontainers.image.source\": \"https://github.com/colliery-io/multiarch-hello\",\n"
    "          \"org.opencontainers.image.title\": \"hello-web\",\n"
    "          \"org.opencontainers.image.version\": \"v1.0.0\"\n"
    "        },\n"
    "        \"ArgsEscaped\": true\n"
    "      },\n"
    "      \"rootfs\": {\n"
    "        \"type\": \"layers\",\n"
    "        \"diff_ids\": [\n"
    "          \"sha256:16d4f66cfd310f784ebad03ca3f4c100e0fea5902c03d6493a9c1bc6bccc1f80\",\n"
    "          \"sha256:cc502999cedd1d2b36c07e935168709e1b1644ce6901f82653a6f03ce399c3d6\"\n"
    "        ]\n"
    "      },\n"
    "      \"history\": [\n"
    "        {\n"
    "          \"created\": \"2026-11-30T18:44:25.596881129Z\",\n"
    "          \"comment\": \"Imported from -\"\n"
    "        },\n"
    "        {\n"
    "          \"created\": \"2026-11-30T18:45:45.527245711Z\",\n"
    "          \"created_by\": \"ARG VERSION=dev\",\n"
    "          \"comment\": \"buildkit.dockerfile.v0\",\n"
    "          \"empty_layer\": true\n"
    "        }\n"
    "      ]\n"
    "    },\n"
    "    \"linux/arm64\": {\n"
    "      \"created\": \"2026-11-30T18:45:45.563857959Z\",\n"
    "      \"architecture\": \"arm64\",\n"
    "      \"os\": \"linux\",\n"
    "      \"config\": {\n"
    "        \"Env\": [\n"
    "          \"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"\n"
    "        ],\n"
    "        \"Cmd\": [\n"
    "          \"cat\",\n"
    "          \"/hello.txt\"\n"
    "        ],\n"
    "        \"Labels\": {\n"
    "          \"org.opencontainers.image.created\": \"2026-01-01T00:00:00Z\",\n"
    "          \"org.opencontainers.image.revision\": \"7282dfcacd12ef5690110be285e29617c302f3c1\",\n"
    "          \"org.opencontainers.image.source\": \"https://github.com/colliery-io/multiarch-hello\",\n"
    "          \"org.opencontainers.image.title\": \"hello-web\",\n"
    "          \"org.opencontainers.image.version\": \"v1.0.0\"\n"
    "        },\n"
    "        \"ArgsEscaped\": true\n"
    "      },\n"
    "      \"rootfs\": {\n"
    "        \"type\": \"layers\",\n"
    "        \"diff_ids\": [\n"
    "          \"sha256:e5357b787a682d80f8ad310e383d295e3121d5582e0120173928339505f89834\",\n"
    "          \"sha256:a956f97ad951bfa20393159065acc7721f540979841a97cecb9e387125a72e9b\"\n"
    "        ]\n"
    "      },\n"
    "      \"history\": [\n"
    "        {\n"
    "          \"created\": \"2026-11-30T18:44:25.846738437Z\",\n"
    "          \"comment\": \"Imported from -\"\n"
    "        },\n"
    "        {\n"
    "          \"created\": \"2026-11-30T18:45:45.563857959Z\",\n"
    "          \"created_by\": \"ARG VERSION=dev\",\n"
    "          \"comment\": \"buildkit.dockerfile.v0\",\n"
    "          \"empty_layer\": true\n"
    "        }\n"
    "      ]\n"
    "    }\n"
    "  }\n"
    "}\n";

/* The index part of such an output, without annotations, and one platform
 * image with these labels (a JSON object). */
#define INDEX_MANIFEST(annotations)                                                                                \
    "  \"manifest\": {\n    \"schemaVersion\": 2,\n    \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n" \
    "    \"digest\": \"" DIGEST_INDEX "\",\n    \"size\": 1607,\n    \"manifests\": [\n"                          \
    "      {\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\", \"digest\": "                           \
    "\"sha256:114191c87e707fba65c64f2c05ac9dcea164aa128a2bcbbdb5f2062cf40bce27\", \"size\": 669, "               \
    "\"platform\": {\"architecture\": \"amd64\", \"os\": \"linux\"}},\n"                                          \
    "      {\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\", \"digest\": "                           \
    "\"sha256:b85764096df7498c255d5af59763aa21a0cfd5907d92cf5ee85a76f8794d979e\", \"size\": 669, "               \
    "\"platform\": {\"architecture\": \"arm64\", \"os\": \"linux\"}}\n    ]" annotations "\n  },\n"
#define PLATFORM_IMAGE(arch, labels)                                                                            \
    "    \"linux/" arch "\": {\"created\": \"2026-11-30T18:45:45.527245711Z\", \"architecture\": \"" arch "\", " \
    "\"os\": \"linux\", \"config\": {\"Env\": [\"PATH=/usr/bin:/bin\"], \"Cmd\": [\"cat\", \"/hello.txt\"]" labels \
    "}, \"rootfs\": {\"type\": \"layers\", \"diff_ids\": []}}"
#define LABELS(revision, version)                                                                              \
    ", \"Labels\": {\"org.opencontainers.image.created\": \"2026-01-01T00:00:00Z\", "                          \
    "\"org.opencontainers.image.revision\": \"" revision "\", \"org.opencontainers.image.version\": \"" version \
    "\"}"
#define INDEX_OUTPUT(annotations, amd64_labels, arm64_labels)                                                  \
    "{\n  \"name\": \"" REF "\",\n" INDEX_MANIFEST(annotations) "  \"image\": {\n"                               \
    PLATFORM_IMAGE("amd64", amd64_labels) ",\n" PLATFORM_IMAGE("arm64", arm64_labels) "\n  }\n}\n"

/* Real output for a single image manifest (no index): "image" is the one config. */
#define SINGLE_OUTPUT(labels)                                                                                   \
    "{\n  \"name\": \"127.0.0.1:5555/multiarch/busybox:arm64\",\n  \"manifest\": {\n"                           \
    "    \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n    \"digest\": \"" DIGEST_ONE "\",\n" \
    "    \"size\": 405\n  },\n  \"image\": {\n    \"created\": \"2026-11-30T18:44:25.846738437Z\",\n"          \
    "    \"architecture\": \"arm64\",\n    \"os\": \"linux\",\n    \"config\": {" labels "},\n"                  \
    "    \"rootfs\": {\"type\": \"layers\", \"diff_ids\": "                                                      \
    "[\"sha256:e5357b787a682d80f8ad310e383d295e3121d5582e0120173928339505f89834\"]},\n"                        \
    "    \"history\": [{\"created\": \"2026-11-30T18:44:25.846738437Z\", \"comment\": \"Imported from -\"}]\n"  \
    "  }\n}\n"

static int parse(const char *json, ma_published *out, ma_error *err)
{
    return ma_published_parse(REF, json, json ? strlen(json) : 0, out, err);
}

static void test_index_with_platform_configs(void)
{
    ma_published p;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(parse(HELLO_WEB, &p, &err) == 0);
    CHECK_STR(p.digest, DIGEST_INDEX);
    CHECK_STR(p.revision, REV_A);
    CHECK_STR(p.version, "v1.0.0");
    /* the attestation manifests are not platforms */
    CHECK_LIST(&p.platforms, "linux/amd64", "linux/arm64");
    ma_published_free(&p);
    CHECK(p.revision == NULL && p.version == NULL && p.platforms.len == 0);
    ma_published_free(&p); /* twice is fine */
    ma_published_free(NULL);
}

static void test_single_manifest(void)
{
    ma_published p;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(parse(SINGLE_OUTPUT("\"Env\": [\"PATH=/bin\"]" LABELS(REV_B, "v2.0.0")), &p, &err) == 0);
    CHECK_STR(p.digest, DIGEST_ONE);
    CHECK_STR(p.revision, REV_B);
    CHECK_STR(p.version, "v2.0.0");
    CHECK(p.platforms.len == 0);
    ma_published_free(&p);

    /* as imagetools prints an image built without labels: "config": {} */
    CHECK(parse(SINGLE_OUTPUT(""), &p, &err) == 0);
    CHECK_STR(p.digest, DIGEST_ONE);
    CHECK_STR(p.revision, NULL);
    CHECK_STR(p.version, NULL);
    ma_published_free(&p);
}

static void test_annotations_preferred(void)
{
    ma_published p;
    ma_error err = {MA_ERR_NONE, ""};
    const char *json = INDEX_OUTPUT(",\n    \"annotations\": {\"org.opencontainers.image.revision\": \"" REV_B "\", "
                                    "\"org.opencontainers.image.version\": \"v2.0.0\"}",
                                    LABELS(REV_A, "v1.0.0"), LABELS(REV_A, "v1.0.0"));
    CHECK(parse(json, &p, &err) == 0);
    CHECK_STR(p.digest, DIGEST_INDEX);
    CHECK_STR(p.revision, REV_B);
    CHECK_STR(p.version, "v2.0.0");
    CHECK_LIST(&p.platforms, "linux/amd64", "linux/arm64");
    ma_published_free(&p);

    /* annotations that say nothing of the commit: the labels speak */
    json = INDEX_OUTPUT(",\n    \"annotations\": {\"org.opencontainers.image.created\": \"2026-01-01T00:00:00Z\"}",
                        LABELS(REV_A, "v1.0.0"), LABELS(REV_A, "v1.0.0"));
    CHECK(parse(json, &p, &err) == 0);
    CHECK_STR(p.revision, REV_A);
    CHECK_STR(p.version, "v1.0.0");
    ma_published_free(&p);

    /* platforms that disagree do not matter when the annotations speak */
    json = INDEX_OUTPUT(",\n    \"annotations\": {\"org.opencontainers.image.revision\": \"" REV_B "\", "
                        "\"org.opencontainers.image.version\": \"v2.0.0\"}",
                        LABELS(REV_A, "v1.0.0"), LABELS(REV_B, "v2.0.0"));
    CHECK(parse(json, &p, &err) == 0);
    CHECK_STR(p.revision, REV_B);
    ma_published_free(&p);
}

static void test_platforms_disagree(void)
{
    ma_published p;
    ma_error err = {MA_ERR_NONE, ""};
    /* another commit */
    CHECK(parse(INDEX_OUTPUT("", LABELS(REV_A, "v1.0.0"), LABELS(REV_B, "v1.0.0")), &p, &err) == -1);
    CHECK(err.kind == MA_ERR_BUILD);
    CHECK_STR(err.msg, REF " holds platform images made from different commits or versions");
    CHECK(p.revision == NULL && p.version == NULL && p.platforms.len == 0);

    /* another version */
    err = (ma_error){MA_ERR_NONE, ""};
    CHECK(parse(INDEX_OUTPUT("", LABELS(REV_A, "v1.0.0"), LABELS(REV_A, "v1.0.1")), &p, &err) == -1);
    CHECK(err.kind == MA_ERR_BUILD);
    CHECK(contains(err.msg, REF));
}

/* A platform image without the labels is skipped; the others speak. */
static void test_platform_without_labels_skipped(void)
{
    ma_published p;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(parse(INDEX_OUTPUT("", "", LABELS(REV_A, "v1.0.0")), &p, &err) == 0);
    CHECK_STR(p.revision, REV_A);
    CHECK_STR(p.version, "v1.0.0");
    ma_published_free(&p);
    CHECK(parse(INDEX_OUTPUT("", ", \"Labels\": {\"maintainer\": \"x\"}", LABELS(REV_A, "v1.0.0")), &p, &err) == 0);
    CHECK_STR(p.revision, REV_A);
    ma_published_free(&p);
}

/* An index whose images carry no labels at all (built without them). */
static void test_no_labels(void)
{
    ma_published p;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(parse(INDEX_OUTPUT("", "", ""), &p, &err) == 0);
    CHECK_STR(p.digest, DIGEST_INDEX);
    CHECK_STR(p.revision, NULL);
    CHECK_STR(p.version, NULL);
    CHECK_LIST(&p.platforms, "linux/amd64", "linux/arm64");
    ma_published_free(&p);

    /* no "image" key at all */
    CHECK(parse("{\"name\": \"" REF "\", \"manifest\": {\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\", "
                "\"digest\": \"" DIGEST_ONE "\", \"size\": 405}}",
                &p, &err) == 0);
    CHECK_STR(p.digest, DIGEST_ONE);
    CHECK_STR(p.revision, NULL);
    ma_published_free(&p);
}

/* Parse `json`; expect MA_ERR_BUILD naming REF and saying `why`. */
static void check_fails_(const char *json, size_t len, const char *why, int line)
{
    ma_published p;
    ma_error err = {MA_ERR_NONE, ""};
    int rc = ma_published_parse(REF, json, len, &p, &err);
    CHECK(rc == -1);
    CHECK(err.kind == MA_ERR_BUILD);
    CHECK(contains(err.msg, REF));
    CHECK(contains(err.msg, why));
    CHECK(p.revision == NULL && p.version == NULL && p.platforms.len == 0);
    if (rc != -1 || !contains(err.msg, why))
        fprintf(stderr, "  line %d: message: %s\n", line, err.msg);
    if (rc == 0)
        ma_published_free(&p);
}
#define CHECK_FAILS(json, why) check_fails_((json), strlen(json), (why), __LINE__)

static void test_not_what_imagetools_prints(void)
{
    const char *no_digest = "imagetools printed no manifest digest";
    check_fails_(NULL, 0, no_digest, __LINE__);
    CHECK_FAILS("", no_digest);
    CHECK_FAILS("{\"name\": \"" REF "\", \"manifest\": {", no_digest);
    CHECK_FAILS("Name:      " REF "\nMediaType: application/vnd.oci.image.index.v1+json\n", no_digest);
    CHECK_FAILS("[]", no_digest);
    CHECK_FAILS("{\"name\": \"" REF "\"}", no_digest);
    CHECK_FAILS("{\"manifest\": \"" DIGEST_INDEX "\"}", no_digest);
    CHECK_FAILS("{\"manifest\": {\"mediaType\": \"application/vnd.oci.image.index.v1+json\", \"manifests\": []}}",
                no_digest);
    CHECK_FAILS("{\"manifest\": {\"digest\": 42}}", no_digest);
    CHECK_FAILS("{\"manifest\": {\"digest\": \"sha256:abc\", \"mediaType\": \"x\"}}", no_digest);
    CHECK_FAILS("{\"manifest\": {\"digest\": \"" DIGEST_INDEX "x\", \"mediaType\": \"x\"}}", no_digest);
    /* what `--raw` prints: the index itself, with no "manifest" around it */
    CHECK_FAILS("{\"schemaVersion\": 2, \"mediaType\": \"application/vnd.oci.image.index.v1+json\", "
                "\"manifests\": []}",
                no_digest);
    /* the index part is no index: the message names the ref and the reason */
    CHECK_FAILS("{\"manifest\": {\"digest\": \"" DIGEST_INDEX "\", \"manifests\": {}}}", "not an array");
    CHECK_FAILS("{\"manifest\": {\"digest\": \"" DIGEST_INDEX "\", \"manifests\": [{\"digest\": \"x\", "
                "\"platform\": {\"os\": \"linux\"}}]}}",
                "without \"os\" and \"architecture\"");
    /* a registry error body is no manifest */
    CHECK_FAILS("{\"manifest\": {\"digest\": \"" DIGEST_INDEX "\", \"errors\": []}}", "not an image manifest");
}

/* Only `len` bytes are read: the text need not end in a NUL, and what
 * follows it is not parsed. */
static void test_length_honoured(void)
{
    size_t n = strlen(HELLO_WEB);
    char *exact = malloc(n);
    CHECK(exact != NULL);
    if (exact == NULL)
        return;
    memcpy(exact, HELLO_WEB, n);
    ma_published p;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_published_parse(REF, exact, n, &p, &err) == 0);
    CHECK_STR(p.revision, REV_A);
    ma_published_free(&p);
    /* cut short: no longer JSON */
    CHECK(ma_published_parse(REF, exact, n / 2, &p, &err) == -1);
    CHECK(err.kind == MA_ERR_BUILD);
    free(exact);
}

int main(void)
{
    test_index_with_platform_configs();
    test_single_manifest();
    test_annotations_preferred();
    test_platforms_disagree();
    test_platform_without_labels_skipped();
    test_no_labels();
    test_not_what_imagetools_prints();
    test_length_honoured();
    return CHECK_DONE();
}

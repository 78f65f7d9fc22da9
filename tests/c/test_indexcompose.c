/* The merge's index composed in C: descriptors taken over from each
 * runner's index, plain manifests described with their platform, the
 * annotations on the index; the same inputs give the same bytes. */
#include <stdlib.h>

#include "check.h"
#include "indexcompose.h"
#include "manifest.h"
#include "sha256.h"

#define D(c) "sha256:" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

static const char AMD64_INDEX[] =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D("1") "\",\"size\":480,"
    "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D("2") "\",\"size\":566,"
    "\"annotations\":{\"vnd.docker.reference.digest\":\"" D("1") "\",\"vnd.docker.reference.type\":"
    "\"attestation-manifest\"},\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}}]}";

static const char ARM64_MANIFEST[] =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
    "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D("3") "\",\"size\":100},"
    "\"layers\":[]}";

int main(void)
{
    char arm_digest[MA_DIGEST_MAX];
    ma_sha256_digest(ARM64_MANIFEST, strlen(ARM64_MANIFEST), arm_digest);
    ma_index_source sources[] = {
        {D("a"), "linux/amd64", AMD64_INDEX, strlen(AMD64_INDEX)},
        {arm_digest, "linux/arm64/v8", ARM64_MANIFEST, strlen(ARM64_MANIFEST)},
    };
    ma_strlist annotations = MA_STRLIST_INIT, platforms = MA_STRLIST_INIT;
    ma_strlist_push(&annotations, "org.opencontainers.image.revision=4f0c1a2");
    ma_strlist_push(&annotations, "org.opencontainers.image.version=1.2.3");
    ma_strlist_push(&platforms, "linux/amd64");
    ma_strlist_push(&platforms, "linux/arm64");
    char *raw = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    ma_error err = {0};
    CHECK(ma_index_compose(sources, 2, &annotations, &raw, &len, &err) == 0);
    CHECK(raw != NULL && len == strlen(raw));
    /* what the merge's checks ask of the index it pushes */
    CHECK(ma_index_verify_exact("merged", raw, len, &platforms, &err) == 0);
    CHECK(ma_index_annotations_check("merged", raw, len, &annotations, &err) == 0);
    CHECK(ma_index_attestations_check("merged", raw, len, &err) == -1); /* arm64 came without one */
    CHECK(contains(raw, "\"mediaType\":\"application/vnd.oci.image.index.v1+json\""));
    CHECK(contains(raw, "\"vnd.docker.reference.type\":\"attestation-manifest\""));
    CHECK(contains(raw, "{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}"));
    char size[32];
    snprintf(size, sizeof size, "\"size\":%zu", strlen(ARM64_MANIFEST));
    CHECK(contains(raw, size));
    CHECK(contains(raw, arm_digest));
    /* deterministic: the dry run's digest is the pushed one */
    CHECK(ma_index_compose(sources, 2, &annotations, &again, &len2, &err) == 0);
    CHECK(len == len2 && memcmp(raw, again, len) == 0);
    free(again);
    /* without annotations: no annotations object */
    CHECK(ma_index_compose(sources, 1, NULL, &again, &len2, &err) == 0);
    CHECK(!contains(again, "annotations\":{\"org"));
    free(again);
    free(raw);

    /* refused sources name themselves */
    const char *bad[] = {"not json", "[]", "{\"schemaVersion\":2}",
                         "{\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\",\"manifests\":[]}",
                         "{\"manifests\":[1]}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ma_index_source s = {D("b"), "linux/amd64", bad[i], strlen(bad[i])};
        ma_error_clear(&err);
        CHECK(ma_index_compose(&s, 1, NULL, &raw, &len, &err) == -1);
        CHECK(raw == NULL && err.kind == MA_ERR_BUILD && contains(err.msg, D("b")));
    }
    ma_index_source s = {D("b"), "linux", ARM64_MANIFEST, strlen(ARM64_MANIFEST)};
    CHECK(ma_index_compose(&s, 1, NULL, &raw, &len, &err) == -1 && contains(err.msg, "os/arch"));
    ma_strlist bad_ann = MA_STRLIST_INIT;
    ma_strlist_push(&bad_ann, "novalue");
    CHECK(ma_index_compose(sources, 1, &bad_ann, &raw, &len, &err) == -1 && contains(err.msg, "novalue"));
    ma_strlist_free(&bad_ann);

    /* one image's merged index: composed from its sources' bytes and checked, as the merge and its dry run make it */
    ma_strlist srcs = MA_STRLIST_INIT, raws = MA_STRLIST_INIT, arm_only = MA_STRLIST_INIT;
    ma_strlist_pushf(&srcs, "r.io/x/app@%s", D("a"));
    ma_strlist_pushf(&srcs, "r.io/x/app@%s", arm_digest);
    ma_strlist_push(&raws, AMD64_INDEX);
    ma_strlist_push(&raws, ARM64_MANIFEST);
    CHECK(ma_merge_index(&srcs, &platforms, &annotations, &raws, "the index", &raw, &len, &err) == 0);
    ma_index_source as_planned[] = {sources[0], {arm_digest, "linux/arm64", ARM64_MANIFEST, strlen(ARM64_MANIFEST)}};
    CHECK(ma_index_compose(as_planned, 2, &annotations, &again, &len2, &err) == 0);
    CHECK(raw != NULL && again != NULL && len == len2 && memcmp(raw, again, len) == 0);
    free(raw);
    free(again);
    /* the platforms it must hold, exactly once: arm64 asked for twice is refused */
    ma_strlist_push(&arm_only, "linux/arm64");
    ma_strlist_push(&arm_only, "linux/arm64");
    ma_error_clear(&err);
    CHECK(ma_merge_index(&srcs, &arm_only, &annotations, &raws, "the index", &raw, &len, &err) == -1);
    CHECK(raw == NULL && err.kind == MA_ERR_BUILD && contains(err.msg, "the index"));
    /* a manifest missing for a source */
    ma_strlist one = MA_STRLIST_INIT;
    ma_strlist_push(&one, AMD64_INDEX);
    CHECK(ma_merge_index(&srcs, &platforms, &annotations, &one, "the index", &raw, &len, &err) == -1);
    CHECK(raw == NULL && contains(err.msg, "1 manifests read for 2 digests"));
    ma_strlist_free(&one);
    ma_strlist_free(&arm_only);
    ma_strlist_free(&srcs);
    ma_strlist_free(&raws);
    ma_strlist_free(&annotations);
    ma_strlist_free(&platforms);
    printf("%d checks, %d failed\n", check_count, check_failures);
    return check_failures != 0;
}

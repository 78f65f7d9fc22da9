/* How big an image is: a platform manifest's config and layers summed, an
 * index's platform images listed (attestations aside), sizes as people read
 * them, and the line a publish prints per platform. */
#include <stdlib.h>

#include "check.h"
#include "manifest.h"
#include "sizes.h"

/* A strlist holding exactly these items. */
#define CHECK_LIST(got, ...)                                    \
    do {                                                        \
        const char *const want_[] = {__VA_ARGS__, NULL};        \
        check_strlist_((got), want_, #got, __FILE__, __LINE__); \
    } while (0)

#define D_AMD64 "sha256:114191c87e707fba65c64f2c05ac9dcea164aa128a2bcbbdb5f2062cf40bce27"
#define D_ARM64 "sha256:b85764096df7498c255d5af59763aa21a0cfd5907d92cf5ee85a76f8794d979e"
#define D_ATT "sha256:6c05af897015c1fea6ac261e1657a3fb7423330593a67f539d96212489c07c96"

static const char *const INDEX =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D_ATT "\",\"size\":566,"
    "\"annotations\":{\"vnd.docker.reference.digest\":\"" D_AMD64 "\",\"vnd.docker.reference.type\":"
    "\"attestation-manifest\"},\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}},"
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D_AMD64 "\",\"size\":669,"
    "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D_ARM64 "\",\"size\":669,"
    "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}}]}";

static void test_manifest_size(void)
{
    const char *m = "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:1\",\"size\":1200},\"layers\":["
                    "{\"size\":1000000},{\"size\":2345678}]}";
    long long bytes = -1;
    ma_error err = {0};
    CHECK(ma_manifest_size(m, strlen(m), &bytes, &err) == 0);
    CHECK(bytes == 1200 + 1000000 + 2345678);
    /* an index, a layer without a size, a negative or fractional size, not JSON: refused */
    const char *bad[] = {INDEX, "{\"config\":{\"size\":1},\"layers\":[{\"digest\":\"x\"}]}",
                         "{\"config\":{\"size\":-1},\"layers\":[]}", "{\"config\":{\"size\":1.5},\"layers\":[]}",
                         "{\"config\":{\"size\":1}}", "not json", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err = (ma_error){0};
        CHECK(ma_manifest_size(bad[i], strlen(bad[i]), &bytes, &err) == -1);
        CHECK(err.kind == MA_ERR_BUILD);
    }
}

static void test_index_images(void)
{
    ma_strlist platforms = MA_STRLIST_INIT, digests = MA_STRLIST_INIT;
    ma_error err = {0};
    CHECK(ma_index_images(INDEX, strlen(INDEX), &platforms, &digests, &err) == 0);
    CHECK_LIST(&platforms, "linux/amd64", "linux/arm64/v8");
    CHECK_LIST(&digests, D_AMD64, D_ARM64);
    ma_strlist_free(&platforms);
    ma_strlist_free(&digests);
    const char *no_digest = "{\"manifests\":[{\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";
    CHECK(ma_index_images(no_digest, strlen(no_digest), &platforms, &digests, &err) == -1);
    CHECK(err.kind == MA_ERR_BUILD && contains(err.msg, "linux/amd64"));
    ma_strlist_free(&platforms);
    ma_strlist_free(&digests);
}

static void test_size_text(void)
{
    char out[MA_SIZE_TEXT_MAX];
    ma_size_text(912, out);
    CHECK_STR(out, "912 B");
    ma_size_text(3400, out);
    CHECK_STR(out, "3.4 kB");
    ma_size_text(61234567, out);
    CHECK_STR(out, "61.2 MB");
    ma_size_text(999960000, out);
    CHECK_STR(out, "1.0 GB");
    ma_size_change_text(1300000, out);
    CHECK_STR(out, "+1.3 MB");
    ma_size_change_text(-120, out);
    CHECK_STR(out, "-120 B");
    ma_size_change_text(-2500, out);
    CHECK_STR(out, "-2.5 kB");
    ma_size_change_text(0, out);
    CHECK_STR(out, "+0 B");
}

static void test_release_size_line(void)
{
    ma_platform_size now[] = {{"linux/amd64", D_AMD64, 61200000}, {"linux/arm64", D_ARM64, 58000000}};
    ma_platform_size before[] = {{"linux/amd64", D_AMD64, 59900000}};
    ma_release_size r = {{now, 2}, {before, 1}, "sha256:abcdef0123456789", "v1.2.3", ""};
    char line[128];
    ma_release_size_line(&r, "linux/amd64", line, sizeof line);
    CHECK_STR(line, "61.2 MB (+1.3 MB since v1.2.3)");
    /* a platform latest's release did not have */
    ma_release_size_line(&r, "linux/arm64/v8", line, sizeof line);
    CHECK_STR(line, "58.0 MB");
    ma_release_size_line(&r, "linux/s390x", line, sizeof line);
    CHECK_STR(line, "");
    r.before_version[0] = '\0';
    ma_release_size_line(&r, "linux/amd64", line, sizeof line);
    CHECK_STR(line, "61.2 MB (+1.3 MB since latest sha256:abcdef012345)");
    /* nothing before: no change */
    r.before_digest[0] = '\0';
    ma_release_size_line(&r, "linux/amd64", line, sizeof line);
    CHECK_STR(line, "61.2 MB");
    /* a single image manifest stands for its one platform */
    ma_platform_size single[] = {{"", D_AMD64, 5000}};
    ma_image_size s = {single, 1};
    CHECK(ma_image_size_of(&s, "linux/amd64") == 5000);
}

int main(void)
{
    test_manifest_size();
    test_index_images();
    test_size_text();
    test_release_size_line();
    return CHECK_DONE();
}

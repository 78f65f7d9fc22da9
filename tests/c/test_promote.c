/* A promotion's pure pieces: the request it makes (promoteplan), its source
 * and tags, and what a manifest references (manifestrefs) for the copy. */
#include "check.h"
#include "manifestrefs.h"
#include "promoteplan.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static void test_request(void)
{
    ma_request req = {0};
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_promote_request(&req, 1, 0, 0, &err) == -1 && err.kind == MA_ERR_INPUT);
    CHECK(strstr(err.msg, "--from") != NULL);
    req.promote_from = "sha-abc1234";
    CHECK(ma_promote_request(&req, 1, 1, 0, &err) == -1 && strstr(err.msg, "--push-by-digest") != NULL);
    CHECK(ma_promote_request(&req, 1, 0, 1, &err) == -1);
    CHECK(ma_promote_request(&req, 1, 0, 0, &err) == 0 && req.mode == MA_MODE_PROMOTE && req.push == 1);
    /* --from outside promote */
    ma_request other = {0};
    other.promote_from = "sha-abc1234";
    CHECK(ma_promote_request(&other, 0, 0, 0, &err) == -1 && strstr(err.msg, "build promote") != NULL);
    other.promote_from = NULL;
    CHECK(ma_promote_request(&other, 0, 0, 0, &err) == 0 && other.mode == MA_MODE_LOCAL);
}

static void test_check(void)
{
    ma_request req = {0};
    ma_error err = {MA_ERR_NONE, ""};
    static const char *const good[] = {"sha-abc1234", "@" D1, "main", "v1.2.3-rc.1"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        req.promote_from = good[i];
        CHECK(ma_promote_check(&req, &err) == 0);
    }
    static const char *const bad[] = {"@sha256:abc", "-x", "sha-abc1234@" D1, "a:b", "@" D1 "x", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        req.promote_from = bad[i];
        CHECK(ma_promote_check(&req, &err) == -1 && err.kind == MA_ERR_INPUT);
    }
    req.promote_from = "sha-abc1234";
    req.promote_registry = "myteam/images"; /* no host */
    CHECK(ma_promote_check(&req, &err) == -1 && err.kind == MA_ERR_INPUT);
    req.promote_registry = "127.0.0.1:5000/staging";
    CHECK(ma_promote_check(&req, &err) == 0);
    req.sbom = 1;
    CHECK(ma_promote_check(&req, &err) == -1 && strstr(err.msg, "--sbom") != NULL);
}

static void test_tags_and_source(void)
{
    ma_error err = {MA_ERR_NONE, ""};
    ma_strlist computed = MA_STRLIST_INIT, out = MA_STRLIST_INIT, sources = MA_STRLIST_INIT;
    CHECK(ma_strlist_split(&computed, "v1.2.3,v1.2,v1,latest,sha-abc1234", ',') == 0);
    CHECK(ma_promote_tags(&computed, "v", &out, &err) == 0);
    CHECK_STRLIST(&out, ((const char *[]){"v1.2.3", "v1.2", "v1", "latest", NULL}));
    ma_strlist_free(&out);
    ma_strlist_free(&computed);
    CHECK(ma_strlist_split(&computed, "main,sha-abc1234", ',') == 0);
    CHECK(ma_promote_tags(&computed, "v", &out, &err) == -1 && strstr(err.msg, "--tag vX.Y.Z") != NULL);
    ma_strlist_free(&out);
    ma_strlist_free(&computed);
    CHECK(ma_strlist_split(&computed, "1.2.3,1.2,1,latest", ',') == 0);
    CHECK(ma_promote_tags(&computed, "", &out, &err) == 0 && out.len == 4);
    ma_strlist_free(&out);
    ma_strlist_free(&computed);

    ma_request req = {0};
    req.promote_from = "sha-abc1234";
    CHECK(ma_promote_source(&req, "ghcr.io/team", "brokkr-broker", &sources, &err) == 0);
    req.promote_from = "@" D1;
    req.promote_registry = "127.0.0.1:5000/staging";
    CHECK(ma_promote_source(&req, "ghcr.io/team", "brokkr-broker", &sources, &err) == 0);
    CHECK_STRLIST(&sources, ((const char *[]){"ghcr.io/team/brokkr-broker:sha-abc1234",
                                               "127.0.0.1:5000/staging/brokkr-broker@" D1, NULL}));
    ma_strlist_free(&sources);
}

static void test_refs(void)
{
    ma_error err = {MA_ERR_NONE, ""};
    ma_manifest_refs r;
    const char *index = "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"" D1 "\",\"platform\":{\"os\":\"linux\","
                        "\"architecture\":\"amd64\"}},{\"digest\":\"" D2 "\",\"annotations\":{"
                        "\"vnd.docker.reference.type\":\"attestation-manifest\"}}]}";
    CHECK(ma_manifest_refs_read("i", index, strlen(index), &r, &err) == 0 && r.is_index);
    CHECK_STRLIST(&r.children, ((const char *[]){D1, D2, NULL}));
    CHECK(r.blobs.len == 0);
    ma_manifest_refs_free(&r);
    const char *image = "{\"schemaVersion\":2,\"config\":{\"digest\":\"" D1 "\",\"size\":2},\"layers\":[{\"digest\":\"" D2
                        "\",\"size\":3},{\"digest\":\"" D3 "\",\"size\":4}]}";
    CHECK(ma_manifest_refs_read("m", image, strlen(image), &r, &err) == 0 && !r.is_index);
    CHECK_STRLIST(&r.blobs, ((const char *[]){D1, D2, D3, NULL}));
    ma_manifest_refs_free(&r);
    static const char *const bad[] = {
        "", "[]", "{}", "{\"manifests\":[{\"digest\":\"sha256:12\"}]}",
        "{\"config\":{\"digest\":\"" D1 "\"},\"layers\":{}}", "{\"config\":{}}",
        "{\"manifests\":[\"" D1 "\"]}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(ma_manifest_refs_read("shown", bad[i], strlen(bad[i]), &r, &err) == -1);
        CHECK(err.kind == MA_ERR_BUILD && strstr(err.msg, "shown") != NULL);
        ma_manifest_refs_free(&r);
    }
}

int main(void)
{
    test_request();
    test_check();
    test_tags_and_source();
    test_refs();
    return CHECK_DONE();
}

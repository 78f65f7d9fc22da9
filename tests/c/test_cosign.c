/* The pure parts of annotations and signing: the annotation list and its
 * buildx flags, the read-back checks on an index (annotations, attestations),
 * cosign's argv, which registries are loopback, what a verify's outcome
 * means, and how the plan carries --sign, --provenance and --sbom. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annotations.h"
#include "check.h"
#include "config.h"
#include "cosign.h"
#include "manifest.h"
#include "plan.h"

#define L "org.opencontainers.image."
#define IMG "ghcr.io/colliery-io/brokkr-broker"
#define CHECK_LIST(got, ...)                                       \
    do {                                                           \
        const char *const want_[] = {__VA_ARGS__, NULL};           \
        check_strlist_((got), want_, #got, __FILE__, __LINE__);    \
    } while (0)

static void test_annotations_compute(void)
{
    ma_strlist labels = MA_STRLIST_INIT, out = MA_STRLIST_INIT;
    ma_strlist_push(&labels, L "source=https://github.com/colliery-io/brokkr");
    ma_strlist_push(&labels, L "version=v1.2.3");
    CHECK(ma_annotations_compute(&labels, "Central management service", "Apache-2.0", &out) == 0);
    CHECK_LIST(&out, L "source=https://github.com/colliery-io/brokkr", L "version=v1.2.3",
               L "description=Central management service", L "licenses=Apache-2.0",
               L "url=https://github.com/colliery-io/brokkr");
    ma_strlist_free(&out);
    /* no source: no url; empty description left out */
    ma_strlist_free(&labels);
    ma_strlist_push(&labels, L "title=x");
    CHECK(ma_annotations_compute(&labels, "", NULL, &out) == 0);
    CHECK_LIST(&out, L "title=x");
    ma_strlist argv = MA_STRLIST_INIT;
    CHECK(ma_annotation_args(&out, MA_ANNOTATE_INDEX, &argv) == 0);
    CHECK(ma_annotation_args(&out, MA_ANNOTATE_MANIFEST, &argv) == 0);
    CHECK_LIST(&argv, "--annotation", "index:" L "title=x", "--annotation", "manifest:" L "title=x");
    ma_strlist_free(&argv);
    ma_strlist_free(&out);
    ma_strlist_free(&labels);
}

#define DIGEST_A "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define DIGEST_B "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define ENTRY(arch, d) \
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" d "\",\"size\":1," \
    "\"platform\":{\"architecture\":\"" arch "\",\"os\":\"linux\"}}"
#define ATTEST(d, ref)                                                                                   \
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" d "\",\"size\":1,"    \
    "\"annotations\":{\"vnd.docker.reference.digest\":\"" ref "\",\"vnd.docker.reference.type\":"        \
    "\"attestation-manifest\"},\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}}"

static void test_index_checks(void)
{
    const char *with = "{\"schemaVersion\":2,\"manifests\":[" ENTRY("amd64", DIGEST_A) "],"
                       "\"annotations\":{\"" L "title\":\"x\",\"" L "description\":\"Hi, there\"}}";
    ma_strlist want = MA_STRLIST_INIT;
    ma_strlist_push(&want, L "title=x");
    ma_strlist_push(&want, L "description=Hi, there");
    ma_error err = {0};
    CHECK(ma_index_annotations_check("r", with, strlen(with), &want, &err) == 0);
    ma_strlist_push(&want, L "licenses=MIT");
    CHECK(ma_index_annotations_check("r", with, strlen(with), &want, &err) == -1);
    CHECK(err.kind == MA_ERR_BUILD && contains(err.msg, "r has no annotation " L "licenses"));
    const char *other = "{\"manifests\":[],\"annotations\":{\"" L "title\":\"y\"}}";
    CHECK(ma_index_annotations_check("r", other, strlen(other), &want, &err) == -1);
    CHECK(contains(err.msg, "has another annotation " L "title ('y')"));
    const char *none = "{\"manifests\":[]}";
    CHECK(ma_index_annotations_check("r", none, strlen(none), &want, &err) == -1);
    ma_strlist_free(&want);

    const char *attested = "{\"manifests\":[" ENTRY("amd64", DIGEST_A) "," ENTRY("arm64", DIGEST_B) ","
                           ATTEST("sha256:3333333333333333333333333333333333333333333333333333333333333333", DIGEST_A) ","
                           ATTEST("sha256:4444444444444444444444444444444444444444444444444444444444444444", DIGEST_B) "]}";
    CHECK(ma_index_attestations_check("r", attested, strlen(attested), &err) == 0);
    const char *half = "{\"manifests\":[" ENTRY("amd64", DIGEST_A) "," ENTRY("arm64", DIGEST_B) ","
                       ATTEST("sha256:3333333333333333333333333333333333333333333333333333333333333333", DIGEST_A) "]}";
    CHECK(ma_index_attestations_check("r", half, strlen(half), &err) == -1);
    CHECK(contains(err.msg, "no attestation for its linux/arm64 image " DIGEST_B));
    const char *single = "{\"schemaVersion\":2,\"config\":{},\"layers\":[]}";
    CHECK(ma_index_attestations_check("r", single, strlen(single), &err) == -1);
    CHECK(contains(err.msg, "single image manifest"));
}

static void test_loopback(void)
{
    const char *yes[] = {"localhost", "localhost:5000/team", "127.0.0.1:5555", "127.1.2.3/x", "[::1]:5000", NULL};
    const char *no[] = {"ghcr.io/colliery-io", "localhost.example.com", "127.0.0.1.nip.io", "128.0.0.1:5000",
                        "127.0.0.256", "127.0.0", "10.0.0.1:5000", NULL};
    for (const char **p = yes; *p; p++)
        CHECK(ma_registry_is_loopback(*p));
    for (const char **p = no; *p; p++)
        if (ma_registry_is_loopback(*p)) {
            CHECK(!"loopback");
            fprintf(stderr, "  %s\n", *p);
        }
}

static void test_cosign_argv(void)
{
    ma_sign_plan s = {1, "/k/cosign.key", 1, 1, "/run/cosign.pub", NULL};
    ma_strlist argv = MA_STRLIST_INIT;
    CHECK(ma_cosign_sign_argv(&s, IMG "@" DIGEST_A, &argv) == 0);
    CHECK_LIST(&argv, "cosign", "sign", "--yes", "--key", "/k/cosign.key", "--tlog-upload=false",
               "--allow-http-registry", IMG "@" DIGEST_A);
    ma_strlist_free(&argv);
    CHECK(ma_cosign_verify_argv(&s, IMG "@" DIGEST_A, &argv) == 0);
    CHECK_LIST(&argv, "cosign", "verify", "--key", "/run/cosign.pub", "--insecure-ignore-tlog",
               "--allow-http-registry", IMG "@" DIGEST_A);
    ma_strlist_free(&argv);
    CHECK(ma_cosign_public_key_argv(&s, &argv) == 0);
    CHECK_LIST(&argv, "cosign", "public-key", "--key", "/k/cosign.key", "--outfile", "/run/cosign.pub");
    ma_strlist_free(&argv);

    /* keyless, online, a remote registry */
    ma_sign_plan keyless = {1, NULL, 0, 0, NULL, "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1"};
    CHECK(ma_cosign_sign_argv(&keyless, IMG "@" DIGEST_A, &argv) == 0);
    CHECK_LIST(&argv, "cosign", "sign", "--yes", IMG "@" DIGEST_A);
    ma_strlist_free(&argv);
    CHECK(ma_cosign_verify_argv(&keyless, IMG "@" DIGEST_A, &argv) == 0);
    CHECK_LIST(&argv, "cosign", "verify", "--certificate-identity",
               "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1", "--certificate-oidc-issuer",
               MA_COSIGN_GITHUB_ISSUER, IMG "@" DIGEST_A);
    ma_strlist_free(&argv);
    CHECK(ma_cosign_public_key_argv(&keyless, &argv) == -1);
    ma_strlist_free(&argv);
}

static void test_verdict(void)
{
    CHECK(ma_cosign_verdict_of(0, "WARNING: Skipping tlog verification") == MA_COSIGN_VERIFIED);
    CHECK(ma_cosign_verdict_of(10, "Error: no signatures found\nerror during command execution: no signatures found\n") ==
          MA_COSIGN_UNSIGNED);
    CHECK(ma_cosign_verdict_of(1, "Error: no matching signatures: invalid signature when validating ASN.1") ==
          MA_COSIGN_UNSIGNED);
    CHECK(ma_cosign_verdict_of(1, "Error: GET http://h/v2/: dial tcp: connection refused") == MA_COSIGN_ERROR);
    CHECK(ma_cosign_verdict_of(1, NULL) == MA_COSIGN_ERROR);
}

static int plan_with(ma_plan_inputs *in, ma_plan *plan, ma_error *err)
{
    return ma_plan_build(in, plan, err);
}

static void test_plan_signing_and_attestations(void)
{
    ma_config cfg;
    ma_error err = {0};
    CHECK(ma_config_defaults(&cfg, &err) == 0);
    ma_strlist tags = MA_STRLIST_INIT;
    ma_strlist_push(&tags, "v1.2.3");
    ma_plan_inputs in;
    memset(&in, 0, sizeof in);
    in.req.component = "broker";
    in.tags = &tags;
    in.req.registry = "127.0.0.1:5555/team";
    in.req.run_dir = "/tmp/run-1";
    in.req.push = 1;
    in.config = &cfg;
    in.req.platforms = "linux/amd64";
    in.req.provenance = "max";
    in.req.sbom = 1;
    in.req.sign = 1;
    in.req.sign_key = "env://KEY";
    in.req.sign_offline = 1;
    ma_plan plan;
    CHECK(plan_with(&in, &plan, &err) == 0);
    if (plan.nimages == 1) {
        const ma_image_plan *ip = &plan.images[0];
        CHECK(plan.sign.enabled && plan.sign.allow_http && plan.sign.offline);
        CHECK_STR(plan.sign.key, "env://KEY");
        CHECK_STR(plan.sign.public_key, "/tmp/run-1/cosign.pub");
        CHECK(ip->attestations && ip->index_annotations); /* one platform, but attestations make an index */
        CHECK_LIST(&ip->sign_argv, "cosign", "sign", "--yes", "--key", "env://KEY", "--tlog-upload=false",
                   "--allow-http-registry", "127.0.0.1:5555/team/brokkr-broker@<digest>");
        CHECK(ip->sign_verify_argv.len == 7);
        int provenance = 0, sbom = 0;
        for (size_t i = 0; i + 1 < ip->build_argv.len; i++) {
            provenance |= strcmp(ip->build_argv.items[i], "--provenance") == 0 &&
                          strcmp(ip->build_argv.items[i + 1], "mode=max") == 0;
            sbom |= strcmp(ip->build_argv.items[i], "--sbom") == 0 && strcmp(ip->build_argv.items[i + 1], "true") == 0;
        }
        CHECK(provenance && sbom);
    }
    ma_plan_free(&plan);

    /* bad input: exit 2 */
    struct {
        const char *provenance, *key;
        int sign, offline, mode;
        const char *says;
    } bad[] = {
        {"full", NULL, 0, 0, MA_MODE_PUSH, "invalid --provenance 'full': expected min, max or false"},
        {NULL, "k", 0, 0, MA_MODE_PUSH, "--sign-key goes with --sign"},
        {NULL, NULL, 0, 1, MA_MODE_PUSH, "--sign-offline goes with --sign"},
        {NULL, " ", 1, 0, MA_MODE_PUSH, "empty --sign-key"},
        {NULL, NULL, 1, 0, MA_MODE_LOCAL, "add --push"},
        {NULL, NULL, 1, 0, MA_MODE_BY_DIGEST, "pass it to `angreal build merge`"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ma_plan_inputs b = in;
        b.req.provenance = bad[i].provenance;
        b.req.sign_key = bad[i].key;
        b.req.sign = bad[i].sign;
        b.req.sign_offline = bad[i].offline;
        b.req.sbom = 0;
        b.req.push = bad[i].mode != MA_MODE_LOCAL;
        b.req.mode = bad[i].mode == MA_MODE_PUSH ? MA_MODE_LOCAL : bad[i].mode;
        b.req.digest_dir = bad[i].mode == MA_MODE_BY_DIGEST ? "/tmp/d" : NULL;
        ma_error e = {0};
        CHECK(plan_with(&b, &plan, &e) == -1);
        CHECK(e.kind == MA_ERR_INPUT);
        if (!contains(e.msg, bad[i].says)) {
            CHECK(!"message");
            fprintf(stderr, "  got: %s\n", e.msg);
        }
    }

    /* keyless: the workflow identity; a remote registry is reached over HTTPS */
    in.req.registry = "ghcr.io/colliery-io";
    in.req.sign_key = NULL;
    in.req.sign_offline = 0;
    in.sign_identity = "https://github.com/o/r/.github/workflows/r.yml@refs/heads/main";
    in.req.provenance = "false";
    in.req.sbom = 0;
    CHECK(plan_with(&in, &plan, &err) == 0);
    if (plan.nimages == 1) {
        CHECK(!plan.sign.allow_http && plan.sign.key == NULL && plan.sign.public_key == NULL);
        CHECK(!plan.images[0].attestations && !plan.images[0].index_annotations);
        CHECK_LIST(&plan.images[0].sign_argv, "cosign", "sign", "--yes", "ghcr.io/colliery-io/brokkr-broker@<digest>");
    }
    ma_plan_free(&plan);
    ma_strlist_free(&tags);
    ma_config_free(&cfg);
}

static void test_config_descriptions(void)
{
    ma_config cfg;
    ma_error err = {0};
    CHECK(ma_config_defaults(&cfg, &err) == 0);
    CHECK_STR(ma_config_find(&cfg, "agent")->description, "Kubernetes cluster agent");
    CHECK_STR(ma_config_find(&cfg, "ui")->licenses, NULL);
    ma_config_free(&cfg);
    const char *json = "{\"licenses\": \"Apache-2.0\", \"components\": {\"ui\": {}, \"api\": {\"description\": \"API\","
                       " \"licenses\": \"MIT\"}}}";
    CHECK(ma_config_parse(json, "m.json", &cfg, &err) == 0);
    CHECK_STR(ma_config_find(&cfg, "ui")->description, "Administrative web interface");
    CHECK_STR(ma_config_find(&cfg, "ui")->licenses, "Apache-2.0");
    CHECK_STR(ma_config_find(&cfg, "api")->description, "API");
    CHECK_STR(ma_config_find(&cfg, "api")->licenses, "MIT");
    ma_config_free(&cfg);
    CHECK(ma_config_parse("{\"components\": {\"x\": {\"description\": 3}}}", "m.json", &cfg, &err) == -1);
    CHECK(contains(err.msg, "'description' in component 'x' must be a non-empty string"));
}

int main(void)
{
    test_annotations_compute();
    test_index_checks();
    test_loopback();
    test_cosign_argv();
    test_verdict();
    test_plan_signing_and_attestations();
    test_config_descriptions();
    return CHECK_DONE();
}

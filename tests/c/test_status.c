/* `status`'s judgement, pure: aliases against the highest version of their
 * line (either spelling, pre-releases aside), missing aliases, versions
 * lacking a platform, releases without a (verifying) signature; each drift
 * one line with the command that fixes it. */
#include <stdlib.h>

#include "check.h"
#include "status.h"

#define IMAGE "127.0.0.1:5555/ns/brokkr-broker"
#define D(n) "sha256:" n "000000000000000000000000000000000000000000000000000000000000000"

static ma_status_version *version(ma_status_image *img, const char *tag, const char *digest, int amd64, int arm64)
{
    ma_semver v;
    CHECK(ma_version_read(tag, &v) == 0);
    ma_status_version *x = ma_status_add_version(img, tag, &v);
    CHECK(x != NULL);
    snprintf(x->digest, sizeof x->digest, "%s", digest);
    if (amd64)
        ma_strlist_push(&x->platforms, "linux/amd64");
    if (arm64)
        ma_strlist_push(&x->platforms, "linux/arm64");
    return x;
}

static void image(ma_status_image *img)
{
    memset(img, 0, sizeof *img);
    img->component = ma_strdup("broker");
    img->image = ma_strdup(IMAGE);
    ma_strlist_push(&img->want_platforms, "linux/amd64");
    ma_strlist_push(&img->want_platforms, "linux/arm64");
}

static const ma_status_alias *alias_named(const ma_status_image *img, const char *tag)
{
    for (size_t i = 0; i < img->naliases; i++)
        if (strcmp(img->aliases[i].tag, tag) == 0)
            return &img->aliases[i];
    return NULL;
}

static void test_alias_parse_and_sig_tag(void)
{
    long major, minor;
    CHECK(ma_status_alias_parse("latest", &major, &minor) == 1 && major == -1 && minor == -1);
    CHECK(ma_status_alias_parse("v1", &major, &minor) == 1 && major == 1 && minor == -1);
    CHECK(ma_status_alias_parse("1.2", &major, &minor) == 1 && major == 1 && minor == 2);
    CHECK(ma_status_alias_parse("v0.10", &major, &minor) == 1 && major == 0 && minor == 10);
    const char *not_aliases[] = {"v1.2.3", "v01", "v1.", "v", "", "main", "sha-abc1234", "v1.2-rc", "1.02", "latest2"};
    for (size_t i = 0; i < sizeof not_aliases / sizeof not_aliases[0]; i++)
        CHECK(ma_status_alias_parse(not_aliases[i], &major, &minor) == 0);
    char sig[128];
    ma_status_sig_tag("sha256:abc", sig, sizeof sig);
    CHECK_STR(sig, "sha256-abc.sig");
}

static void test_latest_moved_back(void)
{
    ma_status_image img;
    image(&img);
    version(&img, "v1.3.0", D("3"), 1, 1);
    version(&img, "v1.2.4", D("2"), 1, 1);
    version(&img, "v1.4.0-rc.1", D("4"), 1, 1); /* a pre-release is no alias's target */
    CHECK_STR(img.versions[0].tag, "v1.2.4"); /* semver order */
    CHECK_STR(img.versions[2].tag, "v1.4.0-rc.1");
    ma_status_add_alias(&img, "v1.3", D("3"));
    ma_status_add_alias(&img, "latest", D("2"));
    ma_status_add_alias(&img, "v1", D("3"));
    ma_status_add_alias(&img, "v1.2", D("2"));
    ma_status_add_alias(&img, "1", D("2")); /* the other spelling: shown, not judged */
    CHECK_STR(img.aliases[0].tag, "latest");
    ma_tag_policy policy;
    ma_tag_policy_default(&policy);
    ma_status_rules rules = {&policy, 0, NULL, NULL};
    CHECK(ma_status_judge(&img, &rules) == 0);
    CHECK(img.ndrift == 1);
    CHECK_STR(img.drift[0].kind, "alias");
    CHECK_STR(img.drift[0].message, "latest names v1.2.4, not v1.3.0, the highest stable version");
    CHECK_STR(img.drift[0].fix, "docker buildx imagetools create --tag " IMAGE ":latest " IMAGE "@" D("3"));
    CHECK_STR(alias_named(&img, "latest")->names, "v1.2.4");
    CHECK_STR(alias_named(&img, "latest")->should, "v1.3.0");
    CHECK_STR(alias_named(&img, "v1.2")->should, "v1.2.4");
    CHECK(alias_named(&img, "1")->checked == 0 && alias_named(&img, "v1")->checked == 1);
    ma_status_image_free(&img);
}

static void test_missing_unknown_and_platforms(void)
{
    ma_status_image img;
    image(&img);
    version(&img, "1.2.4", D("2"), 1, 1);
    version(&img, "1.3.0", D("3"), 1, 0); /* arm64 missing */
    ma_status_add_alias(&img, "latest", D("9")); /* names something no version tag names */
    ma_status_add_alias(&img, "1", D("3"));
    ma_status_add_alias(&img, "1.3", D("3"));
    ma_tag_policy policy;
    ma_tag_policy_default(&policy);
    ma_tag_policy_set_prefix(&policy, "");
    ma_status_rules rules = {&policy, 0, NULL, "broker-"};
    CHECK(ma_status_judge(&img, &rules) == 0);
    CHECK(img.ndrift == 3);
    CHECK(contains(img.drift[0].message, "latest names sha256:900000000000…, which no version tag names, not 1.3.0"));
    CHECK_STR(img.drift[1].message, "1.2 is missing: it should name 1.2.4");
    CHECK_STR(img.drift[1].fix, "docker buildx imagetools create --tag " IMAGE ":1.2 " IMAGE "@" D("2"));
    CHECK_STR(img.drift[2].kind, "platform");
    CHECK_STR(img.drift[2].message, "1.3.0 lacks linux/arm64, which the config asks for (it holds other platforms)");
    CHECK_STR(img.drift[2].fix, "git checkout broker-v1.3.0 && angreal build multi-arch broker --tag 1.3.0 --push "
                                "--allow-overwrite");
    ma_status_image_free(&img);
}

static void test_signatures(void)
{
    ma_status_image img;
    image(&img);
    ma_status_version *a = version(&img, "v2.0.0", D("a"), 1, 1);
    a->is_signed = 1;
    a->verified = MA_SIG_VERIFIED;
    version(&img, "v2.1.0", D("b"), 1, 1);
    ma_status_version *c = version(&img, "v2.2.0", D("c"), 1, 1);
    c->is_signed = 1;
    c->verified = MA_SIG_BAD;
    c->sig_error = ma_strdup("no matching signatures");
    ma_status_add_alias(&img, "latest", D("c"));
    ma_status_add_alias(&img, "v2", D("c"));
    ma_status_add_alias(&img, "v2.0", D("a"));
    ma_status_add_alias(&img, "v2.1", D("b"));
    ma_status_add_alias(&img, "v2.2", D("c"));
    ma_tag_policy policy;
    ma_tag_policy_default(&policy);
    ma_status_rules rules = {&policy, 1, "cosign.pub", NULL};
    CHECK(ma_status_judge(&img, &rules) == 0);
    CHECK(img.ndrift == 2);
    CHECK_STR(img.drift[0].message, "v2.1.0 (sha256:b00000000000…) has no signature");
    CHECK_STR(img.drift[0].fix, "cosign sign --key cosign.pub " IMAGE "@" D("b"));
    CHECK_STR(img.drift[1].message,
              "v2.2.0 (sha256:c00000000000…) has a signature that does not verify with cosign.pub: no matching signatures");
    /* without signing expected, a missing signature is no drift (a bad one still is) */
    ma_status_image_free(&img);
}

static void test_nothing_published(void)
{
    ma_status_image img;
    image(&img);
    ma_tag_policy policy;
    ma_tag_policy_default(&policy);
    ma_status_rules rules = {&policy, 1, NULL, NULL};
    CHECK(ma_status_judge(&img, &rules) == 0 && img.ndrift == 0);
    const char *index = "{\"annotations\":{\"org.opencontainers.image.created\":\"2026-12-04T15:00:00Z\"}}";
    char *created = ma_status_created(index, strlen(index));
    CHECK_STR(created, "2026-12-04T15:00:00Z");
    free(created);
    CHECK(ma_status_created("{}", 2) == NULL);
    ma_status_image_free(&img);
}

int main(void)
{
    test_alias_parse_and_sig_tag();
    test_latest_moved_back();
    test_missing_unknown_and_platforms();
    test_signatures();
    test_nothing_published();
    return CHECK_DONE();
}

/* A --cache-to spec as the push-rights check reads it
 * (ma_pushrights_targets), input: the spec.  Checks: the image's own
 * repository comes first and once; a spec adds at most one repository,
 * "host/name" without a tag or digest, named as the build cache of the
 * image; the image's repository is never listed twice. */
#include "fuzz.h"
#include "pushrights.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *spec = fuzz_cstr(data, size);
    if (spec == NULL)
        return 0;
    ma_image_plan ip;
    memset(&ip, 0, sizeof ip);
    ip.component = "broker";
    ip.image = "ghcr.io/acme/brokkr-broker";
    ma_plan plan;
    memset(&plan, 0, sizeof plan);
    plan.images = &ip;
    plan.nimages = 1;
    ma_strlist repos = MA_STRLIST_INIT, what = MA_STRLIST_INIT;
    if (ma_strlist_push(&ip.build_argv, "--cache-to") == 0 && ma_strlist_push(&ip.build_argv, spec) == 0 &&
        ma_pushrights_targets(&plan, &repos, &what) == 0) {
        FUZZ_CHECK(repos.len >= 1 && repos.len <= 2 && what.len == repos.len);
        FUZZ_CHECK(strcmp(repos.items[0], ip.image) == 0 && strcmp(what.items[0], "image broker") == 0);
        if (repos.len == 2) {
            const char *r = repos.items[1], *slash = strrchr(r, '/');
            FUZZ_CHECK(strcmp(r, ip.image) != 0 && strcmp(what.items[1], "build cache of broker") == 0);
            FUZZ_CHECK(slash != NULL && strchr(r, '@') == NULL && strchr(slash, ':') == NULL);
        }
    }
    ma_strlist_free(&repos);
    ma_strlist_free(&what);
    ma_strlist_free(&ip.build_argv);
    free(spec);
    return 0;
}

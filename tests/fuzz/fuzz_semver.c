/* Version tags (ma_semver_parse[_sep], ma_semver_compare), input: up to three
 * candidate tags, one per line.  Checks: a parsed version formats back to the
 * exact text (strict semver has one spelling per version), the '+' and '_'
 * forms parse alike, compare is reflexive, antisymmetric and transitive and
 * says 0 exactly when numbers and pre-release are equal, is_stable means "no
 * pre-release", the Docker form of a version that fits is an immutable tag,
 * and a release tag (releasetag.h) is a version, read the same with its
 * prefix as without (its fast path and ma_semver_parse agree). */
#include <inttypes.h>

#include "fuzz.h"
#include "releasetag.h"
#include "semver.h"
#include "tagrules.h"

static int sign(int c)
{
    return (c > 0) - (c < 0);
}

static void format(const ma_semver *v, char sep, char *out, size_t outsz)
{
    char sep_s[2] = {sep, '\0'};
    snprintf(out, outsz, "v%" PRIu64 ".%" PRIu64 ".%" PRIu64 "%s%s%s%s", v->major, v->minor,
             v->patch, v->prerelease[0] ? "-" : "", v->prerelease, v->build[0] ? sep_s : "",
             v->build);
}

/* Returns 1 when s is a version (then *v holds it). */
static int check_one(const char *s, ma_semver *v)
{
    char text[512];
    ma_semver d;
    size_t len = strlen(s);
    int ok = ma_semver_parse(s, v) == 0;
    FUZZ_CHECK(ma_semver_parse_sep(s, '=', &d) != 0); /* only '+' and '_' introduce a build */

    const char *version = ma_release_tag_version(s, NULL, '+', &d);
    FUZZ_CHECK((version != NULL) == ok && (version == NULL || version == s));
    if (ok)
        FUZZ_CHECK(ma_semver_compare(v, &d) == 0 && strcmp(v->build, d.build) == 0);
    char prefixed[600];
    if (len < sizeof prefixed - 8) {
        snprintf(prefixed, sizeof prefixed, "broker-%s", s);
        const char *under = ma_release_tag_version(prefixed, "broker-", '+', &d);
        FUZZ_CHECK((under != NULL) == ok && (under == NULL || strcmp(under, s) == 0));
        FUZZ_CHECK(ma_release_tag_version(prefixed, NULL, '+', &d) == NULL);
    }

    /* The Docker form: '+' becomes '_'. */
    char *docker = strdup(s);
    if (docker == NULL)
        return ok;
    for (char *p = docker; *p; p++)
        if (*p == '+')
            *p = '_';
    if (ok) {
        format(v, '+', text, sizeof text);
        FUZZ_CHECK(strcmp(text, s) == 0);
        FUZZ_CHECK(ma_semver_compare(v, v) == 0);
        FUZZ_CHECK(ma_semver_is_stable(v) == (v->prerelease[0] == '\0'));
        FUZZ_CHECK(ma_semver_parse_sep(docker, '_', &d) == 0);
        FUZZ_CHECK(ma_semver_compare(v, &d) == 0 && strcmp(v->build, d.build) == 0);
        FUZZ_CHECK(ma_tag_is_immutable(docker) == (len <= MA_TAG_MAX));
    }
    if (ma_semver_parse_sep(s, '_', &d) == 0) {
        format(&d, '_', text, sizeof text);
        FUZZ_CHECK(strcmp(text, s) == 0);
    }
    free(docker);
    return ok;
}

static int same_precedence(const ma_semver *a, const ma_semver *b)
{
    return a->major == b->major && a->minor == b->minor && a->patch == b->patch &&
           strcmp(a->prerelease, b->prerelease) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    if (s == NULL)
        return 0;
    ma_semver v[3];
    int n = 0;
    char *save = NULL;
    for (char *line = strtok_r(s, "\n", &save); line != NULL && n < 3;
         line = strtok_r(NULL, "\n", &save))
        if (check_one(line, &v[n]))
            n++;

    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            int c = sign(ma_semver_compare(&v[i], &v[j]));
            FUZZ_CHECK(c == -sign(ma_semver_compare(&v[j], &v[i])));
            FUZZ_CHECK((c == 0) == same_precedence(&v[i], &v[j]));
            for (int k = 0; k < n; k++)
                if (c <= 0 && ma_semver_compare(&v[j], &v[k]) <= 0)
                    FUZZ_CHECK(ma_semver_compare(&v[i], &v[k]) <= 0);
        }
    free(s);
    return 0;
}

#include "aliasguard.h"

#include <stdio.h>
#include <string.h>

#include "semver.h"

/* A version as a git tag (v1.2.3+b) or as its Docker tag (v1.2.3_b). */
static int parse_version(const char *s, ma_semver *v)
{
    return s != NULL && (ma_semver_parse(s, v) == 0 || ma_semver_parse_sep(s, '_', v) == 0) ? 0 : -1;
}

int ma_alias_is_guarded(const char *tag, const char *release)
{
    ma_semver v;
    if (tag == NULL || parse_version(release, &v) != 0 || !ma_semver_is_stable(&v))
        return 0;
    if (strcmp(tag, "latest") == 0)
        return 1;
    char major[32], minor[48];
    snprintf(major, sizeof major, "v%llu", (unsigned long long)v.major);
    snprintf(minor, sizeof minor, "v%llu.%llu", (unsigned long long)v.major, (unsigned long long)v.minor);
    return strcmp(tag, major) == 0 || strcmp(tag, minor) == 0;
}

ma_alias_verdict ma_alias_decide(const char *release, const char *held)
{
    ma_semver ours, theirs;
    if (parse_version(release, &ours) != 0 || parse_version(held, &theirs) != 0 || !ma_semver_is_stable(&theirs))
        return MA_ALIAS_MOVE;
    return ma_semver_compare(&theirs, &ours) > 0 ? MA_ALIAS_KEEP : MA_ALIAS_MOVE;
}

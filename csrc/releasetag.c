#include "releasetag.h"

#include <string.h>

/* "v<major>.<minor>.<patch>" with no pre-release or build part, no leading
 * zeros and at most 19 digits a number: the common shape, read for every tag
 * of a repository without ma_semver_parse.  Any name it accepts,
 * ma_semver_parse accepts as the same stable version. */
static int plain_release(const char *s, ma_semver *v)
{
    uint64_t n[3];
    if (*s++ != 'v')
        return 0;
    for (int i = 0; i < 3; i++) {
        if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
            return 0;
        n[i] = 0;
        for (int digits = 0; *s >= '0' && *s <= '9'; s++, digits++) {
            if (digits == 19)
                return 0;
            n[i] = n[i] * 10 + (uint64_t)(*s - '0');
        }
        if (*s++ != (i < 2 ? '.' : '\0'))
            return 0;
    }
    v->major = n[0];
    v->minor = n[1];
    v->patch = n[2];
    v->prerelease[0] = v->build[0] = '\0';
    return 1;
}

const char *ma_release_tag_version(const char *name, const char *prefix, char build_sep, ma_semver *v)
{
    if (name == NULL)
        return NULL;
    size_t n = prefix != NULL ? strlen(prefix) : 0;
    if (n > 0 && strncmp(name, prefix, n) != 0)
        return NULL;
    const char *version = name + n;
    return plain_release(version, v) || ma_semver_parse_sep(version, build_sep, v) == 0 ? version : NULL;
}

int ma_tag_prefix_is_valid(const char *prefix)
{
    size_t n = prefix != NULL ? strlen(prefix) : 0;
    if (n == 0 || n > MA_TAG_PREFIX_MAX || strchr("_.-", prefix[0]) != NULL)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = prefix[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || strchr("_.-", c) != NULL))
            return 0;
    }
    return 1;
}

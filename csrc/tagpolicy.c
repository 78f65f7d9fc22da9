#include "tagpolicy.h"

#include <stdio.h>
#include <string.h>

void ma_tag_policy_default(ma_tag_policy *out)
{
    memset(out, 0, sizeof *out);
    strcpy(out->version_prefix, "v");
    out->sha = out->major_zero = out->latest = 1;
    strcpy(out->schedule, "nightly");
}

int ma_tag_policy_set_prefix(ma_tag_policy *policy, const char *text)
{
    if (text == NULL || (strcmp(text, "v") != 0 && text[0] != '\0'))
        return -1;
    strcpy(policy->version_prefix, text);
    return 0;
}

int ma_switch_parse(const char *text)
{
    return text == NULL ? -1 : strcmp(text, "true") == 0 ? 1 : strcmp(text, "false") == 0 ? 0 : -1;
}

/* semver.c reads the v form only: a bare version is read with its 'v' put back. */
static int parse_spelled(const char *text, int bare, char build_sep, ma_semver *v)
{
    if (!bare)
        return text[0] == 'v' ? ma_semver_parse_sep(text, build_sep, v) : -1;
    char with_v[2 * MA_SEMVER_PART_MAX + 64];
    if (text[0] < '0' || text[0] > '9' || strlen(text) + 2 > sizeof with_v)
        return -1;
    snprintf(with_v, sizeof with_v, "v%s", text);
    return ma_semver_parse_sep(with_v, build_sep, v);
}

int ma_version_tag_parse(const char *tag, const char *version_prefix, ma_semver *v)
{
    int bare = version_prefix != NULL && version_prefix[0] == '\0';
    return tag != NULL && (parse_spelled(tag, bare, '_', v) == 0 || parse_spelled(tag, bare, '+', v) == 0) ? 0 : -1;
}

int ma_version_read(const char *text, ma_semver *v)
{
    return ma_version_tag_parse(text, "v", v) == 0 || ma_version_tag_parse(text, "", v) == 0 ? 0 : -1;
}

int ma_version_same(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    ma_semver va, vb;
    if (ma_version_read(a, &va) != 0 || ma_version_read(b, &vb) != 0)
        return strcmp(a, b) == 0;
    return ma_semver_compare(&va, &vb) == 0 && strcmp(va.build, vb.build) == 0;
}

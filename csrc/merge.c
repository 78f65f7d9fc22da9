#include "merge.h"

#include <stdlib.h>
#include <string.h>

#include "platform.h"

/* The index of platform in want, or -1; platforms compare normalised
 * (a record of linux/arm64/v8 is linux/arm64). */
static int platform_slot(const ma_strlist *want, const char *platform)
{
    for (size_t i = 0; i < want->len; i++)
        if (ma_platform_same(want->items[i], platform))
            return (int)i;
    return -1;
}

static int check_record(const ma_merge_inputs *in, const ma_digest_record *r, ma_error *err)
{
    if (strcmp(r->image, in->image) != 0)
        return ma_fail(err, MA_ERR_INPUT,
                       "digest file %s was pushed to %s, but this merge publishes %s (check --registry and the config)",
                       r->file, r->image, in->image);
    if (in->revision != NULL && r->revision != NULL && strcmp(in->revision, r->revision) != 0)
        return ma_fail(err, MA_ERR_INPUT,
                       "digest file %s was built from commit %.12s, but this merge tags commit %.12s: "
                       "merge on the commit that was built",
                       r->file, r->revision, in->revision);
    ma_error why = {0};
    if (ma_platform_validate(r->platform, &why) != 0)
        return ma_fail(err, MA_ERR_INPUT, "digest file %s: %s", r->file, why.msg);
    return 0;
}

int ma_merge_sources(const ma_merge_inputs *in, const ma_digest_set *set, ma_strlist *sources, ma_error *err)
{
    const ma_digest_record *chosen[64] = {0};
    if (in->platforms->len > sizeof chosen / sizeof chosen[0])
        return ma_fail(err, MA_ERR_INPUT, "too many platforms to merge (%zu)", in->platforms->len);
    for (size_t i = 0; i < set->len; i++) {
        const ma_digest_record *r = &set->items[i];
        if (strcmp(r->component, in->component) != 0)
            continue;
        if (check_record(in, r, err) != 0)
            return -1;
        int slot = platform_slot(in->platforms, r->platform);
        if (slot < 0) {
            char *expected = ma_strlist_join(in->platforms, ", ");
            if (expected == NULL)
                return ma_nomem(err);
            ma_fail(err, MA_ERR_INPUT,
                    "digest file %s holds %s %s, which is not an expected platform (%s): pass --platforms "
                    "to merge another set",
                    r->file, in->component, r->platform, expected);
            free(expected);
            return -1;
        }
        if (chosen[slot] != NULL)
            return ma_fail(err, MA_ERR_INPUT, "two digests for %s %s: %s (%s) and %s (%s); keep one",
                           in->component, r->platform, chosen[slot]->file, chosen[slot]->digest, r->file, r->digest);
        chosen[slot] = r;
    }
    for (size_t i = 0; i < in->platforms->len; i++)
        if (chosen[i] == NULL)
            return ma_fail(err, MA_ERR_INPUT,
                           "no digest for %s %s in '%s': did that platform's `multi-arch --push-by-digest` run "
                           "fail, or its file not get collected?",
                           in->component, in->platforms->items[i], in->dir);
    for (size_t i = 0; i < in->platforms->len; i++)
        if (ma_strlist_pushf(sources, "%s@%s", in->image, chosen[i]->digest) != 0)
            return ma_nomem(err);
    return 0;
}

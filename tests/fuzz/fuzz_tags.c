/* libFuzzer harness for the semver parser and the tag rules: any bytes must
 * never crash them, and every tag they produce must be a valid Docker tag,
 * listed once.
 *
 * Build and run (from the repository root):
 *   clang -g -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Icsrc tests/fuzz/fuzz_tags.c \
 *     csrc/semver.c csrc/tagrules.c csrc/strlist.c csrc/error.c -o /tmp/fuzz_tags \
 *     && /tmp/fuzz_tags -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "semver.h"
#include "tagrules.h"

#define HEAD_SHA "0123456789abcdef0123456789abcdef01234567"

static void check_tags(const ma_tag_inputs *in)
{
    ma_strlist out = MA_STRLIST_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    if (ma_tags_compute(in, &out, &err) == 0) {
        if (out.len == 0)
            abort();
        for (size_t i = 0; i < out.len; i++) {
            if (!ma_tag_is_valid(out.items[i]))
                abort();
            for (size_t j = 0; j < i; j++)
                if (strcmp(out.items[i], out.items[j]) == 0)
                    abort();
        }
    } else {
        if (err.kind != MA_ERR_INPUT && err.kind != MA_ERR_ENV)
            abort();
        if (out.len != 0 || err.msg[0] == '\0' || strchr(err.msg, '\n') != NULL)
            abort();
    }
    ma_strlist_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    ma_semver v, w;
    if (ma_semver_parse(s, &v) == 0 && ma_semver_compare(&v, &v) != 0)
        abort();
    if (ma_semver_parse_sep(s, '_', &w) == 0 && ma_semver_compare(&w, &w) != 0)
        abort();

    char tag[MA_TAG_MAX + 1];
    if (ma_tag_sanitize(s, tag) == 0 && !ma_tag_is_valid(tag))
        abort();
    if (ma_tag_is_immutable(s) && !ma_tag_is_valid(s))
        abort();

    /* The input as the requested tag, also as every known git tag. */
    ma_strlist tags = MA_STRLIST_INIT;
    if (ma_strlist_push(&tags, s) != 0) {
        free(s);
        return 0;
    }
    ma_tag_inputs in = {s, HEAD_SHA, "main", NULL, NULL, &tags, &tags};
    check_tags(&in);

    /* The input as the branch of an auto build, then as CI's tag and PR number. */
    ma_tag_inputs branch = {"auto", HEAD_SHA, s, NULL, NULL, NULL, NULL};
    check_tags(&branch);
    ma_tag_inputs ci = {"auto", HEAD_SHA, "main", s, s, &tags, &tags};
    check_tags(&ci);

    ma_strlist_free(&tags);
    free(s);
    return 0;
}

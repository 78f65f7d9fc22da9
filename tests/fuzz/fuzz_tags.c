/* Branch names and requested tags -> Docker tags (ma_tag_sanitize,
 * ma_tags_compute), input: one string (a branch, possibly UTF-8 or with
 * slashes).  Checks: the sanitizer accepts exactly the non-empty strings,
 * gives a valid tag, is idempotent, keeps a valid tag as it is and maps ASCII
 * byte for byte; every computed tag list is non-empty, valid and duplicate-free;
 * an auto build of the branch gives [sanitized branch, sha-...] and never a
 * release-looking tag; a failure leaves the output empty and has a one-line message. */
#include <ctype.h>

#include "fuzz.h"
#include "tagrules.h"

#define HEAD_SHA "0123456789abcdef0123456789abcdef01234567"

/* Returns the rc of ma_tags_compute; the tags are left in out. */
static int check_tags(const ma_tag_inputs *in, ma_strlist *out, ma_error *err)
{
    int rc = ma_tags_compute(in, out, err);
    if (rc == 0) {
        FUZZ_CHECK(out->len > 0);
        for (size_t i = 0; i < out->len; i++) {
            FUZZ_CHECK(ma_tag_is_valid(out->items[i]));
            for (size_t j = 0; j < i; j++)
                FUZZ_CHECK(strcmp(out->items[i], out->items[j]) != 0);
        }
    } else {
        FUZZ_CHECK(err->kind == MA_ERR_INPUT || err->kind == MA_ERR_ENV);
        FUZZ_CHECK(out->len == 0 && err->msg[0] != '\0' && strchr(err->msg, '\n') == NULL);
    }
    return rc;
}

static void check_sanitize(const char *s, char *tag)
{
    char again[MA_TAG_MAX + 1];
    if (ma_tag_sanitize(s, tag) != 0) {
        FUZZ_CHECK(s[0] == '\0');
        return;
    }
    FUZZ_CHECK(ma_tag_is_valid(tag));
    FUZZ_CHECK(ma_tag_sanitize(tag, again) == 0 && strcmp(tag, again) == 0);
    if (ma_tag_is_valid(s))
        FUZZ_CHECK(strcmp(tag, s) == 0);
    int ascii = 1;
    for (const char *p = s; *p; p++)
        ascii = ascii && (unsigned char)*p < 0x80;
    if (ascii) {
        size_t len = strlen(s);
        FUZZ_CHECK(strlen(tag) == (len < MA_TAG_MAX ? len : MA_TAG_MAX));
        for (size_t i = 0; tag[i]; i++)
            FUZZ_CHECK(tag[i] == s[i] || tag[i] == '-' || (i == 0 && tag[i] == '_'));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    if (s == NULL)
        return 0;
    char tag[MA_TAG_MAX + 1];
    check_sanitize(s, tag);
    if (ma_tag_is_immutable(s))
        FUZZ_CHECK(ma_tag_is_valid(s));

    ma_strlist tags = MA_STRLIST_INIT, out = MA_STRLIST_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    if (ma_strlist_push(&tags, s) != 0) {
        free(s);
        return 0;
    }

    /* The input as the branch of an auto build. */
    ma_tag_inputs branch = {.requested = "auto", .head_sha = HEAD_SHA, .branch = s};
    if (check_tags(&branch, &out, &err) == 0 && s[0] != '\0') {
        FUZZ_CHECK(out.len == 2 && strcmp(out.items[0], tag) == 0);
        FUZZ_CHECK(strcmp(out.items[1], "sha-0123456") == 0);
        FUZZ_CHECK(!ma_tag_is_immutable(tag) && strcmp(tag, "latest") != 0);
    } else if (s[0] != '\0') {
        FUZZ_CHECK(ma_tag_is_immutable(tag) || strcmp(tag, "latest") == 0 ||
                   (tag[0] == 'v' && isdigit((unsigned char)tag[1])));
    }
    ma_strlist_free(&out);

    /* The input as the requested tag, also as every known git tag: a valid
     * tag that is not a version is used as given. */
    ma_tag_inputs req = {.requested = s, .head_sha = HEAD_SHA, .branch = "main", .head_tags = &tags, .repo_tags = &tags};
    if (check_tags(&req, &out, &err) == 0 && ma_tag_is_valid(s) && !ma_tag_is_immutable(s) &&
        strcmp(s, "auto") != 0)
        FUZZ_CHECK(out.len == 1 && strcmp(out.items[0], s) == 0);
    ma_strlist_free(&out);

    /* The input as CI's tag and pull request number. */
    ma_tag_inputs ci = {.requested = "auto", .head_sha = HEAD_SHA, .branch = "main", .pr_number = s, .ref_tag = s,
                        .head_tags = &tags, .repo_tags = &tags};
    check_tags(&ci, &out, &err);
    ma_strlist_free(&out);

    ma_strlist_free(&tags);
    free(s);
    return 0;
}

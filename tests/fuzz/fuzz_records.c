/* A digest record from another runner's --digest-dir (ma_digest_record_parse),
 * input: the file's text.  Checks: success gives every required field
 * non-empty and a valid digest, and rendering it back then parsing gives the
 * same record; failure is MA_ERR_INPUT naming the origin and leaves the
 * record zeroed.  Then the records feed ma_merge_sources, which must either
 * pick one source per platform or refuse with MA_ERR_INPUT. */
#include "digestdir.h"
#include "fuzz.h"
#include "merge.h"
#include "sha256.h"

static int same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void check_merge(const ma_digest_record *r)
{
    ma_digest_set set = {(ma_digest_record *)r, 1};
    ma_strlist want = MA_STRLIST_INIT, sources = MA_STRLIST_INIT;
    if (ma_strlist_push(&want, r->platform) != 0)
        return;
    ma_merge_inputs in = {.component = r->component, .image = r->image, .platforms = &want, .revision = r->revision,
                          .dir = "dir"};
    ma_error err = {MA_ERR_NONE, ""};
    if (ma_merge_sources(&in, &set, &sources, &err) == 0) {
        FUZZ_CHECK(sources.len == 1);
        FUZZ_CHECK(strstr(sources.items[0], r->digest) != NULL);
    } else {
        fuzz_check_error(&err, MA_ERR_INPUT);
        FUZZ_CHECK(sources.len == 0);
    }
    ma_strlist_free(&want);
    ma_strlist_free(&sources);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (text == NULL)
        return 0;
    ma_digest_record r;
    ma_error err = {MA_ERR_NONE, ""};
    if (ma_digest_record_parse(text, "fuzz.json", &r, &err) == 0) {
        FUZZ_CHECK(r.component[0] && r.image[0] && r.platform[0]);
        FUZZ_CHECK(ma_digest_is_valid(r.digest));
        char *json = ma_digest_record_json(&r);
        if (json != NULL) {
            ma_digest_record again;
            FUZZ_CHECK(ma_digest_record_parse(json, "again.json", &again, &err) == 0);
            FUZZ_CHECK(same(r.component, again.component) && same(r.image, again.image) &&
                       same(r.platform, again.platform) && same(r.digest, again.digest) &&
                       same(r.revision, again.revision));
            ma_digest_record_free(&again);
        }
        free(json);
        check_merge(&r);
        ma_digest_record_free(&r);
    } else {
        fuzz_check_error(&err, MA_ERR_INPUT);
        FUZZ_CHECK(strstr(err.msg, "fuzz.json") != NULL);
        FUZZ_CHECK(r.component == NULL && r.image == NULL && r.platform == NULL && r.digest == NULL &&
                   r.revision == NULL);
    }
    free(text);
    return 0;
}

/* What `status` and every publish's sizes read from a registry: a platform
 * manifest's size (ma_manifest_size), an index's platform images with their
 * digests (ma_index_images), its created annotation, and tags read as
 * aliases.  Input: the raw bytes as the registry returns them (no NUL after
 * them).  Checks: a size read is never negative and a failure is
 * MA_ERR_BUILD; the images of an index are the platforms
 * ma_index_platforms reads, each with a valid digest, and a failure leaves
 * the caller's lists as they were (or grown by whole pairs); the size texts
 * always end in a unit; an alias parses only to sane numbers. */
#include "fuzz.h"
#include "manifest.h"
#include "sha256.h"
#include "sizes.h"
#include "status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *raw = (const char *)data;
    ma_error err = {MA_ERR_NONE, ""};
    long long bytes = -7;
    if (ma_manifest_size(raw, size, &bytes, &err) == 0) {
        FUZZ_CHECK(bytes >= 0);
        char text[MA_SIZE_TEXT_MAX];
        ma_size_text(bytes, text);
        FUZZ_CHECK(strchr(text, 'B') != NULL);
        ma_size_change_text(-bytes, text);
        FUZZ_CHECK(text[0] == '-' || (bytes == 0 && text[0] == '+'));
    } else {
        fuzz_check_error(&err, MA_ERR_BUILD);
        FUZZ_CHECK(bytes == -7);
    }

    ma_strlist platforms = MA_STRLIST_INIT, digests = MA_STRLIST_INIT, read = MA_STRLIST_INIT;
    err = (ma_error){MA_ERR_NONE, ""};
    int rc = ma_index_images(raw, size, &platforms, &digests, &err);
    if (rc != 0)
        fuzz_check_error(&err, MA_ERR_BUILD);
    FUZZ_CHECK(platforms.len == digests.len || (rc != 0 && platforms.len == digests.len + 1));
    for (size_t i = 0; i < digests.len; i++)
        FUZZ_CHECK(ma_digest_is_valid(digests.items[i]));
    ma_error err2 = {MA_ERR_NONE, ""};
    if (rc == 0 && ma_index_platforms(raw, size, &read, &err2) == 0) {
        FUZZ_CHECK(read.len == platforms.len);
        for (size_t i = 0; i < read.len; i++)
            FUZZ_CHECK(strcmp(read.items[i], platforms.items[i]) == 0);
    }
    free(ma_status_created(raw, size));

    char *tag = fuzz_cstr(data, size);
    long major = -2, minor = -2;
    if (tag != NULL && ma_status_alias_parse(tag, &major, &minor)) {
        FUZZ_CHECK(major >= -1 && minor >= -1 && (minor == -1 || major >= 0));
        FUZZ_CHECK(strcmp(tag, "latest") == 0 || major >= 0);
    } else {
        FUZZ_CHECK(major == -1 && minor == -1);
    }
    free(tag);
    ma_strlist_free(&platforms);
    ma_strlist_free(&digests);
    ma_strlist_free(&read);
    return 0;
}

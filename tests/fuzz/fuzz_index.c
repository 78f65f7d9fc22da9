/* Registry read-backs (ma_index_platforms, ma_index_verify), input: the raw
 * manifest bytes, handed over with their length and no NUL after them, as
 * `imagetools inspect --raw` output is.  Checks: platforms read are
 * "os/arch[/variant]" with every part non-empty; verifying against the bytes' own
 * digest succeeds for exactly the platforms read and fails (MA_ERR_BUILD,
 * naming the missing one) for one more; a wrong digest always fails; a
 * failure leaves the caller's list as it was.  The annotation and
 * attestation checks never crash, and fail only with MA_ERR_BUILD (or for
 * memory); an annotation the index does not name is always missing. */
#include "fuzz.h"
#include "manifest.h"
#include "sha256.h"

#define ABSENT "fuzz/absent"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *raw = (const char *)data;
    ma_strlist found = MA_STRLIST_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    char digest[MA_DIGEST_MAX];
    ma_sha256_digest(raw, size, digest);
    if (ma_strlist_push(&found, "kept/before") != 0)
        return 0;

    int parsed = ma_index_platforms(raw, size, &found, &err) == 0;
    if (!parsed) {
        fuzz_check_error(&err, MA_ERR_BUILD);
        FUZZ_CHECK(found.len == 1);
    }
    for (size_t i = 1; i < found.len; i++) {
        size_t parts = 0;
        for (const char *p = found.items[i];; p++, parts++) {
            size_t n = strcspn(p, "/");
            FUZZ_CHECK(n > 0);
            p += n;
            if (*p == '\0')
                break;
        }
        FUZZ_CHECK(parts == 1 || parts == 2);
    }

    ma_strlist want = MA_STRLIST_INIT;
    for (size_t i = 1; i < found.len; i++)
        if (ma_strlist_push(&want, found.items[i]) != 0)
            goto out;
    int rc = ma_index_verify("r/x", raw, size, digest, &want, &err);
    if (rc != 0)
        fuzz_check_error(&err, MA_ERR_BUILD);
    FUZZ_CHECK((rc == 0) == parsed || err.kind == MA_ERR_NOMEM);

    if (rc == 0 && !ma_strlist_contains(&found, ABSENT) && ma_strlist_push(&want, ABSENT) == 0) {
        FUZZ_CHECK(ma_index_verify("r/x", raw, size, digest, &want, &err) != 0);
        FUZZ_CHECK(err.kind == MA_ERR_NOMEM || strstr(err.msg, ABSENT) != NULL);
    }
    ma_strlist annotation = MA_STRLIST_INIT;
    if (ma_strlist_push(&annotation, "fuzz.absent=\x01") == 0) {
        if (ma_index_annotations_check("r/x", raw, size, &annotation, &err) != 0)
            fuzz_check_error(&err, MA_ERR_BUILD);
        else
            FUZZ_CHECK(memmem(raw, size, "fuzz.absent", strlen("fuzz.absent")) != NULL);
    }
    ma_strlist_free(&annotation);
    if (ma_index_attestations_check("r/x", raw, size, &err) != 0)
        fuzz_check_error(&err, MA_ERR_BUILD);
    digest[sizeof "sha256:" - 1] ^= 1; /* another digest */
    FUZZ_CHECK(ma_index_verify("r/x", raw, size, digest, &want, &err) != 0);
    fuzz_check_error(&err, MA_ERR_BUILD);
out:
    ma_strlist_free(&want);
    ma_strlist_free(&found);
    return 0;
}

/* What a manifest references (ma_manifest_refs_read), input: manifest bytes
 * as a registry may send them.  Checks: a refusal is MA_ERR_BUILD; only an
 * index lists children, one per attestation slot; every digest is a valid
 * sha256 digest. */
#include "fuzz.h"
#include "manifestrefs.h"
#include "sha256.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ma_manifest_refs refs;
    ma_error err = {MA_ERR_NONE, ""};
    if (ma_manifest_refs_read("fuzz", (const char *)data, size, &refs, &err) != 0) {
        fuzz_check_error(&err, MA_ERR_BUILD);
    } else {
        FUZZ_CHECK(refs.is_index || refs.children.len == 0);
        FUZZ_CHECK(refs.child_attests.len == refs.children.len);
        for (size_t i = 0; i < refs.children.len; i++)
            FUZZ_CHECK(ma_digest_is_valid(refs.children.items[i]));
        for (size_t i = 0; i < refs.blobs.len; i++)
            FUZZ_CHECK(ma_digest_is_valid(refs.blobs.items[i]));
    }
    ma_manifest_refs_free(&refs);
    return 0;
}

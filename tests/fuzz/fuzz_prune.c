/* What a prune reads from outside: manifest bytes (ma_manifest_refs_parse,
 * into a graph and through ma_prune_decide) and a GitHub versions page
 * (ma_ghversions_parse_page).  Input: up to 8 manifests separated by a NUL
 * byte; "main" names the first, "pr-1" the second, the first's cosign .sig
 * tag the third.  Checks: parsing fails only with MA_ERR_ENV and leaves
 * nothing behind; every digest parsed is a valid sha256; no object is both
 * kept and going; whatever main reaches is kept; the freed bytes are the
 * going manifests' sizes plus the freed blobs'; a versions page either
 * parses into valid versions or fails with MA_ERR_ENV. */
#include "fuzz.h"
#include "ghpackages.h"
#include "manifestrefs.h"
#include "prunedecide.h"
#include "repograph.h"

#define PARTS_MAX 8

static void check_refs(const char *raw, size_t len)
{
    ma_manifest_refs r;
    ma_error err = {MA_ERR_NONE, ""};
    if (ma_manifest_refs_parse(raw, len, &r, &err) != 0) {
        fuzz_check_error(&err, MA_ERR_ENV);
        FUZZ_CHECK(r.children.len == 0 && r.blobs.len == 0 && r.blob_sizes == NULL);
        return;
    }
    FUZZ_CHECK(r.children.len == r.child_attests.len);
    for (size_t i = 0; i < r.children.len; i++)
        FUZZ_CHECK(ma_digest_is_valid(r.children.items[i]) &&
                   (r.child_attests.items[i][0] == '\0' || ma_digest_is_valid(r.child_attests.items[i])));
    for (size_t i = 0; i < r.blobs.len; i++)
        FUZZ_CHECK(ma_digest_is_valid(r.blobs.items[i]) && r.blob_sizes[i] >= 0);
    FUZZ_CHECK(r.subject[0] == '\0' || ma_digest_is_valid(r.subject));
    ma_manifest_refs_free(&r);
}

static void check_decision(const uint8_t *data, size_t size)
{
    ma_repograph g = MA_REPOGRAPH_INIT;
    g.lists_untagged = 1;
    char digests[PARTS_MAX][MA_DIGEST_MAX];
    size_t nparts = 0, start = 0;
    ma_error err = {MA_ERR_NONE, ""};
    for (size_t i = 0; i <= size && nparts < PARTS_MAX; i++) {
        if (i < size && data[i] != 0)
            continue;
        const char *raw = (const char *)data + start;
        ma_sha256_digest(raw, i - start, digests[nparts]);
        if (ma_repograph_add(&g, digests[nparts], "application/vnd.oci.image.index.v1+json", raw, i - start, &err) == 0)
            nparts++;
        else
            fuzz_check_error(&err, MA_ERR_ENV);
        start = i + 1;
    }
    char *sig = nparts > 0 ? ma_strdupf("sha256-%s.sig", digests[0] + 7) : NULL;
    const char *names[] = {"main", "pr-1", sig};
    for (size_t i = 0; i < nparts && i < 3; i++)
        if (names[i] != NULL && ma_repograph_add_tag(&g, names[i], digests[i < 2 ? i : 2], &err) != 0)
            goto out;
    ma_prune_rules rules = {"1", 1, 0};
    ma_prune_decision d;
    if (ma_prune_decide(&g, &rules, &d, &err) != 0) {
        FUZZ_CHECK(err.kind == MA_ERR_NOMEM);
        goto out;
    }
    unsigned long long bytes = 0;
    for (size_t i = 0; i < d.ngone; i++) {
        bytes += g.objects[d.gone[i].object].size;
        for (size_t k = 0; k < d.nkept; k++)
            FUZZ_CHECK(d.kept[k].object != d.gone[i].object);
    }
    FUZZ_CHECK(bytes == d.manifest_bytes && d.nkept + d.ngone <= g.nobjects);
    /* whatever main reaches is kept */
    long main = nparts > 0 ? ma_repograph_find(&g, digests[0]) : -1;
    for (size_t k = 0; main >= 0 && k < g.objects[main].refs.children.len; k++) {
        long c = ma_repograph_find(&g, g.objects[main].refs.children.items[k]);
        int found = c < 0;
        for (size_t i = 0; !found && i < d.nkept; i++)
            found = (long)d.kept[i].object == c;
        FUZZ_CHECK(found);
    }
    ma_prune_decision_free(&d);
out:
    free(sig);
    ma_repograph_free(&g);
}

static void check_versions(const char *raw, size_t len)
{
    ma_ghversions v = {0};
    ma_error err = {MA_ERR_NONE, ""};
    if (ma_ghversions_parse_page(raw, len, &v, &err) != 0)
        fuzz_check_error(&err, MA_ERR_ENV);
    for (size_t i = 0; i < v.len; i++)
        FUZZ_CHECK(ma_digest_is_valid(v.items[i].digest) && v.items[i].id[0] != '\0' &&
                   strspn(v.items[i].id, "0123456789") == strlen(v.items[i].id));
    ma_ghversions_free(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_refs((const char *)data, size);
    check_versions((const char *)data, size);
    check_decision(data, size);
    return 0;
}

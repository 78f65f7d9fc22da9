#include "prunescan.h"

#include <stdlib.h>
#include <string.h>

#include "regapi.h"
#include "regreferrers.h"

/* Reads sent side by side at most. */
#define BATCH 32
/* Bounds the rounds of "read what the last round pointed at". */
#define ROUNDS_MAX 64

/* GET each ref (tags or digests) and add what came; tags (when by_tag) name
 * what their read found.  A digest the registry does not hold goes to absent. */
static int read_refs(ma_regclient *cl, const char *host, const char *repo, const ma_strlist *refs, int by_tag,
                     ma_repograph *g, ma_strlist *absent, ma_error *err)
{
    ma_manifest_read reads[BATCH];
    int rc = 0;
    for (size_t start = 0; rc == 0 && start < refs->len; start += BATCH) {
        size_t n = refs->len - start < BATCH ? refs->len - start : BATCH;
        for (size_t i = 0; i < n; i++)
            reads[i] = (ma_manifest_read){.host = host, .repo = repo, .ref = refs->items[start + i], .with_body = 1};
        rc = ma_reg_manifests(cl, reads, n, err);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            const ma_manifest_read *r = &reads[i];
            if (!r->found && by_tag)
                rc = ma_fail(err, MA_ERR_ENV, "registry %s: %s:%s vanished while it was read", host, repo, r->ref);
            else if (!r->found)
                rc = ma_strlist_push_unique(absent, r->ref) != 0 ? ma_nomem(err) : 0;
            else if ((rc = ma_repograph_add(g, r->digest, r->media_type, r->body, r->len, err)) == 0 && by_tag)
                rc = ma_repograph_add_tag(g, r->ref, r->digest, err);
        }
        for (size_t i = 0; i < n; i++)
            ma_manifest_read_free(&reads[i]);
    }
    return rc;
}

/* The referrers of every object not asked about yet (when the registry
 * offers the API: the first answer tells), appended to want. */
static int referrers(ma_regclient *cl, const char *host, const char *repo, ma_repograph *g, ma_strlist *asked,
                     int *offered, ma_strlist *want, ma_error *err)
{
    for (size_t i = 0; *offered != 0 && i < g->nobjects; i++) {
        const char *d = g->objects[i].digest;
        if (ma_strlist_contains(asked, d))
            continue;
        if (ma_strlist_push(asked, d) != 0)
            return ma_nomem(err);
        ma_strlist found = MA_STRLIST_INIT;
        int rc = ma_reg_referrers(cl, host, repo, d, &found, err);
        for (size_t k = 0; rc >= 0 && k < found.len; k++)
            if (ma_repograph_find(g, found.items[k]) < 0 && ma_strlist_push_unique(want, found.items[k]) != 0)
                rc = ma_nomem(err);
        ma_strlist_free(&found);
        if (rc < 0)
            return -1;
        if (*offered < 0)
            *offered = rc;
    }
    return 0;
}

static int versions_in(const ma_ghversions *versions, ma_repograph *g, ma_strlist *digests, ma_error *err)
{
    g->lists_untagged = 1;
    for (size_t i = 0; i < versions->len; i++) {
        const ma_ghversion *v = &versions->items[i];
        if (ma_strlist_push_unique(digests, v->digest) != 0)
            return ma_nomem(err);
        for (size_t t = 0; t < v->tags.len; t++)
            if (ma_repograph_add_tag(g, v->tags.items[t], v->digest, err) != 0)
                return -1;
    }
    return 0;
}

int ma_prune_scan(ma_regclient *cl, const char *host, const char *repo, const ma_ghversions *versions,
                  ma_repograph *g, ma_strlist *notes, ma_error *err)
{
    ma_strlist first = MA_STRLIST_INIT, want = MA_STRLIST_INIT, absent = MA_STRLIST_INIT, asked = MA_STRLIST_INIT;
    int rc = versions != NULL ? versions_in(versions, g, &first, err) : ma_reg_tags(cl, host, repo, 0, &first, err);
    if (rc == 0)
        rc = read_refs(cl, host, repo, &first, versions == NULL, g, &absent, err);
    int offered = -1;
    for (int round = 0; rc == 0; round++) {
        if (round == ROUNDS_MAX) {
            rc = ma_fail(err, MA_ERR_ENV, "registry %s: %s's manifests point on past %d levels", host, repo,
                         ROUNDS_MAX);
            break;
        }
        ma_strlist_free(&want);
        rc = ma_repograph_missing(g, &want, err);
        for (size_t i = 0; rc == 0 && i < absent.len; i++)
            for (size_t k = 0; k < want.len; k++)
                if (strcmp(want.items[k], absent.items[i]) == 0) {
                    free(want.items[k]);
                    want.items[k] = want.items[--want.len];
                    want.items[want.len] = NULL;
                    break;
                }
        if (rc == 0)
            rc = referrers(cl, host, repo, g, &asked, &offered, &want, err);
        if (rc != 0 || want.len == 0)
            break;
        rc = read_refs(cl, host, repo, &want, 0, g, &absent, err);
    }
    for (size_t i = 0; rc == 0 && versions != NULL && i < versions->len; i++) {
        long o = ma_repograph_find(g, versions->items[i].digest);
        if (o >= 0 && g->objects[o].version_id == NULL &&
            (g->objects[o].version_id = strdup(versions->items[i].id)) == NULL)
            rc = ma_nomem(err);
    }
    if (rc == 0 && offered == 0 && ma_strlist_push(notes, "the registry offers no referrers API (OCI 1.1): "
                                                          "referrers are found through tags only") != 0)
        rc = ma_nomem(err);
    for (size_t i = 0; rc == 0 && i < absent.len; i++)
        if (ma_strlist_pushf(notes, "%s is referenced but not in the repository", absent.items[i]) != 0)
            rc = ma_nomem(err);
    ma_strlist_free(&first);
    ma_strlist_free(&want);
    ma_strlist_free(&absent);
    ma_strlist_free(&asked);
    return rc;
}

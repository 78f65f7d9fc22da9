/* Two passes over the graph: what the remaining tags keep (to a fixpoint,
 * since signatures and referrers are kept by what they point at), then what
 * the let-go tags and "untagged" name, less all that is kept. */
#include "prunedecide.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ma_prune_decision_free(ma_prune_decision *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->nkept; i++)
        free(d->kept[i].why);
    for (size_t i = 0; i < d->ngone; i++)
        free(d->gone[i].why);
    free(d->kept);
    free(d->gone);
    ma_strlist_free(&d->dropped_tags);
    ma_strlist_free(&d->stuck_tags);
    ma_strlist_free(&d->notes);
    ma_strlist_free(&d->freed_blobs);
    *d = (ma_prune_decision)MA_PRUNE_DECISION_INIT;
}

int ma_cosign_tag_subject(const char *tag, char subject[MA_DIGEST_MAX])
{
    if (strncmp(tag, "sha256-", 7) != 0 || strlen(tag) < 7 + 64 + 1 || tag[7 + 64] != '.')
        return 0;
    const char *suffix = tag + 7 + 64 + 1;
    if (strcmp(suffix, "sig") != 0 && strcmp(suffix, "att") != 0 && strcmp(suffix, "sbom") != 0)
        return 0;
    char d[MA_DIGEST_MAX];
    snprintf(d, sizeof d, "sha256:%.64s", tag + 7);
    if (!ma_digest_is_valid(d))
        return 0;
    memcpy(subject, d, sizeof d);
    return 1;
}

/* sha-<hex>, the per-commit tag. */
static int is_sha_tag(const char *tag)
{
    return strncmp(tag, "sha-", 4) == 0 && tag[4] != '\0' && strspn(tag + 4, "0123456789abcdef") == strlen(tag + 4);
}

/* The working state: per object, the reason (an index into `reasons`) that
 * keeps it or lets it go, -1 for none. */
typedef struct {
    const ma_repograph *g;
    long *kept_by, *gone_by;
    ma_strlist reasons;
    size_t *stack;
} walk;

static long reason(walk *w, const char *text)
{
    for (size_t i = 0; i < w->reasons.len; i++)
        if (strcmp(w->reasons.items[i], text) == 0)
            return (long)i;
    return ma_strlist_push(&w->reasons, text) != 0 ? -1 : (long)w->reasons.len - 1;
}

/* Mark object `start` and every manifest it lists with why, in marks;
 * `stop` (may be NULL): objects marked there are not entered.  Returns how
 * many objects it newly marked. */
static size_t reach(walk *w, long *marks, const long *stop, long start, long why)
{
    size_t n = 0, top = 0;
    if (start < 0 || marks[start] >= 0 || (stop != NULL && stop[start] >= 0))
        return 0;
    marks[start] = why;
    w->stack[top++] = (size_t)start;
    while (top > 0) {
        const ma_repo_object *o = &w->g->objects[w->stack[--top]];
        n++;
        for (size_t k = 0; k < o->refs.children.len; k++) {
            long c = ma_repograph_find(w->g, o->refs.children.items[k]);
            if (c >= 0 && marks[c] < 0 && (stop == NULL || stop[c] < 0)) {
                marks[c] = why;
                w->stack[top++] = (size_t)c;
            }
        }
    }
    return n;
}

/* The tags of a sha-... retention that go: all but the newest keep (by the
 * commit time their object records; one without a time stays). */
static int old_sha_tags(walk *w, long keep, ma_strlist *drop, ma_strlist *notes)
{
    const ma_repograph *g = w->g;
    size_t n = 0;
    size_t *idx = calloc(g->tags.len ? g->tags.len : 1, sizeof *idx);
    if (idx == NULL)
        return -1;
    for (size_t i = 0; i < g->tags.len; i++) {
        if (!is_sha_tag(g->tags.items[i]))
            continue;
        long o = ma_repograph_find(g, g->tag_digests.items[i]);
        if (o >= 0 && g->objects[o].refs.has_created)
            idx[n++] = i;
        else if (ma_strlist_pushf(notes, "%s records no commit time (%s): kept", g->tags.items[i],
                                  MA_CREATED_ANNOTATION) != 0) {
            free(idx);
            return -1;
        }
    }
    /* newest first (insertion sort: a repository's sha tags are few hundred at most) */
    for (size_t i = 1; i < n; i++) {
        size_t v = idx[i], j = i;
        long long tv = g->objects[ma_repograph_find(g, g->tag_digests.items[v])].refs.created;
        while (j > 0) {
            size_t u = idx[j - 1];
            long long tu = g->objects[ma_repograph_find(g, g->tag_digests.items[u])].refs.created;
            if (tu > tv || (tu == tv && strcmp(g->tags.items[u], g->tags.items[v]) > 0))
                break;
            idx[j] = u;
            j--;
        }
        idx[j] = v;
    }
    int rc = 0;
    for (size_t i = (size_t)keep; rc == 0 && i < n; i++)
        rc = ma_strlist_push(drop, g->tags.items[idx[i]]);
    free(idx);
    return rc;
}

static const char *kind_of(const ma_repograph *g, size_t i)
{
    const ma_repo_object *o = &g->objects[i];
    char subject[MA_DIGEST_MAX];
    for (size_t t = 0; t < g->tags.len; t++)
        if (strcmp(g->tag_digests.items[t], o->digest) == 0) {
            if (ma_cosign_tag_subject(g->tags.items[t], subject))
                return strstr(g->tags.items[t], ".sig") != NULL ? "signature" : "cosign-attestation";
            if (strncmp(g->tags.items[t], "buildcache", 10) == 0)
                return "cache";
        }
    if (o->refs.subject[0] != '\0')
        return "referrer";
    for (size_t k = 0; k < g->nobjects; k++) {
        const ma_manifest_refs *r = &g->objects[k].refs;
        for (size_t c = 0; c < r->children.len; c++)
            if (r->child_attests.items[c][0] != '\0' && strcmp(r->children.items[c], o->digest) == 0)
                return "attestation";
    }
    return o->refs.is_index ? "index" : "manifest";
}

/* Keep from the remaining tags, then to a fixpoint: cosign tags of kept
 * digests, referrers of kept digests, attestation entries of kept digests. */
static int keep_pass(walk *w, const ma_strlist *drop)
{
    const ma_repograph *g = w->g;
    char subject[MA_DIGEST_MAX];
    for (size_t t = 0; t < g->tags.len; t++) {
        if (ma_strlist_contains(drop, g->tags.items[t]) || ma_cosign_tag_subject(g->tags.items[t], subject))
            continue;
        long why = reason(w, g->tags.items[t]);
        if (why < 0)
            return -1;
        reach(w, w->kept_by, NULL, ma_repograph_find(g, g->tag_digests.items[t]), why);
    }
    for (size_t round = 0, changed = 1; changed && round <= g->nobjects + g->tags.len; round++) {
        changed = 0;
        for (size_t t = 0; t < g->tags.len; t++) {
            long s = ma_cosign_tag_subject(g->tags.items[t], subject) ? ma_repograph_find(g, subject) : -1;
            long o = ma_repograph_find(g, g->tag_digests.items[t]);
            if (s >= 0 && w->kept_by[s] >= 0 && o >= 0 && w->kept_by[o] < 0) {
                long why = reason(w, g->tags.items[t]);
                if (why < 0)
                    return -1;
                changed += reach(w, w->kept_by, NULL, o, why);
            }
        }
        for (size_t i = 0; i < g->nobjects; i++) {
            const ma_manifest_refs *r = &g->objects[i].refs;
            long s = r->subject[0] != '\0' ? ma_repograph_find(g, r->subject) : -1;
            if (s >= 0 && w->kept_by[s] >= 0)
                changed += reach(w, w->kept_by, NULL, (long)i, w->kept_by[s]);
            for (size_t c = 0; c < r->children.len; c++) {
                long a = r->child_attests.items[c][0] != '\0' ? ma_repograph_find(g, r->child_attests.items[c]) : -1;
                if (a >= 0 && w->kept_by[a] >= 0)
                    changed += reach(w, w->kept_by, NULL, ma_repograph_find(g, r->children.items[c]), w->kept_by[a]);
            }
        }
    }
    return 0;
}

/* What goes: the let-go tags' objects, the untagged ones, and to a fixpoint
 * the cosign tags and referrers of what goes; never what is kept. */
static int gone_pass(walk *w, const ma_strlist *drop, int untagged, ma_prune_decision *out)
{
    const ma_repograph *g = w->g;
    char subject[MA_DIGEST_MAX];
    for (size_t t = 0; t < g->tags.len; t++) {
        if (!ma_strlist_contains(drop, g->tags.items[t]))
            continue;
        long o = ma_repograph_find(g, g->tag_digests.items[t]);
        long why = reason(w, g->tags.items[t]);
        if (why < 0)
            return -1;
        if (w->kept_by[o] >= 0) {
            if (ma_strlist_push(&out->stuck_tags, g->tags.items[t]) != 0)
                return -1;
        } else {
            reach(w, w->gone_by, w->kept_by, o, why);
        }
    }
    if (untagged && g->lists_untagged) {
        long why = reason(w, "untagged");
        for (size_t i = 0; why >= 0 && i < g->nobjects; i++)
            if (w->kept_by[i] < 0 && !ma_strlist_contains(&g->tag_digests, g->objects[i].digest))
                reach(w, w->gone_by, w->kept_by, (long)i, why);
        if (why < 0)
            return -1;
    } else if (untagged && ma_strlist_push(&out->notes, "this registry lists tags only: its untagged objects cannot "
                                                        "be found (GitHub Packages lists them: --api github)") != 0) {
        return -1;
    }
    for (size_t round = 0, changed = 1; changed && round <= g->nobjects + g->tags.len; round++) {
        changed = 0;
        for (size_t t = 0; t < g->tags.len; t++) {
            long s = ma_cosign_tag_subject(g->tags.items[t], subject) ? ma_repograph_find(g, subject) : -1;
            long o = ma_repograph_find(g, g->tag_digests.items[t]);
            if (s >= 0 && w->gone_by[s] >= 0 && o >= 0 && w->gone_by[o] < 0 && w->kept_by[o] < 0)
                changed += reach(w, w->gone_by, w->kept_by, o, w->gone_by[s]);
        }
        for (size_t i = 0; i < g->nobjects; i++) {
            const ma_manifest_refs *r = &g->objects[i].refs;
            long s = r->subject[0] != '\0' ? ma_repograph_find(g, r->subject) : -1;
            if (s >= 0 && w->gone_by[s] >= 0)
                changed += reach(w, w->gone_by, w->kept_by, (long)i, w->gone_by[s]);
        }
    }
    for (size_t t = 0; t < g->tags.len; t++) {
        long o = ma_repograph_find(g, g->tag_digests.items[t]);
        if (w->gone_by[o] >= 0 && ma_strlist_push(&out->dropped_tags, g->tags.items[t]) != 0)
            return -1;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Blobs of going objects that no staying object references. */
static int freed_blobs(walk *w, ma_prune_decision *out)
{
    const ma_repograph *g = w->g;
    size_t nstay = 0;
    for (size_t i = 0; i < g->nobjects; i++)
        if (w->gone_by[i] < 0)
            nstay += g->objects[i].refs.blobs.len;
    char **stay = calloc(nstay ? nstay : 1, sizeof *stay);
    if (stay == NULL)
        return -1;
    nstay = 0;
    for (size_t i = 0; i < g->nobjects; i++)
        for (size_t b = 0; w->gone_by[i] < 0 && b < g->objects[i].refs.blobs.len; b++)
            stay[nstay++] = g->objects[i].refs.blobs.items[b];
    qsort(stay, nstay, sizeof *stay, cmp_str);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < g->nobjects; i++) {
        const ma_manifest_refs *r = &g->objects[i].refs;
        for (size_t b = 0; rc == 0 && w->gone_by[i] >= 0 && b < r->blobs.len; b++) {
            char *key = r->blobs.items[b];
            if (bsearch(&key, stay, nstay, sizeof *stay, cmp_str) != NULL || ma_strlist_contains(&out->freed_blobs, key))
                continue;
            rc = ma_strlist_push(&out->freed_blobs, key);
            out->blob_bytes += (unsigned long long)r->blob_sizes[b];
        }
    }
    free(stay);
    return rc;
}

/* Delete order: what refers to others first, so a run cut short leaves no
 * kept-looking object pointing at a deleted one. */
static int rank(const char *kind)
{
    return strcmp(kind, "signature") == 0 || strcmp(kind, "cosign-attestation") == 0 || strcmp(kind, "referrer") == 0 ? 0
           : strcmp(kind, "index") == 0 || strcmp(kind, "cache") == 0                                          ? 1
                                                                                                               : 2;
}

static int items(walk *w, ma_prune_decision *out)
{
    const ma_repograph *g = w->g;
    size_t n = g->nobjects ? g->nobjects : 1;
    if ((out->kept = calloc(n, sizeof *out->kept)) == NULL || (out->gone = calloc(n, sizeof *out->gone)) == NULL)
        return -1;
    for (int r = 0; r < 3; r++)
        for (size_t i = 0; i < g->nobjects; i++) {
            const char *kind = kind_of(g, i);
            ma_prune_item *it = NULL;
            if (w->kept_by[i] >= 0 && r == 0)
                it = &out->kept[out->nkept++];
            else if (w->kept_by[i] < 0 && w->gone_by[i] >= 0 && rank(kind) == r) {
                it = &out->gone[out->ngone++];
                out->manifest_bytes += g->objects[i].size;
            }
            if (it == NULL)
                continue;
            long why = w->kept_by[i] >= 0 ? w->kept_by[i] : w->gone_by[i];
            *it = (ma_prune_item){i, kind, strdup(w->reasons.items[why])};
            if (it->why == NULL)
                return -1;
        }
    return 0;
}

int ma_prune_decide(const ma_repograph *g, const ma_prune_rules *rules, ma_prune_decision *out, ma_error *err)
{
    *out = (ma_prune_decision)MA_PRUNE_DECISION_INIT;
    for (size_t t = 0; t < g->tags.len; t++)
        if (ma_repograph_find(g, g->tag_digests.items[t]) < 0)
            return ma_fail(err, MA_ERR_ENV, "tag %s names %s, which was not read", g->tags.items[t],
                           g->tag_digests.items[t]);
    size_t n = g->nobjects ? g->nobjects : 1;
    walk w = {g, malloc(n * sizeof(long)), malloc(n * sizeof(long)), MA_STRLIST_INIT, malloc(n * sizeof(size_t))};
    ma_strlist drop = MA_STRLIST_INIT;
    int rc = w.kept_by == NULL || w.gone_by == NULL || w.stack == NULL ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < g->nobjects; i++)
        w.kept_by[i] = w.gone_by[i] = -1;
    if (rc == 0 && rules->pr != NULL)
        rc = ma_strlist_pushf(&drop, "pr-%s", rules->pr);
    if (rc == 0 && rules->keep_sha >= 0)
        rc = old_sha_tags(&w, rules->keep_sha, &drop, &out->notes);
    if (rc == 0)
        rc = keep_pass(&w, &drop);
    if (rc == 0)
        rc = gone_pass(&w, &drop, rules->untagged, out);
    if (rc == 0)
        rc = freed_blobs(&w, out);
    if (rc == 0)
        rc = items(&w, out);
    free(w.kept_by);
    free(w.gone_by);
    free(w.stack);
    ma_strlist_free(&w.reasons);
    ma_strlist_free(&drop);
    if (rc != 0) {
        ma_prune_decision_free(out);
        return ma_nomem(err);
    }
    return 0;
}

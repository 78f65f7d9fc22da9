#include "repograph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ma_repograph_free(ma_repograph *g)
{
    if (g == NULL)
        return;
    for (size_t i = 0; i < g->nobjects; i++) {
        free(g->objects[i].media_type);
        free(g->objects[i].version_id);
        ma_manifest_refs_free(&g->objects[i].refs);
    }
    free(g->objects);
    free(g->sorted);
    ma_strlist_free(&g->tags);
    ma_strlist_free(&g->tag_digests);
    *g = (ma_repograph)MA_REPOGRAPH_INIT;
}

/* The position in g->sorted where digest is, or would go. */
static size_t sorted_slot(const ma_repograph *g, const char *digest, int *found)
{
    size_t lo = 0, hi = g->nobjects;
    *found = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(g->objects[g->sorted[mid]].digest, digest);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

long ma_repograph_find(const ma_repograph *g, const char *digest)
{
    int found;
    size_t slot = sorted_slot(g, digest, &found);
    return found ? (long)g->sorted[slot] : -1;
}

int ma_repograph_add(ma_repograph *g, const char *digest, const char *media_type, const char *raw, size_t len,
                     ma_error *err)
{
    int found;
    size_t slot = sorted_slot(g, digest, &found);
    if (found)
        return 0;
    if (g->nobjects == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 32;
        ma_repo_object *objects = realloc(g->objects, cap * sizeof *objects);
        if (objects == NULL)
            return ma_nomem(err);
        g->objects = objects;
        size_t *sorted = realloc(g->sorted, cap * sizeof *sorted);
        if (sorted == NULL)
            return ma_nomem(err);
        g->sorted = sorted;
        g->cap = cap;
    }
    ma_repo_object *o = &g->objects[g->nobjects];
    memset(o, 0, sizeof *o);
    if (ma_manifest_refs_parse(raw, len, &o->refs, err) != 0)
        return ma_fail(err, MA_ERR_ENV, "%s: %s", digest, err->msg);
    snprintf(o->digest, sizeof o->digest, "%s", digest);
    o->size = len;
    if ((o->media_type = strdup(media_type != NULL ? media_type : "")) == NULL) {
        ma_manifest_refs_free(&o->refs);
        return ma_nomem(err);
    }
    memmove(&g->sorted[slot + 1], &g->sorted[slot], (g->nobjects - slot) * sizeof *g->sorted);
    g->sorted[slot] = g->nobjects++;
    return 0;
}

int ma_repograph_add_tag(ma_repograph *g, const char *tag, const char *digest, ma_error *err)
{
    if (ma_strlist_push(&g->tags, tag) != 0 || ma_strlist_push(&g->tag_digests, digest) != 0)
        return ma_nomem(err);
    return 0;
}

int ma_repograph_missing(const ma_repograph *g, ma_strlist *out, ma_error *err)
{
    for (size_t i = 0; i < g->nobjects; i++) {
        const ma_manifest_refs *r = &g->objects[i].refs;
        for (size_t k = 0; k <= r->children.len; k++) {
            const char *d = k < r->children.len ? r->children.items[k] : r->subject;
            if (d[0] != '\0' && ma_repograph_find(g, d) < 0 && ma_strlist_push_unique(out, d) != 0)
                return ma_nomem(err);
        }
    }
    for (size_t i = 0; i < g->tag_digests.len; i++)
        if (ma_repograph_find(g, g->tag_digests.items[i]) < 0 && ma_strlist_push_unique(out, g->tag_digests.items[i]))
            return ma_nomem(err);
    return 0;
}

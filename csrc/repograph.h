/* A repository's objects as a prune sees them: its tags (what each names) and
 * every manifest read, each with what it points at (manifestrefs.h).  The scan
 * fills it from a registry; the decision (prunedecide.h) reads it.  Pure. */
#ifndef MA_REPOGRAPH_H
#define MA_REPOGRAPH_H
#include <stddef.h>

#include "error.h"
#include "manifestrefs.h"
#include "sha256.h"
#include "strlist.h"

typedef struct {
    char digest[MA_DIGEST_MAX];
    char *media_type;
    size_t size;              /* the manifest's own bytes */
    ma_manifest_refs refs;
    char *version_id;         /* where a backend deletes by another key (a GitHub package version id), or NULL */
} ma_repo_object;

typedef struct {
    ma_strlist tags;          /* every tag */
    ma_strlist tag_digests;   /* what each tag names, in the same order */
    ma_repo_object *objects;
    size_t nobjects, cap;
    size_t *sorted;           /* object indexes in digest order, for lookups */
    int lists_untagged;       /* the objects are every one the registry holds (GitHub package versions),
                                 not only those the tags reach */
} ma_repograph;

#define MA_REPOGRAPH_INIT {MA_STRLIST_INIT, MA_STRLIST_INIT, NULL, 0, 0, NULL, 0}

/* Add the manifest raw (its digest, media type and bytes), parsed; adding a
 * digest already there changes nothing.  0, or -1 (MA_ERR_ENV naming digest
 * when the bytes are not a manifest, MA_ERR_NOMEM). */
int ma_repograph_add(ma_repograph *g, const char *digest, const char *media_type, const char *raw, size_t len,
                     ma_error *err);
/* The object of digest, or -1. */
long ma_repograph_find(const ma_repograph *g, const char *digest);
int ma_repograph_add_tag(ma_repograph *g, const char *tag, const char *digest, ma_error *err);
/* The digests the objects point at (children, subjects) not in the graph yet, appended to out (no repeats). */
int ma_repograph_missing(const ma_repograph *g, ma_strlist *out, ma_error *err);
void ma_repograph_free(ma_repograph *g);
#endif

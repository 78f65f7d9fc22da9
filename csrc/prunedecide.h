/* What a prune keeps and lets go in one repository: a pure function of the
 * repository's graph (repograph.h) and the rules asked for.  Kept is whatever
 * a remaining tag reaches (an index, its manifests, their attestations,
 * cosign signatures and attestations of kept digests, referrers of kept
 * digests); an object goes only when a let-go tag or "untagged" names it and
 * nothing kept reaches it. */
#ifndef MA_PRUNEDECIDE_H
#define MA_PRUNEDECIDE_H
#include <stddef.h>

#include "error.h"
#include "repograph.h"
#include "strlist.h"

typedef struct {
    const char *pr;   /* "15": let pr-15 go; NULL: none */
    int untagged;     /* let every object no tag reaches go (where the graph lists them) */
    long keep_sha;    /* keep the newest N sha-... tags by their index's commit time; -1: keep all */
} ma_prune_rules;

typedef struct {
    size_t object;    /* in the graph's objects */
    const char *kind; /* "index", "manifest", "attestation" (an index's attestation manifest), "signature"
                         and "cosign-attestation" (cosign's .sig and .att/.sbom tags), "referrer", "cache" */
    char *why;        /* kept: the tag that reaches it; going: the tag let go, or "untagged" */
} ma_prune_item;

typedef struct {
    ma_prune_item *kept;
    size_t nkept;
    ma_prune_item *gone;        /* in the order to delete them: referrers and signatures, indexes, the rest */
    size_t ngone;
    ma_strlist dropped_tags;    /* tags that go with their objects */
    ma_strlist stuck_tags;      /* tags let go whose object a kept tag still reaches: they stay */
    ma_strlist notes;
    ma_strlist freed_blobs;     /* configs and layers only the going objects reference */
    unsigned long long manifest_bytes, blob_bytes;
} ma_prune_decision;

#define MA_PRUNE_DECISION_INIT                                                                                \
    {NULL, 0, NULL, 0, MA_STRLIST_INIT, MA_STRLIST_INIT, MA_STRLIST_INIT, MA_STRLIST_INIT, 0, 0}

/* 1 when tag is cosign's sha256-<64 hex>.<sig|att|sbom>, with subject set to "sha256:<hex>". */
int ma_cosign_tag_subject(const char *tag, char subject[MA_DIGEST_MAX]);

/* Decide.  0, or -1: MA_ERR_ENV when a tag names an object the graph does not
 * hold (the scan was not complete), MA_ERR_NOMEM. */
int ma_prune_decide(const ma_repograph *g, const ma_prune_rules *rules, ma_prune_decision *out, ma_error *err);
void ma_prune_decision_free(ma_prune_decision *d);
#endif

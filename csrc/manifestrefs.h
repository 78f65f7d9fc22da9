/* What one manifest's bytes point at, for reachability: an index's child
 * manifests (and the digest each attestation entry attests), the blobs a
 * manifest holds (config, layers; a cache index's layer entries), its OCI
 * subject, and the commit time its annotations record; what a copy between
 * repositories carries over.  Pure. */
#ifndef MA_MANIFESTREFS_H
#define MA_MANIFESTREFS_H
#include <stddef.h>

#include "error.h"
#include "sha256.h"
#include "strlist.h"

/* The annotation whose time orders sha-... tags (the commit time the build recorded). */
#define MA_CREATED_ANNOTATION "org.opencontainers.image.created"
/* An attestation entry names the manifest it attests with this annotation. */
#define MA_ATTEST_REF_ANNOTATION "vnd.docker.reference.digest"

typedef struct {
    int is_index;
    ma_strlist children;       /* the manifests and indexes an index lists */
    ma_strlist child_attests;  /* per child: the digest its attestation annotation names, or "" */
    ma_strlist blobs;          /* config and layers (an index's entries of other media types) */
    long long *blob_sizes;     /* per blob: its descriptor's size */
    size_t blob_sizes_cap;
    char subject[MA_DIGEST_MAX]; /* the OCI subject's digest, or "" */
    int has_created;
    long long created;         /* MA_CREATED_ANNOTATION in seconds since 1970 (with has_created) */
} ma_manifest_refs;

#define MA_MANIFEST_REFS_INIT {0, MA_STRLIST_INIT, MA_STRLIST_INIT, MA_STRLIST_INIT, NULL, 0, "", 0, 0}

/* Parse raw (a manifest or index).  0, or -1 with MA_ERR_ENV when it is not
 * a JSON object, or a descriptor's digest is not sha256:<64 hex>, or a size
 * is not a number >= 0 (a repository we cannot read whole is never pruned). */
int ma_manifest_refs_parse(const char *raw, size_t len, ma_manifest_refs *out, ma_error *err);
void ma_manifest_refs_free(ma_manifest_refs *r);

/* The same, for a manifest a copy reads (shown: how the error names it):
 * MA_ERR_BUILD naming shown when raw is not a manifest. */
int ma_manifest_refs_read(const char *shown, const char *raw, size_t len, ma_manifest_refs *out, ma_error *err);

#endif

/* What one manifest references, for copying an image between repositories:
 * an index's manifests (platform images and attestation manifests, each with
 * its media type), an image manifest's config and layers.  Pure (cJSON). */
#ifndef MA_MANIFESTREFS_H
#define MA_MANIFESTREFS_H

#include <stddef.h>

#include "error.h"
#include "strlist.h"

typedef struct {
    int is_index;          /* raw is an index (or a Docker manifest list) */
    ma_strlist manifests;  /* an index's manifests: their digests, in order */
    ma_strlist blobs;      /* an image manifest's config, then its layers: their digests */
} ma_manifest_refs;

/* Read raw (shown: how the error names it).  MA_ERR_BUILD naming shown when
 * raw is not a manifest, or a descriptor's digest is not sha256:<64 hex>.
 * Free out with ma_manifest_refs_free (also after a failure). */
int ma_manifest_refs_read(const char *shown, const char *raw, size_t len, ma_manifest_refs *out, ma_error *err);

void ma_manifest_refs_free(ma_manifest_refs *r);

#endif

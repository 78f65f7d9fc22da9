/* The image index a merge pushes, composed from the runners' pushes: each
 * source is one platform's push by digest, either an index (its platform
 * manifest and attestation manifests are taken over as they are) or a plain
 * image manifest (described here with the platform it was pushed for).  The
 * index annotations come last.  Pure and deterministic: the same sources give
 * the same bytes, so a dry run knows the digest the merge will push. */
#ifndef MA_INDEXCOMPOSE_H
#define MA_INDEXCOMPOSE_H
#include <stddef.h>
#include "error.h"
#include "strlist.h"

typedef struct {
    const char *digest;      /* the source's digest (its raw bytes hash to it) */
    const char *platform;    /* what it was pushed for: "os/arch[/variant]" */
    const char *raw;         /* its manifest's bytes, as read from the registry */
    size_t len;
} ma_index_source;

#define MA_MEDIA_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MA_MEDIA_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"

/* The index's bytes in *out (malloc'd, *len set): OCI image index, schema 2,
 * the sources' descriptors in order, then the annotations ("key=value").
 * MA_ERR_BUILD naming the source when one is not a manifest or index, or is
 * a Docker manifest list or v2 manifest (an OCI index cannot hold those
 * bytes' media type unchanged); MA_ERR_NOMEM. */
int ma_index_compose(const ma_index_source *sources, size_t n, const ma_strlist *annotations, char **out,
                     size_t *len, ma_error *err);
/* One image's merged index: sources ("image@digest", in platform order),
 * their manifests' bytes as read (raws, the same order), composed as above
 * and checked: each platform exactly once, every annotation there.
 * MA_ERR_BUILD naming `shown`; MA_ERR_NOMEM. */
int ma_merge_index(const ma_strlist *sources, const ma_strlist *platforms, const ma_strlist *annotations,
                   const ma_strlist *raws, const char *shown, char **out, size_t *len, ma_error *err);
#endif

/* Make an image's content present in another repository before its manifest
 * is put there: within one registry each blob is mounted from the source
 * repository, across registries its bytes are read (their digest checked)
 * and uploaded (the stored digest checked).  An index's manifests (platform
 * images, attestation manifests) are put by digest, each after its blobs.
 * The top manifest is the caller's to put (under its tags).  On a registry
 * session; it knows nothing of releases. */
#ifndef MA_REGCOPY_H
#define MA_REGCOPY_H

#include <stddef.h>

#include "error.h"
#include "regclient.h"

typedef struct {
    unsigned long present;   /* blobs the target had already */
    unsigned long mounted;   /* blobs mounted from the source repository */
    unsigned long copied;    /* blobs read and uploaded */
    unsigned long manifests; /* manifests put by digest */
} ma_regcopy_counts;

/* raw: the top manifest's bytes (an index or an image manifest), as read
 * from from_host/from_repo.  0 with *counts added to, or -1 (MA_ERR_ENV, a
 * blob or manifest whose digest does not match refused; MA_ERR_BUILD when
 * a manifest is not one). */
int ma_regcopy_image(ma_regclient *cl, const char *from_host, const char *from_repo, const char *to_host,
                     const char *to_repo, const char *raw, size_t len, ma_regcopy_counts *counts, ma_error *err);

#endif

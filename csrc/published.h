/* What a tag already names in the registry, read before anything is built
 * (and before an alias moves): the digest, and the commit and version the
 * image was made from, from the registry's answers: the manifest the tag
 * names, and when its annotations do not say, one platform image's config
 * (cJSON).  Pure: the caller asks the registry. */
#ifndef MA_PUBLISHED_H
#define MA_PUBLISHED_H

#include <stddef.h>

#include "error.h"
#include "sha256.h"
#include "strlist.h"

#define MA_LABEL_REVISION "org.opencontainers.image.revision"
#define MA_LABEL_VERSION "org.opencontainers.image.version"
#define MA_LABEL_CREATED "org.opencontainers.image.created"

typedef struct {
    char digest[MA_DIGEST_MAX]; /* the index (or single manifest) the tag names */
    char *revision;             /* the commit it was made from, or NULL when it does not say */
    char *version;              /* its version, or NULL */
    char *created;              /* when it was made (RFC 3339: the commit time, or SOURCE_DATE_EPOCH), or NULL */
    ma_strlist platforms;       /* the platform images of the index (attestations aside); empty for one manifest */
} ma_published;

/* What `ref` names, from the manifest bytes the registry gave for it
 * (digest: theirs): the platforms, and revision and version from an index's
 * annotations.  MA_ERR_BUILD naming ref when raw is not a manifest. */
int ma_published_from_manifest(const char *ref, const char *digest, const char *raw, size_t len,
                               ma_published *out, ma_error *err);

/* Where the labels are when revision or version is still missing: 1 with
 * digest set to what to read next: an index's first platform image (*config
 * 0), or an image manifest's config blob (*config 1); 0 when there is none.
 * One platform's labels stand for all: the build gives every platform the
 * same ones. */
int ma_published_labels_at(const char *raw, size_t len, char digest[MA_DIGEST_MAX], int *config);

/* An image config's labels fill what p still misses.  -1: out of memory. */
int ma_published_take_config(ma_published *p, const char *raw, size_t len);

void ma_published_free(ma_published *p);

#endif

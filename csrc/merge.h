/* Which pushed digests make up one image of `angreal build merge`: the
 * records of the digest directory matched against the image, the expected
 * platforms and the commit being tagged.  Pure. */
#ifndef MA_MERGE_H
#define MA_MERGE_H

#include "digestdir.h"
#include "error.h"
#include "strlist.h"

typedef struct {
    const char *component;
    const char *image;             /* registry/repository the merge publishes */
    const ma_strlist *platforms;   /* every one must have exactly one digest */
    const char *revision;          /* the commit being tagged, or NULL when unknown */
    const char *dir;               /* for messages */
} ma_merge_inputs;

/* Append "image@digest" for each platform, in the order of in->platforms.
 * MA_ERR_INPUT naming the file and what to do when a platform has no digest
 * or two, a record names another image, an unexpected platform or another
 * commit. */
int ma_merge_sources(const ma_merge_inputs *in, const ma_digest_set *set, ma_strlist *sources, ma_error *err);

#endif

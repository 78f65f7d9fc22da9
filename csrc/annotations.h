/* The OCI annotations of an image index (org.opencontainers.image.*): what
 * GHCR reads to link a multi-platform package to its repository and show its
 * description.  The labels' facts plus description, licenses and url.  Pure. */
#ifndef MA_ANNOTATIONS_H
#define MA_ANNOTATIONS_H

#include "strlist.h"

/* Where buildx puts an annotation: the image index, or each platform manifest. */
#define MA_ANNOTATE_INDEX "index"
#define MA_ANNOTATE_MANIFEST "manifest"

/* "key=value" items: the labels (source, revision, version, created, title)
 * in their order, then description and licenses (left out when NULL or ""),
 * then url (the source's web page, when there is a source). */
int ma_annotations_compute(const ma_strlist *labels, const char *description, const char *licenses,
                           ma_strlist *out);

/* `--annotation LEVEL:key=value` for each annotation, appended to argv. */
int ma_annotation_args(const ma_strlist *annotations, const char *level, ma_strlist *argv);

#endif

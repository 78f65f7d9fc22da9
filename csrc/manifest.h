/* Checks on what the registry holds, read back as raw manifest bytes
 * (a registry GET).  Pure: the caller asks the registry. */
#ifndef MA_MANIFEST_H
#define MA_MANIFEST_H

#include <stddef.h>

#include "error.h"
#include "sha256.h"
#include "strlist.h"

/* The platforms ("os/arch[/variant]") of the image manifests in an OCI image
 * index or Docker manifest list, in order, skipping attestation manifests
 * (platform unknown/unknown or annotation vnd.docker.reference.type).
 * A single-platform image manifest (no "manifests" array) gives no platforms
 * and is not an error.  MA_ERR_BUILD when raw is not JSON / not a manifest. */
int ma_index_platforms(const char *raw, size_t len, ma_strlist *out, ma_error *err);

/* Verify the index at `ref` (raw bytes as read back) is the pushed digest and
 * holds every platform in `want`: MA_ERR_BUILD naming ref, the digest read
 * back, and the missing platforms otherwise. */
int ma_index_verify(const char *ref, const char *raw, size_t len, const char *digest,
                    const ma_strlist *want, ma_error *err);

/* 1 when raw is a JSON object with a "manifests" array (an index or list). */
int ma_raw_is_index(const char *raw, size_t len);

/* Verify the index (raw bytes) holds each platform of `want` exactly once and
 * no other platform image (attestations aside): MA_ERR_BUILD naming `shown`
 * and the missing, doubled or extra platforms otherwise. */
int ma_index_verify_exact(const char *shown, const char *raw, size_t len, const ma_strlist *want,
                          ma_error *err);

/* The index (raw bytes) carries every "key=value" of `want` as an annotation:
 * MA_ERR_BUILD naming `shown` and the first one missing or different. */
int ma_index_annotations_check(const char *shown, const char *raw, size_t len, const ma_strlist *want,
                               ma_error *err);

/* Every platform image of the index (raw bytes) has an attestation manifest
 * referring to it (what --sbom and --provenance make): MA_ERR_BUILD naming
 * `shown` and the platform without one. */
int ma_index_attestations_check(const char *shown, const char *raw, size_t len, ma_error *err);

/* The first platform image (attestations aside) of an index: 1 with digest
 * set, 0 when raw is not an index or holds none. */
int ma_index_first_image(const char *raw, size_t len, char digest[MA_DIGEST_MAX]);

/* Every platform image of an index (attestations aside), in order: its
 * platform ("os/arch[/variant]") appended to platforms and its digest to
 * digests.  An image manifest adds nothing.  MA_ERR_BUILD when raw is not
 * JSON or an entry has no valid digest. */
int ma_index_images(const char *raw, size_t len, ma_strlist *platforms, ma_strlist *digests, ma_error *err);
#endif

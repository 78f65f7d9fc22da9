/* The distribution API's calls the release needs, on a registry session:
 * manifests (HEAD, GET, PUT of exact bytes), a repository's tags (paged),
 * and blobs (HEAD).  Every manifest body read is checked against the digest
 * asked for or the Docker-Content-Digest returned; a mismatch is refused. */
#ifndef MA_REGAPI_H
#define MA_REGAPI_H
#include <stddef.h>
#include "error.h"
#include "regclient.h"
#include "sha256.h"
#include "strlist.h"

/* What the Accept header of a manifest read lists. */
#define MA_MANIFEST_ACCEPT                                                                            \
    "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, " \
    "application/vnd.docker.distribution.manifest.list.v2+json, "                                  \
    "application/vnd.docker.distribution.manifest.v2+json"

/* One manifest read (HEAD or GET), by tag or digest. */
typedef struct {
    const char *host;
    const char *repo;
    const char *ref;                /* a tag or "sha256:..." */
    int with_body;                  /* GET (1) or HEAD (0) */
    /* the answer */
    int found;                      /* 0 when the registry says it is not there */
    char digest[MA_DIGEST_MAX];
    char *media_type;
    char *body;                     /* GET: the exact bytes */
    size_t len;
    ma_error err;                   /* this read's own failure */
} ma_manifest_read;

/* Read the manifests side by side.  0 when every read got its answer (found
 * or not); -1 with err set to the first read that failed (each read's own
 * err says why it did). */
int ma_reg_manifests(ma_regclient *cl, ma_manifest_read *reads, size_t n, ma_error *err);
/* One read (HEAD or GET); 1 found, 0 not found, -1 failed. */
int ma_reg_manifest(ma_regclient *cl, ma_manifest_read *read, ma_error *err);
void ma_manifest_read_free(ma_manifest_read *r);

/* PUT body (exactly these bytes, of media_type) under tag: the registry must
 * answer with the digest of these bytes.  0, or -1 with MA_ERR_ENV. */
int ma_reg_manifest_put(ma_regclient *cl, const char *host, const char *repo, const char *tag,
                        const char *media_type, const char *body, size_t len, ma_error *err);

/* Point tag at what ref names now: GET ref's bytes (checked), PUT them under
 * tag.  *digest gets what tag now names. */
int ma_reg_tag(ma_regclient *cl, const char *host, const char *repo, const char *ref, const char *tag,
               char digest[MA_DIGEST_MAX], ma_error *err);

/* Every tag of repo, following Link pages (page_size: n=, 0: the registry's
 * default).  A missing repository has no tags (0, tags empty). */
int ma_reg_tags(ma_regclient *cl, const char *host, const char *repo, int page_size, ma_strlist *tags,
                ma_error *err);

/* HEAD a blob: 1 present (*size set), 0 absent, -1 failed. */
int ma_reg_blob(ma_regclient *cl, const char *host, const char *repo, const char *digest, long *size,
                ma_error *err);
/* GET a blob's bytes (an image config; a layer being copied), checked
 * against digest: 1 read (*body malloc'd, *len set), 0 absent, -1 failed.
 * body_max: the largest blob taken (0: MA_HTTP_BODY_MAX). */
int ma_reg_blob_get(ma_regclient *cl, const char *host, const char *repo, const char *digest, size_t body_max,
                    char **body, size_t *len, ma_error *err);
#endif

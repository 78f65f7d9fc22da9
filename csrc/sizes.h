/* How big an image is, as a registry holds it: a platform image's
 * compressed size is its config and layers as its manifest lists them (what
 * a pull downloads), and the size of a release is that per platform.  Also
 * sizes as people read them ("61.2 MB", "+1.3 MB").  Pure: the caller reads
 * the manifests. */
#ifndef MA_SIZES_H
#define MA_SIZES_H

#include <stddef.h>

#include "error.h"
#include "platform.h"
#include "sha256.h"

/* The config's and every layer's size in an image manifest's bytes.
 * MA_ERR_BUILD when raw is not an image manifest (an index, an error body)
 * or a size is missing or negative. */
int ma_manifest_size(const char *raw, size_t len, long long *bytes, ma_error *err);

/* One platform image of a release. */
typedef struct {
    char platform[MA_PLATFORM_MAX]; /* "linux/arm64"; "" for a single image manifest */
    char digest[MA_DIGEST_MAX];     /* its manifest */
    long long bytes;                /* config + layers; -1 when it could not be read */
} ma_platform_size;

typedef struct {
    ma_platform_size *items;
    size_t len;
} ma_image_size;

/* The bytes of platform p in s, or -1 when s has no such platform (platforms
 * compare as containerd normalises them; a single image manifest stands for
 * any). */
long long ma_image_size_of(const ma_image_size *s, const char *platform);

void ma_image_size_free(ma_image_size *s);

/* A publish's sizes: what it published, and the release `latest` named
 * before the run, to compare with. */
typedef struct {
    ma_image_size now;            /* the published index's platforms (len 0: not read) */
    ma_image_size before;         /* what latest named before the run (len 0: nothing, or not read) */
    char before_digest[MA_DIGEST_MAX]; /* "" when latest was not there */
    char before_version[128];     /* its version annotation, "" when it does not say */
    char error[256];              /* why the sizes could not be read, or "" */
} ma_release_size;

void ma_release_size_free(ma_release_size *s);

/* "61.2 MB (+1.3 MB since v1.2.3)" for one platform of r, into out; "" when
 * its size is unknown. */
void ma_release_size_line(const ma_release_size *r, const char *platform, char *out, size_t outsz);

/* Longest text ma_size_text and ma_size_change_text write. */
#define MA_SIZE_TEXT_MAX 32

/* "912 B", "3.4 kB", "61.2 MB", "1.1 GB" (SI units: what registries show). */
void ma_size_text(long long bytes, char out[MA_SIZE_TEXT_MAX]);

/* "+1.3 MB", "-120 B", "+0 B". */
void ma_size_change_text(long long delta, char out[MA_SIZE_TEXT_MAX]);

#endif

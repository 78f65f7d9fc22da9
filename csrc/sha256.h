/* SHA-256, for comparing registry read-backs with the digest buildx pushed. Pure. */
#ifndef MA_SHA256_H
#define MA_SHA256_H

#include <stddef.h>

/* "sha256:" + 64 lowercase hex + NUL */
#define MA_DIGEST_MAX 72

/* Write "sha256:<hex>" of data into out (MA_DIGEST_MAX bytes). */
void ma_sha256_digest(const void *data, size_t len, char out[MA_DIGEST_MAX]);

/* 1 when s is "sha256:" followed by exactly 64 lowercase hex characters. */
int ma_digest_is_valid(const char *s);

#endif

/* Base64, decoding only: buildx's rawjson log lines and docker's
 * config.json `auth` fields carry it.  Pure. */
#ifndef MA_BASE64_H
#define MA_BASE64_H
#include <stddef.h>

/* Decode standard base64 (padding optional, stops at the first other byte)
 * into out (at least 3 * (len / 4 + 1) bytes); returns the bytes written. */
size_t ma_base64_decode(const char *in, size_t len, unsigned char *out);
#endif

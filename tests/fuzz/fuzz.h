/* Shared by the libFuzzer targets: a check that aborts (so libFuzzer keeps
 * the input as a crash) naming the broken property, the input as a C string,
 * and the contract every failing call must keep. */
#ifndef MA_FUZZ_H
#define MA_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define FUZZ_CHECK(expr)                                                              \
    do {                                                                              \
        if (!(expr)) {                                                                \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #expr); \
            abort();                                                                  \
        }                                                                             \
    } while (0)

/* The input as a NUL-terminated string (cut at its first NUL byte, as any
 * C caller would see it); NULL only when out of memory. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s != NULL) {
        memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}

/* A failure names its kind and says something. */
static inline void fuzz_check_error(const ma_error *err, ma_error_kind want)
{
    FUZZ_CHECK(err->kind == want || err->kind == MA_ERR_NOMEM);
    FUZZ_CHECK(err->msg[0] != '\0');
}

#endif

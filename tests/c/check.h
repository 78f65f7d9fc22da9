/* A minimal assertion harness for the C unit tests: each test file is one
 * executable; a failed CHECK prints file:line and the expression, and the
 * executable exits non-zero at the end so ctest reports it. */
#ifndef MA_CHECK_H
#define MA_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(expr)                                                                  \
    do {                                                                             \
        check_count++;                                                               \
        if (!(expr)) {                                                               \
            check_failures++;                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr); \
        }                                                                            \
    } while (0)

#define CHECK_STR(got, want)                                                                 \
    do {                                                                                     \
        const char *g_ = (got), *w_ = (want);                                                \
        check_count++;                                                                       \
        if (g_ == NULL || w_ == NULL ? g_ != w_ : strcmp(g_, w_) != 0) {                     \
            check_failures++;                                                                \
            fprintf(stderr, "%s:%d: got \"%s\", want \"%s\" (%s)\n", __FILE__, __LINE__,     \
                    g_ ? g_ : "(null)", w_ ? w_ : "(null)", #got);                           \
        }                                                                                    \
    } while (0)

#define CHECK_DONE()                                                            \
    (fprintf(stderr, "%d checks, %d failed\n", check_count, check_failures), \
     check_failures ? 1 : 0)

#endif

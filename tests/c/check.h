/* A minimal assertion harness for the C unit tests: each test file is one
 * executable; a failed CHECK prints file:line and the expression, and the
 * executable exits non-zero at the end so ctest reports it. */
#ifndef MA_CHECK_H
#define MA_CHECK_H

#include <stdio.h>
#include <string.h>

#include "strlist.h"

static int check_failures;
static int check_count;
/* The line of the case a helper is checking (0: none): a helper called
 * through CASE() reports it beside its own, so a failure names its case.  A
 * helper that calls another through CASE() keeps the outer line: the case. */
static int check_case_line;
static int check_case_depth;

static inline void check_case_enter_(int line)
{
    if (check_case_depth++ == 0)
        check_case_line = line;
}

static inline void check_case_leave_(void)
{
    if (--check_case_depth == 0)
        check_case_line = 0;
}

/* Call a helper returning void, naming this line as the case. */
#define CASE(call) (check_case_enter_(__LINE__), (call), check_case_leave_())

static inline void check_report_case_(void)
{
    if (check_case_line != 0)
        fprintf(stderr, "  (the case at line %d)\n", check_case_line);
}

#define CHECK(expr)                                                                  \
    do {                                                                             \
        check_count++;                                                               \
        if (!(expr)) {                                                               \
            check_failures++;                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr); \
            check_report_case_();                                                    \
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
            check_report_case_();                                                            \
        }                                                                                    \
    } while (0)

/* Helpers shared by the test files (static inline: unused ones do not warn). */
static inline int contains(const char *haystack, const char *needle)
{
    return strstr(haystack, needle) != NULL;
}

static inline int write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t n = fwrite(data, 1, len, f);
    return fclose(f) == 0 && n == len ? 0 : -1;
}

/* Compare a strlist with the NULL-terminated `want`, item by item, and check
 * the list stays NULL-terminated (usable as an argv). */
static inline void check_strlist_(const ma_strlist *got, const char *const *want, const char *what,
                                  const char *file, int line)
{
    size_t n = 0;
    while (want[n] != NULL)
        n++;
    check_count++;
    int ok = got->len == n;
    for (size_t i = 0; ok && i < n; i++)
        ok = strcmp(got->items[i], want[i]) == 0;
    if (ok && n > 0)
        ok = got->items[n] == NULL;
    if (!ok) {
        check_failures++;
        fprintf(stderr, "%s:%d: %s differs\n  got (%zu):", file, line, what, got->len);
        for (size_t i = 0; i < got->len; i++)
            fprintf(stderr, " [%s]", got->items[i]);
        fprintf(stderr, "\n  want (%zu):", n);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " [%s]", want[i]);
        fprintf(stderr, "\n");
        check_report_case_();
    }
}

/* got holds exactly the items of the NULL-terminated array want. */
#define CHECK_STRLIST(got, want) check_strlist_((got), (want), #got, __FILE__, __LINE__)

#define CHECK_DONE()                                                            \
    (fprintf(stderr, "%d checks, %d failed\n", check_count, check_failures), \
     check_failures ? 1 : 0)

#endif

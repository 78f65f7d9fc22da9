/* Errors in the C core: every fallible function returns 0 on success or -1 and
 * fills an ma_error.  The binding maps `kind` to a Python exception in one place. */
#ifndef MA_ERROR_H
#define MA_ERROR_H

#include <stddef.h>

typedef enum {
    MA_ERR_NONE = 0,
    MA_ERR_INPUT,       /* the caller's input is wrong: ValueError, exit 2 */
    MA_ERR_ENV,         /* the environment is wrong (git, files, docker): multiarch.Error, exit 1 */
    MA_ERR_NOMEM,       /* allocation failed: MemoryError */
    MA_ERR_BUILD,       /* a build, push or verification failed: exit 1 */
    MA_ERR_INTERRUPTED  /* SIGINT/SIGTERM: exit 130 */
} ma_error_kind;

#define MA_ERROR_MSG_MAX 1024

typedef struct {
    ma_error_kind kind;
    char msg[MA_ERROR_MSG_MAX];
} ma_error;

/* Fill err (if not NULL) with a printf-style message; always returns -1 so
 * callers can write `return ma_fail(err, MA_ERR_INPUT, "...")`. */
int ma_fail(ma_error *err, ma_error_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Shorthand for an allocation failure. */
int ma_nomem(ma_error *err);

void ma_error_clear(ma_error *err);

#endif

/* Where a multi-platform build's time went: from buildx's rawjson progress
 * (rawjson.h), the time of each platform's steps (the steps buildx names
 * `[linux/arm64 …]`), its slowest step, and a note when one platform's steps
 * take more than MA_BUILDTIME_RATIO times another's (arm64 under QEMU).
 * Pure. */
#ifndef MA_BUILDTIME_H
#define MA_BUILDTIME_H

#include <stddef.h>

#include "platform.h"
#include "rawjson.h"

/* One platform's steps take more than this many times another's: say so. */
#define MA_BUILDTIME_RATIO 3.0
/* ... when the slower one took at least this long (seconds): noise otherwise. */
#define MA_BUILDTIME_FLOOR 1.0
/* Where the remedy is written up. */
#define MA_BUILDTIME_DOC "docs/builders.md"

typedef struct {
    char platform[MA_PLATFORM_MAX]; /* "linux/arm64" */
    double seconds;                 /* its steps' time, summed (cached steps take none) */
    size_t steps;
    const char *slowest;            /* the name of its slowest step (borrowed from the rawjson state), or NULL */
    double slowest_seconds;
} ma_platform_time;

typedef struct {
    ma_platform_time items[8];      /* in the order their first step started; more platforms are left out */
    size_t len;
} ma_buildtime;

/* The times of rj's completed steps, per platform.  Valid while rj is. */
void ma_buildtime_of(const ma_rawjson *rj, ma_buildtime *out);

/* The note, when one platform's steps took more than MA_BUILDTIME_RATIO
 * times the fastest one's (and at least MA_BUILDTIME_FLOOR s): written into
 * out (at most outsz bytes), 1 returned; 0 and out "" otherwise. */
int ma_buildtime_note(const ma_buildtime *t, char *out, size_t outsz);

/* "linux/amd64 1.5s, linux/arm64 12.3s" into out; "" when no step was timed. */
void ma_buildtime_text(const ma_buildtime *t, char *out, size_t outsz);

#endif

/* buildx's machine-readable progress, `--progress rawjson`, read with cJSON.
 *
 * buildx 0.13 writes one pretty-printed JSON object per update to stderr,
 * {"vertexes": [...], "statuses": [...], "logs": [...]}, each opening with
 * `{` in the first column and closing with `}` in it; a failed build then
 * prints plain text (the Dockerfile excerpt and `ERROR: failed to solve: ...`).
 *
 * Pure: fed one stderr line at a time (as exec hands them), it keeps the
 * build's steps (vertexes, as buildx names them: `[linux/arm64 4/7] RUN cargo
 * build --release`) and hands back readable log lines, as `--progress plain`
 * words them: `#5 [linux/arm64 2/3] RUN ...`, `#5 <output line>`,
 * `#5 DONE 0.4s`, `#5 CACHED`, `#5 ERROR: <why>`; plain-text lines as they are. */
#ifndef MA_RAWJSON_H
#define MA_RAWJSON_H

#include <stddef.h>

#include "strlist.h"

#define MA_RAWJSON_TAIL 12                 /* output lines kept per step (and of plain text) */
#define MA_RAWJSON_OBJECT_MAX (4u << 20)   /* a larger object is skipped */

typedef struct {
    char *digest;
    char *name;            /* "[linux/arm64 2/3] RUN ..." ("" until named) */
    char *error;           /* why it failed, or NULL */
    int started, completed, cached;
    double started_at;     /* seconds since 1970 (0: unknown) */
    double completed_at;   /* seconds since 1970 when it completed (0: unknown, or not yet) */
    unsigned long order;   /* when it started, 1 for the first */
    unsigned long failed_order; /* when its error came, 0: none */
    ma_strlist tail;       /* its last MA_RAWJSON_TAIL output lines */
    char *partial;         /* output not ended by a newline yet */
} ma_rawjson_step;

typedef struct {
    ma_rawjson_step *steps;
    size_t len, cap;
    /* the object being read, line by line */
    char *acc;
    size_t acc_len, acc_cap;
    int in_object, depth, in_string, escape, too_big;
    unsigned long starts, failures;
    ma_strlist statuses_done; /* "<digest> <id>" of statuses already reported done */
    ma_strlist text_tail;     /* the last MA_RAWJSON_TAIL plain-text lines (buildx's error) */
} ma_rawjson;

/* A readable log line, without a line end; only valid during the call. */
typedef void (*ma_rawjson_line_fn)(void *ctx, const char *line, size_t len);

void ma_rawjson_init(ma_rawjson *rj);

/* One line of buildx's stderr (without its line end).  Readable lines go to
 * emit (may be NULL).  0, or -1 when out of memory (the state stays usable). */
int ma_rawjson_feed(ma_rawjson *rj, const char *line, size_t len, ma_rawjson_line_fn emit, void *ctx);

/* Steps seen, and steps completed (done, cached or failed). */
size_t ma_rawjson_total(const ma_rawjson *rj);
size_t ma_rawjson_done(const ma_rawjson *rj);

/* The running step that started last, else the step that started last; NULL
 * before any started. */
const ma_rawjson_step *ma_rawjson_current(const ma_rawjson *rj);

/* The step that failed the build: the one whose error buildx's closing
 * `ERROR: failed to solve: ...` quotes, else the first error that is not a
 * cancellation (the other platforms' steps are cancelled when one fails; a
 * missing registry cache fails its import step but not the build), else
 * the first error; NULL when none failed. */
const ma_rawjson_step *ma_rawjson_failed(const ma_rawjson *rj);

/* 1 once the build exports its result (a step `exporting to image`,
 * `exporting cache ...` or `pushing ...` started): what is left of a
 * publish's build is its push. */
int ma_rawjson_exporting(const ma_rawjson *rj);

/* "2026-11-30T19:16:31.002426236Z" (RFC 3339, UTC) as seconds since 1970;
 * -1 when it is not one. */
double ma_rawjson_time(const char *text);

void ma_rawjson_free(ma_rawjson *rj);

#endif

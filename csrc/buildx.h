/* What buildx and the docker CLI say, read as plain data: the metadata file a
 * build writes, and the meaning of an error text.  Pure except
 * ma_buildx_read_metadata, which reads the file. */
#ifndef MA_BUILDX_H
#define MA_BUILDX_H

#include <stddef.h>

#include "error.h"
#include "sha256.h"
#include "strlist.h"

/* Parse the JSON buildx writes with --metadata-file (cJSON) and return the
 * pushed digest ("containerimage.digest", validated with ma_digest_is_valid).
 * MA_ERR_BUILD with a message naming `origin` when the JSON is invalid, not an
 * object, or has no valid digest. */
int ma_buildx_parse_metadata(const char *json, const char *origin, char digest[MA_DIGEST_MAX],
                             ma_error *err);

/* Read `path` (at most 1 MiB) and parse it as above.  A missing file is
 * MA_ERR_BUILD: "buildx wrote no metadata file at PATH: cannot tell the pushed digest". */
int ma_buildx_read_metadata(const char *path, char digest[MA_DIGEST_MAX], ma_error *err);

typedef enum {
    MA_FAILURE_PERMANENT = 0, /* a build step failed, bad input, auth: do not retry */
    MA_FAILURE_TRANSIENT,     /* connection refused/reset, timeout, HTTP 5xx, 429: retry */
    MA_FAILURE_NOT_FOUND,     /* the reference does not exist in the registry */
    MA_FAILURE_NO_BUILDX      /* docker has no buildx plugin */
} ma_failure_kind;

/* A builder as `docker buildx inspect [--bootstrap] [NAME]` describes it. */
typedef struct {
    char name[256];
    char driver[64];       /* docker, docker-container, remote, kubernetes */
    int running;           /* every node reports Status: running */
    ma_strlist platforms;  /* what its nodes build, in order, without repeats */
} ma_builder_info;

/* Parse that text.  MA_ERR_ENV when it names no builder or driver. */
int ma_buildx_parse_inspect(const char *text, ma_builder_info *out, ma_error *err);

/* 1 when the builder builds `platform` (compared as ma_platform_same does). */
int ma_builder_builds(const ma_builder_info *b, const char *platform);

void ma_builder_info_free(ma_builder_info *b);

/* Classify a failed docker/buildx command by its stderr text.  A failed build
 * step ("failed to solve: process ... did not complete successfully", or a
 * Dockerfile error) is permanent even when the text also mentions a status
 * code; registry trouble is transient; "not found"/"manifest unknown" is
 * NOT_FOUND; "unknown command: docker buildx" / "'buildx' is not a docker
 * command" is NO_BUILDX. */
ma_failure_kind ma_buildx_classify_failure(const char *stderr_text);

/* The last non-empty line of text that starts with "ERROR:" or "error:" (or
 * else the last non-empty line), copied into out without the trailing newline
 * and cut to outsz-1 bytes: the one line a user needs from a failed command. */
/* A line of build output that reports an expected negative as an error: a
 * first build's registry cache is not there yet ("#5 ERROR: failed to
 * configure registry cache importer: REF: not found").  Reworded into out
 * ("#5 cache REF: not published yet, nothing to import") and 1; 0 (out
 * untouched) for any other line. */
int ma_buildx_reword_line(const char *line, size_t len, char *out, size_t outsz);

void ma_buildx_last_error_line(const char *stderr_text, char *out, size_t outsz);

#endif

/* The pull request number of a GitHub Actions event payload
 * ($GITHUB_EVENT_PATH).  On pull_request_target the number is only there:
 * GITHUB_REF names the base branch.  ma_ghevent_pr_number is pure (the
 * payload's text, cJSON); ma_ghevent_read is the thin file read around it. */
#ifndef MA_GHEVENT_H
#define MA_GHEVENT_H

#include <stddef.h>

#include "error.h"

/* The largest payload read: GitHub caps webhook payloads at 25 MB. */
#define MA_GHEVENT_MAX_BYTES (25u * 1024 * 1024)

/* *number: `pull_request.number`, else the top-level `number`, as decimal
 * digits (a positive whole JSON number), or NULL when the payload has
 * neither.  MA_ERR_INPUT naming `origin` when json is not a JSON object or
 * the number is not a positive whole number. */
int ma_ghevent_pr_number(const char *json, size_t len, const char *origin, char **number, ma_error *err);

/* ma_ghevent_pr_number on the file at path (MA_ERR_ENV when unreadable). */
int ma_ghevent_read(const char *path, char **number, ma_error *err);

#endif

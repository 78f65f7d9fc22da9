/* Progress on the log while commands run: `[broker] $ <command>` before one
 * starts, then each line it prints as `[broker] <line>`. */
#ifndef MA_PROGRESS_H
#define MA_PROGRESS_H

#include <stdio.h>

#include "exec.h"
#include "regclient.h"
#include "strlist.h"

typedef struct {
    FILE *log;           /* NULL: nothing is shown */
    const char *prefix;  /* "broker", "setup" */
} ma_progress;

/* `[prefix] $ <argv, shell-quoted>`. */
void ma_progress_command(const ma_progress *p, const ma_strlist *argv);

/* An ma_line_fn: ctx is an ma_progress. */
void ma_progress_line(void *ctx, ma_stream stream, const char *line, size_t len);

/* The exec output that shows lines through p (which must outlive the exec). */
ma_exec_output ma_progress_output(ma_progress *p, int capture_stdout);

/* The line a registry step shows as: `GET host/repo:v1.2.3`,
 * `PUT host/repo:latest ← sha256:...`, with the HTTP status when it failed.
 * NULL when out of memory. */
char *ma_regstep_line(const ma_regstep *s);

/* `[prefix] <that line>`. */
void ma_progress_regstep(const ma_progress *p, const ma_regstep *step);

#endif

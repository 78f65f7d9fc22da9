/* One running command: its output streamed line by line behind a prefix
 * (`[broker] ...`), stdout optionally captured whole (registry read-backs),
 * the end of stderr kept for error messages. */
#ifndef MA_EXEC_H
#define MA_EXEC_H

#include <poll.h>
#include <stdio.h>

#include "error.h"
#include "interrupt.h"
#include "proc.h"

typedef struct {
    char *data;
    size_t len, cap;
} ma_buf;

typedef struct {
    ma_proc proc;
    const char *prefix;   /* "broker" -> lines are written as "[broker] line" */
    FILE *log;            /* where lines go (stderr); NULL: nowhere */
    int capture_stdout;   /* keep stdout in `out` instead of echoing it */
    ma_buf out;           /* captured stdout */
    ma_buf err_tail;      /* the last MA_EXEC_TAIL bytes of stderr */
    ma_buf partial[2];    /* an unfinished line per stream */
    int status;           /* exit status once finished, else -1 */
} ma_exec;

#define MA_EXEC_TAIL 16384
#define MA_EXEC_CAPTURE_MAX (8u << 20)

/* Print `[prefix] $ <command>` and start it. */
int ma_exec_start(ma_exec *ex, const ma_spawn_spec *spec, const char *prefix, FILE *log,
                  int capture_stdout, ma_error *err);

/* Add the exec's open pipe ends to pfd (at most 2); returns how many. */
size_t ma_exec_pollfds(const ma_exec *ex, struct pollfd *pfd);

/* Read whatever poll said is ready; when both pipes are closed, reap the
 * process and return 1 (status is then set), else 0. */
int ma_exec_pump(ma_exec *ex, const struct pollfd *pfd, size_t n);

/* Run one command to its end, watching for interrupts: 0 with ex->status set,
 * or -1 (MA_ERR_INTERRUPTED after stopping the child, or a start error). */
int ma_exec_run(ma_exec *ex, const ma_spawn_spec *spec, const char *prefix, FILE *log,
                int capture_stdout, ma_interrupt *intr, ma_error *err);

/* Stop a running command: sig to its process group, then SIGKILL after
 * grace_ms, and reap it. */
void ma_exec_stop(ma_exec *ex, int sig, int grace_ms);

/* The stderr tail as a C string ("" when empty). */
const char *ma_exec_stderr(const ma_exec *ex);

void ma_exec_free(ma_exec *ex);

#endif

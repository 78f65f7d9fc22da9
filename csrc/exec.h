/* One running command: its output split into lines handed to the caller's
 * callback (with the stream each came from), stdout optionally captured whole
 * (registry read-backs), the end of stderr kept for error messages.  What a
 * line means, and where it is shown, is the caller's business. */
#ifndef MA_EXEC_H
#define MA_EXEC_H

#include <poll.h>
#include <stddef.h>

#include "error.h"
#include "interrupt.h"
#include "proc.h"

typedef enum { MA_STREAM_STDOUT = 0, MA_STREAM_STDERR = 1 } ma_stream;

/* One line of output, without its line end (\n, \r or \r\n; empty lines are
 * skipped); the last line is passed on at EOF even without one.  `line` is
 * only valid during the call. */
typedef void (*ma_line_fn)(void *ctx, ma_stream stream, const char *line, size_t len);

typedef struct {
    ma_line_fn on_line;   /* NULL: lines are dropped */
    void *ctx;            /* handed to on_line; must outlive the exec */
    int capture_stdout;   /* keep stdout whole in `out`; its lines then do not go to on_line */
} ma_exec_output;

typedef struct {
    char *data;
    size_t len, cap;
} ma_buf;

typedef struct {
    ma_proc proc;
    ma_exec_output output;
    ma_buf out;           /* captured stdout (at most MA_EXEC_CAPTURE_MAX bytes) */
    ma_buf err_tail;      /* the last MA_EXEC_TAIL bytes of stderr */
    ma_buf partial[2];    /* an unfinished line per stream */
    int status;           /* exit status once finished and reaped, else -1 */
    int reap_tries;       /* reaps tried since both pipes closed: the next check comes later each time */
} ma_exec;

#define MA_EXEC_TAIL 16384
#define MA_EXEC_CAPTURE_MAX (8u << 20)
/* How long an interrupted command has between the signal and SIGKILL. */
#define MA_EXEC_STOP_GRACE_MS 10000
/* How often, at most, a child that closed its pipes but still runs is
 * checked on.  A child that is just exiting (the usual case: its pipes close
 * a moment before it can be reaped) is checked again after 1 ms, then 2, 4,
 * ... up to this. */
#define MA_EXEC_REAP_INTERVAL_MS 20

/* An exec that was never started: ma_exec_free is safe on it. */
void ma_exec_init(ma_exec *ex);

/* Start the command (ex need not be initialised).  On failure ex is still
 * safe to free. */
int ma_exec_start(ma_exec *ex, const ma_spawn_spec *spec, const ma_exec_output *output, ma_error *err);

/* Add the exec's open pipe ends to pfd (at most 2) and return how many.  When
 * the pipes are closed but the child still runs, *timeout_ms (-1: none) is
 * lowered (1 ms, doubling up to MA_EXEC_REAP_INTERVAL_MS) so the caller comes
 * back to reap it. */
size_t ma_exec_pollfds(const ma_exec *ex, struct pollfd *pfd, int *timeout_ms);

/* Read whatever poll said is ready (pfd, n: the entries ma_exec_pollfds
 * filled) and reap the child without blocking once both pipes are closed.
 * 1 when the command has finished (status set), 0 while it runs, -1 with
 * MA_ERR_NOMEM when its output could not be kept. */
int ma_exec_pump(ma_exec *ex, const struct pollfd *pfd, size_t n, ma_error *err);

/* Run one command to its end, watching for interrupts: 0 with ex->status set,
 * or -1 (MA_ERR_INTERRUPTED after stopping the child, or a start error). */
int ma_exec_run(ma_exec *ex, const ma_spawn_spec *spec, const ma_exec_output *output, ma_interrupt *intr,
                ma_error *err);

/* Stop a running command: sig to its process group, then SIGKILL once
 * grace_ms have passed, and reap it.  Output read meanwhile still goes to the
 * callback. */
void ma_exec_stop(ma_exec *ex, int sig, int grace_ms);

/* The stderr tail as a C string ("" when empty). */
const char *ma_exec_stderr(const ma_exec *ex);

/* Stop the command if it still runs (SIGTERM, 2 s) and free the buffers. */
void ma_exec_free(ma_exec *ex);

#endif

/* A few commands running together in the background while the caller does
 * something else (preflight's docker processes while the registry is
 * asked), then waited for together, or stopped when their answers are no
 * longer wanted.  Their output goes where each one's ma_exec_output says. */
#ifndef MA_EXECGROUP_H
#define MA_EXECGROUP_H
#include <stddef.h>
#include "error.h"
#include "exec.h"
#include "interrupt.h"

#define MA_EXECGROUP_MAX 4

typedef struct {
    ma_exec execs[MA_EXECGROUP_MAX];
    size_t n;
} ma_execgroup;

void ma_execgroup_init(ma_execgroup *g);
/* Start one more command; its index is g->n - 1 after success.  On failure
 * nothing was added (the others keep running). */
int ma_execgroup_start(ma_execgroup *g, const ma_spawn_spec *spec, const ma_exec_output *output, ma_error *err);
/* Run every command to its end (each one's status set): 0, or -1 with
 * MA_ERR_INTERRUPTED (all stopped), MA_ERR_NOMEM, a poll failure. */
int ma_execgroup_wait(ma_execgroup *g, ma_interrupt *intr, ma_error *err);
/* Stop whatever still runs (sig to its process group, then SIGKILL after
 * grace_ms) and free. */
void ma_execgroup_free(ma_execgroup *g, int sig, int grace_ms);
#endif

/* Starting and stopping child processes: posix_spawn with an argv array (no
 * shell anywhere), stdout and stderr on pipes, each child in its own process
 * group so an interrupt can stop it and everything it started. */
#ifndef MA_PROC_H
#define MA_PROC_H

#include <sys/types.h>

#include "error.h"
#include "strlist.h"

typedef struct {
    const ma_strlist *argv;   /* argv[0] is looked up on the PATH of envp */
    const char *cwd;          /* NULL: the current directory */
    const char *stdin_data;   /* small (a token): written to the child's stdin, then closed; NULL: /dev/null */
    const char *const *envp;  /* the child's environment, also where PATH comes from.  NULL: the
                               * process's `environ`, read now (only for callers with no other threads) */
} ma_spawn_spec;

typedef struct {
    pid_t pid;   /* -1 once reaped */
    int out_fd;  /* read end of the child's stdout, -1 once closed */
    int err_fd;  /* read end of the child's stderr, -1 once closed */
} ma_proc;

#define MA_PROC_INIT {-1, -1, -1}

/* Start the process.  MA_ERR_ENV naming the program when it is not on PATH,
 * naming the directory when cwd is missing; MA_ERR_NOMEM. */
int ma_proc_start(const ma_spawn_spec *spec, ma_proc *proc, ma_error *err);

/* Without blocking: 1 when the process has ended (reaped, *status set to its
 * exit status or 128 + the signal that ended it), 0 while it runs. */
int ma_proc_reap(ma_proc *proc, int *status);

/* Block until the process ends; its status as for ma_proc_reap. */
int ma_proc_wait(ma_proc *proc);

/* Send sig to the child's process group (nothing once reaped). */
void ma_proc_signal(const ma_proc *proc, int sig);

/* Close whatever pipe ends are still open. */
void ma_proc_close(ma_proc *proc);

#endif

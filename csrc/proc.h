/* Starting and stopping child processes: posix_spawnp with an argv array (no
 * shell anywhere), stdout and stderr on pipes, each child in its own process
 * group so an interrupt can stop it and everything it started. */
#ifndef MA_PROC_H
#define MA_PROC_H

#include <sys/types.h>

#include "error.h"
#include "strlist.h"

typedef struct {
    const ma_strlist *argv;   /* argv[0] is looked up on PATH */
    const char *cwd;          /* NULL: the current directory */
    const char *stdin_data;   /* written to the child's stdin, then closed; NULL: /dev/null */
} ma_spawn_spec;

typedef struct {
    pid_t pid;
    int out_fd;  /* read end of the child's stdout, -1 once closed */
    int err_fd;  /* read end of the child's stderr, -1 once closed */
} ma_proc;

/* Start the process.  A missing program is MA_ERR_ENV naming it. */
int ma_proc_start(const ma_spawn_spec *spec, ma_proc *proc, ma_error *err);

/* Wait for the process to end: its exit status, or 128 + the signal that ended it. */
int ma_proc_wait(ma_proc *proc);

/* Send sig to the child's process group. */
void ma_proc_signal(const ma_proc *proc, int sig);

/* Close whatever pipe ends are still open. */
void ma_proc_close(ma_proc *proc);

#endif

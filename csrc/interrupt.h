/* Ctrl-C and SIGTERM during a run become a readable byte on a pipe the run
 * loop polls, so it can stop the builds it started and report before exiting.
 *
 * The binding releases the GIL during a run, so runs may overlap in one
 * process.  Each run has its own pipe; the handler writes the signal to every
 * run's pipe (a table of write ends, the one piece of global mutable state: a
 * signal handler can reach nothing else).  The handlers are installed by the
 * first run and the previous ones put back by the last, so after any sequence
 * of runs SIGINT and SIGTERM do what they did before. */
#ifndef MA_INTERRUPT_H
#define MA_INTERRUPT_H

#include "error.h"

/* How many runs may watch for signals at once. */
#define MA_INTERRUPT_MAX_RUNS 64

typedef struct {
    int read_fd;
    int write_fd;
    int slot;        /* index in the table of write ends */
    int installed;
} ma_interrupt;

/* Start watching: MA_ERR_ENV when no pipe can be made or too many runs watch. */
int ma_interrupt_install(ma_interrupt *intr, ma_error *err);

/* The signal received since the last call (SIGINT or SIGTERM), or 0. */
int ma_interrupt_take(ma_interrupt *intr);

/* Stop watching and close the pipe; the last run to stop puts the previous
 * handlers back.  Safe when not installed. */
void ma_interrupt_restore(ma_interrupt *intr);

#endif

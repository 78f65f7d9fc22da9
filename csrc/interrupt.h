/* Ctrl-C and SIGTERM during a run become a readable byte on a pipe the run
 * loop polls, so it can stop the builds it started and report before exiting.
 * The write end lives in one static variable: a signal handler can reach
 * nothing else.  Only one run installs it at a time. */
#ifndef MA_INTERRUPT_H
#define MA_INTERRUPT_H

#include <signal.h>

#include "error.h"

typedef struct {
    int read_fd;
    int write_fd;
    struct sigaction old_int, old_term;
    int installed;
} ma_interrupt;

int ma_interrupt_install(ma_interrupt *intr, ma_error *err);

/* The signal received since the last call (SIGINT or SIGTERM), or 0. */
int ma_interrupt_take(ma_interrupt *intr);

/* Put the previous handlers back and close the pipe; safe when not installed. */
void ma_interrupt_restore(ma_interrupt *intr);

#endif

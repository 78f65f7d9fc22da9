#include "interrupt.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "cloexec.h"

/* Lock-free atomics are safe to use in a signal handler. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "atomic int must be lock-free");

/* Each run's pipe write end plus one (0: a free slot), read by the handler. */
static atomic_int write_ends[MA_INTERRUPT_MAX_RUNS];
/* Handlers running now: a write end is closed only once none can be using it. */
static atomic_int handlers_running;

/* Guards the install count and the saved handlers (never touched by the handler). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int runs_watching;
static struct sigaction saved_int, saved_term;

static void on_signal(int sig)
{
    int saved_errno = errno;
    atomic_fetch_add(&handlers_running, 1);
    unsigned char byte = (unsigned char)sig;
    for (int i = 0; i < MA_INTERRUPT_MAX_RUNS; i++) {
        int end = atomic_load(&write_ends[i]);
        if (end > 0 && write(end - 1, &byte, 1) < 0) {
            /* the pipe is full: a signal is already pending there */
        }
    }
    atomic_fetch_sub(&handlers_running, 1);
    errno = saved_errno;
}

static int take_slot(int write_fd)
{
    for (int i = 0; i < MA_INTERRUPT_MAX_RUNS; i++) {
        int free_slot = 0;
        if (atomic_compare_exchange_strong(&write_ends[i], &free_slot, write_fd + 1))
            return i;
    }
    return -1;
}

int ma_interrupt_install(ma_interrupt *intr, ma_error *err)
{
    int fds[2];
    memset(intr, 0, sizeof *intr);
    intr->read_fd = intr->write_fd = intr->slot = -1;
    if (ma_cloexec_pipe(fds, 1) != 0)
        return ma_fail(err, MA_ERR_ENV, "cannot create a pipe: %s", strerror(errno));
    pthread_mutex_lock(&lock);
    int slot = take_slot(fds[1]);
    if (slot >= 0 && runs_watching++ == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        sigaction(SIGINT, &sa, &saved_int);
        sigaction(SIGTERM, &sa, &saved_term);
    }
    pthread_mutex_unlock(&lock);
    if (slot < 0) {
        close(fds[0]);
        close(fds[1]);
        return ma_fail(err, MA_ERR_ENV, "more than %d runs at once in one process", MA_INTERRUPT_MAX_RUNS);
    }
    intr->read_fd = fds[0];
    intr->write_fd = fds[1];
    intr->slot = slot;
    intr->installed = 1;
    return 0;
}

int ma_interrupt_take(ma_interrupt *intr)
{
    unsigned char byte;
    int sig = 0;
    while (intr->installed && read(intr->read_fd, &byte, 1) == 1)
        sig = byte;
    return sig;
}

void ma_interrupt_restore(ma_interrupt *intr)
{
    if (!intr->installed)
        return;
    pthread_mutex_lock(&lock);
    atomic_store(&write_ends[intr->slot], 0);
    if (--runs_watching == 0) {
        sigaction(SIGINT, &saved_int, NULL);
        sigaction(SIGTERM, &saved_term, NULL);
    }
    pthread_mutex_unlock(&lock);
    /* A handler that read the slot before it was cleared may still write to it. */
    while (atomic_load(&handlers_running) > 0)
        sched_yield();
    close(intr->read_fd);
    close(intr->write_fd);
    intr->read_fd = intr->write_fd = intr->slot = -1;
    intr->installed = 0;
}

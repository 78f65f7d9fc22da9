/* Helpers for the tests of the process layer: real short children run by
 * `sh -c` (a shell is fine in tests; the product never runs one), the
 * environment handed to them, a clock, and a signal sent a little later
 * from another thread, as a user's Ctrl-C would arrive during a run. */
#ifndef MA_TEST_CHILD_H
#define MA_TEST_CHILD_H

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "monoclock.h"
#include "strlist.h"

extern char **environ;

/* argv {"sh", "-c", script}: free with ma_strlist_free. */
static inline ma_strlist sh_argv(const char *script)
{
    ma_strlist argv = MA_STRLIST_INIT;
    if (ma_strlist_push(&argv, "sh") || ma_strlist_push(&argv, "-c") || ma_strlist_push(&argv, script))
        ma_strlist_free(&argv);
    return argv;
}

static inline const char *const *test_envp(void)
{
    return (const char *const *)environ;
}

typedef struct {
    pthread_t thread;
    int sig;
    int delay_ms;
} later_signal;

static inline void *later_signal_run(void *arg)
{
    later_signal *l = arg;
    struct timespec ts = {l->delay_ms / 1000, (long)(l->delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    kill(getpid(), l->sig);
    return NULL;
}

/* Send sig to this process after delay_ms, from a thread; join with later_signal_join. */
static inline void later_signal_start(later_signal *l, int sig, int delay_ms)
{
    l->sig = sig;
    l->delay_ms = delay_ms;
    pthread_create(&l->thread, NULL, later_signal_run, l);
}

static inline void later_signal_join(later_signal *l)
{
    pthread_join(l->thread, NULL);
}

#endif

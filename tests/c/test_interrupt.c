/* interrupt.c: a signal reaches every run watching for it, and after any
 * sequence of installs and restores, overlapping or from several threads,
 * SIGINT and SIGTERM go back to the handlers they had before. */
#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include "check.h"
#include "child.h"
#include "interrupt.h"

static volatile sig_atomic_t previous_calls;

static void previous_handler(int sig)
{
    (void)sig;
    previous_calls++;
}

static void set_previous_handlers(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = previous_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* The previous handlers are back: the disposition, and a raised signal reaches them. */
static int previous_handlers_are_back(void)
{
    struct sigaction now_int, now_term;
    sigaction(SIGINT, NULL, &now_int);
    sigaction(SIGTERM, NULL, &now_term);
    int before = previous_calls;
    raise(SIGINT);
    raise(SIGTERM);
    return now_int.sa_handler == previous_handler && now_term.sa_handler == previous_handler &&
           previous_calls == before + 2;
}

static void test_one_run(void)
{
    ma_interrupt intr;
    ma_error err = {0};
    CHECK(ma_interrupt_install(&intr, &err) == 0);
    CHECK(ma_interrupt_take(&intr) == 0);
    raise(SIGTERM);
    CHECK(ma_interrupt_take(&intr) == SIGTERM);
    CHECK(ma_interrupt_take(&intr) == 0);
    int before = previous_calls;
    raise(SIGINT);
    CHECK(previous_calls == before); /* ours while installed */
    CHECK(ma_interrupt_take(&intr) == SIGINT);
    ma_interrupt_restore(&intr);
    ma_interrupt_restore(&intr); /* safe twice */
    CHECK(previous_handlers_are_back());
}

/* The sequence that used to leave our handler installed with its pipe closed:
 * A installs, B installs, A restores, B restores; and the other order. */
static void test_overlapping_runs(void)
{
    for (int order = 0; order < 2; order++) {
        ma_interrupt a, b;
        ma_error err = {0};
        CHECK(ma_interrupt_install(&a, &err) == 0);
        CHECK(ma_interrupt_install(&b, &err) == 0);
        raise(SIGINT);
        CHECK(ma_interrupt_take(&a) == SIGINT); /* every run hears it */
        CHECK(ma_interrupt_take(&b) == SIGINT);
        ma_interrupt *first = order == 0 ? &a : &b, *second = order == 0 ? &b : &a;
        ma_interrupt_restore(first);
        raise(SIGTERM);
        CHECK(ma_interrupt_take(second) == SIGTERM); /* still watched by the other run */
        ma_interrupt_restore(second);
        CHECK(previous_handlers_are_back());
    }
}

static void test_too_many_runs(void)
{
    static ma_interrupt runs[MA_INTERRUPT_MAX_RUNS + 1];
    ma_error err = {0};
    int installed = 0;
    for (int i = 0; i < MA_INTERRUPT_MAX_RUNS; i++)
        installed += ma_interrupt_install(&runs[i], &err) == 0;
    CHECK(installed == MA_INTERRUPT_MAX_RUNS);
    CHECK(ma_interrupt_install(&runs[MA_INTERRUPT_MAX_RUNS], &err) == -1);
    CHECK(err.kind == MA_ERR_ENV && contains(err.msg, "runs at once"));
    ma_interrupt_restore(&runs[MA_INTERRUPT_MAX_RUNS]); /* never installed: nothing to do */
    for (int i = 0; i < MA_INTERRUPT_MAX_RUNS; i++)
        ma_interrupt_restore(&runs[i]);
    CHECK(previous_handlers_are_back());
}

static void *install_and_restore(void *arg)
{
    int *failures = arg;
    for (int i = 0; i < 2000; i++) {
        ma_interrupt intr;
        ma_error err = {0};
        if (ma_interrupt_install(&intr, &err) != 0) {
            (*failures)++;
            continue;
        }
        ma_interrupt_take(&intr);
        ma_interrupt_restore(&intr);
    }
    return NULL;
}

/* Runs on several threads at once, with signals arriving meanwhile. */
static void test_threads(void)
{
    /* SIGINT may now land between two runs: then the previous handler counts it */
    pthread_t threads[3];
    int failures[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++)
        pthread_create(&threads[i], NULL, install_and_restore, &failures[i]);
    for (int i = 0; i < 50; i++) {
        raise(SIGINT);
        poll(NULL, 0, 1);
    }
    for (int i = 0; i < 3; i++)
        pthread_join(threads[i], NULL);
    CHECK(failures[0] + failures[1] + failures[2] == 0);
    CHECK(previous_handlers_are_back());
}

int main(void)
{
    set_previous_handlers();
    test_one_run();
    test_overlapping_runs();
    test_too_many_runs();
    test_threads();
    return CHECK_DONE();
}

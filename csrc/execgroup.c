#include "execgroup.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

void ma_execgroup_init(ma_execgroup *g)
{
    g->n = 0;
    for (size_t i = 0; i < MA_EXECGROUP_MAX; i++)
        ma_exec_init(&g->execs[i]);
}

int ma_execgroup_start(ma_execgroup *g, const ma_spawn_spec *spec, const ma_exec_output *output, ma_error *err)
{
    if (g->n == MA_EXECGROUP_MAX)
        return ma_fail(err, MA_ERR_ENV, "too many commands at once");
    ma_exec *ex = &g->execs[g->n];
    if (ma_exec_start(ex, spec, output, err) != 0) {
        ma_exec_free(ex);
        ma_exec_init(ex);
        return -1;
    }
    g->n++;
    return 0;
}

static void stop_all(ma_execgroup *g, int sig, int grace_ms)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->execs[i].status < 0)
            ma_exec_stop(&g->execs[i], sig, grace_ms);
}

int ma_execgroup_wait(ma_execgroup *g, ma_interrupt *intr, ma_error *err)
{
    struct pollfd pfd[2 * MA_EXECGROUP_MAX + 1];
    size_t first[MA_EXECGROUP_MAX], count[MA_EXECGROUP_MAX];
    for (;;) {
        int timeout = -1, running = 0;
        size_t nfd = 0;
        for (size_t i = 0; i < g->n; i++) {
            first[i] = nfd;
            count[i] = 0;
            if (g->execs[i].status >= 0)
                continue;
            running = 1;
            count[i] = ma_exec_pollfds(&g->execs[i], pfd + nfd, &timeout);
            nfd += count[i];
        }
        if (!running)
            return 0;
        pfd[nfd].fd = intr->read_fd;
        pfd[nfd].events = POLLIN;
        pfd[nfd].revents = 0;
        if (poll(pfd, nfd + 1, timeout) < 0 && errno != EINTR) {
            int e = errno;
            stop_all(g, SIGTERM, MA_EXEC_STOP_GRACE_MS);
            return ma_fail(err, MA_ERR_ENV, "poll failed: %s", strerror(e));
        }
        int sig = ma_interrupt_take(intr);
        if (sig != 0) {
            stop_all(g, sig, MA_EXEC_STOP_GRACE_MS);
            return ma_fail(err, MA_ERR_INTERRUPTED, "interrupted (%s) while running docker",
                           sig == SIGTERM ? "SIGTERM" : "SIGINT");
        }
        for (size_t i = 0; i < g->n; i++) {
            if (g->execs[i].status >= 0)
                continue;
            if (ma_exec_pump(&g->execs[i], pfd + first[i], count[i], err) < 0) {
                stop_all(g, SIGTERM, MA_EXEC_STOP_GRACE_MS);
                return -1;
            }
        }
    }
}

void ma_execgroup_free(ma_execgroup *g, int sig, int grace_ms)
{
    stop_all(g, sig, grace_ms);
    for (size_t i = 0; i < g->n; i++)
        ma_exec_free(&g->execs[i]);
    g->n = 0;
}

#include "exec.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monoclock.h"

static int buf_append(ma_buf *b, const char *data, size_t n)
{
    if (n == 0)
        return 0;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (p == NULL)
            return -1;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

/* Drop the first n bytes. */
static void buf_drop(ma_buf *b, size_t n)
{
    if (n == 0)
        return;
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

static void buf_free(ma_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* Hand complete lines of partial[which] to the callback; keep the unfinished rest. */
static void pass_lines(ma_exec *ex, ma_stream which, int at_eof)
{
    ma_buf *p = &ex->partial[which];
    size_t start = 0;
    for (size_t i = 0; i < p->len; i++)
        if (p->data[i] == '\n' || p->data[i] == '\r') {
            if (i > start && ex->output.on_line != NULL)
                ex->output.on_line(ex->output.ctx, which, p->data + start, i - start);
            start = i + 1;
        }
    if (at_eof && start < p->len) {
        if (ex->output.on_line != NULL)
            ex->output.on_line(ex->output.ctx, which, p->data + start, p->len - start);
        start = p->len;
    }
    buf_drop(p, start);
}

void ma_exec_init(ma_exec *ex)
{
    memset(ex, 0, sizeof *ex);
    ex->proc = (ma_proc)MA_PROC_INIT;
    ex->status = -1;
}

int ma_exec_start(ma_exec *ex, const ma_spawn_spec *spec, const ma_exec_output *output, ma_error *err)
{
    ma_exec_init(ex);
    if (output != NULL)
        ex->output = *output;
    return ma_proc_start(spec, &ex->proc, err);
}

size_t ma_exec_pollfds(const ma_exec *ex, struct pollfd *pfd, int *timeout_ms)
{
    size_t n = 0;
    int fds[2] = {ex->proc.out_fd, ex->proc.err_fd};
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0) {
            pfd[n].fd = fds[i];
            pfd[n].events = POLLIN;
            pfd[n].revents = 0;
            n++;
        }
    if (n == 0 && ex->status < 0 && ex->proc.pid > 0) {
        int interval = ex->reap_tries < 5 ? 1 << ex->reap_tries : MA_EXEC_REAP_INTERVAL_MS;
        if (interval > MA_EXEC_REAP_INTERVAL_MS)
            interval = MA_EXEC_REAP_INTERVAL_MS;
        if (*timeout_ms < 0 || *timeout_ms > interval)
            *timeout_ms = interval;
    }
    return n;
}

/* Keep a chunk read from one stream: captured, or split into lines. */
static int keep(ma_exec *ex, ma_stream which, const char *chunk, size_t n)
{
    if (which == MA_STREAM_STDOUT && ex->output.capture_stdout)
        return ex->out.len + n <= MA_EXEC_CAPTURE_MAX ? buf_append(&ex->out, chunk, n) : 0;
    if (buf_append(&ex->partial[which], chunk, n) != 0)
        return -1;
    pass_lines(ex, which, 0);
    if (which == MA_STREAM_STDERR) {
        if (buf_append(&ex->err_tail, chunk, n) != 0)
            return -1;
        if (ex->err_tail.len > MA_EXEC_TAIL)
            buf_drop(&ex->err_tail, ex->err_tail.len - MA_EXEC_TAIL);
    }
    return 0;
}

/* Read once from one pipe end; close it at EOF. */
static int read_stream(ma_exec *ex, ma_stream which)
{
    int *fd = which == MA_STREAM_STDOUT ? &ex->proc.out_fd : &ex->proc.err_fd;
    char chunk[8192];
    ssize_t n = read(*fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n > 0)
        return keep(ex, which, chunk, (size_t)n);
    pass_lines(ex, which, 1);
    close(*fd);
    *fd = -1;
    return 0;
}

int ma_exec_pump(ma_exec *ex, const struct pollfd *pfd, size_t n, ma_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (pfd[i].revents == 0)
            continue;
        int rc = 0;
        if (pfd[i].fd == ex->proc.out_fd)
            rc = read_stream(ex, MA_STREAM_STDOUT);
        else if (pfd[i].fd == ex->proc.err_fd)
            rc = read_stream(ex, MA_STREAM_STDERR);
        if (rc != 0)
            return ma_nomem(err);
    }
    if (ex->status >= 0)
        return 1;
    if (ex->proc.out_fd >= 0 || ex->proc.err_fd >= 0)
        return 0;
    /* Both pipes are closed, but a child may close them and keep running. */
    int ended = ma_proc_reap(&ex->proc, &ex->status);
    if (!ended && ex->reap_tries < 30)
        ex->reap_tries++;
    return ended;
}

static void kill_now(ma_exec *ex)
{
    ma_proc_signal(&ex->proc, SIGKILL);
    ma_proc_close(&ex->proc);
    ex->status = ma_proc_wait(&ex->proc);
}

void ma_exec_stop(ma_exec *ex, int sig, int grace_ms)
{
    if (ex->status >= 0 || ex->proc.pid <= 0)
        return;
    ma_proc_signal(&ex->proc, sig);
    long deadline = ma_monoclock_ms() + grace_ms;
    struct pollfd pfd[2];
    while (ex->status < 0) {
        long left = deadline - ma_monoclock_ms();
        if (left <= 0) {
            kill_now(ex);
            return;
        }
        int timeout = left < 100 ? (int)left : 100;
        size_t n = ma_exec_pollfds(ex, pfd, &timeout);
        if (n == 0)
            poll(NULL, 0, timeout); /* a portable sleep */
        else if (poll(pfd, n, timeout) < 0 && errno != EINTR)
            n = 0;
        ma_error ignored;
        if (ma_exec_pump(ex, pfd, n, &ignored) < 0) {
            kill_now(ex); /* out of memory: stop reading, stop it */
            return;
        }
    }
}

int ma_exec_run(ma_exec *ex, const ma_spawn_spec *spec, const ma_exec_output *output, ma_interrupt *intr,
                ma_error *err)
{
    if (ma_exec_start(ex, spec, output, err) != 0)
        return -1;
    struct pollfd pfd[3];
    for (;;) {
        int timeout = -1;
        size_t n = ma_exec_pollfds(ex, pfd, &timeout);
        pfd[n].fd = intr->read_fd;
        pfd[n].events = POLLIN;
        pfd[n].revents = 0;
        if (poll(pfd, n + 1, timeout) < 0 && errno != EINTR) {
            int e = errno;
            ma_exec_stop(ex, SIGTERM, MA_EXEC_STOP_GRACE_MS);
            return ma_fail(err, MA_ERR_ENV, "poll failed: %s", strerror(e));
        }
        int sig = ma_interrupt_take(intr);
        if (sig != 0) {
            ma_exec_stop(ex, sig, MA_EXEC_STOP_GRACE_MS);
            return ma_fail(err, MA_ERR_INTERRUPTED, "interrupted (%s) while running %s",
                           sig == SIGTERM ? "SIGTERM" : "SIGINT", spec->argv->items[0]);
        }
        int rc = ma_exec_pump(ex, pfd, n, err);
        if (rc < 0)
            ma_exec_stop(ex, SIGTERM, MA_EXEC_STOP_GRACE_MS);
        if (rc != 0)
            return rc > 0 ? 0 : -1;
    }
}

const char *ma_exec_stderr(const ma_exec *ex)
{
    return ex->err_tail.data != NULL ? ex->err_tail.data : "";
}

void ma_exec_free(ma_exec *ex)
{
    if (ex == NULL)
        return;
    if (ex->proc.pid > 0 && ex->status < 0)
        ma_exec_stop(ex, SIGTERM, 2000);
    ma_proc_close(&ex->proc);
    buf_free(&ex->out);
    buf_free(&ex->err_tail);
    buf_free(&ex->partial[0]);
    buf_free(&ex->partial[1]);
}

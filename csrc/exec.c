#include "exec.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

static int buf_append(ma_buf *b, const char *data, size_t n)
{
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

/* Keep only the last `max` bytes. */
static void buf_keep_tail(ma_buf *b, size_t max)
{
    if (b->len <= max)
        return;
    memmove(b->data, b->data + b->len - max, max);
    b->len = max;
    b->data[max] = '\0';
}

static void buf_free(ma_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static void emit_line(const ma_exec *ex, const char *line, size_t n)
{
    if (ex->log == NULL)
        return;
    fprintf(ex->log, "[%s] %.*s\n", ex->prefix, (int)n, line);
    fflush(ex->log);
}

/* Echo complete lines from partial[which]; keep the unfinished rest. */
static void emit_lines(ma_exec *ex, int which, int at_eof)
{
    ma_buf *p = &ex->partial[which];
    size_t start = 0;
    for (size_t i = 0; i < p->len; i++)
        if (p->data[i] == '\n' || p->data[i] == '\r') {
            if (i > start)
                emit_line(ex, p->data + start, i - start);
            start = i + 1;
        }
    if (at_eof && start < p->len) {
        emit_line(ex, p->data + start, p->len - start);
        start = p->len;
    }
    memmove(p->data, p->data + start, p->len - start);
    p->len -= start;
    if (p->data != NULL)
        p->data[p->len] = '\0';
}

int ma_exec_start(ma_exec *ex, const ma_spawn_spec *spec, const char *prefix, FILE *log,
                  int capture_stdout, ma_error *err)
{
    memset(ex, 0, sizeof *ex);
    ex->prefix = prefix;
    ex->log = log;
    ex->capture_stdout = capture_stdout;
    ex->status = -1;
    ex->proc.pid = -1;
    ex->proc.out_fd = ex->proc.err_fd = -1;
    if (log != NULL) {
        char head[256];
        snprintf(head, sizeof head, "[%s] $ ", prefix);
        ma_report_command(log, head, spec->argv);
        fflush(log);
    }
    return ma_proc_start(spec, &ex->proc, err);
}

size_t ma_exec_pollfds(const ma_exec *ex, struct pollfd *pfd)
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
    return n;
}

/* Read once from one pipe end; close it at EOF. */
static void read_stream(ma_exec *ex, int which)
{
    int *fd = which == 0 ? &ex->proc.out_fd : &ex->proc.err_fd;
    char chunk[8192];
    ssize_t n = read(*fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    int eof = n <= 0;
    if (!eof && which == 0 && ex->capture_stdout) {
        if (ex->out.len + (size_t)n <= MA_EXEC_CAPTURE_MAX)
            buf_append(&ex->out, chunk, (size_t)n);
    } else if (!eof) {
        buf_append(&ex->partial[which], chunk, (size_t)n);
        emit_lines(ex, which, 0);
        if (which == 1) {
            buf_append(&ex->err_tail, chunk, (size_t)n);
            buf_keep_tail(&ex->err_tail, MA_EXEC_TAIL);
        }
    }
    if (eof) {
        emit_lines(ex, which, 1);
        close(*fd);
        *fd = -1;
    }
}

int ma_exec_pump(ma_exec *ex, const struct pollfd *pfd, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (pfd[i].revents == 0)
            continue;
        if (pfd[i].fd == ex->proc.out_fd)
            read_stream(ex, 0);
        else if (pfd[i].fd == ex->proc.err_fd)
            read_stream(ex, 1);
    }
    if (ex->proc.out_fd >= 0 || ex->proc.err_fd >= 0 || ex->proc.pid <= 0)
        return ex->status >= 0;
    ex->status = ma_proc_wait(&ex->proc);
    return 1;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void ma_exec_stop(ma_exec *ex, int sig, int grace_ms)
{
    if (ex->proc.pid <= 0)
        return;
    ma_proc_signal(&ex->proc, sig);
    long deadline = now_ms() + grace_ms;
    struct pollfd pfd[2];
    while (ex->status < 0) {
        size_t n = ma_exec_pollfds(ex, pfd);
        long left = deadline - now_ms();
        if (left <= 0) {
            ma_proc_signal(&ex->proc, SIGKILL);
            ma_proc_close(&ex->proc);
            ex->status = ma_proc_wait(&ex->proc);
            return;
        }
        if (n > 0 && poll(pfd, n, (int)(left < 100 ? left : 100)) < 0 && errno != EINTR)
            break;
        if (n == 0)
            usleep(10000);
        ma_exec_pump(ex, pfd, n);
    }
}

int ma_exec_run(ma_exec *ex, const ma_spawn_spec *spec, const char *prefix, FILE *log,
                int capture_stdout, ma_interrupt *intr, ma_error *err)
{
    if (ma_exec_start(ex, spec, prefix, log, capture_stdout, err) != 0)
        return -1;
    struct pollfd pfd[3];
    for (;;) {
        size_t n = ma_exec_pollfds(ex, pfd);
        if (n == 0 && ma_exec_pump(ex, pfd, 0))
            return 0;
        pfd[n].fd = intr->read_fd;
        pfd[n].events = POLLIN;
        pfd[n].revents = 0;
        if (poll(pfd, n + 1, -1) < 0 && errno != EINTR)
            return ma_fail(err, MA_ERR_ENV, "poll failed: %s", strerror(errno));
        int sig = ma_interrupt_take(intr);
        if (sig != 0) {
            ma_exec_stop(ex, sig, 10000);
            return ma_fail(err, MA_ERR_INTERRUPTED, "interrupted (%s) while running %s",
                           sig == SIGTERM ? "SIGTERM" : "SIGINT", spec->argv->items[0]);
        }
        if (ma_exec_pump(ex, pfd, n))
            return 0;
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
    if (ex->proc.pid > 0)
        ma_exec_stop(ex, SIGTERM, 2000);
    ma_proc_close(&ex->proc);
    buf_free(&ex->out);
    buf_free(&ex->err_tail);
    buf_free(&ex->partial[0]);
    buf_free(&ex->partial[1]);
}

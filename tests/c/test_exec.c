/* The process layer (proc.c, exec.c) against real short children: lines and
 * their streams, captured stdout, empty output, a child that closes its pipes
 * and keeps running, the stop deadline, a missing program or directory, the
 * environment handed in, stdin, and an interrupt during a run. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "child.h"
#include "exec.h"
#include "interrupt.h"

/* Every line the callback got, as "O:line" or "E:line". */
static void collect(void *ctx, ma_stream stream, const char *line, size_t len)
{
    ma_strlist_pushf(ctx, "%c:%.*s", stream == MA_STREAM_STDOUT ? 'O' : 'E', (int)len, line);
}

/* Run script to its end without interrupts: pump until finished. */
static int run_script(ma_exec *ex, const char *script, const char *cwd, ma_strlist *lines, int capture,
                      ma_error *err)
{
    ma_strlist argv = sh_argv(script);
    ma_spawn_spec spec = {&argv, cwd, NULL, test_envp()};
    ma_exec_output output = {collect, lines, capture};
    int rc = ma_exec_start(ex, &spec, &output, err);
    while (rc == 0) {
        struct pollfd pfd[2];
        int timeout = -1;
        size_t n = ma_exec_pollfds(ex, pfd, &timeout);
        if (n > 0)
            poll(pfd, n, timeout);
        else
            poll(NULL, 0, timeout); /* a portable sleep */
        int done = ma_exec_pump(ex, pfd, n, err);
        if (done != 0) {
            rc = done < 0 ? -1 : 0;
            break;
        }
    }
    ma_strlist_free(&argv);
    return rc;
}

static void test_lines_keep_their_stream(void)
{
    ma_exec ex;
    ma_strlist lines = MA_STRLIST_INIT;
    ma_error err = {0};
    CHECK(run_script(&ex, "printf 'one\\ntwo\\r\\n\\nthree'; printf 'oops\\n' >&2; exit 3", NULL, &lines, 0,
                     &err) == 0);
    CHECK(ex.status == 3);
    const char *want[] = {"O:one", "O:two", "O:three", "E:oops", NULL};
    /* the streams are read as poll finds them: compare stdout and stderr apart */
    ma_strlist out = MA_STRLIST_INIT, errs = MA_STRLIST_INIT;
    for (size_t i = 0; i < lines.len; i++)
        ma_strlist_push(lines.items[i][0] == 'O' ? &out : &errs, lines.items[i]);
    const char *want_out[] = {want[0], want[1], want[2], NULL}, *want_err[] = {want[3], NULL};
    CHECK_STRLIST(&out, want_out);
    CHECK_STRLIST(&errs, want_err);
    CHECK_STR(ma_exec_stderr(&ex), "oops\n");
    ma_strlist_free(&out);
    ma_strlist_free(&errs);
    ma_strlist_free(&lines);
    ma_exec_free(&ex);
}

static void test_captured_stdout_is_not_passed_on(void)
{
    ma_exec ex;
    ma_strlist lines = MA_STRLIST_INIT;
    ma_error err = {0};
    CHECK(run_script(&ex, "printf '{\"a\":\\n1}'; echo note >&2", NULL, &lines, 1, &err) == 0);
    CHECK(ex.status == 0);
    CHECK(ex.out.len == 8 && memcmp(ex.out.data, "{\"a\":\n1}", 8) == 0);
    const char *want[] = {"E:note", NULL};
    CHECK_STRLIST(&lines, want);
    ma_strlist_free(&lines);
    ma_exec_free(&ex);
}

static void test_empty_output(void)
{
    ma_exec ex;
    ma_strlist lines = MA_STRLIST_INIT;
    ma_error err = {0};
    CHECK(run_script(&ex, "exit 0", NULL, &lines, 0, &err) == 0);
    CHECK(ex.status == 0);
    CHECK(lines.len == 0);
    CHECK_STR(ma_exec_stderr(&ex), "");
    ma_exec_free(&ex);
    CHECK(run_script(&ex, "exit 0", NULL, &lines, 1, &err) == 0);
    CHECK(ex.out.len == 0);
    ma_exec_free(&ex);
}

static void test_long_line_and_stderr_tail(void)
{
    ma_exec ex;
    ma_strlist lines = MA_STRLIST_INIT;
    ma_error err = {0};
    /* 40000 bytes with no line end: read in several chunks, passed on once */
    CHECK(run_script(&ex, "i=0; while [ $i -lt 4000 ]; do printf 0123456789 >&2; i=$((i+1)); done", NULL,
                     &lines, 0, &err) == 0);
    CHECK(lines.len == 1 && strlen(lines.items[0]) == 2 + 40000);
    CHECK(strlen(ma_exec_stderr(&ex)) == MA_EXEC_TAIL);
    ma_strlist_free(&lines);
    ma_exec_free(&ex);
}

/* A child that closes its stdout and stderr but keeps running: pump reaps it
 * without blocking, and pollfds asks to be called back. */
static void test_child_that_closes_its_pipes(void)
{
    ma_strlist argv = sh_argv("exec >/dev/null 2>&1; sleep 1");
    ma_spawn_spec spec = {&argv, NULL, NULL, test_envp()};
    ma_exec ex;
    ma_error err = {0};
    CHECK(ma_exec_start(&ex, &spec, NULL, &err) == 0);
    long t0 = ma_monoclock_ms();
    struct pollfd pfd[2];
    int timeout = -1;
    size_t n;
    while ((n = ma_exec_pollfds(&ex, pfd, &timeout)) > 0 && ma_monoclock_ms() - t0 < 5000) {
        poll(pfd, n, 1000);
        CHECK(ma_exec_pump(&ex, pfd, n, &err) == 0);
    }
    /* the first check comes back soon (the child is usually just exiting) */
    CHECK(n == 0 && timeout >= 1 && timeout <= 2);
    long before = ma_monoclock_ms();
    CHECK(ma_exec_pump(&ex, pfd, 0, &err) == 0); /* still running: does not wait for it */
    CHECK(ma_monoclock_ms() - before < 200);
    CHECK(ex.status == -1 && ex.proc.pid > 0);
    /* then each later check waits longer, up to MA_EXEC_REAP_INTERVAL_MS */
    int last = 0;
    for (int i = 0; i < 8; i++) {
        timeout = -1;
        CHECK(ma_exec_pollfds(&ex, pfd, &timeout) == 0);
        CHECK(timeout >= last && timeout <= MA_EXEC_REAP_INTERVAL_MS);
        last = timeout;
        CHECK(ma_exec_pump(&ex, pfd, 0, &err) == 0);
    }
    CHECK(last == MA_EXEC_REAP_INTERVAL_MS);
    timeout = 5; /* a shorter wait the caller has already is kept */
    CHECK(ma_exec_pollfds(&ex, pfd, &timeout) == 0 && timeout == 5);
    while (ex.status < 0 && ma_monoclock_ms() - t0 < 10000) {
        poll(NULL, 0, MA_EXEC_REAP_INTERVAL_MS);
        ma_exec_pump(&ex, pfd, 0, &err);
    }
    CHECK(ex.status == 0);
    CHECK(ex.proc.pid == -1);
    ma_exec_free(&ex);
    ma_strlist_free(&argv);
}

/* A child that ignores SIGTERM is killed once the grace time is up, whether
 * its pipes are open or closed. */
static void test_stop_deadline(void)
{
    const char *scripts[] = {"trap '' TERM; echo ready; sleep 30",
                             "trap '' TERM; echo ready; exec >/dev/null 2>&1; sleep 30"};
    for (size_t i = 0; i < 2; i++) {
        ma_strlist argv = sh_argv(scripts[i]);
        ma_spawn_spec spec = {&argv, NULL, NULL, test_envp()};
        ma_strlist lines = MA_STRLIST_INIT;
        ma_exec_output output = {collect, &lines, 0};
        ma_exec ex;
        ma_error err = {0};
        CHECK(ma_exec_start(&ex, &spec, &output, &err) == 0);
        /* wait until the trap is set: the child says so */
        long t0 = ma_monoclock_ms();
        while (lines.len == 0 && ma_monoclock_ms() - t0 < 5000) {
            struct pollfd pfd[2];
            int timeout = -1;
            size_t n = ma_exec_pollfds(&ex, pfd, &timeout);
            poll(pfd, n, 100);
            ma_exec_pump(&ex, pfd, n, &err);
        }
        CHECK(lines.len == 1);
        long before = ma_monoclock_ms();
        ma_exec_stop(&ex, SIGTERM, 300);
        long took = ma_monoclock_ms() - before;
        CHECK(took >= 250 && took < 5000);
        CHECK(ex.status == 128 + SIGKILL);
        ma_exec_free(&ex);
        ma_strlist_free(&lines);
        ma_strlist_free(&argv);
    }
}

static void test_missing_directory_is_not_a_missing_program(void)
{
    ma_exec ex;
    ma_strlist lines = MA_STRLIST_INIT;
    ma_error err = {0};
    CHECK(run_script(&ex, "true", "/nonexistent/multiarch-test-dir", &lines, 0, &err) == -1);
    CHECK(err.kind == MA_ERR_ENV);
    CHECK_STR(err.msg, "cannot run sh in '/nonexistent/multiarch-test-dir': no such directory");
    ma_exec_free(&ex);
}

/* The child runs in the spec's directory with /dev/null as stdin: the same
 * through posix_spawn's chdir action and through the forked child of a build
 * without one (MULTIARCH_STRICT_POSIX). */
static void test_runs_in_the_given_directory(void)
{
    char dir[] = "/tmp/multiarch-test-cwd-XXXXXX", real[PATH_MAX], want[PATH_MAX + 2];
    CHECK(mkdtemp(dir) != NULL);
    CHECK(realpath(dir, real) != NULL);
    snprintf(want, sizeof want, "O:%s", real);
    ma_exec ex;
    ma_strlist lines = MA_STRLIST_INIT;
    ma_error err = {0};
    CHECK(run_script(&ex, "pwd -P; if read -r line; then echo stdin; else echo eof; fi", dir, &lines, 0, &err) ==
          0);
    CHECK(ex.status == 0);
    const char *expected[] = {want, "O:eof", NULL};
    CHECK_STRLIST(&lines, expected);
    ma_exec_free(&ex);
    ma_strlist_free(&lines);
    rmdir(dir);
}

static void test_missing_program(void)
{
    ma_strlist argv = MA_STRLIST_INIT;
    ma_strlist_push(&argv, "multiarch-no-such-program");
    ma_spawn_spec spec = {&argv, NULL, NULL, test_envp()};
    ma_exec ex;
    ma_error err = {0};
    CHECK(ma_exec_start(&ex, &spec, NULL, &err) == -1);
    CHECK_STR(err.msg, "multiarch-no-such-program not found on PATH");
    ma_exec_free(&ex);
    ma_strlist_free(&argv);

    ma_strlist_push(&argv, "docker");
    const char *envp[] = {"PATH=/nonexistent/bin", NULL};
    spec = (ma_spawn_spec){&argv, NULL, NULL, envp};
    CHECK(ma_exec_start(&ex, &spec, NULL, &err) == -1);
    CHECK(contains(err.msg, "docker not found on PATH: install the Docker CLI"));
    ma_exec_free(&ex);
    ma_strlist_free(&argv);
}

/* PATH and every variable come from the envp handed in, not from environ. */
static void test_environment_handed_in(void)
{
    ma_strlist argv = sh_argv("echo \"$MA_TEST_VALUE\"");
    const char *envp[] = {"PATH=/usr/bin:/bin", "MA_TEST_VALUE=from envp", NULL};
    ma_spawn_spec spec = {&argv, NULL, NULL, envp};
    ma_strlist lines = MA_STRLIST_INIT;
    ma_exec_output output = {collect, &lines, 0};
    ma_interrupt intr;
    ma_exec ex;
    ma_error err = {0};
    CHECK(ma_interrupt_install(&intr, &err) == 0);
    CHECK(ma_exec_run(&ex, &spec, &output, &intr, &err) == 0);
    const char *want[] = {"O:from envp", NULL};
    CHECK_STRLIST(&lines, want);
    ma_interrupt_restore(&intr);
    ma_exec_free(&ex);
    ma_strlist_free(&lines);
    ma_strlist_free(&argv);
}

static void test_stdin(void)
{
    ma_strlist argv = sh_argv("cat");
    ma_spawn_spec spec = {&argv, NULL, "a token", test_envp()};
    ma_exec_output output = {NULL, NULL, 1};
    ma_interrupt intr;
    ma_exec ex;
    ma_error err = {0};
    CHECK(ma_interrupt_install(&intr, &err) == 0);
    CHECK(ma_exec_run(&ex, &spec, &output, &intr, &err) == 0);
    CHECK(ex.status == 0);
    CHECK_STR(ex.out.data, "a token");
    ma_exec_free(&ex);
    ma_strlist_free(&argv);

    /* more than a pipe holds, to a child that never reads it: EPIPE, not a
     * SIGPIPE that would end this process */
    size_t big = 1u << 20;
    char *data = malloc(big + 1);
    CHECK(data != NULL);
    if (data != NULL) {
        memset(data, 'x', big);
        data[big] = '\0';
        argv = sh_argv("exit 0");
        spec = (ma_spawn_spec){&argv, NULL, data, test_envp()};
        CHECK(ma_exec_run(&ex, &spec, &output, &intr, &err) == 0);
        CHECK(ex.status == 0);
        ma_exec_free(&ex);
        ma_strlist_free(&argv);
        free(data);
    }
    ma_interrupt_restore(&intr);
}

/* Ctrl-C during a run stops the child's process group, even a child that
 * closed its pipes, and the run says it was interrupted. */
static void test_interrupt_during_a_run(void)
{
    const char *scripts[] = {"sleep 30", "exec >/dev/null 2>&1; sleep 30"};
    for (size_t i = 0; i < 2; i++) {
        ma_strlist argv = sh_argv(scripts[i]);
        ma_spawn_spec spec = {&argv, NULL, NULL, test_envp()};
        ma_interrupt intr;
        ma_exec ex;
        ma_error err = {0};
        CHECK(ma_interrupt_install(&intr, &err) == 0);
        later_signal sig;
        later_signal_start(&sig, SIGINT, 200);
        long t0 = ma_monoclock_ms();
        CHECK(ma_exec_run(&ex, &spec, NULL, &intr, &err) == -1);
        CHECK(ma_monoclock_ms() - t0 < 5000);
        later_signal_join(&sig);
        CHECK(err.kind == MA_ERR_INTERRUPTED);
        CHECK_STR(err.msg, "interrupted (SIGINT) while running sh");
        CHECK(ex.status == 128 + SIGINT);
        ma_interrupt_restore(&intr);
        ma_exec_free(&ex);
        ma_strlist_free(&argv);
    }
}

static void test_free_is_safe(void)
{
    ma_exec ex;
    ma_exec_init(&ex);
    ma_exec_free(&ex);
    ma_exec_free(&ex);
    ma_exec_free(NULL);
    /* freeing a running exec stops it */
    ma_strlist argv = sh_argv("sleep 30");
    ma_spawn_spec spec = {&argv, NULL, NULL, test_envp()};
    ma_error err = {0};
    CHECK(ma_exec_start(&ex, &spec, NULL, &err) == 0);
    pid_t pid = ex.proc.pid;
    ma_exec_free(&ex);
    CHECK(kill(pid, 0) != 0 && errno == ESRCH);
    ma_strlist_free(&argv);
}

int main(void)
{
    test_lines_keep_their_stream();
    test_captured_stdout_is_not_passed_on();
    test_empty_output();
    test_long_line_and_stderr_tail();
    test_child_that_closes_its_pipes();
    test_stop_deadline();
    test_missing_directory_is_not_a_missing_program();
    test_runs_in_the_given_directory();
    test_missing_program();
    test_environment_handed_in();
    test_stdin();
    test_interrupt_during_a_run();
    test_free_is_safe();
    return CHECK_DONE();
}

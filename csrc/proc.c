#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static int spawn_error(int rc, const ma_spawn_spec *spec, ma_error *err)
{
    const char *prog = spec->argv->items[0];
    if (rc == ENOENT && strcmp(prog, "docker") == 0)
        return ma_fail(err, MA_ERR_ENV, "docker not found on PATH: install the Docker CLI and the buildx plugin "
                                        "(https://docs.docker.com/engine/install/)");
    if (rc == ENOENT)
        return ma_fail(err, MA_ERR_ENV, "%s not found on PATH", prog);
    if (rc == ENOENT + 1000)
        return ma_fail(err, MA_ERR_ENV, "cannot run %s in '%s'", prog, spec->cwd);
    return ma_fail(err, MA_ERR_ENV, "cannot run %s: %s", prog, strerror(rc));
}

/* Child side: pipes onto 0/1/2, own process group, default signal handling. */
static int prepare(posix_spawn_file_actions_t *fa, posix_spawnattr_t *attr, const ma_spawn_spec *spec,
                   int in_fd, int out_fd, int err_fd)
{
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGCHLD);
    int rc = posix_spawn_file_actions_init(fa);
    if (rc == 0)
        rc = in_fd >= 0 ? posix_spawn_file_actions_adddup2(fa, in_fd, 0)
                        : posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(fa, out_fd, 1);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(fa, err_fd, 2);
    if (rc == 0 && spec->cwd != NULL)
        rc = posix_spawn_file_actions_addchdir_np(fa, spec->cwd);
    if (rc == 0)
        rc = posix_spawnattr_init(attr);
    if (rc == 0)
        rc = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                POSIX_SPAWN_SETSIGDEF);
    if (rc == 0)
        rc = posix_spawnattr_setpgroup(attr, 0);
    if (rc == 0)
        rc = posix_spawnattr_setsigmask(attr, &none);
    if (rc == 0)
        rc = posix_spawnattr_setsigdefault(attr, &defaults);
    return rc;
}

int ma_proc_start(const ma_spawn_spec *spec, ma_proc *proc, ma_error *err)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
    proc->pid = -1;
    proc->out_fd = proc->err_fd = -1;
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0 ||
        (spec->stdin_data != NULL && pipe2(in, O_CLOEXEC) != 0)) {
        int e = errno;
        close_fd(&in[0]), close_fd(&in[1]), close_fd(&out[0]), close_fd(&out[1]), close_fd(&errp[0]), close_fd(&errp[1]);
        return ma_fail(err, MA_ERR_ENV, "cannot create pipes: %s", strerror(e));
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int rc = prepare(&fa, &attr, spec, in[0], out[1], errp[1]);
    if (rc == 0)
        rc = posix_spawnp(&proc->pid, spec->argv->items[0], &fa, &attr, spec->argv->items, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close_fd(&in[0]);
    close_fd(&out[1]);
    close_fd(&errp[1]);
    if (rc != 0) {
        close_fd(&in[1]), close_fd(&out[0]), close_fd(&errp[0]);
        proc->pid = -1;
        return spawn_error(rc, spec, err);
    }
    if (in[1] >= 0) {
        /* Small payloads (a token) fit the pipe buffer; a child that exits
         * without reading gives EPIPE, which only means it did not need it. */
        struct sigaction ignore = {0}, old;
        ignore.sa_handler = SIG_IGN;
        sigaction(SIGPIPE, &ignore, &old);
        write_all(in[1], spec->stdin_data, strlen(spec->stdin_data));
        sigaction(SIGPIPE, &old, NULL);
        close_fd(&in[1]);
    }
    proc->out_fd = out[0];
    proc->err_fd = errp[0];
    return 0;
}

int ma_proc_wait(ma_proc *proc)
{
    int status = 0;
    pid_t r;
    do
        r = waitpid(proc->pid, &status, 0);
    while (r < 0 && errno == EINTR);
    proc->pid = -1;
    if (r < 0)
        return 127;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 127;
}

void ma_proc_signal(const ma_proc *proc, int sig)
{
    if (proc->pid > 0)
        kill(-proc->pid, sig);
}

void ma_proc_close(ma_proc *proc)
{
    close_fd(&proc->out_fd);
    close_fd(&proc->err_fd);
}

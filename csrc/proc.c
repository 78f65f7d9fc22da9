#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cloexec.h"
#include "env.h"
#include "textfile.h"

extern char **environ;

#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int is_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The program to run: name itself when it holds a '/', else the first
 * executable of that name on PATH.  Looked up here, not by posix_spawnp, so
 * PATH comes from envp and "not on PATH" is told apart from a missing cwd. */
static int find_program(const char *name, const char *const *envp, char *out, size_t outsz)
{
    if (strchr(name, '/') != NULL)
        return snprintf(out, outsz, "%s", name) < (int)outsz ? 0 : -1;
    const char *path = ma_env_lookup(envp, "PATH");
    for (const char *dir = path != NULL ? path : DEFAULT_PATH;; dir++) {
        size_t n = strcspn(dir, ":");
        /* an empty entry is the current directory */
        int len = snprintf(out, outsz, "%.*s%s%s", (int)n, dir, n ? "/" : "", name);
        if (len > 0 && len < (int)outsz && is_executable(out))
            return 0;
        dir += n;
        if (*dir == '\0')
            return -1;
    }
}

static int missing_cwd(const ma_spawn_spec *spec)
{
    struct stat st;
    return spec->cwd != NULL && (stat(spec->cwd, &st) != 0 || !S_ISDIR(st.st_mode));
}

static int no_such_directory(const ma_spawn_spec *spec, ma_error *err)
{
    return ma_fail(err, MA_ERR_ENV, "cannot run %s in '%s': no such directory", spec->argv->items[0], spec->cwd);
}

static int spawn_error(int rc, const ma_spawn_spec *spec, ma_error *err)
{
    const char *prog = spec->argv->items[0];
    if ((rc == ENOENT || rc == ENOTDIR) && missing_cwd(spec))
        return no_such_directory(spec, err);
    if (rc == ENOMEM)
        return ma_nomem(err);
    return ma_fail(err, MA_ERR_ENV, "cannot run %s: %s", prog, strerror(rc));
}

static int not_found(const char *prog, ma_error *err)
{
    if (strcmp(prog, "docker") == 0)
        return ma_fail(err, MA_ERR_ENV, "docker not found on PATH: install the Docker CLI and the buildx plugin "
                                        "(https://docs.docker.com/engine/install/)");
    return ma_fail(err, MA_ERR_ENV, "%s not found on PATH", prog);
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
    int rc = in_fd >= 0 ? posix_spawn_file_actions_adddup2(fa, in_fd, 0)
                        : posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(fa, out_fd, 1);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(fa, err_fd, 2);
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCHDIR_NP
    if (rc == 0 && spec->cwd != NULL)
        rc = posix_spawn_file_actions_addchdir_np(fa, spec->cwd);
#else
    (void)spec; /* spawn() runs a spec with a cwd through spawn_forked() */
#endif
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

#ifndef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCHDIR_NP
/* Where posix_spawn has no file action to change directory (the build's
 * feature check found none) a forked child takes the same steps as prepare()
 * with async-signal-safe calls only, and reports the errno of a failed step
 * through a close-on-exec pipe: 0, or that errno. */
static int spawn_forked(const ma_spawn_spec *spec, const char *path, int in_fd, int out_fd, int err_fd,
                        pid_t *pid)
{
    int report[2];
    if (ma_cloexec_pipe(report, 0) != 0)
        return errno;
    char *const *envp = (char *const *)(spec->envp != NULL ? spec->envp : (const char *const *)environ);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigset_t all, none, old;
    sigfillset(&all);
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* no handler of ours runs in the child */
    pid_t child = fork();
    if (child == 0) {
        int e = 0, null_fd = in_fd;
        if (null_fd < 0 && (null_fd = open("/dev/null", O_RDONLY)) < 0)
            e = errno;
        if (e == 0 && (setpgid(0, 0) != 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0 ||
                       chdir(spec->cwd) != 0))
            e = errno;
        if (e == 0) {
            sigaction(SIGINT, &dfl, NULL), sigaction(SIGTERM, &dfl, NULL);
            sigaction(SIGPIPE, &dfl, NULL), sigaction(SIGCHLD, &dfl, NULL);
            pthread_sigmask(SIG_SETMASK, &none, NULL);
            execve(path, spec->argv->items, envp);
            e = errno;
        }
        (void)!write(report[1], &e, sizeof e);
        _exit(127);
    }
    int e = child < 0 ? errno : 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(report[1]);
    if (child > 0) {
        ssize_t n;
        do
            n = read(report[0], &e, sizeof e);
        while (n < 0 && errno == EINTR);
        if (n == (ssize_t)sizeof e)
            waitpid(child, NULL, 0);
        else
            e = 0, *pid = child;
    }
    close(report[0]);
    return e;
}
#endif

static int spawn(const ma_spawn_spec *spec, const char *path, int in_fd, int out_fd, int err_fd, pid_t *pid)
{
#ifndef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCHDIR_NP
    if (spec->cwd != NULL)
        return spawn_forked(spec, path, in_fd, out_fd, err_fd, pid);
#endif
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc != 0)
        return rc;
    rc = posix_spawnattr_init(&attr);
    if (rc == 0) {
        rc = prepare(&fa, &attr, spec, in_fd, out_fd, err_fd);
        char *const *envp = (char *const *)(spec->envp != NULL ? spec->envp : (const char *const *)environ);
        if (rc == 0)
            rc = posix_spawn(pid, path, &fa, &attr, spec->argv->items, envp);
        posix_spawnattr_destroy(&attr);
    }
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

/* A child that exits without reading its stdin gives EPIPE, which only means
 * it did not need it.  SIGPIPE is blocked in this thread only (a sigaction
 * would change it for every thread) and a pending one is taken back. */
static void write_stdin(int fd, const char *data)
{
    sigset_t pipe_only, old, pending;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
    if (ma_textfile_write_all(fd, data, strlen(data)) != 0 && errno == EPIPE && !sigismember(&old, SIGPIPE) &&
        sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE)) {
        struct timespec zero = {0, 0};
        sigtimedwait(&pipe_only, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

int ma_proc_start(const ma_spawn_spec *spec, ma_proc *proc, ma_error *err)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
    proc->pid = -1;
    proc->out_fd = proc->err_fd = -1;
    const char *const *envp = spec->envp != NULL ? spec->envp : (const char *const *)environ;
    char path[PATH_MAX];
    if (find_program(spec->argv->items[0], envp, path, sizeof path) != 0)
        return not_found(spec->argv->items[0], err);
    /* Checked here as well as after the spawn: not every posix_spawn reports a
     * failed chdir (a fork-based one, as under valgrind, exits 127 instead). */
    if (missing_cwd(spec))
        return no_such_directory(spec, err);
    if (ma_cloexec_pipe(out, 0) != 0 || ma_cloexec_pipe(errp, 0) != 0 ||
        (spec->stdin_data != NULL && ma_cloexec_pipe(in, 0) != 0)) {
        int e = errno;
        close_fd(&in[0]), close_fd(&in[1]), close_fd(&out[0]), close_fd(&out[1]), close_fd(&errp[0]), close_fd(&errp[1]);
        return ma_fail(err, MA_ERR_ENV, "cannot create pipes: %s", strerror(e));
    }
    int rc = spawn(spec, path, in[0], out[1], errp[1], &proc->pid);
    close_fd(&in[0]);
    close_fd(&out[1]);
    close_fd(&errp[1]);
    if (rc != 0) {
        close_fd(&in[1]), close_fd(&out[0]), close_fd(&errp[0]);
        proc->pid = -1;
        return spawn_error(rc, spec, err);
    }
    if (in[1] >= 0) {
        write_stdin(in[1], spec->stdin_data);
        close_fd(&in[1]);
    }
    proc->out_fd = out[0];
    proc->err_fd = errp[0];
    return 0;
}

static int exit_status(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 127;
}

static int wait_for(ma_proc *proc, int flags, int *status)
{
    if (proc->pid <= 0) {
        *status = 127;
        return 1;
    }
    int raw = 0;
    pid_t r;
    do
        r = waitpid(proc->pid, &raw, flags);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        return 0;
    proc->pid = -1;
    *status = r < 0 ? 127 : exit_status(raw);
    return 1;
}

int ma_proc_reap(ma_proc *proc, int *status)
{
    return wait_for(proc, WNOHANG, status);
}

int ma_proc_wait(ma_proc *proc)
{
    int status;
    wait_for(proc, 0, &status);
    return status;
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

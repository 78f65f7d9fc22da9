#include "cloexec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#if !defined(HAVE_PIPE2) || !defined(HAVE_MKOSTEMP)
/* The two-step path leaves a window: a process forked by another thread
 * between pipe()/mkstemp() and fcntl() inherits the descriptor.  The atomic
 * calls close it where the platform has them. */
static int set_fd_flags(int fd, int nonblock)
{
    int fdflags = fcntl(fd, F_GETFD);
    if (fdflags < 0 || fcntl(fd, F_SETFD, fdflags | FD_CLOEXEC) < 0)
        return -1;
    if (nonblock) {
        int flflags = fcntl(fd, F_GETFL);
        if (flflags < 0 || fcntl(fd, F_SETFL, flflags | O_NONBLOCK) < 0)
            return -1;
    }
    return 0;
}

static void close_keep_errno(int fd)
{
    int e = errno;
    close(fd);
    errno = e;
}
#endif

int ma_cloexec_pipe(int fds[2], int nonblock)
{
#ifdef HAVE_PIPE2
    return pipe2(fds, O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));
#else
    if (pipe(fds) != 0)
        return -1;
    if (set_fd_flags(fds[0], nonblock) != 0 || set_fd_flags(fds[1], nonblock) != 0) {
        close_keep_errno(fds[0]);
        close_keep_errno(fds[1]);
        fds[0] = fds[1] = -1;
        return -1;
    }
    return 0;
#endif
}

int ma_cloexec_mkstemp(char *template_path)
{
#ifdef HAVE_MKOSTEMP
    return mkostemp(template_path, O_CLOEXEC);
#else
    int fd = mkstemp(template_path);
    if (fd >= 0 && set_fd_flags(fd, 0) != 0) {
        close_keep_errno(fd);
        int e = errno;
        unlink(template_path);
        errno = e;
        return -1;
    }
    return fd;
#endif
}

#include "interrupt.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t interrupt_write_fd = -1;

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char byte = (unsigned char)sig;
    if (interrupt_write_fd >= 0 && write(interrupt_write_fd, &byte, 1) < 0) {
        /* the pipe is full: a signal is already pending, nothing to add */
    }
    errno = saved;
}

int ma_interrupt_install(ma_interrupt *intr, ma_error *err)
{
    int fds[2];
    memset(intr, 0, sizeof *intr);
    intr->read_fd = intr->write_fd = -1;
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
        return ma_fail(err, MA_ERR_ENV, "cannot create a pipe: %s", strerror(errno));
    intr->read_fd = fds[0];
    intr->write_fd = fds[1];
    interrupt_write_fd = fds[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, &intr->old_int);
    sigaction(SIGTERM, &sa, &intr->old_term);
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
    sigaction(SIGINT, &intr->old_int, NULL);
    sigaction(SIGTERM, &intr->old_term, NULL);
    interrupt_write_fd = -1;
    close(intr->read_fd);
    close(intr->write_fd);
    intr->installed = 0;
}

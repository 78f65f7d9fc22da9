/* File descriptors made close-on-exec from the start, on any POSIX system:
 * where the build found pipe2 / mkostemp (HAVE_PIPE2, HAVE_MKOSTEMP, set by
 * CMakeLists.txt and setup.py) they are used; elsewhere the portable pair
 * pipe + fcntl(FD_CLOEXEC), mkstemp + fcntl.  Spawned children must not
 * inherit the run's pipes. */
#ifndef MA_CLOEXEC_H
#define MA_CLOEXEC_H

/* pipe(2) with both ends close-on-exec, and non-blocking when `nonblock`:
 * 0, or -1 with errno (nothing left open). */
int ma_cloexec_pipe(int fds[2], int nonblock);

/* mkstemp(3) with the descriptor close-on-exec: the fd, or -1 with errno
 * (no file left behind). */
int ma_cloexec_mkstemp(char *template_path);

#endif

#include "textfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ma_textfile_read(const char *path, size_t max_bytes, const char *what, ma_error_kind bad_kind,
                     char **text, ma_error *err)
{
    *text = NULL;
    FILE *f = fopen(path, "rbe"); /* e: close-on-exec, no child inherits it */
    if (f == NULL && errno == ENOENT)
        return MA_TEXTFILE_MISSING;
    if (f == NULL)
        return ma_fail(err, MA_ERR_ENV, "cannot read %s %s: %s", what, path, strerror(errno));
    char *buf = malloc(max_bytes + 1);
    if (buf == NULL) {
        fclose(f);
        return ma_nomem(err);
    }
    /* one byte more than allowed tells "too large" from "exactly the limit" */
    size_t n = fread(buf, 1, max_bytes + 1, f);
    int read_errno = ferror(f) ? errno : 0;
    fclose(f);
    int rc = 0;
    if (read_errno != 0)
        rc = ma_fail(err, MA_ERR_ENV, "cannot read %s %s: %s", what, path, strerror(read_errno));
    else if (n > max_bytes && max_bytes % (1u << 20) == 0)
        rc = ma_fail(err, bad_kind, "%s %s is larger than %zu MiB", what, path, max_bytes >> 20);
    else if (n > max_bytes)
        rc = ma_fail(err, bad_kind, "%s %s is larger than %zu bytes", what, path, max_bytes);
    else if (memchr(buf, '\0', n) != NULL) /* JSON text never holds a NUL byte */
        rc = ma_fail(err, bad_kind, "%s %s is not text (holds a NUL byte)", what, path);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *text = buf;
    return 0;
}

int ma_textfile_write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

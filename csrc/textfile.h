/* Small text files whole: reading the config and buildx's metadata file,
 * writing a digest record or a token to a pipe. */
#ifndef MA_TEXTFILE_H
#define MA_TEXTFILE_H

#include <stddef.h>

#include "error.h"

#define MA_TEXTFILE_MISSING 1

/* Read `path` whole into *text (malloc'd, NUL-terminated).  Returns 0;
 * MA_TEXTFILE_MISSING when the file does not exist (err untouched, so the
 * caller words it); -1 with err: MA_ERR_ENV "cannot read <what> <path>: ..."
 * when it cannot be read, `bad_kind` when it is over max_bytes or holds a NUL
 * byte (then it is not the text it should be). */
int ma_textfile_read(const char *path, size_t max_bytes, const char *what, ma_error_kind bad_kind,
                     char **text, ma_error *err);

/* Write all len bytes to fd, retrying short writes and EINTR: 0, or -1 with errno. */
int ma_textfile_write_all(int fd, const char *data, size_t len);

#endif

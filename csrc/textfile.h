/* Reading a small text file whole: the config and buildx's metadata file. */
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

#endif

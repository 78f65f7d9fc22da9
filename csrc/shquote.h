/* Shell quoting for display: an argv written as one line a POSIX shell would
 * run as the same argv.  Only ever printed: the product never runs a shell. */
#ifndef MA_SHQUOTE_H
#define MA_SHQUOTE_H

#include <stdio.h>

#include "strlist.h"

/* Write prefix, then argv quoted and space-separated, then a newline. */
void ma_shquote_command(FILE *out, const char *prefix, const ma_strlist *argv);

#endif

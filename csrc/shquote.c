#include "shquote.h"

#include <string.h>

/* Characters a shell never treats specially; anything else gets quoted. */
static int shell_safe(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=./:,@%", *s))
            return 0;
    return 1;
}

static void write_quoted(FILE *out, const char *s)
{
    if (shell_safe(s)) {
        fputs(s, out);
        return;
    }
    fputc('\'', out);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", out);
        else
            fputc(*s, out);
    }
    fputc('\'', out);
}

void ma_shquote_command(FILE *out, const char *prefix, const ma_strlist *argv)
{
    fputs(prefix, out);
    for (size_t i = 0; i < argv->len; i++) {
        if (i)
            fputc(' ', out);
        write_quoted(out, argv->items[i]);
    }
    fputc('\n', out);
}

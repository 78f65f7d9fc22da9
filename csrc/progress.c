#include "progress.h"

#include "shquote.h"

void ma_progress_command(const ma_progress *p, const ma_strlist *argv)
{
    if (p->log == NULL)
        return;
    char head[256];
    snprintf(head, sizeof head, "[%s] $ ", p->prefix);
    ma_shquote_command(p->log, head, argv);
    fflush(p->log);
}

void ma_progress_line(void *ctx, ma_stream stream, const char *line, size_t len)
{
    (void)stream; /* both streams are progress to a reader */
    const ma_progress *p = ctx;
    if (p->log == NULL)
        return;
    fprintf(p->log, "[%s] %.*s\n", p->prefix, (int)len, line);
    fflush(p->log);
}

ma_exec_output ma_progress_output(ma_progress *p, int capture_stdout)
{
    ma_exec_output o = {ma_progress_line, p, capture_stdout};
    return o;
}

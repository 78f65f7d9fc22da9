#include "progress.h"

#include <stdlib.h>
#include <string.h>

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

char *ma_regstep_line(const ma_regstep *s)
{
    char sep = s->what != NULL && strncmp(s->what, "sha256:", 7) == 0 ? '@' : ':';
    const char *what = s->what != NULL ? s->what : "";
    if (strcmp(s->what != NULL ? s->what : "", "tags/list") == 0)
        sep = '/';
    /* how it ended when not plainly: the failed status, and the attempts a retry took */
    char status[64] = "", tries[32] = "";
    if (s->attempts > 1)
        snprintf(tries, sizeof tries, "%d attempts", s->attempts);
    if (s->status == 0)
        snprintf(status, sizeof status, " (no answer%s%s)", tries[0] ? ", " : "", tries);
    else if (s->status >= 400)
        snprintf(status, sizeof status, " (HTTP %ld%s%s)", s->status, tries[0] ? ", " : "", tries);
    else if (tries[0])
        snprintf(status, sizeof status, " (%s)", tries);
    if (strcmp(s->method, "PUT") == 0 && s->digest != NULL)
        return ma_strdupf("PUT %s/%s%c%s \u2190 %s%s", s->host, s->repo, sep, what, s->digest, status);
    return ma_strdupf("%s %s/%s%c%s%s", s->method, s->host, s->repo, sep, what, status);
}

void ma_progress_regstep(const ma_progress *p, const ma_regstep *step)
{
    if (p->log == NULL)
        return;
    char *line = ma_regstep_line(step);
    if (line != NULL)
        fprintf(p->log, "[%s] %s\n", p->prefix, line);
    free(line);
    fflush(p->log);
}

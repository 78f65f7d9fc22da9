#include "report.h"

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

void ma_report_command(FILE *out, const char *prefix, const ma_strlist *argv)
{
    fputs(prefix, out);
    for (size_t i = 0; i < argv->len; i++) {
        if (i)
            fputc(' ', out);
        write_quoted(out, argv->items[i]);
    }
    fputc('\n', out);
}

static void write_list(FILE *out, const ma_strlist *l, const char *sep)
{
    for (size_t i = 0; i < l->len; i++)
        fprintf(out, "%s%s", i ? sep : "", l->items[i]);
}

void ma_report_plan(FILE *out, const ma_plan *plan)
{
    fprintf(out, "Plan (dry run, nothing is built): %zu image%s, %s, builder %s\n", plan->nimages,
            plan->nimages == 1 ? "" : "s", plan->push ? "push" : "local build (--load)", plan->builder);
    fputs("Tags: ", out);
    write_list(out, &plan->tags, ", ");
    fputc('\n', out);
    for (size_t i = 0; i < plan->nimages; i++) {
        const ma_image_plan *ip = &plan->images[i];
        fprintf(out, "\n%s: %s (", ip->component, ip->image);
        write_list(out, &ip->platforms, ", ");
        fputs(")\n", out);
        for (size_t t = 0; t < ip->refs.len; t++)
            fprintf(out, "  %s\n", ip->refs.items[t]);
        ma_report_command(out, "  $ ", &ip->build_argv);
        if (ip->promote_immutable_argv.len)
            ma_report_command(out, "  $ ", &ip->promote_immutable_argv);
        if (ip->promote_mutable_argv.len)
            ma_report_command(out, "  $ ", &ip->promote_mutable_argv);
    }
    if (plan->push)
        fprintf(out, "\n%s and %s stand for the run's temporary directory and the digest the build pushes.\n",
                MA_PLAN_RUN_DIR, MA_PLAN_DIGEST);
    fflush(out);
}

void ma_report_error(FILE *out, const ma_error *err)
{
    /* One line: newlines from tool output must not break it. */
    fputs("error: ", out);
    for (const char *p = err->msg; *p; p++)
        fputc(*p == '\n' || *p == '\r' ? ' ' : *p, out);
    fputc('\n', out);
    fflush(out);
}

#include "ghactions.h"

static void put_escaped(FILE *out, const char *text, int property)
{
    for (const char *p = text ? text : ""; *p; p++) {
        switch (*p) {
        case '%':
            fputs("%25", out);
            break;
        case '\r':
            fputs("%0D", out);
            break;
        case '\n':
            fputs("%0A", out);
            break;
        case ':':
            fputs(property ? "%3A" : ":", out);
            break;
        case ',':
            fputs(property ? "%2C" : ",", out);
            break;
        default:
            fputc(*p, out);
        }
    }
}

void ma_gha_put_data(FILE *out, const char *text)
{
    put_escaped(out, text, 0);
}

void ma_gha_put_property(FILE *out, const char *text)
{
    put_escaped(out, text, 1);
}

void ma_gha_group(FILE *out, const char *title)
{
    fputs("::group::", out);
    ma_gha_put_data(out, title);
    fputc('\n', out);
}

void ma_gha_endgroup(FILE *out)
{
    fputs("::endgroup::\n", out);
}

void ma_gha_annotation(FILE *out, const char *kind, const char *title, const char *message)
{
    fprintf(out, "::%s title=", kind);
    ma_gha_put_property(out, title);
    fputs("::", out);
    ma_gha_put_data(out, message);
    fputc('\n', out);
}

void ma_gha_stop_commands(FILE *out, const char *token)
{
    fprintf(out, "::stop-commands::%s\n", token);
}

void ma_gha_resume_commands(FILE *out, const char *token)
{
    fprintf(out, "::%s::\n", token);
}

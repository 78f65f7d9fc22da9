#include "pubreport.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "buildtime.h"
#include "sizes.h"

static size_t name_width(const ma_image_run *runs, size_t n)
{
    size_t width = 0;
    for (size_t i = 0; i < n; i++)
        if (strlen(runs[i].job.image->component) > width)
            width = strlen(runs[i].job.image->component);
    return width;
}

/* The platform a size is shown under: its own, or the image's one platform
 * for a single image manifest. */
static const char *shown_platform(const ma_image_run *r, const ma_platform_size *p)
{
    return p->platform[0] != '\0' || r->job.image->platforms.len == 0 ? p->platform
                                                                      : r->job.image->platforms.items[0];
}

void ma_pubreport_text(FILE *out, const ma_image_run *runs, size_t n)
{
    int width = (int)name_width(runs, n), any = 0;
    for (size_t i = 0; i < n; i++) {
        const ma_release_size *s = &runs[i].size;
        if (s->now.len == 0 && s->error[0] == '\0')
            continue;
        if (!any++)
            fputs("\nSizes (compressed, per platform):\n", out);
        for (size_t k = 0; k < s->now.len; k++) {
            char line[256];
            const char *platform = shown_platform(&runs[i], &s->now.items[k]);
            ma_release_size_line(s, platform, line, sizeof line);
            fprintf(out, "  %-*s  %s %s\n", width, runs[i].job.image->component, platform, line);
        }
        if (s->error[0] != '\0')
            fprintf(out, "  %-*s  note: %s\n", width, runs[i].job.image->component, s->error);
    }
    any = 0;
    for (size_t i = 0; i < n; i++) {
        ma_buildtime t;
        ma_buildtime_of(&runs[i].build, &t);
        if (t.len == 0)
            continue;
        if (!any++)
            fputs("\nBuild time per platform (the steps' time, summed):\n", out);
        char text[512], note[1536];
        ma_buildtime_text(&t, text, sizeof text);
        fprintf(out, "  %-*s  %s\n", width, runs[i].job.image->component, text);
        if (ma_buildtime_note(&t, note, sizeof note))
            fprintf(out, "  %-*s  note: %s\n", width, "", note);
    }
    fflush(out);
}

/* A table cell: no '|' or line break ends it early. */
static void cell(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", out);
        else
            fputc(*s == '\n' || *s == '\r' ? ' ' : *s, out);
    }
}

void ma_pubreport_markdown(FILE *out, const ma_image_run *runs, size_t n)
{
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        const ma_release_size *s = &runs[i].size;
        for (size_t k = 0; k < s->now.len; k++) {
            if (!any++)
                fputs("#### Sizes (compressed)\n\n| Component | Platform | Size |\n| --- | --- | --- |\n", out);
            char line[256];
            const char *platform = shown_platform(&runs[i], &s->now.items[k]);
            ma_release_size_line(s, platform, line, sizeof line);
            fprintf(out, "| %s | %s | ", runs[i].job.image->component, platform);
            cell(out, line);
            fputs(" |\n", out);
        }
    }
    if (any)
        fputc('\n', out);
    any = 0;
    for (size_t i = 0; i < n; i++) {
        ma_buildtime t;
        ma_buildtime_of(&runs[i].build, &t);
        for (size_t k = 0; k < t.len; k++) {
            if (!any++)
                fputs("#### Build time per platform\n\n| Component | Platform | Time | Slowest step |\n"
                      "| --- | --- | --- | --- |\n", out);
            fprintf(out, "| %s | %s | %.1fs | `", runs[i].job.image->component, t.items[k].platform,
                    t.items[k].seconds);
            cell(out, t.items[k].slowest != NULL ? t.items[k].slowest : "");
            fprintf(out, "` %.1fs |\n", t.items[k].slowest_seconds);
        }
    }
    if (any)
        fputc('\n', out);
    for (size_t i = 0; i < n; i++) {
        ma_buildtime t;
        char note[1536];
        ma_buildtime_of(&runs[i].build, &t);
        if (ma_buildtime_note(&t, note, sizeof note)) {
            fprintf(out, "> **%s**: ", runs[i].job.image->component);
            cell(out, note);
            fputs("\n\n", out);
        }
    }
    fflush(out);
}

/* One platform's entry of the `sizes` output. */
static cJSON *platform_json(const ma_image_run *r, const ma_platform_size *p)
{
    const ma_release_size *s = &r->size;
    const char *platform = shown_platform(r, p);
    long long before = s->before_digest[0] != '\0' ? ma_image_size_of(&s->before, platform) : -1;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || cJSON_AddStringToObject(o, "platform", platform) == NULL ||
        cJSON_AddNumberToObject(o, "bytes", (double)p->bytes) == NULL ||
        (before >= 0 && (cJSON_AddNumberToObject(o, "before_bytes", (double)before) == NULL ||
                         cJSON_AddStringToObject(o, "since", s->before_version[0] ? s->before_version
                                                                                 : s->before_digest) == NULL))) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int ma_pubreport_output(FILE *out, const ma_image_run *runs, size_t n)
{
    cJSON *root = cJSON_CreateObject();
    int any = 0, rc = root != NULL ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (runs[i].size.now.len == 0)
            continue;
        cJSON *list = cJSON_AddArrayToObject(root, runs[i].job.image->component);
        rc = list != NULL ? 0 : -1;
        for (size_t k = 0; rc == 0 && k < runs[i].size.now.len; k++) {
            cJSON *entry = platform_json(&runs[i], &runs[i].size.now.items[k]);
            rc = entry != NULL && cJSON_AddItemToArray(list, entry) ? 0 : -1;
            if (entry != NULL && rc != 0)
                cJSON_Delete(entry);
        }
        any = 1;
    }
    char *text = rc == 0 && any ? cJSON_PrintUnformatted(root) : NULL;
    if (rc == 0 && any && text == NULL)
        rc = -1;
    if (text != NULL)
        fprintf(out, "sizes=%s\n", text); /* one line: compact JSON escapes every line break */
    free(text);
    cJSON_Delete(root);
    return rc;
}

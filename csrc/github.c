#include "github.h"

#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "planjson.h"
#include "report.h"

static int pushed(ma_result r)
{
    return MA_RESULT_IS_PUBLISHED(r) || r == MA_RESULT_PUSHED;
}

/* name=value, or a heredoc when the value holds a line break (it never does
 * for tags or digests; the delimiter is chosen so it cannot end it early). */
static void put_output(FILE *out, const char *name, const char *value)
{
    if (strpbrk(value, "\r\n") == NULL) {
        fprintf(out, "%s=%s\n", name, value);
        return;
    }
    char delimiter[64];
    unsigned n = 0;
    do
        snprintf(delimiter, sizeof delimiter, "MULTIARCH_EOF_%u", n++);
    while (strstr(value, delimiter) != NULL);
    fprintf(out, "%s<<%s\n%s\n%s\n", name, delimiter, value, delimiter);
}

static int put_list(FILE *out, const char *name, const ma_strlist *l)
{
    char *joined = ma_strlist_join(l, ",");
    if (joined == NULL)
        return -1;
    put_output(out, name, joined);
    free(joined);
    return 0;
}

int ma_github_outputs(FILE *out, const ma_plan *plan, const ma_image_run *runs, const char *plan_json)
{
    if (put_list(out, "tags", &plan->tags) != 0)
        return -1;
    put_output(out, "version", plan->tags.len > 0 ? plan->tags.items[0] : "");
    ma_strlist refs = MA_STRLIST_INIT;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < plan->nimages; i++)
        if (MA_RESULT_IS_PUBLISHED(runs[i].result))
            rc = ma_strlist_extend(&refs, &plan->images[i].refs);
    rc = rc == 0 ? put_list(out, "refs", &refs) : rc;
    ma_strlist_free(&refs);
    if (rc != 0)
        return -1;
    if (plan->nimages == 1 && pushed(runs[0].result))
        put_output(out, "digest", runs[0].job.digest);
    for (size_t i = 0; i < plan->nimages; i++) {
        const ma_job *job = &runs[i].job;
        if (!pushed(runs[i].result))
            continue;
        fprintf(out, "%s-digest=%s\n", job->image->component, job->digest);
        fprintf(out, "%s-ref=%s@%s\n", job->image->component, job->image->image, job->digest);
    }
    char *annotations = plan->req.push ? ma_plan_annotations_json(plan) : NULL;
    if (plan->req.push && annotations == NULL)
        return -1;
    if (annotations != NULL)
        put_output(out, "annotations", annotations);
    free(annotations);
    if (plan_json != NULL)
        put_output(out, "json", plan_json);
    fflush(out);
    return 0;
}

/* Table cells: no line breaks, and '|' would end the cell. */
static void put_cell(FILE *out, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '|')
            fputs("\\|", out);
        else
            fputc(*p == '\n' || *p == '\r' ? ' ' : *p, out);
    }
}

static const char *headline(ma_plan_mode mode)
{
    switch (mode) {
    case MA_MODE_BY_DIGEST:
        return "pushed by digest (tags are set by `angreal build merge`)";
    case MA_MODE_MERGE:
        return "merged and tagged";
    case MA_MODE_PUSH:
        return "published";
    case MA_MODE_PROMOTE:
        return "promoted (nothing built)";
    default:
        return "built locally";
    }
}

void ma_github_summary(FILE *out, const ma_plan *plan, const ma_image_run *runs)
{
    fprintf(out, "### Container images %s\n\n| Component | Result | Image | Tags |\n| --- | --- | --- | --- |\n",
            headline(plan->req.mode));
    for (size_t i = 0; i < plan->nimages; i++) {
        const ma_image_plan *ip = &plan->images[i];
        const ma_job *job = &runs[i].job;
        fprintf(out, "| %s | %s | ", ip->component, ma_result_name(runs[i].result));
        const char *step = ma_console_failed_step(&runs[i]);
        if (step != NULL) {
            fputs("failed at `", out);
            put_cell(out, step);
            fputs("`: ", out);
        }
        if (runs[i].result == MA_RESULT_FAILED)
            put_cell(out, job->error);
        else if (job->digest[0] != '\0')
            fprintf(out, "`%s@%s`", ip->image, job->digest);
        else
            put_cell(out, ip->image);
        fputs(" | ", out);
        if (plan->req.mode == MA_MODE_BY_DIGEST)
            fprintf(out, "%s, by digest", ip->platforms.items[0]);
        for (size_t t = 0; plan->req.mode != MA_MODE_BY_DIGEST && t < ip->tags.len; t++)
            fprintf(out, "%s`%s`", t ? " " : "", ip->tags.items[t]);
        fputs(" |\n", out);
    }
    fputc('\n', out);
    fflush(out);
}

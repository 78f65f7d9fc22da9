#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "progress.h"
#include "refname.h"
#include "shquote.h"
#include "tagrules.h"

/* `  GET host/repo:tag`, `  PUT host/repo:tag ← <digest>`: a registry step of the plan. */
static void registry_line(FILE *out, const char *method, const char *image, const char *tag, const char *digest)
{
    size_t hostlen = strcspn(image, "/");
    char host[256];
    ma_registry_host(image, host, sizeof host);
    ma_regstep step = {method, host, image[hostlen] ? image + hostlen + 1 : "", tag, digest, 200, 1};
    char *line = ma_regstep_line(&step);
    if (line != NULL)
        fprintf(out, "  %s\n", line);
    free(line);
}

static void write_list(FILE *out, const ma_strlist *l, const char *sep)
{
    for (size_t i = 0; i < l->len; i++)
        fprintf(out, "%s%s", i ? sep : "", l->items[i]);
}

void ma_report_spelling(FILE *out, const ma_plan *plan)
{
    if (plan->tag_policy.version_prefix[0] != '\0' || plan->tags.len == 0 ||
        !ma_tag_is_immutable_under(plan->tags.items[0], "") || ma_tag_is_commit(plan->tags.items[0]))
        return;
    fprintf(out, "Version tags are spelled without v (tags.version_prefix \"\"): %s; aliases the registry holds "
                 "as v-tags are compared as versions\n", plan->tags.items[0]);
}

void ma_report_plan(FILE *out, const ma_plan *plan, const char *const *digests)
{
    int tags_only = plan->req.mode == MA_MODE_MERGE || plan->req.mode == MA_MODE_PROMOTE;
    fprintf(out, "Plan (dry run, nothing is %s): %zu image%s, ", tags_only ? "tagged" : "built",
            plan->nimages, plan->nimages == 1 ? "" : "s");
    if (plan->req.mode == MA_MODE_PROMOTE)
        fprintf(out, "promotion of %s (nothing built)\n", plan->req.promote_from);
    else if (plan->req.mode == MA_MODE_MERGE)
        fprintf(out, "merge of the digests in %s\n", plan->req.digest_dir);
    else if (plan->req.mode == MA_MODE_BY_DIGEST)
        fprintf(out, "push by digest (no tags), builder %s\n", plan->req.builder);
    else
        fprintf(out, "%s, builder %s\n", plan->req.push ? "push" : "local build (--load)", plan->req.builder);
    if (plan->req.mode == MA_MODE_BY_DIGEST) {
        fprintf(out, "Version: %s (the tags are set later by `angreal build merge`)\n", plan->tags.items[0]);
    } else {
        fputs("Tags: ", out);
        write_list(out, &plan->tags, ", ");
        fputc('\n', out);
        ma_report_spelling(out, plan);
    }
    for (size_t i = 0; i < plan->nimages; i++) {
        const ma_image_plan *ip = &plan->images[i];
        fprintf(out, "\n%s: %s (", ip->component, ip->image);
        write_list(out, &ip->platforms, ", ");
        fputs(")\n", out);
        for (size_t t = 0; t < ip->refs.len; t++)
            fprintf(out, "  %s\n", ip->refs.items[t]);
        if (plan->req.mode == MA_MODE_PROMOTE)
            fprintf(out, "  GET %s (it must hold every platform)\n", ip->sources.items[0]);
        if (plan->req.push)
            for (size_t t = 0; t < ip->immutable_tags.len; t++)
                registry_line(out, "GET", ip->image, ip->immutable_tags.items[t], NULL);
        if (ip->build_argv.len)
            ma_shquote_command(out, "  $ ", &ip->build_argv);
        if (ip->digest_file != NULL)
            fprintf(out, "  then records the digest in %s\n", ip->digest_file);
        if (ip->sign_argv.len) /* signed before any tag moves */
            ma_shquote_command(out, "  $ ", &ip->sign_argv);
        const char *digest = digests != NULL ? digests[i] : MA_PLAN_DIGEST;
        for (size_t t = 0; plan->req.push && t < ip->immutable_tags.len; t++)
            registry_line(out, "PUT", ip->image, ip->immutable_tags.items[t], digest);
        for (size_t t = 0; plan->req.push && t < ip->mutable_tags.len; t++)
            registry_line(out, "PUT", ip->image, ip->mutable_tags.items[t], digest);
    }
    if (plan->req.mode == MA_MODE_MERGE && digests != NULL)
        fputs("\nEach digest was read back from the registry and the index composed from them, holding each "
              "platform once: its digest is what the tags will name.\n", out);
    else if (plan->req.mode == MA_MODE_MERGE)
        fprintf(out, "\nFirst each digest is read back from the registry and the index composed from them, holding "
                "each platform once; %s stands for its digest.\n", MA_PLAN_DIGEST);
    else if (plan->req.mode == MA_MODE_BY_DIGEST)
        fprintf(out, "\n%s stands for the run's temporary directory.\n", MA_PLAN_RUN_DIR);
    else if (plan->req.mode == MA_MODE_PROMOTE)
        fprintf(out, "\n%s stands for the source's digest: its index goes under the tags byte for byte (its blobs "
                "mounted or copied first when it is in another repository).\n", MA_PLAN_DIGEST);
    else if (plan->req.push)
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

const char *ma_result_name(ma_result r)
{
    switch (r) {
    case MA_RESULT_PUBLISHED:
        return "published";
    case MA_RESULT_RESUMED:
        return "resumed";
    case MA_RESULT_NOT_BUILT:
        return "not built";
    case MA_RESULT_BUILT:
        return "built";
    case MA_RESULT_PUSHED:
        return "pushed";
    case MA_RESULT_NOT_TAGGED:
        return "not tagged";
    case MA_RESULT_FAILED:
        return "failed";
    case MA_RESULT_CANCELLED:
        return "cancelled";
    default:
        return "not run";
    }
}

void ma_report_summary(FILE *out, const ma_image_run *runs, size_t n)
{
    size_t width = strlen("component");
    for (size_t i = 0; i < n; i++)
        if (strlen(runs[i].job.image->component) > width)
            width = strlen(runs[i].job.image->component);
    fprintf(out, "\n%-*s  %-10s  %7s  %s\n", (int)width, "component", "result", "time", "digest / error");
    for (size_t i = 0; i < n; i++) {
        const ma_image_run *r = &runs[i];
        const ma_job *job = &r->job;
        fprintf(out, "%-*s  %-10s  %6.1fs  ", (int)width, job->image->component, ma_result_name(r->result), r->seconds);
        if (r->result == MA_RESULT_FAILED)
            fprintf(out, "%s\n", job->error);
        else if (job->digest[0] != '\0')
            fprintf(out, "%s@%s\n", job->image->image, job->digest);
        else
            fprintf(out, "%s\n", r->result == MA_RESULT_BUILT ? job->image->refs.items[0] : "-");
        for (size_t k = 0; k < job->notes.len; k++)
            fprintf(out, "%-*s  note: %s\n", (int)width, "", job->notes.items[k]);
    }
    int any_recorded = 0;
    for (size_t i = 0; i < n; i++)
        any_recorded |= runs[i].result == MA_RESULT_PUSHED;
    if (any_recorded) {
        fputs("\nRecorded for `angreal build merge`:\n", out);
        for (size_t i = 0; i < n; i++)
            if (runs[i].result == MA_RESULT_PUSHED)
                fprintf(out, "  %s\n", runs[i].job.image->digest_file);
    }
    int any_digest = 0;
    for (size_t i = 0; i < n; i++)
        any_digest |= MA_RESULT_IS_PUBLISHED(runs[i].result);
    if (any_digest) {
        fputs("\nDeploy by digest:\n", out);
        for (size_t i = 0; i < n; i++)
            if (MA_RESULT_IS_PUBLISHED(runs[i].result))
                fprintf(out, "  %s@%s\n", runs[i].job.image->image, runs[i].job.digest);
    }
    fflush(out);
}

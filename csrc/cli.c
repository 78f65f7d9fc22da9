#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console.h"
#include "cosign.h"
#include "env.h"
#include "github.h"
#include "interrupt.h"
#include "mergepreview.h"
#include "planjson.h"
#include "pubreport.h"
#include "promoteplan.h"
#include "report.h"
#include "runplan.h"

int ma_exit_status(ma_error_kind kind)
{
    switch (kind) {
    case MA_ERR_NONE:
        return MA_EXIT_OK;
    case MA_ERR_INPUT:
        return MA_EXIT_USAGE;
    case MA_ERR_INTERRUPTED:
        return MA_EXIT_INTERRUPTED;
    default:
        return MA_EXIT_FAILED;
    }
}

static int fail(FILE *errout, const ma_error *err)
{
    ma_report_error(errout, err);
    return ma_exit_status(err->kind);
}

/* A merge's dry run reads the recorded digests and composes each index, as
 * the merge would: digests[i] is image i's (the caller frees the list). */
static int preview_merge(const ma_cli_options *opt, const ma_plan *plan, ma_strlist *digests, ma_error *err)
{
    ma_interrupt intr;
    if (ma_interrupt_install(&intr, err) != 0)
        return -1;
    /* no retries: a dry run does not wait on a registry that is not answering */
    ma_regclient_opts ro = {.retries = 0, .envp = opt->req.envp, .intr = &intr};
    ma_regclient *cl = NULL;
    int rc = ma_regclient_new(&ro, &cl, err);
    for (size_t i = 0; rc == 0 && i < plan->nimages; i++) {
        char digest[MA_DIGEST_MAX];
        rc = ma_merge_preview(cl, &plan->images[i], digest, err);
        if (rc == 0 && ma_strlist_push(digests, digest) != 0)
            rc = ma_nomem(err);
    }
    ma_regclient_free(cl);
    ma_interrupt_restore(&intr);
    return rc;
}

static int dry_run(const ma_cli_options *opt, FILE *out, FILE *errout)
{
    ma_error err = {0};
    ma_plan plan;
    if (ma_pipeline_plan(&opt->req, &plan, &err) != 0)
        return fail(errout, &err);
    ma_strlist digests = MA_STRLIST_INIT;
    if (!opt->json && plan.req.mode == MA_MODE_MERGE && preview_merge(opt, &plan, &digests, &err) != 0) {
        if (err.kind == MA_ERR_NOMEM || err.kind == MA_ERR_INTERRUPTED) {
            ma_strlist_free(&digests);
            ma_plan_free(&plan);
            return fail(errout, &err);
        }
        /* a dry run still shows the plan: the merge itself will say what is wrong */
        fprintf(errout, "note: the index's digest is not known: %s\n", err.msg);
        ma_error_clear(&err);
    }
    if (opt->json) {
        char *text = ma_plan_json(&plan, &err);
        if (text != NULL) {
            fprintf(out, "%s\n", text);
            fflush(out);
        }
        free(text);
    } else {
        ma_report_plan(out, &plan, digests.len == plan.nimages ? (const char *const *)digests.items : NULL);
    }
    ma_strlist_free(&digests);
    ma_plan_free(&plan);
    return err.kind == MA_ERR_NONE ? MA_EXIT_OK : fail(errout, &err);
}

/* A whole number in [lo, hi] from an option's text (NULL: fallback). */
int ma_parse_count(const char *text, const char *flag, int lo, int hi, int fallback, int *out, ma_error *err)
{
    if (text == NULL) {
        *out = fallback;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (text[0] == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi)
        return ma_fail(err, MA_ERR_INPUT, "invalid %s '%s': expected a whole number from %d to %d", flag, text, lo, hi);
    *out = (int)v;
    return 0;
}

/* The metadata files of a run live in a private directory, removed afterwards. */
static void remove_run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
    }
    rmdir(dir);
}

static int make_run_dir(const char *const *envp, char *out, size_t outsz, ma_error *err)
{
    const char *tmp = ma_env_lookup(envp, "TMPDIR");
    snprintf(out, outsz, "%s/multiarch-run.XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(out) == NULL)
        return ma_fail(err, MA_ERR_ENV, "cannot create a run directory in %s: %s", tmp != NULL ? tmp : "/tmp",
                       strerror(errno));
    return 0;
}

static const char *registry_token(const char *const *envp)
{
    static const char *const names[] = MA_TOKEN_VARIABLES;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = ma_env_lookup(envp, names[i]);
        if (v != NULL)
            return v;
    }
    return NULL;
}

extern char **environ;

/* The environments of the run: docker's never holds COSIGN_PASSWORD; cosign's
 * is the same plus the password (read where the token is read). */
static int run_environments(const ma_cli_options *opt, char ***docker_env, char ***cosign_env, ma_error *err)
{
    const char *const *base = opt->spawn_envp != NULL ? opt->spawn_envp : (const char *const *)environ;
    const char *password = ma_env_lookup(opt->req.envp, MA_COSIGN_PASSWORD_VARIABLE);
    char *entry = password != NULL ? ma_strdupf(MA_COSIGN_PASSWORD_VARIABLE "=%s", password) : NULL;
    *docker_env = ma_env_edit(base, MA_COSIGN_PASSWORD_VARIABLE, NULL);
    *cosign_env = (password == NULL || entry != NULL) && *docker_env != NULL
                      ? ma_env_edit((const char *const *)*docker_env, NULL, entry)
                      : NULL;
    if (entry != NULL) {
        memset(entry, 0, strlen(entry));
        free(entry);
    }
    return *docker_env != NULL && *cosign_env != NULL ? 0 : ma_nomem(err);
}

/* The plan again with the builder preflight chose. */
static int replan(void *ctx, const char *builder, int push_by_tag, ma_plan *out, ma_error *err)
{
    ma_request req = *(const ma_request *)ctx;
    req.builder = builder;
    req.push_by_tag = push_by_tag;
    return ma_pipeline_plan(&req, out, err);
}

/* Append to a file a workflow reads; the first failure to open it is the error. */
static FILE *open_for_append(const char *path, const char *what, int rc, ma_error *err)
{
    FILE *f = fopen(path, "ae"); /* e: close-on-exec */
    if (f == NULL && rc == 0)
        ma_fail(err, MA_ERR_ENV, "cannot append to %s '%s': %s", what, path, strerror(errno));
    return f;
}

/* $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY, when set. */
static int report_to_github(const ma_plan *plan, const char *const *envp, const ma_image_run *runs, int rc,
                            ma_error *err)
{
    const char *output = ma_env_lookup(envp, "GITHUB_OUTPUT"), *summary = ma_env_lookup(envp, "GITHUB_STEP_SUMMARY");
    if (output != NULL) {
        FILE *gh = open_for_append(output, "GITHUB_OUTPUT", rc, err);
        rc = gh == NULL ? -1 : rc;
        if (gh != NULL) {
            ma_error why = {0};
            char *json = ma_plan_json_compact(plan, &why);
            if ((json == NULL || ma_github_outputs(gh, plan, runs, json) != 0 ||
                 ma_pubreport_output(gh, runs, plan->nimages) != 0) && rc == 0)
                rc = ma_nomem(err);
            free(json);
            fclose(gh);
        }
    }
    if (summary != NULL) {
        FILE *gh = open_for_append(summary, "GITHUB_STEP_SUMMARY", rc, err);
        rc = gh == NULL ? -1 : rc;
        if (gh != NULL) {
            ma_github_summary(gh, plan, runs);
            ma_pubreport_markdown(gh, runs, plan->nimages);
            fclose(gh);
        }
    }
    return rc;
}

/* Run the plan, watched as the view says, then tell: the summary table,
 * the failures and the logs, GitHub's files.  The runs go to *kept when
 * asked (else they are freed). */
static int run_and_report(ma_plan *plan, const ma_cli_options *opt, ma_run_options *ro, ma_request *req,
                          ma_view view, FILE *out, FILE *errout, ma_cli_outcome *kept, ma_error *err)
{
    ma_console *console = NULL;
    if (ma_console_open(&console, view, errout, opt->req.envp, plan, err) != 0)
        return -1;
    ro->watch = ma_console_watch(console);
    ro->rawjson = ma_console_rawjson(console);
    ma_image_run *runs = NULL;
    int rc = ma_run_plan(plan, ro, replan, req, ma_console_setup_log(console), &runs, err);
    ma_console_close(console, runs, runs ? plan->nimages : 0);
    if (runs != NULL) {
        ma_report_summary(out, runs, plan->nimages);
        ma_pubreport_text(out, runs, plan->nimages);
        ma_console_epilogue(console, runs, plan->nimages);
        rc = report_to_github(plan, opt->req.envp, runs, rc, err);
        if (rc == 0)
            rc = ma_run_plan_check(plan, runs, err);
    } else {
        ma_console_epilogue(console, NULL, 0);
    }
    if (kept != NULL) {
        kept->runs = runs;
        kept->nruns = runs ? plan->nimages : 0;
        for (size_t i = 0; runs != NULL && i < plan->nimages; i++) {
            const char *path = ma_console_log_path(console, i);
            if (ma_strlist_push(&kept->logs, path ? path : "") != 0 && rc == 0)
                rc = ma_nomem(err);
        }
    } else {
        ma_run_plan_free(runs, plan->nimages);
    }
    ma_console_free(console);
    return rc;
}

/* The run itself; the error (if any) in *err, the exit status returned. */
static int real_run(const ma_cli_options *opt, ma_view view, FILE *out, FILE *errout, ma_cli_outcome *kept,
                    ma_error *err)
{
    ma_run_options ro = {0};
    if (ma_parse_count(opt->jobs, "--jobs", 1, 64, MA_DEFAULT_JOBS, &ro.jobs, err) != 0 ||
        ma_parse_count(opt->retries, "--retries", 0, 10, MA_DEFAULT_RETRIES, &ro.retries, err) != 0)
        return ma_exit_status(err->kind);
    ro.backoff_ms = opt->backoff_ms ? opt->backoff_ms : MA_DEFAULT_BACKOFF_MS;
    ro.allow_overwrite = opt->allow_overwrite;
    ro.force_move = opt->force_move;
    ro.token = registry_token(opt->req.envp);
    ro.username = opt->username != NULL ? opt->username : ma_env_lookup(opt->req.envp, "GITHUB_ACTOR");
    ro.builder_given = opt->req.builder != NULL;
    ro.oidc = ma_env_lookup(opt->req.envp, MA_COSIGN_OIDC_VARIABLE) != NULL;
    char **docker_env = NULL, **cosign_env = NULL;
    if (run_environments(opt, &docker_env, &cosign_env, err) != 0) {
        ma_env_free(docker_env);
        return ma_exit_status(err->kind);
    }
    ro.envp = (const char *const *)docker_env;
    ro.cosign_envp = (const char *const *)cosign_env;

    char run_dir[4096] = "";
    ma_request req = opt->req;
    /* metadata files, and the public half of a signing key */
    if (req.push && (req.mode != MA_MODE_MERGE || req.sign)) {
        if (make_run_dir(req.envp, run_dir, sizeof run_dir, err) != 0) {
            ma_env_free(docker_env);
            ma_env_free(cosign_env);
            return ma_exit_status(err->kind);
        }
        req.run_dir = run_dir;
    }
    ma_plan plan;
    int rc = ma_pipeline_plan(&req, &plan, err);
    if (rc == 0) {
        char *tags = ma_strlist_join(&plan.tags, ", ");
        const char *verb = plan.req.mode == MA_MODE_MERGE     ? "Merging"
                           : plan.req.mode == MA_MODE_PROMOTE ? "Promoting"
                           : plan.req.mode == MA_MODE_PUSH    ? "Publishing"
                                                              : "Building";
        if (plan.req.mode == MA_MODE_BY_DIGEST)
            fprintf(errout, "Pushing %zu image%s for %s by digest (no tags; version %s)\n", plan.nimages,
                    plan.nimages == 1 ? "" : "s", plan.images[0].platforms.items[0], plan.tags.items[0]);
        else
            fprintf(errout, "%s %zu image%s with tags %s\n", verb, plan.nimages, plan.nimages == 1 ? "" : "s",
                    tags ? tags : "?");
        if (plan.req.mode != MA_MODE_BY_DIGEST)
            ma_report_spelling(errout, &plan);
        free(tags);
        rc = run_and_report(&plan, opt, &ro, &req, view, out, errout, kept, err);
        if (kept != NULL && kept->runs != NULL) {
            kept->plan = plan; /* the runs point into it */
            kept->has_plan = 1;
        } else {
            ma_plan_free(&plan);
        }
    }
    if (run_dir[0] != '\0')
        remove_run_dir(run_dir);
    ma_env_free(docker_env);
    ma_env_free(cosign_env);
    return rc == 0 ? MA_EXIT_OK : ma_exit_status(err->kind);
}

/* The checks every call makes before anything runs. */
static int prepare(const ma_cli_options *given, FILE *errout, ma_cli_options *opt, ma_view *view, ma_error *err)
{
    if (given->json && !given->dry_run)
        return ma_fail(err, MA_ERR_INPUT, "--json prints the plan and goes with --dry-run");
    *opt = *given;
    if (ma_request_set_mode(&opt->req, opt->push_by_digest, opt->merge, err) != 0 ||
        ma_promote_request(&opt->req, opt->promote, opt->push_by_digest, opt->merge, err) != 0)
        return -1;
    return ma_console_choose(opt->progress, opt->req.envp, fileno(errout), view, err);
}

int ma_cli_main(const ma_cli_options *given, FILE *out, FILE *errout)
{
    ma_error err = {0};
    ma_cli_options opt;
    ma_view view;
    if (prepare(given, errout, &opt, &view, &err) != 0)
        return fail(errout, &err);
    if (opt.dry_run)
        return dry_run(&opt, out, errout);
    int status = real_run(&opt, view, out, errout, NULL, &err);
    return status == MA_EXIT_OK ? status : fail(errout, &err);
}

int ma_cli_publish(const ma_cli_options *given, FILE *out, FILE *errout, ma_cli_outcome *outcome)
{
    memset(outcome, 0, sizeof *outcome);
    ma_cli_options opt;
    ma_view view;
    if (prepare(given, errout, &opt, &view, &outcome->err) != 0)
        return ma_exit_status(outcome->err.kind);
    if (opt.dry_run)
        return ma_fail(&outcome->err, MA_ERR_INPUT, "publish() runs the release; for a dry run call plan()"),
               MA_EXIT_USAGE;
    return real_run(&opt, view, out, errout, outcome, &outcome->err);
}

void ma_cli_outcome_free(ma_cli_outcome *outcome)
{
    if (outcome->has_plan) {
        ma_run_plan_free(outcome->runs, outcome->nruns);
        ma_plan_free(&outcome->plan);
    }
    ma_strlist_free(&outcome->logs);
    memset(outcome, 0, sizeof *outcome);
}

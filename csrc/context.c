#include "context.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "env.h"
#include "ghevent.h"
#include "platform.h"
#include "releasetag.h"

static int read_project_dir(const char *given, ma_context *out, ma_error *err)
{
    const char *path = given != NULL ? given : ".";
    out->project_dir = realpath(path, NULL);
    if (out->project_dir == NULL)
        return errno == ENOMEM ? ma_nomem(err)
                               : ma_fail(err, MA_ERR_ENV, "project directory '%s': %s", path, strerror(errno));
    return 0;
}

/* The run's tag prefix: --tag-prefix, else the component's in the config; for
 * `all`, every component's, which must then be one. */
static int choose_tag_prefix(const ma_context_inputs *in, ma_context *out, ma_error *err)
{
    if (in->tag_prefix != NULL) {
        /* --tag-prefix '': no prefix, whatever the config says */
        if (in->tag_prefix[0] != '\0' && !ma_tag_prefix_is_valid(in->tag_prefix))
            return ma_fail(err, MA_ERR_INPUT, "invalid --tag-prefix '%.80s': 1-%d characters of [A-Za-z0-9_.-] "
                           "starting with a letter or digit, e.g. broker-", in->tag_prefix, MA_TAG_PREFIX_MAX);
        out->tag_prefix = in->tag_prefix[0] != '\0' ? in->tag_prefix : NULL;
        return 0;
    }
    const ma_config *cfg = &out->config;
    if (in->component != NULL && strcmp(in->component, "all") != 0) {
        out->tag_prefix = ma_config_tag_prefix(cfg, in->component);
        return 0;
    }
    for (size_t i = 0; i < cfg->ncomponents; i++) {
        const char *p = ma_config_tag_prefix(cfg, cfg->components[i].name);
        int same = p == NULL || out->tag_prefix == NULL ? p == out->tag_prefix : strcmp(p, out->tag_prefix) == 0;
        if (i > 0 && !same)
            return ma_fail(err, MA_ERR_INPUT, "components '%s' and '%s' have different tag_prefix: build them "
                           "one at a time (or pass --tag-prefix)", cfg->components[0].name, cfg->components[i].name);
        out->tag_prefix = p;
    }
    return 0;
}

/* A pull-request event whose GITHUB_REF holds no number (pull_request_target
 * names the base branch): the number is in the event payload.  Not finding it
 * is no error here: --tag auto refuses to guess (ctx->pr_lookup says why). */
static int read_pr_number(const ma_context_inputs *in, ma_context *ctx, ma_error *err)
{
    ma_cienv *ci = &ctx->ci;
    if (ci->pr_event == NULL || ci->pr_number != NULL)
        return 0;
    const char *ref = ma_env_lookup(in->envp, "GITHUB_REF");
    ma_error why = {0};
    if (ci->event_path != NULL && ma_ghevent_read(ci->event_path, &ci->pr_number, &why) != 0 &&
        why.kind == MA_ERR_NOMEM)
        return ma_nomem(err);
    if (ci->pr_number != NULL)
        return 0;
    ctx->pr_lookup = ci->event_path == NULL
                         ? ma_strdupf("GITHUB_REF is %s and GITHUB_EVENT_PATH is not set", ref ? ref : "not set")
                     : why.msg[0] != '\0'
                         ? ma_strdupf("GITHUB_REF is %s; %s", ref ? ref : "not set", why.msg)
                         : ma_strdupf("GITHUB_REF is %s and the event payload %s has no pull_request.number nor "
                                      "number", ref ? ref : "not set", ci->event_path);
    return ctx->pr_lookup == NULL ? ma_nomem(err) : 0;
}

int ma_context_read(const ma_context_inputs *in, ma_context *out, ma_error *err)
{
    memset(out, 0, sizeof *out);
    if (read_project_dir(in->project_dir, out, err) != 0)
        return -1;
    /* the config first: it says which git tags are releases */
    int rc = ma_config_load(out->project_dir, in->config_path, &out->config, err);
    if (rc == 0)
        rc = choose_tag_prefix(in, out, err);
    if (rc == 0)
        rc = ma_gitctx_read_releases(out->project_dir, in->git_cache, out->tag_prefix, &out->git, err);
    if (rc == MA_GIT_NOT_A_REPO && !in->require_git) {
        ma_error_clear(err);
        rc = 0;
    } else if (rc == 0) {
        out->have_git = 1;
    }
    if (rc == 0)
        rc = ma_cienv_read(in->envp, &out->ci, err);
    if (rc == 0)
        rc = read_pr_number(in, out, err);
    out->source_date_epoch = ma_env_lookup(in->envp, "SOURCE_DATE_EPOCH");
    if (rc == 0 && out->source_date_epoch != NULL)
        rc = ma_epoch_parse(out->source_date_epoch, &out->epoch, err);
    if (rc == 0 && in->digest_dir != NULL)
        rc = ma_digestdir_read(in->digest_dir, &out->digests, err);
    const char *server = ma_env_lookup(in->envp, "GITHUB_SERVER_URL"),
               *workflow = ma_env_lookup(in->envp, "GITHUB_WORKFLOW_REF");
    if (rc == 0 && server != NULL && workflow != NULL &&
        (out->workflow_identity = ma_strdupf("%s/%s", server, workflow)) == NULL)
        rc = ma_nomem(err);
    struct utsname host;
    if (rc == 0 && uname(&host) == 0)
        ma_platform_from_machine(host.machine, out->host_platform, sizeof out->host_platform);
    if (rc != 0) {
        ma_context_free(out);
        return -1;
    }
    return 0;
}

void ma_context_tag_inputs(const ma_context *ctx, const char *requested, ma_tag_inputs *out)
{
    memset(out, 0, sizeof *out);
    out->requested = requested;
    out->pr_number = ctx->ci.pr_number;
    out->pr_event = ctx->ci.pr_event;
    out->pr_lookup = ctx->pr_lookup;
    out->ref_tag = ctx->ci.ref_tag;
    out->tag_prefix = ctx->tag_prefix;
    out->branch = ctx->ci.branch;
    if (ctx->have_git) {
        out->head_sha = ctx->git.head_sha;
        out->head_tags = &ctx->git.head_tags;
        out->repo_tags = &ctx->git.repo_tags;
        if (ctx->git.branch != NULL)
            out->branch = ctx->git.branch;
    }
}

void ma_context_label_facts(const ma_context *ctx, ma_label_inputs *out)
{
    memset(out, 0, sizeof *out);
    out->remote_url = ctx->have_git ? ctx->git.remote_url : NULL;
    out->ci_source = ctx->ci.source_url;
    if (ctx->source_date_epoch != NULL) {
        out->have_created = 1;
        out->created = ctx->epoch;
    } else if (ctx->have_git) {
        out->have_created = 1;
        out->created = ctx->git.commit_time;
    }
}

void ma_context_free(ma_context *ctx)
{
    if (ctx == NULL)
        return;
    free(ctx->project_dir);
    free(ctx->workflow_identity);
    free(ctx->pr_lookup);
    ma_gitctx_free(&ctx->git);
    ma_cienv_free(&ctx->ci);
    ma_config_free(&ctx->config);
    ma_digest_set_free(&ctx->digests);
    memset(ctx, 0, sizeof *ctx);
}

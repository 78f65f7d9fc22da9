#include "pipeline.h"

#include <string.h>

#include "context.h"
#include "tagrules.h"

static const char *requested_tag(const ma_request *req)
{
    return req->tag != NULL ? req->tag : MA_DEFAULT_TAG;
}

static int read_context(const ma_request *req, ma_context *ctx, ma_error *err)
{
    ma_context_inputs in = {
        .project_dir = req->project_dir,
        .config_path = req->config_path,
        .envp = req->envp,
        .require_git = strcmp(requested_tag(req), "auto") == 0,
        .git_cache = req->git_cache,
        .digest_dir = req->mode == MA_MODE_MERGE ? req->digest_dir : NULL,
        .component = req->component,
        .tag_prefix = req->tag_prefix,
    };
    return ma_context_read(&in, ctx, err);
}

static int tags_from_context(const ma_request *req, const ma_context *ctx, ma_strlist *tags,
                             ma_error *err)
{
    ma_tag_inputs tin;
    ma_context_tag_inputs(ctx, requested_tag(req), &tin);
    return ma_tags_compute(&tin, tags, err);
}

int ma_request_set_mode(ma_request *req, int push_by_digest, int merge, ma_error *err)
{
    if (push_by_digest && merge)
        return ma_fail(err, MA_ERR_INPUT, "--push-by-digest builds one platform; a merge builds nothing: pick one");
    if (merge || push_by_digest) {
        req->mode = merge ? MA_MODE_MERGE : MA_MODE_BY_DIGEST;
        req->push = 1;
    }
    return 0;
}

int ma_pipeline_tags(const ma_request *req, ma_strlist *tags, ma_error *err)
{
    ma_context ctx;
    if (read_context(req, &ctx, err) != 0)
        return -1;
    int rc = tags_from_context(req, &ctx, tags, err);
    ma_context_free(&ctx);
    return rc;
}

int ma_pipeline_plan(const ma_request *req, ma_plan *plan, ma_error *err)
{
    memset(plan, 0, sizeof *plan);
    if (req->component == NULL || req->component[0] == '\0')
        return ma_fail(err, MA_ERR_INPUT, "no component given (expected a component name or 'all')");
    ma_context ctx;
    if (read_context(req, &ctx, err) != 0)
        return -1;
    ma_strlist tags = MA_STRLIST_INIT;
    int rc = tags_from_context(req, &ctx, &tags, err);
    if (rc == 0) {
        ma_plan_inputs in = {
            .req = *req,
            .tags = &tags,
            .host_platform = ctx.host_platform,
            .revision = ctx.have_git ? ctx.git.head_sha : NULL,
            .config = &ctx.config,
            .source_date_epoch = ctx.source_date_epoch,
            .digests = req->mode == MA_MODE_MERGE ? &ctx.digests : NULL,
            .sign_identity = ctx.workflow_identity,
        };
        /* what the context settled: the project directory, the tag prefix (the request's, else the config's) */
        in.req.project_dir = ctx.project_dir;
        in.req.tag_prefix = ctx.tag_prefix;
        ma_context_label_facts(&ctx, &in.label_facts);
        rc = ma_plan_build(&in, plan, err);
    }
    ma_strlist_free(&tags);
    ma_context_free(&ctx);
    return rc;
}

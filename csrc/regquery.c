#include "regquery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "progress.h"
#include "regapi.h"

int ma_regquery_op(const char *name, ma_regq_op *op, ma_error *err)
{
    static const struct { const char *name; ma_regq_op op; } ops[] = {
        {"head", MA_REGQ_HEAD}, {"get", MA_REGQ_GET}, {"heads", MA_REGQ_HEADS}, {"tags", MA_REGQ_TAGS},
        {"blob", MA_REGQ_BLOB},
        {"tag", MA_REGQ_TAG},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (name != NULL && strcmp(name, ops[i].name) == 0) {
            *op = ops[i].op;
            return 0;
        }
    return ma_fail(err, MA_ERR_INPUT, "unknown registry operation '%s' (expected one of: head, get, heads, tags, blob, tag)",
                   name != NULL ? name : "");
}

static void on_step(void *ctx, const ma_regstep *step)
{
    ma_regquery_result *out = ctx;
    char *line = ma_regstep_line(step);
    if (line != NULL)
        ma_strlist_push(&out->steps, line);
    free(line);
}

void ma_regquery_result_free(ma_regquery_result *r)
{
    if (r == NULL)
        return;
    free(r->media_type);
    free(r->body);
    ma_strlist_free(&r->tags);
    ma_strlist_free(&r->digests);
    ma_strlist_free(&r->steps);
    memset(r, 0, sizeof *r);
}

/* Several manifests' digests, read side by side. */
static int heads(ma_regclient *cl, const ma_regquery *q, ma_regquery_result *out, ma_error *err)
{
    ma_strlist refs = MA_STRLIST_INIT;
    if (ma_strlist_split(&refs, q->ref, ',') != 0)
        return ma_nomem(err);
    ma_manifest_read *reads = calloc(refs.len ? refs.len : 1, sizeof *reads);
    int rc = reads == NULL ? ma_nomem(err) : 0;
    for (size_t i = 0; rc == 0 && i < refs.len; i++) {
        if (refs.items[i][0] == '\0')
            rc = ma_fail(err, MA_ERR_INPUT, "an empty reference in '%s'", q->ref);
        reads[i] = (ma_manifest_read){.host = q->host, .repo = q->repo, .ref = refs.items[i]};
    }
    if (rc == 0)
        rc = ma_reg_manifests(cl, reads, refs.len, err);
    for (size_t i = 0; rc == 0 && i < refs.len; i++)
        if (ma_strlist_push(&out->digests, reads[i].found ? reads[i].digest : "") != 0)
            rc = ma_nomem(err);
    for (size_t i = 0; reads != NULL && i < refs.len; i++)
        ma_manifest_read_free(&reads[i]);
    free(reads);
    ma_strlist_free(&refs);
    out->found = rc == 0;
    return rc;
}

static int ask(ma_regclient *cl, const ma_regquery *q, ma_regquery_result *out, ma_error *err)
{
    switch (q->op) {
    case MA_REGQ_HEAD:
    case MA_REGQ_GET: {
        ma_manifest_read r = {.host = q->host, .repo = q->repo, .ref = q->ref, .with_body = q->op == MA_REGQ_GET};
        int rc = ma_reg_manifest(cl, &r, err);
        if (rc >= 0) {
            out->found = rc;
            memcpy(out->digest, r.digest, sizeof out->digest);
            out->media_type = r.media_type;
            out->body = r.body;
            out->len = r.len;
            out->size = (long)r.len;
            r.media_type = r.body = NULL;
        }
        ma_manifest_read_free(&r);
        return rc < 0 ? -1 : 0;
    }
    case MA_REGQ_HEADS:
        return heads(cl, q, out, err);
    case MA_REGQ_TAGS:
        if (ma_reg_tags(cl, q->host, q->repo, q->page_size, &out->tags, err) != 0)
            return -1;
        out->found = 1;
        return 0;
    case MA_REGQ_BLOB: {
        int rc = ma_reg_blob(cl, q->host, q->repo, q->ref, &out->size, err);
        if (rc >= 0) {
            out->found = rc;
            if (rc == 1)
                snprintf(out->digest, sizeof out->digest, "%s", q->ref);
        }
        return rc < 0 ? -1 : 0;
    }
    case MA_REGQ_TAG:
        if (q->tag == NULL)
            return ma_fail(err, MA_ERR_INPUT, "registry operation 'tag' needs tag=");
        if (ma_reg_tag(cl, q->host, q->repo, q->ref, q->tag, out->digest, err) != 0)
            return -1;
        out->found = 1;
        return 0;
    }
    return ma_fail(err, MA_ERR_INPUT, "unknown registry operation");
}

int ma_regquery_run(const ma_regquery *q, ma_regquery_result *out, ma_error *err)
{
    memset(out, 0, sizeof *out);
    if (q->host == NULL || q->host[0] == '\0' || q->repo == NULL || q->repo[0] == '\0')
        return ma_fail(err, MA_ERR_INPUT, "a registry question needs a host and a repository");
    if (q->op != MA_REGQ_TAGS && (q->ref == NULL || q->ref[0] == '\0'))
        return ma_fail(err, MA_ERR_INPUT, "this registry operation needs a reference (a tag or digest)");
    ma_interrupt intr = {-1, -1, -1, 0};
    if (ma_interrupt_install(&intr, err) != 0)
        return -1;
    ma_regclient_opts opts = {.retries = q->retries, .backoff_ms = q->backoff_ms, .envp = q->envp,
                              .certs_dir = q->certs_dir, .insecure = q->insecure, .intr = &intr,
                              .on_step = on_step, .step_ctx = out};
    ma_regclient *cl = NULL;
    int rc = ma_regclient_new(&opts, &cl, err);
    if (rc == 0)
        rc = ask(cl, q, out, err);
    if (cl != NULL)
        out->requests = ma_regclient_requests(cl);
    ma_regclient_free(cl);
    ma_interrupt_restore(&intr);
    return rc;
}

#include "prune.h"

#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "interrupt.h"
#include "prunescan.h"
#include "regclient.h"
#include "regdelete.h"

int ma_prune_api_parse(const char *name, ma_prune_api *api, ma_error *err)
{
    if (name == NULL || strcmp(name, "auto") == 0)
        *api = MA_PRUNE_API_AUTO;
    else if (strcmp(name, "oci") == 0)
        *api = MA_PRUNE_API_OCI;
    else if (strcmp(name, "github") == 0)
        *api = MA_PRUNE_API_GITHUB;
    else
        return ma_fail(err, MA_ERR_INPUT, "unknown --api '%s' (expected one of: auto, oci, github)", name);
    return 0;
}

void ma_prune_result_free(ma_prune_result *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nrepos; i++) {
        ma_prune_repo *p = &r->repos[i];
        free(p->image);
        free(p->host);
        free(p->repo);
        ma_repograph_free(&p->graph);
        ma_prune_decision_free(&p->decision);
        ma_strlist_free(&p->deleted);
        ma_strlist_free(&p->notes);
        free(p->error);
    }
    free(r->repos);
    memset(r, 0, sizeof *r);
}

/* "host/a/b" -> host "host", repo "a/b". */
static int split_image(ma_prune_repo *p, const char *image, ma_error *err)
{
    const char *slash = strchr(image, '/');
    if (slash == NULL || slash == image || slash[1] == '\0')
        return ma_fail(err, MA_ERR_INPUT, "image '%s' names no registry host and repository", image);
    p->image = strdup(image);
    p->host = strndup(image, (size_t)(slash - image));
    p->repo = strdup(slash + 1);
    return p->image == NULL || p->host == NULL || p->repo == NULL ? ma_nomem(err) : 0;
}

static int fail_repo(ma_prune_repo *p, const ma_error *why)
{
    free(p->error);
    p->error = strdup(why->msg);
    return -1;
}

/* Read and decide one repository. */
static int decide_repo(ma_regclient *cl, const ma_ghpackages *gh, const ma_prune_rules *rules, ma_prune_repo *p,
                       ma_ghversions *versions, ma_error *err)
{
    int github = strcmp(p->api, "github") == 0;
    if (github) {
        const char *slash = strchr(p->repo, '/');
        if (slash == NULL)
            return ma_fail(err, MA_ERR_INPUT, "%s: a GitHub package is OWNER/PACKAGE", p->image);
        char *owner = strndup(p->repo, (size_t)(slash - p->repo));
        int rc = owner == NULL ? ma_nomem(err) : ma_ghpackages_list(gh, owner, slash + 1, versions, err);
        free(owner);
        p->requests += versions->requests;
        if (rc != 0)
            return -1;
    }
    unsigned long before = ma_regclient_requests(cl);
    int rc = ma_prune_scan(cl, p->host, p->repo, github ? versions : NULL, &p->graph, &p->notes, err);
    p->requests += ma_regclient_requests(cl) - before;
    if (rc == 0)
        rc = ma_prune_decide(&p->graph, rules, &p->decision, err);
    p->decided = rc == 0;
    return rc;
}

static int delete_repo(ma_regclient *cl, const ma_ghpackages *gh, ma_prune_repo *p, ma_ghversions *versions,
                       ma_error *err)
{
    int github = strcmp(p->api, "github") == 0;
    unsigned long before = ma_regclient_requests(cl), gh_before = versions->requests;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < p->decision.ngone; i++) {
        const ma_repo_object *o = &p->graph.objects[p->decision.gone[i].object];
        if (github && o->version_id == NULL) {
            rc = ma_strlist_pushf(&p->notes, "%s is not a listed package version: left", o->digest) != 0 ? ma_nomem(err) : 0;
            continue;
        }
        rc = github ? ma_ghpackages_delete(gh, versions, o->version_id, err)
                    : (ma_reg_manifest_delete(cl, p->host, p->repo, o->digest, err) < 0 ? -1 : 0);
        if (rc == 0 && ma_strlist_push(&p->deleted, o->digest) != 0)
            rc = ma_nomem(err);
    }
    p->requests += ma_regclient_requests(cl) - before + (versions->requests - gh_before);
    return rc;
}

static ma_prune_api api_for(const ma_prune_request *req, const char *host)
{
    if (req->api != MA_PRUNE_API_AUTO)
        return req->api;
    return strcmp(host, "ghcr.io") == 0 ? MA_PRUNE_API_GITHUB : MA_PRUNE_API_OCI;
}

int ma_prune_run(const ma_prune_request *req, ma_prune_result *out, ma_error *err)
{
    memset(out, 0, sizeof *out);
    out->yes = req->yes;
    size_t n = req->images->len;
    if ((out->repos = calloc(n ? n : 1, sizeof *out->repos)) == NULL)
        return ma_nomem(err);
    out->nrepos = n;
    ma_ghversions *versions = calloc(n ? n : 1, sizeof *versions);
    if (versions == NULL)
        return ma_nomem(err);
    int rc = 0, need_github = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        ma_prune_repo *p = &out->repos[i];
        p->graph = (ma_repograph)MA_REPOGRAPH_INIT;
        p->decision = (ma_prune_decision)MA_PRUNE_DECISION_INIT;
        rc = split_image(p, req->images->items[i], err);
        if (rc == 0) {
            p->api = api_for(req, p->host) == MA_PRUNE_API_GITHUB ? "github" : "oci";
            need_github |= strcmp(p->api, "github") == 0;
        }
    }
    const char *token = ma_env_lookup(req->envp, "GITHUB_TOKEN");
    if (rc == 0 && need_github && token == NULL)
        rc = ma_fail(err, MA_ERR_INPUT, "pruning a GitHub package needs GITHUB_TOKEN (a token that may delete "
                                        "packages: packages: write in a workflow)");
    ma_interrupt intr = {-1, -1, -1, 0};
    int intr_on = rc == 0 && ma_interrupt_install(&intr, err) == 0;
    if (rc == 0 && !intr_on)
        rc = -1;
    ma_regclient_opts ro = {.retries = req->retries, .backoff_ms = req->backoff_ms, .envp = req->envp, .intr = &intr};
    ma_regclient *cl = NULL;
    ma_ghpackages gh = {.retry = {req->retries, req->backoff_ms}, .token = token};
    const char *api = ma_env_lookup(req->envp, "GITHUB_API_URL");
    char *api_url = ma_strdup(api != NULL ? api : MA_GITHUB_API_DEFAULT);
    if (rc == 0 && api_url == NULL)
        rc = ma_nomem(err);
    for (size_t len = api_url != NULL ? strlen(api_url) : 0; len > 0 && api_url[len - 1] == '/'; len--)
        api_url[len - 1] = '\0';
    gh.api = api_url;
    if (rc == 0)
        rc = ma_regclient_new(&ro, &cl, err);
    if (rc == 0 && need_github)
        rc = ma_http_new(&intr, &gh.http, err);
    /* every repository is read and decided before the first delete */
    ma_error first = {0};
    for (size_t i = 0; rc == 0 && i < n; i++) {
        ma_error why = {0};
        if (decide_repo(cl, &gh, &req->rules, &out->repos[i], &versions[i], &why) != 0) {
            fail_repo(&out->repos[i], &why);
            if (why.kind == MA_ERR_INTERRUPTED || why.kind == MA_ERR_NOMEM || why.kind == MA_ERR_INPUT)
                rc = (*err = why, -1);
            else if (first.kind == MA_ERR_NONE)
                first = why;
        }
    }
    for (size_t i = 0; rc == 0 && req->yes && i < n; i++) {
        ma_error why = {0};
        if (out->repos[i].decided && delete_repo(cl, &gh, &out->repos[i], &versions[i], &why) != 0) {
            fail_repo(&out->repos[i], &why);
            if (why.kind == MA_ERR_INTERRUPTED || why.kind == MA_ERR_NOMEM)
                rc = (*err = why, -1);
            else if (first.kind == MA_ERR_NONE)
                first = why;
        }
    }
    if (rc == 0 && first.kind != MA_ERR_NONE)
        rc = (*err = first, -1);
    for (size_t i = 0; i < n; i++)
        ma_ghversions_free(&versions[i]);
    free(versions);
    ma_http_free(gh.http);
    free(api_url);
    ma_regclient_free(cl);
    if (intr_on)
        ma_interrupt_restore(&intr);
    return rc;
}

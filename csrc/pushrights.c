#include "pushrights.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refname.h"
#include "regupload.h"

/* A repository path as distribution names them: lower-case letters,
 * digits, separators; not empty. */
static int valid_name(const char *name)
{
    if (name[0] == '\0')
        return 0;
    for (const char *p = name; *p != '\0'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-' ||
              *p == '/'))
            return 0;
    return 1;
}

/* *out: "host/repo" of a reference (tag or digest dropped; Docker Hub's
 * short names, "user/app" and "app", made whole), or NULL when it is no
 * reference buildx would push to (buildx refuses it itself).  -1 out of
 * memory. */
static int repo_of(const char *ref, size_t len, char **out)
{
    *out = NULL;
    char *r = strndup(ref, len);
    if (r == NULL)
        return -1;
    char *at = strchr(r, '@');
    if (at != NULL)
        *at = '\0';
    char *slash = strrchr(r, '/'), *colon = strrchr(r, ':');
    if (colon != NULL && (slash == NULL || colon > slash))
        *colon = '\0';
    size_t first = strcspn(r, "/");
    int has_host = r[first] == '/' && (memchr(r, '.', first) != NULL || memchr(r, ':', first) != NULL ||
                                       strncmp(r, "localhost/", 10) == 0);
    int rc = 0;
    if (valid_name(has_host ? r + first + 1 : r) && (!has_host || first > 0))
        rc = (*out = has_host ? ma_strdup(r)
                     : r[first] == '/' ? ma_strdupf("docker.io/%s", r) : ma_strdupf("docker.io/library/%s", r)) == NULL
                 ? -1 : 0;
    free(r);
    return rc;
}

/* The repository a --cache-to spec writes, or NULL (not a registry cache). */
static int cache_repo(const char *spec, char **out)
{
    *out = NULL;
    if (strchr(spec, '=') == NULL) /* a bare reference is a registry cache */
        return repo_of(spec, strlen(spec), out);
    int registry = 0;
    const char *ref = NULL;
    size_t ref_len = 0;
    for (const char *p = spec; *p != '\0';) {
        size_t n = strcspn(p, ",");
        if (n == 13 && strncmp(p, "type=registry", 13) == 0)
            registry = 1;
        else if (n > 4 && strncmp(p, "ref=", 4) == 0) {
            ref = p + 4;
            ref_len = n - 4;
        }
        p += n + (p[n] == ',');
    }
    if (!registry || ref == NULL || ref_len == 0)
        return 0;
    return repo_of(ref, ref_len, out);
}

static int add(ma_strlist *repos, ma_strlist *what, char *repo, const char *kind, const char *component)
{
    int rc = repo == NULL ? -1 : 0; /* out of memory */
    if (rc == 0 && !ma_strlist_contains(repos, repo))
        rc = ma_strlist_push(repos, repo) || ma_strlist_pushf(what, "%s%s", kind, component);
    free(repo);
    return rc;
}

int ma_pushrights_targets(const ma_plan *plan, ma_strlist *repos, ma_strlist *what)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < plan->nimages; i++)
        rc = add(repos, what, ma_strdup(plan->images[i].image), "image ", plan->images[i].component);
    for (size_t i = 0; rc == 0 && i < plan->nimages; i++) {
        const ma_strlist *argv = &plan->images[i].build_argv;
        for (size_t k = 0; rc == 0 && k + 1 < argv->len; k++) {
            if (strcmp(argv->items[k], "--cache-to") != 0)
                continue;
            char *repo = NULL;
            rc = cache_repo(argv->items[k + 1], &repo);
            if (rc == 0 && repo != NULL)
                rc = add(repos, what, repo, "build cache of ", plan->images[i].component);
        }
    }
    return rc;
}

#define GHCR_HINT                                                                                          \
    "; on GitHub Actions give the workflow `permissions: packages: write`, and in the package's settings "   \
    "(Manage Actions access) give this repository the Write role"

/* One refusal's line onto text. */
static int refusal(ma_regclient *cl, const ma_upload_probe *p, const char *what, ma_strlist *lines)
{
    const char *user = ma_regclient_user(cl, p->host);
    const char *note = ma_regclient_cred_note(cl, p->host);
    char who[400];
    if (user != NULL)
        snprintf(who, sizeof who, "user %.100s", user);
    else
        snprintf(who, sizeof who, "anonymous (no credentials: %.300s)", note != NULL ? note : "none given");
    return ma_strlist_pushf(lines, "push refused before building: %s may not push to %s/%s (%s): %s HTTP %ld%s",
                            who, p->host, p->repo, what, p->token_refused ? "the token server answered" : "the registry answered",
                            p->status, p->words);
}

int ma_pushrights_check(ma_regclient *cl, const ma_plan *plan, ma_error *err)
{
    if (!plan->req.push)
        return 0;
    ma_strlist repos = MA_STRLIST_INIT, what = MA_STRLIST_INIT, lines = MA_STRLIST_INIT;
    int rc = ma_pushrights_targets(plan, &repos, &what) ? ma_nomem(err) : 0;
    ma_upload_probe *probes = calloc(repos.len ? repos.len : 1, sizeof *probes);
    char (*hosts)[256] = calloc(repos.len ? repos.len : 1, sizeof *hosts);
    if (rc == 0 && (probes == NULL || hosts == NULL))
        rc = ma_nomem(err);
    for (size_t i = 0; rc == 0 && i < repos.len; i++) {
        const char *r = repos.items[i];
        size_t hostlen = strcspn(r, "/");
        if (r[hostlen] == '\0')
            rc = ma_fail(err, MA_ERR_INPUT, "%s names no registry host", r);
        ma_registry_host(r, hosts[i], sizeof hosts[i]); /* as docker login and buildx name it */
        probes[i].host = hosts[i];
        probes[i].repo = r + hostlen + 1;
    }
    ma_error why = {0};
    size_t checked = repos.len;
    if (rc == 0 && ma_reg_upload_probe(cl, probes, repos.len, &why) != 0) {
        /* a registry that cannot be reached: the reads that follow meet it
         * too, and say so per image, as a run without this check did */
        if (why.kind != MA_ERR_ENV)
            rc = ma_fail(err, why.kind, "%s", why.msg);
        checked = 0;
    }
    int ghcr = 0;
    for (size_t i = 0; rc == 0 && i < checked; i++) {
        ma_upload_probe *p = &probes[i];
        /* only a refusal refuses; any other answer (5xx after the retries, a
         * path the registry does not serve) is left to the push itself */
        if (p->allowed || (p->status != 401 && p->status != 403 && p->status != 405))
            continue;
        ghcr |= strcmp(p->host, "ghcr.io") == 0;
        if (refusal(cl, p, what.items[i], &lines) != 0)
            rc = ma_nomem(err);
    }
    if (rc == 0 && lines.len > 0) {
        char *text = ma_strlist_join(&lines, "; ");
        rc = text == NULL ? ma_nomem(err)
                          : ma_fail(err, MA_ERR_INPUT, "%s. Nothing was built and no tag moved; to push, " MA_CRED_HINT
                                    " for a user that may push there%s", text, ghcr ? GHCR_HINT : "");
        free(text);
    }
    ma_strlist_free(&repos);
    ma_strlist_free(&what);
    ma_strlist_free(&lines);
    free(probes);
    free(hosts);
    return rc;
}

/* The session: hosts met during the run, how each is spoken to, and the
 * tokens got from their token servers.  A host is pinged (GET /v2/) the first
 * time it is met (HTTPS first, except on loopback without TLS files): that
 * fixes the scheme and tells whether it wants Basic
 * credentials, a bearer token, or nothing, so later calls carry their
 * Authorization up front instead of collecting a 401 each. */
#include "regclient.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "certsd.h"
#include "credhelper.h"
#include "dockercfg.h"
#include "env.h"
#include "monoclock.h"
#include "regtoken.h"
#include "textfile.h"
#include "wwwauth.h"

#define CONFIG_MAX (4u << 20)

typedef struct {
    char *name;          /* as the caller names it */
    char *origin;        /* "https://api-host[:port]" or "http://..." */
    ma_certsd tls;
    ma_challenge challenge;
    int cred_loaded;
    ma_cred cred;
    char cred_note[320]; /* where credentials were looked for, when none were found */
} reg_host;

struct ma_regclient {
    ma_regclient_opts opts;
    ma_http *http;
    reg_host *hosts;
    size_t nhosts;
    ma_token_cache tokens;
};

int ma_regclient_new(const ma_regclient_opts *opts, ma_regclient **out, ma_error *err)
{
    *out = NULL;
    ma_regclient *cl = calloc(1, sizeof *cl);
    if (cl == NULL)
        return ma_nomem(err);
    cl->opts = *opts;
    if (ma_http_new(opts->intr, &cl->http, err) != 0) {
        free(cl);
        return -1;
    }
    *out = cl;
    return 0;
}

void ma_regclient_free(ma_regclient *cl)
{
    if (cl == NULL)
        return;
    for (size_t i = 0; i < cl->nhosts; i++) {
        free(cl->hosts[i].name);
        free(cl->hosts[i].origin);
        ma_certsd_free(&cl->hosts[i].tls);
        ma_challenge_free(&cl->hosts[i].challenge);
        ma_cred_free(&cl->hosts[i].cred);
    }
    free(cl->hosts);
    ma_token_cache_free(&cl->tokens);
    ma_http_free(cl->http);
    free(cl);
}

unsigned long ma_regclient_requests(const ma_regclient *cl)
{
    return ma_http_sent(cl->http);
}

void ma_regcall_free(ma_regcall *c)
{
    if (c != NULL)
        ma_http_req_reset(&c->http);
}

static ma_http_retry retry_policy(const ma_regclient *cl)
{
    return (ma_http_retry){cl->opts.retries, cl->opts.backoff_ms};
}

/* Docker Hub's API lives on another name than the one in image references. */
static const char *api_host(const char *name)
{
    return strcmp(name, "docker.io") == 0 || strcmp(name, "index.docker.io") == 0 ? MA_DOCKERHUB_API_HOST : name;
}

/* GET /v2/ over scheme: 0 with h->origin and h->challenge set; 1 when no
 * answer came, 2 when the answer was not the API's (why in failure); -1
 * with err. */
static int ping(ma_regclient *cl, reg_host *h, const char *scheme, int retries, char *failure, size_t fsize,
                ma_error *err)
{
    char *origin = ma_strdupf("%s://%s", scheme, api_host(h->name));
    char *url = origin != NULL ? ma_strdupf("%s/v2/", origin) : NULL;
    if (url == NULL) {
        free(origin);
        return ma_nomem(err);
    }
    ma_http_req r = {.method = "GET", .url = url, .tls = &h->tls};
    ma_http_retry policy = {retries, cl->opts.backoff_ms};
    int rc = ma_http_perform(cl->http, &r, 1, &policy, err);
    if (rc == 0 && r.status == 0) {
        snprintf(failure, fsize, "%s", r.failure);
        rc = 1;
    } else if (rc == 0 && r.status == 401 && r.www_authenticate != NULL) {
        rc = ma_wwwauth_parse(r.www_authenticate, &h->challenge, err);
        if (rc != 0)
            ma_fail(err, MA_ERR_ENV, "registry %s: %s", h->name, err->msg);
    } else if (rc == 0 && r.status != 200 && r.status != 401) {
        snprintf(failure, fsize, "GET /v2/ answered HTTP %ld, not the distribution API", r.status);
        rc = 2;
    }
    if (rc == 0) {
        h->origin = origin;
        origin = NULL;
    }
    ma_http_req_reset(&r);
    free(origin);
    free(url);
    return rc;
}

/* Meet a host: TLS files, then HTTPS, or plain HTTP where allowed and HTTPS
 * got no answer. */
static int host_open(ma_regclient *cl, reg_host *h, ma_error *err)
{
    if (ma_certsd_load(cl->opts.certs_dir, api_host(h->name), &h->tls, err) != 0)
        return -1;
    char over_https[256] = "", over_http[256] = "";
    int http_ok = ma_host_allows_http(h->name, cl->opts.insecure);
    /* A loopback registry without TLS files in certs.d is plain HTTP almost
     * always: asked that way first, it spares the TLS attempt (loading the
     * CA store is most of a run's first contact); one that answers plain
     * HTTP otherwise than the API does (a TLS-only server) is tried below. */
    if (ma_host_is_loopback(h->name) && h->tls.ca_pem == NULL && h->tls.client_cert == NULL) {
        int rc = ping(cl, h, "http", 0, over_http, sizeof over_http, err);
        if (rc <= 0)
            return rc;
    }
    /* where plain HTTP may follow, a failed TLS handshake is not worth retrying */
    int rc = ping(cl, h, "https", http_ok ? 0 : cl->opts.retries, over_https, sizeof over_https, err);
    if (rc == 1 && http_ok) {
        rc = ping(cl, h, "http", cl->opts.retries, over_http, sizeof over_http, err);
        if (rc > 0)
            return ma_fail(err, MA_ERR_ENV, "cannot reach registry %s: over HTTPS: %s; over plain HTTP: %s", h->name,
                           over_https, over_http);
    }
    if (rc > 0)
        return ma_fail(err, MA_ERR_ENV, "cannot reach registry %s: %s%s", h->name, over_https,
                       rc == 1 && !http_ok ? " (plain HTTP is only tried for loopback and insecure registries)" : "");
    return rc;
}

static reg_host *host_get(ma_regclient *cl, const char *name, ma_error *err)
{
    for (size_t i = 0; i < cl->nhosts; i++)
        if (strcmp(cl->hosts[i].name, name) == 0)
            return &cl->hosts[i];
    reg_host *hosts = realloc(cl->hosts, (cl->nhosts + 1) * sizeof *hosts);
    if (hosts == NULL) {
        ma_nomem(err);
        return NULL;
    }
    cl->hosts = hosts;
    reg_host *h = &hosts[cl->nhosts];
    memset(h, 0, sizeof *h);
    h->challenge = (ma_challenge)MA_CHALLENGE_INIT;
    h->cred = (ma_cred)MA_CRED_INIT;
    h->tls = (ma_certsd)MA_CERTSD_INIT;
    if ((h->name = strdup(name)) == NULL) {
        ma_nomem(err);
        return NULL;
    }
    if (host_open(cl, h, err) == 0) {
        cl->nhosts++;
        return h;
    }
    free(h->name);
    ma_certsd_free(&h->tls);
    ma_challenge_free(&h->challenge);
    return NULL;
}

/* docker's credentials for the host, read once: the helper, else `auths`. */
static int host_cred(ma_regclient *cl, reg_host *h, ma_error *err)
{
    if (h->cred_loaded)
        return 0;
    const char *const *envp = cl->opts.envp;
    const char *dir = ma_env_lookup(envp, "DOCKER_CONFIG");
    const char *home = ma_env_lookup(envp, "HOME");
    char *path = dir != NULL ? ma_strdupf("%s/config.json", dir)
                 : home != NULL ? ma_strdupf("%s/.docker/config.json", home) : NULL;
    if (dir == NULL && home == NULL) {
        snprintf(h->cred_note, sizeof h->cred_note, "no docker config (neither DOCKER_CONFIG nor HOME is set)");
        h->cred_loaded = 1;
        return 0;
    }
    if (path == NULL)
        return ma_nomem(err);
    char *text = NULL;
    int rc = ma_textfile_read(path, CONFIG_MAX, "docker config", MA_ERR_ENV, &text, err);
    ma_dockercfg_entry entry = MA_DOCKERCFG_ENTRY_INIT;
    if (rc == 0)
        rc = ma_dockercfg_lookup(text, path, h->name, &entry, err);
    else if (rc == MA_TEXTFILE_MISSING)
        rc = 0;
    if (rc == 0 && entry.helper != NULL) {
        rc = ma_credhelper_get(entry.helper, ma_dockercfg_key(h->name), envp, cl->opts.intr, &h->cred, err);
        if (rc == 0 && ma_cred_is_empty(&h->cred)) {
            h->cred = entry.cred;
            entry.cred = (ma_cred)MA_CRED_INIT;
        }
    } else if (rc == 0) {
        h->cred = entry.cred;
        entry.cred = (ma_cred)MA_CRED_INIT;
    }
    if (text == NULL)
        snprintf(h->cred_note, sizeof h->cred_note, "docker's config %.200s does not exist", path);
    else if (entry.helper != NULL)
        snprintf(h->cred_note, sizeof h->cred_note, "docker-credential-%.60s (named in %.200s) has none for %.60s",
                 entry.helper, path, ma_dockercfg_key(h->name));
    else
        snprintf(h->cred_note, sizeof h->cred_note, "docker's config %.200s has none for %.60s", path,
                 ma_dockercfg_key(h->name));
    ma_dockercfg_entry_free(&entry);
    ma_secret_free(text);
    free(path);
    if (rc == 0)
        h->cred_loaded = 1;
    return rc;
}

static char *scope_of(const ma_regcall *c)
{
    return ma_strdupf("repository:%s:%s", c->repo, c->delete_scope ? "delete" : c->push ? "pull,push" : "pull");
}

/* Fetch a token for scope from the host's realm and keep it: an identity
 * token is an OAuth2 refresh token, exchanged with a POST; otherwise a GET,
 * with Basic credentials when there are some (anonymous without). */
static int token_fetch(ma_regclient *cl, reg_host *h, const char *scope, const char *key, long *refused,
                       ma_error *err)
{
    const ma_challenge *ch = &h->challenge;
    if (ch->realm == NULL || (strncmp(ch->realm, "https://", 8) != 0 && strncmp(ch->realm, "http://", 7) != 0))
        return ma_fail(err, MA_ERR_ENV, "registry %s: its bearer challenge names no token server", h->name);
    if (host_cred(cl, h, err) != 0)
        return -1;
    ma_http_req r = {.tls = &h->tls};
    ma_strlist headers = MA_STRLIST_INIT;
    char *url = NULL, *form = NULL;
    int rc = 0;
    if (h->cred.identity_token != NULL) {
        url = ma_strdup(ch->realm);
        form = ma_token_refresh_form(ch->service, scope, h->cred.identity_token);
        if (url == NULL || form == NULL || ma_strlist_push(&headers, "Content-Type: application/x-www-form-urlencoded"))
            rc = ma_nomem(err);
        r = (ma_http_req){.method = "POST", .url = url, .headers = &headers, .body = form,
                          .body_len = form != NULL ? strlen(form) : 0, .tls = &h->tls};
    } else {
        url = ma_token_get_url(ch->realm, ch->service, scope);
        if (url == NULL)
            rc = ma_nomem(err);
        r = (ma_http_req){.method = "GET", .url = url, .username = h->cred.username, .password = h->cred.password,
                          .tls = &h->tls};
    }
    ma_http_retry policy = retry_policy(cl);
    if (rc == 0)
        rc = ma_http_perform(cl->http, &r, 1, &policy, err);
    long expires_in = 0;
    char *token = NULL;
    if (rc == 0 && r.status == 0)
        rc = ma_fail(err, MA_ERR_ENV, "registry %s: cannot reach its token server: %s", h->name, r.failure);
    else if (rc == 0 && r.status != 200) {
        if (r.status == 401 || r.status == 403)
            *refused = r.status;
        rc = ma_fail(err, MA_ERR_ENV, "registry %s: the token server refused %s (HTTP %ld)%s", h->name, scope,
                     r.status, ma_cred_is_empty(&h->cred) ? " without credentials: " MA_CRED_HINT : "");
    }
    else if (rc == 0)
        rc = ma_token_parse(r.body_out != NULL ? r.body_out : "", &token, &expires_in, err);
    if (rc == 0 && ma_token_cache_put(&cl->tokens, key, token, expires_in, ma_monoclock_ms() / 1000.0) != 0)
        rc = ma_nomem(err);
    ma_secret_free(token);
    if (r.body_out != NULL)
        memset(r.body_out, 0, r.body_out_len);
    ma_http_req_reset(&r);
    ma_strlist_free(&headers);
    ma_secret_free(form);
    free(url);
    return rc;
}

/* The Authorization a call to h needs (pushed onto headers), or Basic
 * credentials set on the request. */
static int authorize(ma_regclient *cl, reg_host *h, ma_regcall *c, ma_strlist *headers, long *refused,
                     ma_error *err)
{
    if (h->challenge.scheme == MA_AUTH_BASIC) {
        if (host_cred(cl, h, err) != 0)
            return -1;
        c->http.username = h->cred.username;
        c->http.password = h->cred.password;
        return 0;
    }
    if (h->challenge.scheme != MA_AUTH_BEARER)
        return 0;
    char *scope = scope_of(c);
    char *key = scope != NULL ? ma_strdupf("%s %s", h->name, scope) : NULL;
    int rc = key == NULL ? ma_nomem(err) : 0;
    const char *token = rc == 0 ? ma_token_cache_get(&cl->tokens, key, ma_monoclock_ms() / 1000.0) : NULL;
    if (rc == 0 && token == NULL && (rc = token_fetch(cl, h, scope, key, refused, err)) == 0)
        token = ma_token_cache_get(&cl->tokens, key, ma_monoclock_ms() / 1000.0);
    if (rc == 0 && token != NULL && ma_strlist_pushf(headers, "Authorization: Bearer %s", token) != 0)
        rc = ma_nomem(err);
    free(scope);
    free(key);
    return rc;
}

static void drop_token(ma_regclient *cl, const ma_regcall *c)
{
    char *scope = scope_of(c);
    char *key = scope != NULL ? ma_strdupf("%s %s", c->host, scope) : NULL;
    if (key != NULL)
        ma_token_cache_drop(&cl->tokens, key);
    free(scope);
    free(key);
}

static void wipe_headers(ma_strlist *l)
{
    for (size_t i = 0; i < l->len; i++)
        memset(l->items[i], 0, strlen(l->items[i]));
    ma_strlist_free(l);
}

/* One round: authorize and send the calls marked in `todo`. */
static int send_round(ma_regclient *cl, ma_regcall *calls, size_t n, const int *todo, ma_error *err)
{
    ma_strlist *headers = calloc(n ? n : 1, sizeof *headers);
    ma_http_req *reqs = calloc(n ? n : 1, sizeof *reqs);
    char **urls = calloc(n ? n : 1, sizeof *urls);
    size_t *which = calloc(n ? n : 1, sizeof *which);
    int rc = headers == NULL || reqs == NULL || urls == NULL || which == NULL ? ma_nomem(err) : 0;
    size_t m = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!todo[i])
            continue;
        ma_regcall *c = &calls[i];
        reg_host *h = host_get(cl, c->host, err);
        if (h == NULL) {
            rc = -1;
            break;
        }
        int attempts = c->http.attempts;
        ma_http_req_reset(&c->http);
        c->http.attempts = attempts;
        c->http.username = c->http.password = NULL;
        if (c->headers != NULL && ma_strlist_extend(&headers[m], c->headers) != 0)
            rc = ma_nomem(err);
        long refused = 0;
        if (rc == 0)
            rc = authorize(cl, h, c, &headers[m], &refused, err);
        c->cred_note = h->challenge.scheme != MA_AUTH_NONE && h->cred_loaded && ma_cred_is_empty(&h->cred)
                           ? h->cred_note : NULL;
        if (rc != 0 && refused != 0 && c->token_refusal_is_answer) {
            /* the token server's no is this call's answer: it is not sent */
            c->http.status = c->token_status = refused;
            wipe_headers(&headers[m]);
            rc = 0;
            continue;
        }
        if (rc == 0 && (urls[m] = strncmp(c->path, "/", 1) == 0 ? ma_strdupf("%s%s", h->origin, c->path)
                                                                   : ma_strdup(c->path)) == NULL)
            rc = ma_nomem(err);
        if (rc != 0)
            break;
        reqs[m] = (ma_http_req){.method = c->method, .url = urls[m], .headers = &headers[m], .body = c->body,
                                .body_len = c->body_len, .body_max = c->body_max, .username = c->http.username,
                                .password = c->http.password, .tls = &h->tls};
        which[m++] = i;
    }
    ma_http_retry policy = retry_policy(cl);
    if (rc == 0)
        rc = ma_http_perform(cl->http, reqs, m, &policy, err);
    for (size_t k = 0; k < m; k++) {
        /* the answer moves to its call; the request's pointers were borrowed */
        ma_http_req *c = &calls[which[k]].http;
        ma_http_req *r = &reqs[k];
        c->status = r->status;
        c->body_out = r->body_out;
        c->body_out_len = r->body_out_len;
        c->content_type = r->content_type;
        c->content_digest = r->content_digest;
        c->www_authenticate = r->www_authenticate;
        c->link = r->link;
        c->location = r->location;
        c->content_length = r->content_length;
        c->retry_after_s = r->retry_after_s;
        memcpy(c->failure, r->failure, sizeof c->failure);
        c->retryable = r->retryable;
        c->attempts += r->attempts;
        free(urls[k]);
        wipe_headers(&headers[k]);
    }
    for (size_t k = m; urls != NULL && headers != NULL && k < n; k++) {
        free(urls[k]);
        wipe_headers(&headers[k]);
    }
    free(headers);
    free(reqs);
    free(urls);
    free(which);
    return rc;
}

int ma_regclient_call(ma_regclient *cl, ma_regcall *calls, size_t n, ma_error *err)
{
    int *todo = calloc(n ? n : 1, sizeof *todo);
    if (todo == NULL)
        return ma_nomem(err);
    for (size_t i = 0; i < n; i++) {
        todo[i] = 1;
        calls[i].http.attempts = 0;
    }
    int rc = send_round(cl, calls, n, todo, err);
    /* a 401 on a bearer host: the token expired or was refused; one fresh try */
    size_t again = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        todo[i] = calls[i].http.status == 401 && calls[i].http.www_authenticate != NULL &&
                  strncasecmp(calls[i].http.www_authenticate, "Bearer", 6) == 0;
        if (todo[i]) {
            drop_token(cl, &calls[i]);
            again++;
        }
    }
    if (rc == 0 && again > 0)
        rc = send_round(cl, calls, n, todo, err);
    free(todo);
    return rc;
}

/* The registry's {"errors": [{"code", "message"}]}: ": CODE message" of the
 * first entry, or "". */
static void registry_error_text(const char *body, char *out, size_t size)
{
    out[0] = '\0';
    cJSON *root = body != NULL ? cJSON_Parse(body) : NULL;
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "errors"), 0);
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(first, "code");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(first, "message");
    if (cJSON_IsString(code))
        snprintf(out, size, ": %.60s%s%.200s", code->valuestring, cJSON_IsString(msg) ? " " : "",
                 cJSON_IsString(msg) ? msg->valuestring : "");
    cJSON_Delete(root);
}

void ma_regcall_registry_words(const ma_regcall *c, char *out, size_t size)
{
    registry_error_text(c->http.body_out, out, size);
}

int ma_regcall_error(const ma_regcall *c, ma_error *err)
{
    char tries[48] = "";
    if (c->http.attempts > 1)
        snprintf(tries, sizeof tries, " (after %d attempts)", c->http.attempts);
    char sep = c->what != NULL && strncmp(c->what, "sha256:", 7) == 0 ? '@' : ':';
    if (c->http.status == 0)
        return ma_fail(err, MA_ERR_ENV, "registry %s: %s %s%c%s: %s%s", c->host, c->method, c->repo, sep,
                       c->what, c->http.failure, tries);
    char detail[300];
    registry_error_text(c->http.body_out, detail, sizeof detail);
    char hint[600] = "";
    if ((c->http.status == 401 || c->http.status == 403) && c->cred_note != NULL)
        snprintf(hint, sizeof hint, " (no credentials: %s; " MA_CRED_HINT ")", c->cred_note);
    else if (c->http.status == 401 || c->http.status == 403)
        snprintf(hint, sizeof hint, "%s", c->push ? " (push refused: check docker login and the repository's permissions)"
                                                  : " (access refused: check docker login)");
    return ma_fail(err, MA_ERR_ENV, "registry %s: %s %s%c%s: HTTP %ld%s%s%s", c->host, c->method, c->repo, sep,
                   c->what, c->http.status, detail, hint, tries);
}

void ma_regclient_step(ma_regclient *cl, const ma_regcall *c, const char *digest)
{
    if (cl->opts.on_step == NULL)
        return;
    ma_regstep step = {c->method, c->host, c->repo, c->what, digest, c->http.status, c->http.attempts};
    cl->opts.on_step(cl->opts.step_ctx, &step);
}

const char *ma_regclient_origin(const ma_regclient *cl, const char *host)
{
    for (size_t i = 0; i < cl->nhosts; i++)
        if (strcmp(cl->hosts[i].name, host) == 0)
            return cl->hosts[i].origin;
    return NULL;
}

void ma_regclient_set_step(ma_regclient *cl, ma_regstep_fn on_step, void *ctx)
{
    cl->opts.on_step = on_step;
    cl->opts.step_ctx = ctx;
}

const char *ma_regclient_user(ma_regclient *cl, const char *host)
{
    for (size_t i = 0; i < cl->nhosts; i++) {
        reg_host *h = &cl->hosts[i];
        if (strcmp(h->name, host) != 0 || !h->cred_loaded)
            continue;
        if (h->cred.username != NULL && h->cred.username[0] != '\0')
            return h->cred.username;
        return h->cred.identity_token != NULL ? "the identity token's holder" : NULL;
    }
    return NULL;
}

const char *ma_regclient_cred_note(ma_regclient *cl, const char *host)
{
    for (size_t i = 0; i < cl->nhosts; i++)
        if (strcmp(cl->hosts[i].name, host) == 0 && cl->hosts[i].cred_loaded &&
            ma_cred_is_empty(&cl->hosts[i].cred))
            return cl->hosts[i].cred_note;
    return NULL;
}

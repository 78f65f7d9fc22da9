/* A registry session for one run: per registry host, the scheme (HTTPS, or
 * plain HTTP where allowed), TLS from certs.d, docker's credentials and the
 * challenge it answered /v2/ with; per (host, scope) a bearer token, kept for
 * the run.  It sends distribution API calls side by side with the right
 * Authorization and reports each as a step.  It knows nothing of releases:
 * regapi.h gives the calls their meaning. */
#ifndef MA_REGCLIENT_H
#define MA_REGCLIENT_H
#include <stddef.h>
#include "error.h"
#include "http.h"
#include "interrupt.h"
#include "strlist.h"

/* One registry request as the caller may show it: `GET host/repo:v1.2.3`. */
typedef struct {
    const char *method;
    const char *host;   /* as the caller named it */
    const char *repo;
    const char *what;   /* a tag, a digest, or "tags/list" */
    const char *digest; /* for a PUT, the digest put; else what was found, or NULL */
    long status;        /* the final HTTP status, 0 when none came */
    int attempts;
} ma_regstep;

typedef void (*ma_regstep_fn)(void *ctx, const ma_regstep *step);

typedef struct {
    int retries;                /* extra attempts of a transient failure */
    int backoff_ms;             /* the first retry's wait, doubled for each next */
    const char *const *envp;    /* DOCKER_CONFIG, HOME, and PATH for credential helpers */
    const char *certs_dir;      /* NULL: MA_CERTSD_ROOT */
    const ma_strlist *insecure; /* hosts allowed plain HTTP besides loopback ones */
    ma_interrupt *intr;         /* required: a run can be interrupted */
    ma_regstep_fn on_step;      /* NULL: steps are not reported */
    void *step_ctx;
} ma_regclient_opts;

typedef struct ma_regclient ma_regclient;

/* One API call: the caller fills the request part; the answer is in `http`. */
typedef struct {
    const char *method;
    const char *host;
    const char *repo;
    const char *what;          /* for the step line */
    const char *digest;        /* for the step line of a PUT */
    int push;                  /* the call needs the push scope */
    int delete_scope;          /* the call needs the delete scope (a DELETE: distribution asks for it) */
    const char *path;          /* "/v2/<repo>/..." (or a full URL on the host, for a next page) */
    const ma_strlist *headers; /* extra "Name: value" lines, or NULL */
    const char *body;
    size_t body_len;
    size_t body_max;           /* the largest answer taken (0: MA_HTTP_BODY_MAX; a blob copy takes more) */
    ma_http_req http;          /* the answer (free with ma_regcall_free) */
    int token_refusal_is_answer; /* the token server refusing this call's scope (401/403) answers it:
                                    the call is not sent, http.status and token_status say so */
    long token_status;         /* that refusal's status, 0 when none */
    const char *cred_note;     /* when the host wants credentials and docker has none for it: where
                                  they were looked for (valid while the client lives); else NULL */
} ma_regcall;

int ma_regclient_new(const ma_regclient_opts *opts, ma_regclient **out, ma_error *err);
void ma_regclient_free(ma_regclient *cl);

/* Report the steps from now on to fn(ctx, step) (NULL: not at all): a client
 * made before its steps' watcher existed, then shared with it. */
void ma_regclient_set_step(ma_regclient *cl, ma_regstep_fn fn, void *ctx);

/* Every HTTP request sent so far: API calls, retries, pings and token fetches. */
unsigned long ma_regclient_requests(const ma_regclient *cl);

/* Send the n calls side by side (authenticating first where the host asks
 * for it), each to its final answer.  0 when every call got one (any status:
 * the caller judges it, see ma_regcall_error); -1 with MA_ERR_ENV when a host
 * cannot be reached or its credentials or token cannot be had,
 * MA_ERR_INTERRUPTED, MA_ERR_NOMEM. */
int ma_regclient_call(ma_regclient *cl, ma_regcall *calls, size_t n, ma_error *err);

/* Word a call's failed answer: "registry <host>: <METHOD> <repo>:<what>:
 * HTTP 500 (after 4 attempts)", with the registry's error code and message
 * when it sent some (never a header value).  Returns -1. */
int ma_regcall_error(const ma_regcall *c, ma_error *err);

/* The registry's own words about a failed answer (its first error's
 * ": CODE message"), or "" when it sent none. */
void ma_regcall_registry_words(const ma_regcall *c, char *out, size_t size);

/* After the call: report its step (digest: what it found or put). */
void ma_regclient_step(ma_regclient *cl, const ma_regcall *c, const char *digest);

/* Where host was reached ("https://host:port"), once a call went to it; NULL before. */
const char *ma_regclient_origin(const ma_regclient *cl, const char *host);

void ma_regcall_free(ma_regcall *c);

/* How to give credentials, for the errors that lack them. */
#define MA_CRED_HINT                                                                                   \
    "give credentials with --username NAME and MULTIARCH_REGISTRY_TOKEN, `docker login HOST`, or a credential " \
    "helper (credHelpers or credsStore in docker's config.json)"

/* Report the steps from now on to on_step (the run's runner takes over a client preflight used). */
void ma_regclient_set_step(ma_regclient *cl, ma_regstep_fn on_step, void *ctx);
/* Who the calls to host authenticate as, once credentials were needed: the
 * user name, "the identity token's holder", or NULL (anonymous). */
const char *ma_regclient_user(ma_regclient *cl, const char *host);
/* Where credentials for host were looked for, when none were found; NULL otherwise. */
const char *ma_regclient_cred_note(ma_regclient *cl, const char *host);
#endif

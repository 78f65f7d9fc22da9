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
    ma_http_req http;          /* the answer (free with ma_regcall_free) */
} ma_regcall;

int ma_regclient_new(const ma_regclient_opts *opts, ma_regclient **out, ma_error *err);
void ma_regclient_free(ma_regclient *cl);

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

/* After the call: report its step (digest: what it found or put). */
void ma_regclient_step(ma_regclient *cl, const ma_regcall *c, const char *digest);

/* Where host was reached ("https://host:port"), once a call went to it; NULL before. */
const char *ma_regclient_origin(const ma_regclient *cl, const char *host);

void ma_regcall_free(ma_regcall *c);
#endif

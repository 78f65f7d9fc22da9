/* HTTP on libcurl for the registry client: one connection pool for the run
 * (a curl multi handle: keep-alive, HTTP/2 where the server offers it),
 * requests made side by side, and retries of what may pass (a connection
 * error or timeout, 5xx, 429 honouring Retry-After), never of other 4xx.
 * It knows nothing of registries; secrets it is given (headers, passwords)
 * go to the server and nowhere else. */
#ifndef MA_HTTP_H
#define MA_HTTP_H
#include <stddef.h>
#include "certsd.h"
#include "error.h"
#include "interrupt.h"
#include "strlist.h"

typedef struct ma_http ma_http;

/* The most a response body may hold (manifests are far smaller). */
#define MA_HTTP_BODY_MAX (8u << 20)
/* The longest Retry-After honoured; a longer one waits this long. */
#define MA_HTTP_RETRY_AFTER_MAX_S 60

typedef struct {
    /* the request (owned by the caller) */
    const char *method;        /* "GET", "HEAD", "PUT", "POST", "DELETE" */
    const char *url;
    const ma_strlist *headers; /* "Name: value" lines, or NULL */
    const char *body;          /* PUT/POST body, or NULL */
    size_t body_len;
    size_t body_max;           /* the largest body taken (0: MA_HTTP_BODY_MAX) */
    const char *username;      /* Basic auth done by curl, or NULL */
    const char *password;
    const ma_certsd *tls;      /* extra CAs and client certificate, or NULL */
    /* the response (owned by the request: ma_http_req_reset frees it) */
    long status;               /* 0: no response (see `failure`) */
    char *body_out;            /* NUL-terminated; NULL for HEAD or an empty body */
    size_t body_out_len;
    char *content_type;        /* interesting headers, NULL when absent */
    char *content_digest;      /* Docker-Content-Digest */
    char *www_authenticate;
    char *link;
    char *location;            /* Location (a blob upload's URL) */
    long content_length;       /* -1 when absent */
    long retry_after_s;        /* Retry-After in seconds, -1 when absent */
    char failure[256];         /* the transport's error when status is 0 */
    int retryable;             /* 1: a connection error or timeout, or 5xx/429 */
    int attempts;              /* requests sent for this one (retries included) */
} ma_http_req;

typedef struct {
    int retries;      /* extra attempts of a retryable failure */
    int backoff_ms;   /* wait before the first retry, doubled for each next */
} ma_http_retry;

int ma_http_new(ma_interrupt *intr, ma_http **out, ma_error *err);
void ma_http_free(ma_http *h);

/* Send the n requests side by side, retrying each as the policy allows,
 * until every one has its final answer (any status, or a transport failure
 * left in `failure`).  0 then; -1 only with MA_ERR_INTERRUPTED or
 * MA_ERR_NOMEM (the answers so far stay in reqs). */
int ma_http_perform(ma_http *h, ma_http_req *reqs, size_t n, const ma_http_retry *policy, ma_error *err);

/* Every request sent through h so far (attempts included). */
unsigned long ma_http_sent(const ma_http *h);

/* Free a request's response and clear it, keeping the request fields. */
void ma_http_req_reset(ma_http_req *r);

/* Retry-After's value in seconds (delta-seconds or an HTTP-date, against
 * now), clamped to [0, MA_HTTP_RETRY_AFTER_MAX_S]; -1 when unreadable. */
long ma_http_retry_after(const char *value, long now);
#endif

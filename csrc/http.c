/* The transport: each round adds every pending request to the multi handle,
 * runs them to their ends, then waits out the longest back-off any of them
 * needs before the next round.  The multi handle outlives the rounds, so its
 * connection cache is the run's pool. */
#include "http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct ma_http {
    CURLM *multi;
    ma_interrupt *intr;
    unsigned long sent;
};

int ma_http_new(ma_interrupt *intr, ma_http **out, ma_error *err)
{
    *out = NULL;
    /* curl_global_init is reference-counted and thread-safe since 7.84 */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return ma_fail(err, MA_ERR_ENV, "cannot initialise libcurl");
    ma_http *h = calloc(1, sizeof *h);
    if (h == NULL || (h->multi = curl_multi_init()) == NULL) {
        free(h);
        curl_global_cleanup();
        return ma_nomem(err);
    }
    curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 8L);
    h->intr = intr;
    *out = h;
    return 0;
}

void ma_http_free(ma_http *h)
{
    if (h == NULL)
        return;
    curl_multi_cleanup(h->multi);
    free(h);
    curl_global_cleanup();
}

unsigned long ma_http_sent(const ma_http *h)
{
    return h->sent;
}

static void clear_response(ma_http_req *r)
{
    free(r->body_out);
    free(r->content_type);
    free(r->content_digest);
    free(r->www_authenticate);
    free(r->link);
    free(r->location);
    r->body_out = r->content_type = r->content_digest = r->www_authenticate = r->link = r->location = NULL;
    r->body_out_len = 0;
    r->status = 0;
    r->content_length = -1;
    r->retry_after_s = -1;
    r->failure[0] = '\0';
    r->retryable = 0;
}

void ma_http_req_reset(ma_http_req *r)
{
    clear_response(r);
    r->attempts = 0;
}

long ma_http_retry_after(const char *value, long now)
{
    while (*value == ' ' || *value == '\t')
        value++;
    long s = -1;
    if (isdigit((unsigned char)*value)) {
        char *end;
        s = strtol(value, &end, 10);
        while (*end == ' ' || *end == '\t')
            end++;
        if (*end != '\0')
            return -1;
    } else if (*value != '\0') {
        time_t t = curl_getdate(value, NULL);
        if (t == -1)
            return -1;
        s = (long)t - now;
    } else {
        return -1;
    }
    return s < 0 ? 0 : s > MA_HTTP_RETRY_AFTER_MAX_S ? MA_HTTP_RETRY_AFTER_MAX_S : s;
}

/* One request's state while curl holds it. */
typedef struct {
    ma_http_req *req;
    CURL *easy;
    struct curl_slist *headers;
    size_t cap;
    int too_big;
} transfer;

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    transfer *t = userp;
    ma_http_req *r = t->req;
    size_t n = size * nmemb;
    if (r->body_out_len + n > (r->body_max ? r->body_max : MA_HTTP_BODY_MAX)) {
        t->too_big = 1;
        return 0;
    }
    if (r->body_out_len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < r->body_out_len + n + 1)
            cap *= 2;
        char *p = realloc(r->body_out, cap);
        if (p == NULL)
            return 0;
        r->body_out = p;
        t->cap = cap;
    }
    memcpy(r->body_out + r->body_out_len, data, n);
    r->body_out_len += n;
    r->body_out[r->body_out_len] = '\0';
    return n;
}

static int keep_header(char **slot, const char *value, size_t n)
{
    free(*slot);
    *slot = strndup(value, n);
    return *slot != NULL;
}

static int append_header(char **slot, const char *value, size_t n)
{
    if (*slot == NULL)
        return keep_header(slot, value, n);
    size_t have = strlen(*slot);
    char *p = realloc(*slot, have + 2 + n + 1);
    if (p == NULL)
        return 0;
    memcpy(p + have, ", ", 2);
    memcpy(p + have + 2, value, n);
    p[have + 2 + n] = '\0';
    *slot = p;
    return 1;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    transfer *t = userp;
    ma_http_req *r = t->req;
    size_t n = size * nmemb;
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* a new response (after a redirect or a 100): forget the last one's headers */
        free(r->body_out);
        r->body_out = NULL;
        r->body_out_len = 0;
        t->cap = 0;
        char *keep[] = {r->content_type, r->content_digest, r->www_authenticate, r->link, r->location};
        for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
            free(keep[i]);
        r->content_type = r->content_digest = r->www_authenticate = r->link = r->location = NULL;
        r->content_length = r->retry_after_s = -1;
        return n;
    }
    const char *colon = memchr(data, ':', n);
    if (colon == NULL)
        return n;
    size_t name_len = (size_t)(colon - data);
    const char *v = colon + 1, *end = data + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t vn = (size_t)(end - v);
    int ok = 1;
#define IS(name) (name_len == sizeof name - 1 && strncasecmp(data, name, name_len) == 0)
    if (IS("Content-Type"))
        ok = keep_header(&r->content_type, v, vn);
    else if (IS("Docker-Content-Digest"))
        ok = keep_header(&r->content_digest, v, vn);
    else if (IS("WWW-Authenticate"))
        ok = append_header(&r->www_authenticate, v, vn); /* several make one list (RFC 9110 5.3) */
    else if (IS("Link"))
        ok = r->link != NULL || keep_header(&r->link, v, vn);
    else if (IS("Location"))
        ok = keep_header(&r->location, v, vn);
    else if (IS("Content-Length") || IS("Retry-After")) {
        char *text = strndup(v, vn);
        if (text == NULL)
            return 0;
        if (IS("Retry-After")) {
            r->retry_after_s = ma_http_retry_after(text, (long)time(NULL));
        } else {
            char *e;
            long len = strtol(text, &e, 10);
            r->content_length = *e == '\0' && e != text && len >= 0 ? len : -1;
        }
        free(text);
    }
#undef IS
    return ok ? n : 0;
}

static void transfer_free(transfer *t)
{
    if (t->easy != NULL)
        curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    t->easy = NULL;
    t->headers = NULL;
}

static int transfer_start(ma_http *h, transfer *t, ma_http_req *r)
{
    clear_response(r);
    memset(t, 0, sizeof *t);
    t->req = r;
    CURL *e = t->easy = curl_easy_init();
    if (e == NULL)
        return -1;
    for (size_t i = 0; r->headers != NULL && i < r->headers->len; i++) {
        struct curl_slist *l = curl_slist_append(t->headers, r->headers->items[i]);
        if (l == NULL)
            return -1;
        t->headers = l;
    }
    /* curl adds "Expect: 100-continue" to larger PUTs: registries answer straight away */
    struct curl_slist *l = curl_slist_append(t->headers, "Expect:");
    if (l == NULL)
        return -1;
    t->headers = l;
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 15000L);
    /* a stalled transfer (under 1 byte/s for 30 s) counts as a timeout */
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "multiarch");
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (strcmp(r->method, "PUT") == 0 || strcmp(r->method, "POST") == 0) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body != NULL ? r->body : "");
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
        if (strcmp(r->method, "PUT") == 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PUT");
    } else if (strcmp(r->method, "DELETE") == 0) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
    }
    if (r->username != NULL) {
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(e, CURLOPT_USERNAME, r->username);
        curl_easy_setopt(e, CURLOPT_PASSWORD, r->password != NULL ? r->password : "");
    }
    if (r->tls != NULL && r->tls->ca_pem != NULL) {
        /* the host's CAs from certs.d on top of the system's */
        struct curl_blob blob = {r->tls->ca_pem, r->tls->ca_pem_len, CURL_BLOB_COPY};
        curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
        curl_easy_setopt(e, CURLOPT_CAPATH, "/etc/ssl/certs");
    }
    if (r->tls != NULL && r->tls->client_cert != NULL) {
        curl_easy_setopt(e, CURLOPT_SSLCERT, r->tls->client_cert);
        curl_easy_setopt(e, CURLOPT_SSLKEY, r->tls->client_key);
    }
    if (curl_multi_add_handle(h->multi, e) != CURLM_OK)
        return -1;
    r->attempts++;
    h->sent++;
    return 0;
}

/* Transport errors worth another try: the network, not the configuration. */
static int transport_retryable(CURLcode c)
{
    switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
        return 1;
    default:
        return 0;
    }
}

static void transfer_done(transfer *t, CURLcode code)
{
    ma_http_req *r = t->req;
    if (code == CURLE_OK) {
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r->status);
        r->retryable = r->status >= 500 || r->status == 429;
    } else {
        r->status = 0;
        if (t->too_big)
            snprintf(r->failure, sizeof r->failure, "response body over %zu bytes",
                     r->body_max ? r->body_max : (size_t)MA_HTTP_BODY_MAX);
        else {
            /* the system's word for it ("Connection refused") says more than curl's category */
            long os_errno = 0;
            curl_easy_getinfo(t->easy, CURLINFO_OS_ERRNO, &os_errno);
            snprintf(r->failure, sizeof r->failure, "%s%s%s%s", curl_easy_strerror(code), os_errno ? " (" : "",
                     os_errno ? strerror((int)os_errno) : "", os_errno ? ")" : "");
        }
        r->retryable = !t->too_big && transport_retryable(code);
    }
}

/* Wait ms, or less when interrupted: 0, or -1 with MA_ERR_INTERRUPTED. */
static int wait_or_interrupt(ma_http *h, long ms, ma_error *err)
{
    struct pollfd pfd = {.fd = h->intr != NULL ? h->intr->read_fd : -1, .events = POLLIN};
    if (ms <= 0)
        return 0;
    if (poll(&pfd, 1, (int)ms) > 0 && h->intr != NULL && ma_interrupt_take(h->intr) != 0)
        return ma_fail(err, MA_ERR_INTERRUPTED, "interrupted");
    return 0;
}

/* Run the given transfers to their ends. */
static int run_round(ma_http *h, transfer *ts, size_t n, ma_error *err)
{
    int running = 1, rc = 0;
    while (running > 0 && rc == 0) {
        if (curl_multi_perform(h->multi, &running) != CURLM_OK) {
            rc = ma_fail(err, MA_ERR_ENV, "libcurl failed");
            break;
        }
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            transfer *t = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
            CURLcode code = msg->data.result;
            curl_multi_remove_handle(h->multi, msg->easy_handle);
            transfer_done(t, code);
        }
        if (running == 0)
            break;
        struct curl_waitfd extra = {.fd = h->intr != NULL ? h->intr->read_fd : -1, .events = CURL_WAIT_POLLIN};
        if (curl_multi_poll(h->multi, &extra, h->intr != NULL ? 1 : 0, 1000, NULL) != CURLM_OK)
            rc = ma_fail(err, MA_ERR_ENV, "libcurl failed");
        else if ((extra.revents & CURL_WAIT_POLLIN) && ma_interrupt_take(h->intr) != 0)
            rc = ma_fail(err, MA_ERR_INTERRUPTED, "interrupted");
    }
    for (size_t i = 0; i < n; i++) {
        if (ts[i].easy != NULL)
            curl_multi_remove_handle(h->multi, ts[i].easy);
        transfer_free(&ts[i]);
    }
    return rc;
}

int ma_http_perform(ma_http *h, ma_http_req *reqs, size_t n, const ma_http_retry *policy, ma_error *err)
{
    transfer *ts = calloc(n ? n : 1, sizeof *ts);
    size_t *pending = calloc(n ? n : 1, sizeof *pending);
    if (ts == NULL || pending == NULL) {
        free(ts);
        free(pending);
        return ma_nomem(err);
    }
    for (size_t i = 0; i < n; i++)
        reqs[i].attempts = 0;
    int rc = 0, retries = policy != NULL && policy->retries > 0 ? policy->retries : 0;
    long backoff = policy != NULL && policy->backoff_ms > 0 ? policy->backoff_ms : 0;
    size_t npending = 0;
    for (size_t i = 0; i < n; i++)
        pending[npending++] = i;
    for (int attempt = 0; rc == 0 && npending > 0; attempt++) {
        size_t started = 0;
        for (size_t k = 0; k < npending; k++, started++)
            if (transfer_start(h, &ts[k], &reqs[pending[k]]) != 0) {
                transfer_free(&ts[k]);
                rc = ma_nomem(err);
                break;
            }
        int round = run_round(h, ts, started, err);
        if (rc == 0)
            rc = round;
        if (rc != 0 || attempt >= retries)
            break;
        /* what failed and may pass goes again, after the longest wait any asks for */
        size_t keep = 0;
        long wait = backoff << (attempt < 20 ? attempt : 20);
        for (size_t k = 0; k < npending; k++) {
            ma_http_req *r = &reqs[pending[k]];
            if (!r->retryable)
                continue;
            if (r->retry_after_s >= 0 && r->retry_after_s * 1000 > wait)
                wait = r->retry_after_s * 1000;
            pending[keep++] = pending[k];
        }
        npending = keep;
        if (npending > 0)
            rc = wait_or_interrupt(h, wait, err);
    }
    free(ts);
    free(pending);
    return rc;
}

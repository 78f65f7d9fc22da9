/* WWW-Authenticate: a hand-written scanner over the RFC 9110 grammar.  The
 * only ambiguity is a bare token after a comma: it starts a new challenge
 * unless it is followed by '=' (then it is another auth-param). */
#include "wwwauth.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strlist.h"

static int is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int is_t68char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("-._~+/", c) != NULL);
}

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static size_t token_len(const char *p)
{
    size_t n = 0;
    while (is_tchar(p[n]))
        n++;
    return n;
}

/* The value after '=': a token or a quoted-string, unquoted into a new
 * string; *end is set past it.  NULL with *bad set when malformed. */
static char *read_value(const char *p, const char **end, int *bad)
{
    if (*p != '"') {
        size_t n = token_len(p);
        if (n == 0) {
            *bad = 1;
            return NULL;
        }
        *end = p + n;
        return strndup(p, n);
    }
    char *out = malloc(strlen(p));
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (p++; *p != '"'; p++) {
        if (*p == '\\' && p[1] != '\0')
            p++;
        if (*p == '\0' || *p == '\r' || *p == '\n') {
            free(out);
            *bad = 1;
            return NULL;
        }
        out[o++] = *p;
    }
    out[o] = '\0';
    *end = p + 1;
    return out;
}

static ma_auth_scheme scheme_of(const char *p, size_t n)
{
    if (n == 5 && strncasecmp(p, "Basic", 5) == 0)
        return MA_AUTH_BASIC;
    if (n == 6 && strncasecmp(p, "Bearer", 6) == 0)
        return MA_AUTH_BEARER;
    return MA_AUTH_OTHER;
}

static char **param_slot(ma_challenge *c, const char *name, size_t n)
{
    static const struct { const char *name; size_t offset; } known[] = {
        {"realm", offsetof(ma_challenge, realm)},
        {"service", offsetof(ma_challenge, service)},
        {"scope", offsetof(ma_challenge, scope)},
        {"error", offsetof(ma_challenge, error)},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strlen(known[i].name) == n && strncasecmp(known[i].name, name, n) == 0)
            return (char **)((char *)c + known[i].offset);
    return NULL;
}

void ma_challenge_free(ma_challenge *c)
{
    if (c == NULL)
        return;
    free(c->realm);
    free(c->service);
    free(c->scope);
    free(c->error);
    *c = (ma_challenge)MA_CHALLENGE_INIT;
}

static int malformed(ma_error *err, const char *why)
{
    return ma_fail(err, MA_ERR_ENV, "malformed WWW-Authenticate header: %s", why);
}

/* One challenge's parameters, from p (just past the scheme and its blanks);
 * returns where the next challenge starts (past its comma) or the end. */
static const char *read_params(const char *p, ma_challenge *c, int keep, int *status, ma_error *err)
{
    /* token68: a run of token68 characters, '=' padding, then the end or a comma */
    size_t t = 0;
    while (is_t68char(p[t]))
        t++;
    if (t > 0) {
        size_t eq = t;
        while (p[eq] == '=')
            eq++;
        const char *after = skip_ows(p + eq);
        if (*after == '\0' || *after == ',')
            return *after == ',' ? after + 1 : after;
    }
    for (;;) {
        p = skip_ows(p);
        while (*p == ',')
            p = skip_ows(p + 1);
        if (*p == '\0')
            return p;
        size_t n = token_len(p);
        if (n == 0) {
            *status = malformed(err, "expected a parameter name");
            return p;
        }
        const char *eq = skip_ows(p + n);
        if (*eq != '=')
            return p; /* a new challenge's scheme */
        int bad = 0;
        const char *end = NULL;
        char *value = read_value(skip_ows(eq + 1), &end, &bad);
        if (value == NULL) {
            *status = bad ? malformed(err, "bad parameter value") : ma_nomem(err);
            return p;
        }
        char **slot = keep ? param_slot(c, p, n) : NULL;
        if (slot != NULL && *slot == NULL)
            *slot = value;
        else
            free(value);
        p = skip_ows(end);
        if (*p != ',' && *p != '\0') {
            *status = malformed(err, "expected ',' between parameters");
            return p;
        }
    }
}

int ma_wwwauth_parse(const char *header, ma_challenge *out, ma_error *err)
{
    ma_challenge_free(out);
    ma_challenge best = MA_CHALLENGE_INIT;
    const char *p = header;
    int status = 0, seen = 0;
    for (;;) {
        p = skip_ows(p);
        while (*p == ',')
            p = skip_ows(p + 1);
        if (*p == '\0')
            break;
        size_t n = token_len(p);
        if (n == 0) {
            status = malformed(err, "expected an auth scheme");
            break;
        }
        ma_auth_scheme scheme = scheme_of(p, n);
        /* keep this challenge's parameters when it beats the one kept so far */
        int keep = !seen || (scheme == MA_AUTH_BEARER && best.scheme != MA_AUTH_BEARER) ||
                   (scheme == MA_AUTH_BASIC && best.scheme == MA_AUTH_OTHER);
        ma_challenge c = MA_CHALLENGE_INIT;
        c.scheme = scheme;
        p += n;
        if (*p != '\0' && *p != ' ' && *p != '\t' && *p != ',') {
            status = malformed(err, "bad auth scheme");
            break;
        }
        p = read_params(skip_ows(p), &c, keep, &status, err);
        if (status != 0) {
            ma_challenge_free(&c);
            break;
        }
        seen = 1;
        if (keep) {
            ma_challenge_free(&best);
            best = c;
        } else {
            ma_challenge_free(&c);
        }
    }
    if (status == 0 && !seen)
        status = malformed(err, "no challenge");
    if (status != 0) {
        ma_challenge_free(&best);
        return -1;
    }
    *out = best;
    return 0;
}

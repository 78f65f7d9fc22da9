#include "regtoken.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonfield.h"
#include "strlist.h"

int ma_token_parse(const char *json, char **token, long *expires_in, ma_error *err)
{
    *token = NULL;
    *expires_in = 60;
    cJSON *root = cJSON_Parse(json);
    int rc = MA_JSONFIELD_ABSENT;
    if (cJSON_IsObject(root)) {
        rc = ma_jsonfield_take_string(root, "token", 1, token);
        if (rc == MA_JSONFIELD_ABSENT || rc == MA_JSONFIELD_BAD)
            rc = ma_jsonfield_take_string(root, "access_token", 1, token);
        const cJSON *exp = cJSON_GetObjectItemCaseSensitive(root, "expires_in");
        if (cJSON_IsNumber(exp) && exp->valuedouble >= 1 && exp->valuedouble < 1e7)
            *expires_in = (long)exp->valuedouble;
    }
    cJSON_Delete(root);
    if (rc == MA_JSONFIELD_TAKEN)
        return 0;
    free(*token);
    *token = NULL;
    if (rc == MA_JSONFIELD_NOMEM)
        return ma_nomem(err);
    return ma_fail(err, MA_ERR_ENV, "the token server's answer holds no token");
}

/* RFC 3986 unreserved characters stay, everything else is %XX. */
static int append_escaped(char **out, size_t *len, const char *s)
{
    size_t n = strlen(s);
    char *p = realloc(*out, *len + 3 * n + 1);
    if (p == NULL)
        return -1;
    *out = p;
    for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            strchr("-._~", *c) != NULL)
            p[(*len)++] = (char)*c;
        else
            *len += (size_t)sprintf(p + *len, "%%%02X", *c);
    }
    p[*len] = '\0';
    return 0;
}

static int append_raw(char **out, size_t *len, const char *s)
{
    size_t n = strlen(s);
    char *p = realloc(*out, *len + n + 1);
    if (p == NULL)
        return -1;
    memcpy(p + *len, s, n + 1);
    *out = p;
    *len += n;
    return 0;
}

/* start, then the name/value pairs (a NULL value is left out), the first
 * after sep ('\0': none), the others after '&'. */
static char *query(const char *start, char sep, const char *const *params, size_t n)
{
    char *out = NULL;
    size_t len = 0;
    if (append_raw(&out, &len, start) != 0)
        return NULL;
    for (size_t i = 0; i + 1 < n; i += 2) {
        if (params[i + 1] == NULL)
            continue;
        char s[2] = {sep, '\0'};
        if ((sep != '\0' && append_raw(&out, &len, s) != 0) || append_raw(&out, &len, params[i]) != 0 ||
            append_raw(&out, &len, "=") != 0 || append_escaped(&out, &len, params[i + 1]) != 0) {
            free(out);
            return NULL;
        }
        sep = '&';
    }
    return out;
}

char *ma_token_get_url(const char *realm, const char *service, const char *scope)
{
    const char *params[] = {"service", service, "scope", scope};
    return query(realm, strchr(realm, '?') != NULL ? '&' : '?', params, 4);
}

char *ma_token_refresh_form(const char *service, const char *scope, const char *refresh_token)
{
    const char *params[] = {"grant_type", "refresh_token", "service", service, "scope", scope,
                            "client_id", "multiarch", "refresh_token", refresh_token};
    return query("", '\0', params, 10);
}

static ma_token_entry *find(const ma_token_cache *c, const char *key)
{
    for (size_t i = 0; i < c->len; i++)
        if (strcmp(c->items[i].key, key) == 0)
            return &c->items[i];
    return NULL;
}

const char *ma_token_cache_get(const ma_token_cache *c, const char *key, double now)
{
    const ma_token_entry *e = find(c, key);
    return e != NULL && e->token != NULL && now < e->expires ? e->token : NULL;
}

int ma_token_cache_put(ma_token_cache *c, const char *key, const char *token, long expires_in, double now)
{
    char *copy = strdup(token);
    if (copy == NULL)
        return -1;
    /* a tenth of the lifetime, at most 30 s, is left unused */
    double margin = expires_in / 10.0 < 30 ? expires_in / 10.0 : 30;
    ma_token_entry *e = find(c, key);
    if (e == NULL) {
        if (c->len == c->cap) {
            size_t cap = c->cap ? 2 * c->cap : 8;
            ma_token_entry *items = realloc(c->items, cap * sizeof *items);
            if (items == NULL) {
                free(copy);
                return -1;
            }
            c->items = items;
            c->cap = cap;
        }
        char *k = strdup(key);
        if (k == NULL) {
            free(copy);
            return -1;
        }
        e = &c->items[c->len++];
        e->key = k;
        e->token = NULL;
    }
    ma_secret_free(e->token);
    e->token = copy;
    e->expires = now + (double)expires_in - margin;
    return 0;
}

void ma_token_cache_drop(ma_token_cache *c, const char *key)
{
    ma_token_entry *e = find(c, key);
    if (e != NULL) {
        ma_secret_free(e->token);
        e->token = NULL;
    }
}

void ma_token_cache_free(ma_token_cache *c)
{
    for (size_t i = 0; c != NULL && i < c->len; i++) {
        free(c->items[i].key);
        ma_secret_free(c->items[i].token);
    }
    if (c != NULL) {
        free(c->items);
        *c = (ma_token_cache)MA_TOKEN_CACHE_INIT;
    }
}

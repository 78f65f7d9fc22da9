/* Bearer tokens, as the distribution token spec has them: the request to the
 * realm (GET with service and scope, or the OAuth2 refresh-token POST for an
 * identity token), the answer's token, and the run's tokens kept per scope
 * until they expire.  Pure: regclient.c sends the requests. */
#ifndef MA_REGTOKEN_H
#define MA_REGTOKEN_H
#include <stddef.h>
#include "error.h"

/* The token server's answer: {"token"|"access_token": ..., "expires_in": s}.
 * 0 with *token malloc'd and *expires_in (60 when absent, as the spec says);
 * -1 with MA_ERR_ENV (never quoting the answer), MA_ERR_NOMEM. */
int ma_token_parse(const char *json, char **token, long *expires_in, ma_error *err);

/* realm?service=...&scope=... (GET), each value URL-encoded; NULL when out
 * of memory.  service or scope may be NULL (then left out). */
char *ma_token_get_url(const char *realm, const char *service, const char *scope);
/* The refresh-token grant's form body for an identity token. */
char *ma_token_refresh_form(const char *service, const char *scope, const char *refresh_token);

/* The run's tokens: key ("host scope") -> token and when it stops being used. */
typedef struct {
    char *key;
    char *token;
    double expires;   /* monotonic seconds */
} ma_token_entry;

typedef struct {
    ma_token_entry *items;
    size_t len, cap;
} ma_token_cache;

#define MA_TOKEN_CACHE_INIT {NULL, 0, 0}

/* The token for key still good at `now`, or NULL. */
const char *ma_token_cache_get(const ma_token_cache *c, const char *key, double now);
/* Keep token for key (replacing an older one) until now + expires_in, less a
 * margin so a token is not used in its last seconds.  0, or -1 out of memory. */
int ma_token_cache_put(ma_token_cache *c, const char *key, const char *token, long expires_in, double now);
void ma_token_cache_drop(ma_token_cache *c, const char *key);
void ma_token_cache_free(ma_token_cache *c);
#endif

/* The WWW-Authenticate header a registry answers 401 with (RFC 9110 11.6.1):
 * one or more challenges, each a scheme and either a token68 or auth-params.
 * Pure: the registry session asks it which scheme to use and where the token
 * server is. */
#ifndef MA_WWWAUTH_H
#define MA_WWWAUTH_H
#include "error.h"

typedef enum { MA_AUTH_NONE = 0, MA_AUTH_BASIC, MA_AUTH_BEARER, MA_AUTH_OTHER } ma_auth_scheme;

/* The challenge the client acts on: Bearer when offered, else Basic, else the
 * first.  Strings are malloc'd ("" never: absent params are NULL). */
typedef struct {
    ma_auth_scheme scheme;
    char *realm;     /* Bearer: the token server's URL; Basic: a label */
    char *service;
    char *scope;
    char *error;     /* e.g. "insufficient_scope" */
} ma_challenge;

#define MA_CHALLENGE_INIT {MA_AUTH_NONE, NULL, NULL, NULL, NULL}

/* Parse the header's value.  0 with *out filled (the old contents freed);
 * -1 with MA_ERR_ENV ("malformed WWW-Authenticate header: ...") or
 * MA_ERR_NOMEM.  Scheme and parameter names are case-insensitive; quoted
 * values lose their quotes and backslash escapes. */
int ma_wwwauth_parse(const char *header, ma_challenge *out, ma_error *err);
void ma_challenge_free(ma_challenge *c);
#endif

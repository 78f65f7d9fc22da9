/* docker's config.json, as docker reads it for a registry's credentials:
 * `credHelpers[<host>]` names a helper, else `credsStore` does, else
 * `auths[<host>]` holds them (`auth`: base64 "user:password", or
 * `identitytoken`).  Keys in `auths` may be URLs ("https://host/v1/"): they
 * match by host name.  Docker Hub's credentials live under
 * "https://index.docker.io/v1/".  Pure: the text comes in, plain data out. */
#ifndef MA_DOCKERCFG_H
#define MA_DOCKERCFG_H
#include "error.h"

/* Where Docker Hub's API is, and the key its credentials are kept under. */
#define MA_DOCKERHUB_API_HOST "registry-1.docker.io"
#define MA_DOCKERHUB_AUTH_KEY "https://index.docker.io/v1/"

/* Credentials: a user and password, or an identity token (an OAuth2 refresh
 * token to exchange at the token server), or nothing.  Secrets: never printed. */
typedef struct {
    char *username;
    char *password;
    char *identity_token;
} ma_cred;

#define MA_CRED_INIT {NULL, NULL, NULL}

/* What config.json says about one registry. */
typedef struct {
    char *helper;  /* "osxkeychain" for docker-credential-osxkeychain, or NULL */
    ma_cred cred;  /* from `auths` (also the fallback when the helper has nothing) */
} ma_dockercfg_entry;

#define MA_DOCKERCFG_ENTRY_INIT {NULL, MA_CRED_INIT}

/* The key docker keeps a registry host's credentials under: the host itself,
 * or MA_DOCKERHUB_AUTH_KEY for Docker Hub's names. */
const char *ma_dockercfg_key(const char *host);

/* Look host up in config.json's text.  0 with *out filled (possibly empty);
 * -1 with MA_ERR_ENV naming `path` when the file is not JSON or an entry has
 * the wrong shape (never quoting a value), MA_ERR_NOMEM. */
int ma_dockercfg_lookup(const char *json, const char *path, const char *host, ma_dockercfg_entry *out,
                        ma_error *err);

/* A credential helper's answer to `get` ({"Username": ..., "Secret": ...}; a
 * Username of "<token>" makes Secret an identity token).  0 with *out filled,
 * -1 with MA_ERR_ENV naming the helper (never quoting its output). */
int ma_credhelper_parse(const char *json, const char *helper, ma_cred *out, ma_error *err);

int ma_cred_is_empty(const ma_cred *c);
/* Free the strings, wiping the secrets first; NULL is fine. */
void ma_cred_free(ma_cred *c);
void ma_dockercfg_entry_free(ma_dockercfg_entry *e);
#endif

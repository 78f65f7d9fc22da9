/* Signing with sigstore's cosign: the argv of `cosign sign`, `cosign verify`
 * and `cosign public-key`, and what a verify's outcome means.  Pure: the run
 * spawns cosign.  The key's password never appears here: cosign reads it from
 * COSIGN_PASSWORD in its own environment (the run's business). */
#ifndef MA_COSIGN_H
#define MA_COSIGN_H

#include "strlist.h"

/* The issuer of GitHub Actions' OIDC tokens: keyless signatures are checked against it. */
#define MA_COSIGN_GITHUB_ISSUER "https://token.actions.githubusercontent.com"
/* The variable that says a GitHub Actions job may ask for an OIDC token. */
#define MA_COSIGN_OIDC_VARIABLE "ACTIONS_ID_TOKEN_REQUEST_URL"
/* Shown in plans for the public key file the run derives from --sign-key. */
#define MA_COSIGN_PUBLIC_KEY_FILE "cosign.pub"

typedef struct {
    int enabled;       /* --sign */
    char *key;         /* --sign-key: a file, env://VAR or a KMS URI; NULL: keyless (GitHub OIDC) */
    int offline;       /* --sign-offline: no transparency log upload (and none checked) */
    int allow_http;    /* the registry is on loopback: cosign reaches it over plain HTTP, as docker does */
    char *public_key;  /* with a key: the file the run writes its public half to */
    char *identity;    /* keyless: the workflow's certificate identity, or NULL when not in GitHub Actions */
} ma_sign_plan;

/* 1 when the registry's host is localhost or in 127.0.0.0/8 (or [::1]). */
int ma_registry_is_loopback(const char *registry);

/* cosign sign --yes [--key KEY] [--tlog-upload=false] [--allow-http-registry] REF */
int ma_cosign_sign_argv(const ma_sign_plan *s, const char *ref, ma_strlist *argv);

/* cosign verify (--key PUBLIC | --certificate-identity ID --certificate-oidc-issuer ISSUER)
 * [--insecure-ignore-tlog] [--allow-http-registry] REF */
int ma_cosign_verify_argv(const ma_sign_plan *s, const char *ref, ma_strlist *argv);

/* cosign public-key --key KEY --outfile PUBLIC: also proves the password opens the key. */
int ma_cosign_public_key_argv(const ma_sign_plan *s, ma_strlist *argv);

typedef enum {
    MA_COSIGN_VERIFIED = 0,  /* a signature by this key (or identity) is there */
    MA_COSIGN_UNSIGNED,      /* no signature, or none that matches */
    MA_COSIGN_ERROR          /* anything else: the registry, the key, cosign itself */
} ma_cosign_verdict;

/* What `cosign verify` ending with status and this stderr says. */
ma_cosign_verdict ma_cosign_verdict_of(int status, const char *err_text);

void ma_sign_plan_free(ma_sign_plan *s);

#endif

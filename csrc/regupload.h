/* A blob upload started and cancelled: what a push does first
 * (POST /v2/<name>/blobs/uploads/, then DELETE of the Location it answers),
 * asked of several repositories side by side.  It shows whether the
 * registry lets these credentials write there, whatever the auth scheme
 * (Basic, an opaque token, a token granted without push), and leaves no
 * upload behind.  Knows the distribution API only, nothing of releases. */
#ifndef MA_REGUPLOAD_H
#define MA_REGUPLOAD_H
#include <stddef.h>
#include "error.h"
#include "regclient.h"

typedef struct {
    const char *host;
    const char *repo;
    /* the answer */
    int allowed;         /* the upload was started (202), and cancelled again */
    long status;         /* the POST's status (the token server's, when it refused the push scope) */
    int token_refused;   /* the token server refused pull,push: no request went to the registry */
    char words[320];     /* when not allowed: the registry's own words (": CODE message"), or "" */
} ma_upload_probe;

/* Probe each repository.  0 when every probe got an answer (allowed or
 * not); -1 with err when a registry cannot be reached, MA_ERR_NOMEM,
 * MA_ERR_INTERRUPTED.  A cancel that fails is not an error (the registry
 * drops a stale upload itself). */
int ma_reg_upload_probe(ma_regclient *cl, ma_upload_probe *probes, size_t n, ma_error *err);
#endif

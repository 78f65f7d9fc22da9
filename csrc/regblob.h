/* The distribution API's blob writes: a cross-repository mount within one
 * registry (POST /v2/<to>/blobs/uploads/?mount=<digest>&from=<repo>), and a
 * monolithic upload (POST, then PUT of the bytes with ?digest=) checked
 * against the digest the registry stored.  On a registry session
 * (regclient.h); it knows nothing of releases. */
#ifndef MA_REGBLOB_H
#define MA_REGBLOB_H

#include <stddef.h>

#include "error.h"
#include "regclient.h"

/* Mount blob `digest` of from_repo into repo on host: 1 mounted, 0 the
 * registry did not mount it but opened an upload instead (*upload: its
 * Location, for ma_regblob_upload; the caller frees it), -1 failed. */
int ma_regblob_mount(ma_regclient *cl, const char *host, const char *repo, const char *from_repo, const char *digest,
                     char **upload, ma_error *err);

/* Upload body as blob `digest` of repo, into the upload at `upload` (a
 * Location a mount opened) or a new one (NULL): the bytes must hash to digest
 * (else refused before anything is sent), and the registry must say it
 * stored that digest.  0, or -1 with MA_ERR_ENV. */
int ma_regblob_upload(ma_regclient *cl, const char *host, const char *repo, const char *digest, const char *upload,
                      const char *body, size_t len, ma_error *err);

#endif

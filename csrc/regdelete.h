/* DELETE of a manifest by digest (the distribution API's
 * `DELETE /v2/<name>/manifests/<digest>`): the registry drops the manifest
 * and every tag naming it; its blobs go at the registry's next garbage
 * collection.  Registries that do not allow deletes answer 405. */
#ifndef MA_REGDELETE_H
#define MA_REGDELETE_H
#include "error.h"
#include "regclient.h"

/* Delete digest from repo: 1 deleted, 0 already absent (404), -1 with
 * MA_ERR_ENV (a 405 says deletes are disabled on the registry). */
int ma_reg_manifest_delete(ma_regclient *cl, const char *host, const char *repo, const char *digest, ma_error *err);
#endif

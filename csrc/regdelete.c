#include "regdelete.h"

#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "strlist.h"

int ma_reg_manifest_delete(ma_regclient *cl, const char *host, const char *repo, const char *digest, ma_error *err)
{
    if (!ma_digest_is_valid(digest))
        return ma_fail(err, MA_ERR_INPUT, "a delete needs a digest, not '%.80s'", digest);
    char *path = ma_strdupf("/v2/%s/manifests/%s", repo, digest);
    if (path == NULL)
        return ma_nomem(err);
    /* a token registry grants a DELETE under its own action, "delete" */
    ma_regcall c = {.method = "DELETE", .host = host, .repo = repo, .what = digest, .digest = digest, .push = 1,
                    .delete_scope = 1, .path = path};
    int rc = ma_regclient_call(cl, &c, 1, err);
    if (rc == 0) {
        ma_regclient_step(cl, &c, digest);
        if (c.http.status == 202 || c.http.status == 200 || c.http.status == 204)
            rc = 1;
        else if (c.http.status == 404)
            rc = 0;
        else if (c.http.status == 405)
            rc = ma_fail(err, MA_ERR_ENV,
                         "registry %s: DELETE %s@%s: HTTP 405: the registry does not allow deletes "
                         "(distribution: storage.delete.enabled: true)",
                         host, repo, digest);
        else
            rc = ma_regcall_error(&c, err);
    }
    ma_regcall_free(&c);
    free(path);
    return rc;
}

#include "regupload.h"

#include <stdlib.h>
#include <string.h>

int ma_reg_upload_probe(ma_regclient *cl, ma_upload_probe *probes, size_t n, ma_error *err)
{
    ma_regcall *calls = calloc(n ? n : 1, sizeof *calls);
    char **paths = calloc(n ? n : 1, sizeof *paths);
    int rc = calls == NULL || paths == NULL ? ma_nomem(err) : 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if ((paths[i] = ma_strdupf("/v2/%s/blobs/uploads/", probes[i].repo)) == NULL)
            rc = ma_nomem(err);
        calls[i] = (ma_regcall){.method = "POST", .host = probes[i].host, .repo = probes[i].repo,
                                .what = "blobs/uploads/", .push = 1, .path = paths[i],
                                .token_refusal_is_answer = 1};
    }
    if (rc == 0)
        rc = ma_regclient_call(cl, calls, n, err);
    /* the cancels, side by side: DELETE each upload's Location */
    ma_regcall *cancels = rc == 0 ? calloc(n ? n : 1, sizeof *cancels) : NULL;
    size_t m = 0;
    if (rc == 0 && cancels == NULL)
        rc = ma_nomem(err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        ma_upload_probe *p = &probes[i];
        ma_regcall *c = &calls[i];
        ma_regclient_step(cl, c, NULL);
        p->status = c->http.status;
        p->token_refused = c->token_status != 0;
        p->allowed = c->http.status == 202;
        if (!p->allowed)
            ma_regcall_registry_words(c, p->words, sizeof p->words);
        else if (c->http.location != NULL)
            cancels[m++] = (ma_regcall){.method = "DELETE", .host = p->host, .repo = p->repo,
                                        .what = "blobs/uploads/ (cancel)", .push = 1, .path = c->http.location};
    }
    if (rc == 0 && m > 0) {
        ma_error why = {0};
        if (ma_regclient_call(cl, cancels, m, &why) != 0 &&
            (why.kind == MA_ERR_NOMEM || why.kind == MA_ERR_INTERRUPTED))
            rc = ma_fail(err, why.kind, "%s", why.msg);
        for (size_t k = 0; rc == 0 && k < m; k++)
            ma_regclient_step(cl, &cancels[k], NULL);
    }
    for (size_t k = 0; cancels != NULL && k < m; k++)
        ma_regcall_free(&cancels[k]);
    for (size_t i = 0; calls != NULL && i < n; i++) {
        ma_regcall_free(&calls[i]);
        free(paths[i]);
    }
    free(cancels);
    free(calls);
    free(paths);
    return rc;
}

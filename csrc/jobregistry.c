#include "jobregistry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refname.h"
#include "regapi.h"
#include "regcopy.h"

void ma_jobregistry_answer_free(ma_jobregistry_answer *a)
{
    free(a->body);
    free(a->media_type);
    memset(a, 0, sizeof *a);
}

void ma_jobregistry_free(ma_jobregistry *r)
{
    if (!r->borrowed)
        ma_regclient_free(r->cl);
    r->cl = NULL;
}

/* A promotion's content into the target repository; what was done in words, as the answer's body. */
static int copy(ma_regclient *cl, const ma_next *n, const char *host, const char *repo, ma_jobregistry_answer *a,
                ma_error *why)
{
    char from_host[256];
    ma_registry_host(n->source, from_host, sizeof from_host);
    const char *from_repo = n->source + strcspn(n->source, "/");
    from_repo += *from_repo == '/';
    ma_regcopy_counts counts = {0};
    if (ma_regcopy_image(cl, from_host, from_repo, host, repo, n->body, n->body_len, &counts, why) != 0)
        return -1;
    a->body = ma_strdupf("content from %s: %lu blob%s mounted, %lu copied, %lu already there; %lu manifest%s put",
                         n->source, counts.mounted, counts.mounted == 1 ? "" : "s", counts.copied, counts.present,
                         counts.manifests, counts.manifests == 1 ? "" : "s");
    if (a->body == NULL)
        return ma_nomem(why);
    a->outcome.out_len = strlen(a->body);
    return 1;
}

/* 1 found (or put), 0 not there, -1 failed (why). */
static int send(ma_regclient *cl, const ma_next *n, ma_jobregistry_answer *a, ma_error *why)
{
    size_t hostlen = strcspn(n->image, "/");
    if (n->image[hostlen] == '\0')
        return ma_fail(why, MA_ERR_INPUT, "%s names no registry host", n->image);
    char host[256];
    ma_registry_host(n->image, host, sizeof host); /* as docker login and buildx name it */
    const char *repo = n->image + hostlen + 1, *ref = n->argv.len > 0 ? n->argv.items[0] : "";
    int rc = 1;
    if (n->reg_op == MA_REGOP_PUT) {
        for (size_t i = 0; rc == 1 && i < n->argv.len; i++)
            rc = ma_reg_manifest_put(cl, host, repo, n->argv.items[i], n->media_type, n->body, n->body_len, why)
                     ? -1 : 1;
        if (rc == 1)
            ma_sha256_digest(n->body, n->body_len, a->digest);
    } else if (n->reg_op == MA_REGOP_COPY) {
        rc = copy(cl, n, host, repo, a, why);
    } else if (n->reg_op == MA_REGOP_BLOB) {
        rc = ma_reg_blob_get(cl, host, repo, ref, 0, &a->body, &a->outcome.out_len, why);
        if (rc == 1)
            snprintf(a->digest, sizeof a->digest, "%s", ref);
    } else {
        ma_manifest_read r = {.host = host, .repo = repo, .ref = ref, .with_body = 1};
        rc = ma_reg_manifest(cl, &r, why);
        if (rc == 1) {
            memcpy(a->digest, r.digest, sizeof a->digest);
            a->body = r.body;
            a->media_type = r.media_type;
            a->outcome.out_len = r.len;
            r.body = r.media_type = NULL;
        }
        ma_manifest_read_free(&r);
    }
    return rc;
}

int ma_jobregistry_ask(ma_jobregistry *r, const ma_next *next, ma_jobregistry_answer *a, ma_error *err)
{
    memset(a, 0, sizeof *a);
    a->outcome.registry = 1;
    ma_error why = {0};
    int rc = r->cl != NULL ? 0 : ma_regclient_new(&r->opts, &r->cl, &why);
    if (rc == 0) {
        unsigned long before = ma_regclient_requests(r->cl);
        rc = send(r->cl, next, a, &why);
        a->requests = ma_regclient_requests(r->cl) - before;
    }
    if (why.kind == MA_ERR_NOMEM || why.kind == MA_ERR_INTERRUPTED) {
        ma_jobregistry_answer_free(a);
        *err = why;
        return -1;
    }
    const char *ref = next->argv.len > 0 ? next->argv.items[0] : "";
    if (rc == 0)
        snprintf(a->text, sizeof a->text, "%s%c%s: not found", next->image,
                 strncmp(ref, "sha256:", 7) == 0 ? '@' : ':', ref);
    else if (rc < 0)
        snprintf(a->text, sizeof a->text, "%s", why.msg);
    a->outcome.status = rc != 1;
    a->outcome.not_found = rc == 0;
    a->outcome.out = a->body;
    a->outcome.err_text = a->text;
    a->outcome.digest = a->digest[0] ? a->digest : NULL;
    a->outcome.media_type = a->media_type;
    return 0;
}

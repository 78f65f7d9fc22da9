#include "pubsizes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imagesize.h"
#include "published.h"
#include "regapi.h"

static int publishes(const ma_plan *plan)
{
    return plan->req.mode == MA_MODE_PUSH || plan->req.mode == MA_MODE_MERGE;
}

void ma_pubsizes_before(const ma_plan *plan, ma_regclient *cl, ma_image_run *runs)
{
    if (!publishes(plan) || plan->nimages == 0 || cl == NULL)
        return;
    ma_manifest_read *reads = calloc(plan->nimages, sizeof *reads);
    char(*hosts)[256] = reads != NULL ? calloc(plan->nimages, sizeof *hosts) : NULL;
    if (hosts == NULL) {
        free(reads);
        return;
    }
    /* every image's latest, side by side */
    size_t n = 0;
    for (size_t i = 0; i < plan->nimages; i++) {
        const char *repo = ma_image_host_repo(plan->images[i].image, hosts[i], sizeof hosts[i]);
        reads[i] = (ma_manifest_read){.host = hosts[i], .repo = repo != NULL ? repo : "", .ref = MA_PUBSIZES_BASELINE,
                                      .with_body = 1};
        n += repo != NULL;
    }
    ma_error err = {0};
    if (n == plan->nimages) /* a read that failed says so in its own err */
        (void)ma_reg_manifests(cl, reads, n, &err);
    for (size_t i = 0; i < plan->nimages; i++) {
        ma_release_size *s = &runs[i].size;
        ma_manifest_read *r = &reads[i];
        if (r->err.kind != MA_ERR_NONE) {
            snprintf(s->error, sizeof s->error, "%s not read: %s", MA_PUBSIZES_BASELINE, r->err.msg);
        } else if (r->found) {
            snprintf(s->before_digest, sizeof s->before_digest, "%s", r->digest);
            ma_published p;
            ma_error why = {0};
            if (ma_published_from_manifest(MA_PUBSIZES_BASELINE, r->digest, r->body, r->len, &p, &why) == 0) {
                snprintf(s->before_version, sizeof s->before_version, "%s", p.version ? p.version : "");
                ma_published_free(&p);
            }
        }
        ma_manifest_read_free(r);
    }
    free(reads);
    free(hosts);
}

void ma_pubsizes_after(const ma_plan *plan, ma_regclient *cl, ma_image_run *runs)
{
    if (!publishes(plan) || cl == NULL)
        return;
    for (size_t i = 0; i < plan->nimages; i++) {
        ma_image_run *run = &runs[i];
        ma_release_size *s = &run->size;
        if (!MA_RESULT_IS_PUBLISHED(run->result) || run->job.index == NULL)
            continue;
        char host[256];
        const char *repo = ma_image_host_repo(plan->images[i].image, host, sizeof host);
        ma_error err = {0};
        if (repo == NULL ||
            ma_image_size_read(cl, host, repo, run->job.index, run->job.index_len, &s->now, &err) != 0) {
            snprintf(s->error, sizeof s->error, "sizes not read: %s", err.msg);
            continue;
        }
        char digest[MA_DIGEST_MAX];
        if (s->before_digest[0] != '\0' &&
            ma_image_size_read_ref(cl, host, repo, s->before_digest, digest, &s->before, &err) < 0)
            snprintf(s->error, sizeof s->error, "the sizes of %s before the run not read: %s",
                     MA_PUBSIZES_BASELINE, err.msg);
    }
}

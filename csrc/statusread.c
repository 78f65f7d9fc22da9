#include "statusread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imagesize.h"
#include "published.h"
#include "refname.h"
#include "regapi.h"
#include "tagpolicy.h"

/* The tags worth a manifest read: versions, aliases and HEAD's sha- tag. */
static int pick(const ma_status_image *img, const ma_strlist *tags, ma_strlist *versions, ma_strlist *aliases)
{
    for (size_t i = 0; i < tags->len; i++) {
        const char *t = tags->items[i];
        ma_semver v;
        long major, minor;
        if (ma_version_read(t, &v) == 0) {
            if (ma_strlist_push(versions, t) != 0)
                return -1;
        } else if (ma_status_alias_parse(t, &major, &minor) || strcmp(t, img->head_tag) == 0) {
            if (ma_strlist_push(aliases, t) != 0)
                return -1;
        }
    }
    return 0;
}

/* An index without the commit in its annotations (one platform pushed
 * without attestations, or made before annotations): the labels of its
 * first platform image's config, as published.h finds them (two reads at most). */
static int labels(ma_regclient *cl, const char *host, const char *repo, const ma_manifest_read *r, ma_published *p,
                  ma_error *err)
{
    char digest[MA_DIGEST_MAX];
    int config = 0, rc = 0;
    ma_manifest_read next = {0};
    const char *raw = r->body;
    size_t len = r->len;
    for (int hop = 0; rc == 0 && hop < 2 && ma_published_labels_at(raw, len, digest, &config); hop++) {
        if (config) {
            char *body = NULL;
            size_t n = 0;
            int found = ma_reg_blob_get(cl, host, repo, digest, 0, &body, &n, err);
            rc = found < 0 ? -1 : found == 1 && ma_published_take_config(p, body, n) != 0 ? ma_nomem(err) : 0;
            free(body);
            break;
        }
        ma_manifest_read_free(&next);
        next = (ma_manifest_read){.host = host, .repo = repo, .ref = digest, .with_body = 1};
        int found = ma_reg_manifest(cl, &next, err);
        if (found <= 0) {
            rc = found < 0 ? -1 : 0;
            break;
        }
        raw = next.body;
        len = next.len;
    }
    ma_manifest_read_free(&next);
    return rc;
}

/* One version tag's index: digest, commit, created, platforms, then sizes. */
static int take_version(ma_regclient *cl, ma_status_image *img, const char *host, const char *repo,
                        const ma_manifest_read *r, const ma_strlist *tags, ma_error *err)
{
    ma_semver v;
    if (ma_version_read(r->ref, &v) != 0 || !r->found)
        return 0; /* removed meanwhile */
    ma_status_version *x = ma_status_add_version(img, r->ref, &v);
    if (x == NULL)
        return ma_nomem(err);
    snprintf(x->digest, sizeof x->digest, "%s", r->digest);
    ma_published p;
    if (ma_published_from_manifest(r->ref, r->digest, r->body, r->len, &p, err) != 0)
        return -1;
    if (p.revision == NULL && labels(cl, host, repo, r, &p, err) != 0) {
        ma_published_free(&p);
        return -1;
    }
    x->revision = p.revision;
    x->platforms = p.platforms;
    p.revision = NULL;
    p.platforms = (ma_strlist)MA_STRLIST_INIT;
    ma_published_free(&p);
    x->created = ma_status_created(r->body, r->len);
    char sig[MA_DIGEST_MAX + 8];
    ma_status_sig_tag(x->digest, sig, sizeof sig);
    x->is_signed = ma_strlist_contains(tags, sig);
    return ma_image_size_read(cl, host, repo, r->body, r->len, &x->size, err);
}

int ma_status_read(ma_regclient *cl, ma_status_image *img, ma_error *err)
{
    char host[256];
    const char *repo = ma_image_host_repo(img->image, host, sizeof host);
    if (repo == NULL)
        return ma_fail(err, MA_ERR_INPUT, "%s names no registry host", img->image);
    ma_strlist tags = MA_STRLIST_INIT, versions = MA_STRLIST_INIT, aliases = MA_STRLIST_INIT;
    int rc = ma_reg_tags(cl, host, repo, 0, &tags, err);
    if (rc == 0 && pick(img, &tags, &versions, &aliases) != 0)
        rc = ma_nomem(err);
    size_t n = versions.len + aliases.len;
    ma_manifest_read *reads = rc == 0 ? calloc(n ? n : 1, sizeof *reads) : NULL;
    if (rc == 0 && reads == NULL)
        rc = ma_nomem(err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int is_version = i < versions.len;
        const char *ref = is_version ? versions.items[i] : aliases.items[i - versions.len];
        reads[i] = (ma_manifest_read){.host = host, .repo = repo, .ref = ref, .with_body = is_version};
    }
    if (rc == 0 && n > 0)
        rc = ma_reg_manifests(cl, reads, n, err);
    for (size_t i = 0; rc == 0 && i < versions.len; i++)
        rc = take_version(cl, img, host, repo, &reads[i], &tags, err);
    for (size_t i = versions.len; rc == 0 && i < n; i++) {
        if (!reads[i].found)
            continue;
        if (strcmp(reads[i].ref, img->head_tag) == 0)
            snprintf(img->head_digest, sizeof img->head_digest, "%s", reads[i].digest);
        else if (ma_status_add_alias(img, reads[i].ref, reads[i].digest) == NULL)
            rc = ma_nomem(err);
    }
    for (size_t i = 0; reads != NULL && i < n; i++)
        ma_manifest_read_free(&reads[i]);
    free(reads);
    ma_strlist_free(&tags);
    ma_strlist_free(&versions);
    ma_strlist_free(&aliases);
    return rc;
}

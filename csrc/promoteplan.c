#include "promoteplan.h"

#include "refname.h"
#include "sha256.h"
#include "tagrules.h"

int ma_promote_request(ma_request *req, int promote, int push_by_digest, int merge, ma_error *err)
{
    if (!promote)
        return req->promote_from != NULL || req->promote_registry != NULL
                   ? ma_fail(err, MA_ERR_INPUT, "--from and --from-registry go with `angreal build promote`")
                   : 0;
    if (push_by_digest || merge)
        return ma_fail(err, MA_ERR_INPUT, "a promotion builds and merges nothing: drop %s",
                       push_by_digest ? "--push-by-digest" : "merge");
    if (req->promote_from == NULL || req->promote_from[0] == '\0')
        return ma_fail(err, MA_ERR_INPUT, "promote needs --from: the tested image's sha-<7 hex> tag or "
                                          "@sha256:<digest>");
    req->mode = MA_MODE_PROMOTE;
    req->push = 1;
    return 0;
}

int ma_promote_check(const ma_request *req, ma_error *err)
{
    const char *from = req->promote_from;
    if (from == NULL)
        return ma_fail(err, MA_ERR_INPUT, "promote needs --from");
    if (from[0] == '@' ? !ma_digest_is_valid(from + 1) : !ma_tag_is_valid(from))
        return ma_fail(err, MA_ERR_INPUT, "invalid --from '%s': expected a tag (sha-abc1234) or @sha256:<64 hex>",
                       from);
    if (req->promote_registry != NULL && ma_registry_validate(req->promote_registry, err) != 0)
        return -1;
    if (req->provenance != NULL || req->sbom)
        return ma_fail(err, MA_ERR_INPUT, "%s goes with a build: a promotion keeps the source's attestations",
                       req->provenance != NULL ? "--provenance" : "--sbom");
    return 0;
}

int ma_promote_tags(const ma_strlist *computed, const char *version_prefix, ma_strlist *out, ma_error *err)
{
    for (size_t i = 0; i < computed->len; i++)
        if (!ma_tag_is_commit(computed->items[i]) && ma_strlist_push(out, computed->items[i]) != 0)
            return ma_nomem(err);
    if (out->len == 0 || !ma_tag_is_immutable_under(out->items[0], version_prefix))
        return ma_fail(err, MA_ERR_INPUT, "promote publishes a release: pass --tag vX.Y.Z (the tags were %s%s)",
                       computed->len > 0 ? computed->items[0] : "none", computed->len > 1 ? ", ..." : "");
    return 0;
}

int ma_promote_source(const ma_request *req, const char *registry, const char *path, ma_strlist *sources,
                      ma_error *err)
{
    const char *from = req->promote_from;
    const char *where = req->promote_registry != NULL ? req->promote_registry : registry;
    return ma_strlist_pushf(sources, "%s/%s%s%s", where, path, from[0] == '@' ? "" : ":", from) ? ma_nomem(err) : 0;
}

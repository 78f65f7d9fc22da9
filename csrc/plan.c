#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "annotations.h"
#include "buildcmd.h"
#include "merge.h"
#include "platform.h"
#include "promoteplan.h"
#include "tagrules.h"

const char *ma_plan_mode_name(ma_plan_mode mode)
{
    switch (mode) {
    case MA_MODE_PUSH:
        return "push";
    case MA_MODE_BY_DIGEST:
        return "push-by-digest";
    case MA_MODE_MERGE:
        return "merge";
    case MA_MODE_PROMOTE:
        return "promote";
    default:
        return "load";
    }
}

static void image_plan_free(ma_image_plan *ip)
{
    free(ip->component);
    free(ip->image);
    free(ip->dockerfile);
    free(ip->context);
    free(ip->metadata_file);
    free(ip->digest_file);
    ma_strlist_free(&ip->labels);
    ma_strlist_free(&ip->annotations);
    ma_strlist_free(&ip->sign_argv);
    ma_strlist_free(&ip->sign_verify_argv);
    ma_strlist_free(&ip->sources);
    ma_strlist_free(&ip->platforms);
    ma_strlist_free(&ip->tags);
    ma_strlist_free(&ip->refs);
    ma_strlist_free(&ip->immutable_tags);
    ma_strlist_free(&ip->mutable_tags);
    ma_strlist_free(&ip->build_argv);
}

void ma_plan_free(ma_plan *plan)
{
    if (plan == NULL)
        return;
    for (size_t i = 0; i < plan->nimages; i++)
        image_plan_free(&plan->images[i]);
    free(plan->images);
    ma_request_free(&plan->req);
    free(plan->revision);
    ma_sign_plan_free(&plan->sign);
    ma_strlist_free(&plan->tags);
    memset(plan, 0, sizeof *plan);
}

/* The image's last path component names it: "brokkr-broker". */
static const char *image_title(const char *image)
{
    const char *slash = strrchr(image, '/');
    return slash != NULL ? slash + 1 : image;
}

/* A builder that pushes under a tag (the docker driver) lands the image on
 * an immutable tag, which the pre-build check found absent.  A run with
 * none gets the commit's sha- tag, which every built commit has by the spec. */
static int add_landing_tag(ma_plan *plan, ma_error *err)
{
    for (size_t i = 0; i < plan->tags.len; i++)
        if (ma_tag_is_immutable_under(plan->tags.items[i], plan->tag_policy.version_prefix))
            return 0;
    if (!plan->tag_policy.sha)
        return ma_fail(err, MA_ERR_INPUT, "builder '%s' (docker driver) pushes under a tag, and tags %s have no "
                                          "immutable one to land on, and the tag policy has no sha- tag (tags.sha "
                                          "false): pass --builder with a builder that pushes by digest",
                       plan->req.builder, plan->tags.items[0]);
    if (plan->revision == NULL || strlen(plan->revision) < 7)
        return ma_fail(err, MA_ERR_ENV, "builder '%s' (docker driver) pushes under a tag, and tags %s have no "
                                        "immutable one to land on and no git commit for a sha- tag: publish from a "
                                        "git checkout, or pass --builder with a builder that pushes by digest",
                       plan->req.builder, plan->tags.items[0]);
    return ma_strlist_pushf(&plan->tags, "sha-%.7s", plan->revision) ? ma_nomem(err) : 0;
}

static int plan_tags(const ma_plan *plan, ma_image_plan *ip)
{
    if (ma_strlist_extend(&ip->tags, &plan->tags))
        return -1;
    if (plan->req.mode == MA_MODE_BY_DIGEST)
        return 0; /* tags are set by the merge */
    for (size_t i = 0; i < plan->tags.len; i++) {
        const char *tag = plan->tags.items[i];
        if (ma_strlist_pushf(&ip->refs, "%s:%s", ip->image, tag) ||
            ma_strlist_push(ma_tag_is_immutable_under(tag, plan->tag_policy.version_prefix) ? &ip->immutable_tags
                                                                                            : &ip->mutable_tags,
                            tag))
            return -1;
    }
    return 0;
}

static int plan_files(const ma_plan_inputs *in, const ma_plan *plan, const ma_component *c, ma_image_plan *ip)
{
    if (plan->req.push && plan->req.mode != MA_MODE_MERGE && plan->req.mode != MA_MODE_PROMOTE &&
        (ip->metadata_file = ma_strdupf("%s/%s.metadata.json", in->req.run_dir ? in->req.run_dir : MA_PLAN_RUN_DIR,
                                        c->name)) == NULL)
        return -1;
    if (plan->req.mode == MA_MODE_BY_DIGEST) {
        char name[512];
        if (ma_digest_file_name(c->name, ip->platforms.items[0], name, sizeof name) != 0 ||
            (ip->digest_file = ma_strdupf("%s/%s", in->req.digest_dir, name)) == NULL)
            return -1;
    }
    return 0;
}

static int plan_labels(const ma_plan_inputs *in, const ma_plan *plan, const ma_component *c, ma_image_plan *ip,
                       ma_error *err)
{
    ma_label_inputs facts = in->label_facts;
    facts.revision = plan->revision;
    facts.version = ip->tags.items[0];
    facts.title = image_title(ip->image);
    if (ma_labels_compute(&facts, &ip->labels, err) != 0)
        return -1;
    if (plan->req.mode == MA_MODE_LOCAL)
        return 0; /* a local build carries labels only */
    if (ma_annotations_compute(&ip->labels, c->description, c->licenses, &ip->annotations) != 0)
        return ma_nomem(err);
    /* buildx refuses index annotations where it makes no index: one platform, no attestations */
    ip->attestations = plan->req.sbom || (plan->req.provenance != NULL && strcmp(plan->req.provenance, "false") != 0);
    ip->index_annotations = plan->req.mode == MA_MODE_MERGE ||
                            (plan->req.mode == MA_MODE_PUSH && (ip->platforms.len > 1 || ip->attestations));
    if (plan->req.mode == MA_MODE_PROMOTE)
        ip->index_annotations = ip->attestations = 0; /* its bytes go unchanged: whatever the source carries */
    return 0;
}

/* The cosign commands of a signed publish, shown with the digest stand-in. */
static int plan_signing(const ma_plan *plan, ma_image_plan *ip, ma_error *err)
{
    if (!plan->sign.enabled)
        return 0;
    char *ref = ma_strdupf("%s@%s", ip->image, MA_PLAN_DIGEST);
    int rc = ref == NULL || ma_cosign_sign_argv(&plan->sign, ref, &ip->sign_argv) ||
             ma_cosign_verify_argv(&plan->sign, ref, &ip->sign_verify_argv);
    free(ref);
    return rc ? ma_nomem(err) : 0;
}

/* What the tags point at: the digest the build pushes, or merge's digests. */
static int plan_sources(const ma_plan_inputs *in, const ma_plan *plan, const ma_component *c, ma_image_plan *ip,
                        ma_error *err)
{
    if (plan->req.mode == MA_MODE_PROMOTE)
        return ma_promote_source(&plan->req, plan->req.registry, c->image, &ip->sources, err);
    if (plan->req.mode != MA_MODE_MERGE)
        return ma_strlist_pushf(&ip->sources, "%s@%s", ip->image, MA_PLAN_DIGEST) ? ma_nomem(err) : 0;
    ma_merge_inputs m = {.component = ip->component, .image = ip->image, .platforms = &ip->platforms,
                         .revision = plan->revision, .dir = plan->req.digest_dir};
    return ma_merge_sources(&m, in->digests, &ip->sources, err);
}

static int plan_image(const ma_plan_inputs *in, const ma_plan *plan, const ma_component *c,
                      const ma_strlist *platforms, ma_image_plan *ip, ma_error *err)
{
    if (!ma_repository_path_ok(c->image))
        return ma_fail(err, MA_ERR_ENV, "invalid image name '%s' for component '%s': lowercase [a-z0-9._-] path components",
                       c->image, c->name);
    if ((ip->image = ma_strdupf("%s/%s", plan->req.registry, c->image)) == NULL)
        return ma_nomem(err);
    if (strlen(ip->image) > MA_NAME_MAX)
        return ma_fail(err, MA_ERR_INPUT, "image name %.60s... of component '%s' is %zu characters, more than the %d "
                       "docker allows: use a shorter --registry", ip->image, c->name, strlen(ip->image), MA_NAME_MAX);
    ip->component = ma_strdup(c->name);
    ip->dockerfile = ma_strdup(c->dockerfile);
    ip->context = ma_strdup(c->context);
    if (!ip->component || !ip->dockerfile || !ip->context || ma_strlist_extend(&ip->platforms, platforms) ||
        plan_tags(plan, ip) || plan_files(in, plan, c, ip))
        return ma_nomem(err);
    if (plan_labels(in, plan, c, ip, err) != 0 || plan_sources(in, plan, c, ip, err) != 0 ||
        plan_signing(plan, ip, err) != 0)
        return -1;
    int rc = plan->req.mode != MA_MODE_MERGE && plan->req.mode != MA_MODE_PROMOTE &&
             ma_buildcmd_build_argv(in, plan, c, ip);
    return rc ? ma_nomem(err) : 0;
}

static int choose_platforms(const ma_plan_inputs *in, ma_plan_mode mode, ma_strlist *out, ma_error *err)
{
    if (in->req.platforms != NULL) {
        if (ma_platforms_parse(in->req.platforms, out, err) != 0)
            return -1;
        if ((mode == MA_MODE_LOCAL || mode == MA_MODE_BY_DIGEST) && out->len > 1)
            return ma_fail(err, MA_ERR_INPUT,
                           mode == MA_MODE_LOCAL
                               ? "a local build loads one platform into docker, but --platforms names %zu (%s): "
                                 "add --push to publish a multi-platform image, or pick one platform"
                               : "--push-by-digest builds one platform per run, but --platforms names %zu (%s): "
                                 "run once per platform (one runner each), then `angreal build merge`",
                           out->len, in->req.platforms);
        return 0;
    }
    if (mode == MA_MODE_BY_DIGEST)
        return ma_fail(err, MA_ERR_INPUT,
                       "--push-by-digest builds one platform: pass it with --platforms, e.g. --platforms linux/arm64");
    if (mode != MA_MODE_LOCAL)
        return ma_strlist_extend(out, &in->config->push_platforms) ? ma_nomem(err) : 0;
    if (in->host_platform == NULL || in->host_platform[0] == '\0')
        return ma_fail(err, MA_ERR_ENV, "cannot tell this machine's platform: pass --platforms (e.g. linux/amd64)");
    return ma_strlist_push(out, in->host_platform) ? ma_nomem(err) : 0;
}

static ma_plan_mode effective_mode(const ma_plan_inputs *in)
{
    return in->req.mode != MA_MODE_LOCAL ? in->req.mode : in->req.push ? MA_MODE_PUSH : MA_MODE_LOCAL;
}

static int check_attestation_inputs(const ma_plan_inputs *in, ma_plan_mode mode, ma_error *err)
{
    const char *p = in->req.provenance;
    if (p != NULL && strcmp(p, "min") != 0 && strcmp(p, "max") != 0 && strcmp(p, "false") != 0)
        return ma_fail(err, MA_ERR_INPUT, "invalid --provenance '%s': expected min, max or false", p);
    if (mode == MA_MODE_MERGE && (p != NULL || in->req.sbom))
        return ma_fail(err, MA_ERR_INPUT, "%s goes with the builds (`multi-arch --push-by-digest`): a merge builds "
                                          "nothing and keeps the attestations of the digests it merges",
                       p != NULL ? "--provenance" : "--sbom");
    return 0;
}

static int check_sign_inputs(const ma_plan_inputs *in, ma_plan_mode mode, ma_error *err)
{
    if (!in->req.sign && in->req.sign_key != NULL)
        return ma_fail(err, MA_ERR_INPUT, "--sign-key goes with --sign");
    if (!in->req.sign && in->req.sign_offline)
        return ma_fail(err, MA_ERR_INPUT, "--sign-offline goes with --sign");
    if (in->req.sign && in->req.sign_key != NULL && in->req.sign_key[strspn(in->req.sign_key, " ")] == '\0')
        return ma_fail(err, MA_ERR_INPUT, "empty --sign-key: give a key file, env://VAR or a KMS URI");
    if (in->req.sign && mode == MA_MODE_LOCAL)
        return ma_fail(err, MA_ERR_INPUT, "--sign signs what a publish pushes: add --push");
    if (in->req.sign && mode == MA_MODE_BY_DIGEST)
        return ma_fail(err, MA_ERR_INPUT, "--sign signs the index: pass it to `angreal build merge`, not to "
                                          "--push-by-digest");
    return 0;
}

static int plan_sign(const ma_plan_inputs *in, ma_plan *out, ma_error *err)
{
    ma_sign_plan *s = &out->sign;
    if (!in->req.sign)
        return 0;
    s->enabled = 1;
    s->offline = in->req.sign_offline;
    s->allow_http = ma_registry_is_loopback(out->req.registry);
    if (in->req.sign_key != NULL &&
        ((s->key = ma_strdup(in->req.sign_key)) == NULL ||
         (s->public_key = ma_strdupf("%s/%s", in->req.run_dir ? in->req.run_dir : MA_PLAN_RUN_DIR,
                                     MA_COSIGN_PUBLIC_KEY_FILE)) == NULL))
        return ma_nomem(err);
    if (in->req.sign_key == NULL && in->sign_identity != NULL && (s->identity = ma_strdup(in->sign_identity)) == NULL)
        return ma_nomem(err);
    return 0;
}

static int check_mode_inputs(const ma_plan_inputs *in, ma_plan_mode mode, ma_error *err)
{
    if ((mode == MA_MODE_BY_DIGEST || mode == MA_MODE_MERGE) && (in->req.digest_dir == NULL || in->req.digest_dir[0] == '\0'))
        return ma_fail(err, MA_ERR_INPUT, mode == MA_MODE_MERGE
                                              ? "merge needs --digest-dir DIR: the folder of digest files the "
                                                "`multi-arch --push-by-digest` runs wrote"
                                              : "--push-by-digest needs --digest-dir DIR: where to write the digest "
                                                "for `angreal build merge`");
    if (mode == MA_MODE_MERGE && in->digests == NULL)
        return ma_fail(err, MA_ERR_INPUT, "merge: no digest records were read");
    if (in->req.digest_dir != NULL && mode != MA_MODE_BY_DIGEST && mode != MA_MODE_MERGE)
        return ma_fail(err, MA_ERR_INPUT, "--digest-dir goes with --push-by-digest (or with `angreal build merge`)");
    if (check_attestation_inputs(in, mode, err) != 0 || check_sign_inputs(in, mode, err) != 0)
        return -1;
    if (mode == MA_MODE_PROMOTE && ma_promote_check(&in->req, err) != 0)
        return -1;
    const char *cache[] = {in->req.cache_from, in->req.cache_to}, *flag[] = {"--cache-from", "--cache-to"};
    for (size_t i = 0; i < 2; i++)
        if (cache[i] != NULL && cache[i][strspn(cache[i], " ")] == '\0')
            return ma_fail(err, MA_ERR_INPUT, "empty %s: give a cache (e.g. type=registry,ref=IMAGE:buildcache) or 'none'",
                           flag[i]);
    return 0;
}

static int plan_fill(const ma_plan_inputs *in, ma_plan *out, ma_strlist *platforms, ma_error *err)
{
    const ma_config *cfg = in->config;
    int all = strcmp(in->req.component, "all") == 0;
    const ma_component *one = all ? NULL : ma_config_find(cfg, in->req.component);
    if (!all && one == NULL) {
        ma_strlist names = MA_STRLIST_INIT;
        for (size_t i = 0; i < cfg->ncomponents; i++)
            if (ma_strlist_push(&names, cfg->components[i].name))
                return ma_nomem(err);
        char *joined = ma_strlist_join(&names, ", ");
        ma_strlist_free(&names);
        if (joined == NULL)
            return ma_nomem(err);
        ma_fail(err, MA_ERR_INPUT, "unknown component '%s' (expected one of: %s, all)", in->req.component, joined);
        free(joined);
        return -1;
    }
    if (in->tags == NULL || in->tags->len == 0)
        return ma_fail(err, MA_ERR_INPUT, "no tags to build");
    ma_plan_mode mode = effective_mode(in);
    if (check_mode_inputs(in, mode, err) != 0)
        return -1;
    const char *registry = in->req.registry ? in->req.registry : cfg->registry;
    if (ma_registry_validate(registry, err) != 0)
        return -1;
    /* the plan's own copy of the request, with what it settled written in */
    ma_request settled = in->req;
    settled.mode = mode;
    settled.push = mode != MA_MODE_LOCAL;
    settled.push_by_tag = in->req.push_by_tag && mode == MA_MODE_PUSH;
    settled.registry = registry;
    settled.builder = in->req.builder ? in->req.builder : cfg->builder;
    settled.config_path = cfg->source;
    if (mode != MA_MODE_BY_DIGEST && mode != MA_MODE_MERGE)
        settled.digest_dir = NULL;
    out->tag_policy = in->tag_policy != NULL ? *in->tag_policy : cfg->tag_policy;
    out->revision = ma_strdup(in->revision);
    if (ma_request_copy(&out->req, &settled) != 0 || (in->revision && !out->revision) ||
        (mode != MA_MODE_PROMOTE && ma_strlist_extend(&out->tags, in->tags)))
        return ma_nomem(err);
    if (mode == MA_MODE_PROMOTE && ma_promote_tags(in->tags, out->tag_policy.version_prefix, &out->tags, err) != 0)
        return -1;
    if (out->req.builder[0] == '\0')
        return ma_fail(err, MA_ERR_INPUT, "empty --builder: name a buildx builder");
    for (size_t i = 0; i < out->tags.len; i++)
        if (!ma_tag_is_valid(out->tags.items[i]))
            return ma_fail(err, MA_ERR_INPUT, "invalid tag '%s'", out->tags.items[i]);
    if (plan_sign(in, out, err) != 0)
        return -1;
    if (out->req.push_by_tag && add_landing_tag(out, err) != 0)
        return -1;
    if (choose_platforms(in, mode, platforms, err) != 0)
        return -1;

    size_t n = all ? cfg->ncomponents : 1;
    out->images = calloc(n, sizeof *out->images);
    if (out->images == NULL)
        return ma_nomem(err);
    for (size_t i = 0; i < n; i++) {
        out->nimages = i + 1;
        if (plan_image(in, out, all ? &cfg->components[i] : one, platforms, &out->images[i], err) != 0)
            return -1;
    }
    return 0;
}

int ma_plan_build(const ma_plan_inputs *in, ma_plan *out, ma_error *err)
{
    memset(out, 0, sizeof *out);
    ma_strlist platforms = MA_STRLIST_INIT;
    int rc = plan_fill(in, out, &platforms, err);
    ma_strlist_free(&platforms);
    if (rc != 0)
        ma_plan_free(out);
    return rc;
}

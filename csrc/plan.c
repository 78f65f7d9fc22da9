#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "tagrules.h"

static int is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One repository path component: lowercase alphanumerics joined by '.', '_', '__' or '-'. */
static int path_component_ok(const char *s, size_t n)
{
    if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_lower_alnum(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
            return 0;
    return 1;
}

static int repository_path_ok(const char *path)
{
    while (*path) {
        size_t n = strcspn(path, "/");
        if (!path_component_ok(path, n))
            return 0;
        path += n;
        if (*path == '/' && *++path == '\0')
            return 0;
    }
    return 1;
}

int ma_registry_validate(const char *registry, ma_error *err)
{
    const char *what = "expected host[:port][/namespace], e.g. ghcr.io/colliery-io or localhost:5000/team";
    if (registry[0] == '\0')
        return ma_fail(err, MA_ERR_INPUT, "empty --registry: %s", what);
    if (strstr(registry, "://") != NULL)
        return ma_fail(err, MA_ERR_INPUT, "invalid registry '%s': leave out the scheme (%s)", registry, what);
    size_t hostlen = strcspn(registry, "/");
    for (size_t i = 0; i < hostlen; i++) {
        char c = registry[i];
        if (!(is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == ':' ||
              c == '[' || c == ']'))
            return ma_fail(err, MA_ERR_INPUT, "invalid registry '%s': bad character '%c' in host (%s)", registry, c, what);
    }
    if (hostlen == 0 || registry[0] == ':' || registry[hostlen - 1] == ':')
        return ma_fail(err, MA_ERR_INPUT, "invalid registry '%s': %s", registry, what);
    if (registry[hostlen] == '/' && (registry[hostlen + 1] == '\0' || !repository_path_ok(registry + hostlen + 1)))
        return ma_fail(err, MA_ERR_INPUT, "invalid registry '%s': the namespace must be lowercase [a-z0-9._-] path components (%s)",
                       registry, what);
    return 0;
}

static void image_plan_free(ma_image_plan *ip)
{
    free(ip->component);
    free(ip->image);
    free(ip->dockerfile);
    free(ip->context);
    free(ip->metadata_file);
    ma_strlist_free(&ip->platforms);
    ma_strlist_free(&ip->tags);
    ma_strlist_free(&ip->refs);
    ma_strlist_free(&ip->immutable_tags);
    ma_strlist_free(&ip->mutable_tags);
    ma_strlist_free(&ip->build_argv);
    ma_strlist_free(&ip->promote_immutable_argv);
    ma_strlist_free(&ip->promote_mutable_argv);
}

void ma_plan_free(ma_plan *plan)
{
    if (plan == NULL)
        return;
    for (size_t i = 0; i < plan->nimages; i++)
        image_plan_free(&plan->images[i]);
    free(plan->images);
    free(plan->builder);
    free(plan->registry);
    free(plan->workdir);
    free(plan->config);
    ma_strlist_free(&plan->tags);
    memset(plan, 0, sizeof *plan);
}

int ma_plan_promote_argv(const char *image, const ma_strlist *tags, const char *digest,
                         ma_strlist *argv)
{
    if (ma_strlist_push(argv, "docker") || ma_strlist_push(argv, "buildx") ||
        ma_strlist_push(argv, "imagetools") || ma_strlist_push(argv, "create"))
        return -1;
    for (size_t i = 0; i < tags->len; i++)
        if (ma_strlist_push(argv, "--tag") || ma_strlist_pushf(argv, "%s:%s", image, tags->items[i]))
            return -1;
    return ma_strlist_pushf(argv, "%s@%s", image, digest);
}

static int push_pair(ma_strlist *argv, const char *flag, const char *value)
{
    return ma_strlist_push(argv, flag) || ma_strlist_push(argv, value) ? -1 : 0;
}

static int build_argv(const ma_plan_inputs *in, const ma_plan *plan, const ma_component *c,
                      ma_image_plan *ip)
{
    ma_strlist *argv = &ip->build_argv;
    char *platforms = ma_strlist_join(&ip->platforms, ",");
    int rc = platforms == NULL;
    rc = rc || ma_strlist_push(argv, "docker") || ma_strlist_push(argv, "buildx") ||
         ma_strlist_push(argv, "build") || push_pair(argv, "--builder", plan->builder) ||
         push_pair(argv, "--platform", platforms) || push_pair(argv, "--file", ip->dockerfile);
    free(platforms);
    if (c->target != NULL)
        rc = rc || push_pair(argv, "--target", c->target);
    for (size_t i = 0; i < c->build_args.len; i++)
        rc = rc || push_pair(argv, "--build-arg", c->build_args.items[i]);
    /* OCI labels say which commit and version an image holds. */
    if (in->revision != NULL)
        rc = rc || ma_strlist_push(argv, "--label") ||
             ma_strlist_pushf(argv, "org.opencontainers.image.revision=%s", in->revision);
    rc = rc || ma_strlist_push(argv, "--label") ||
         ma_strlist_pushf(argv, "org.opencontainers.image.version=%s", ip->tags.items[0]);
    if (plan->push) {
        rc = rc || ma_strlist_push(argv, "--output") ||
             ma_strlist_pushf(argv, "type=image,name=%s,push-by-digest=true,name-canonical=true,push=true", ip->image) ||
             push_pair(argv, "--metadata-file", ip->metadata_file);
    } else {
        for (size_t i = 0; i < ip->refs.len; i++)
            rc = rc || push_pair(argv, "--tag", ip->refs.items[i]);
        rc = rc || ma_strlist_push(argv, "--load");
    }
    return rc || ma_strlist_push(argv, ip->context) ? -1 : 0;
}

static int plan_image(const ma_plan_inputs *in, const ma_plan *plan, const ma_component *c,
                      const ma_strlist *platforms, ma_image_plan *ip, ma_error *err)
{
    if (!repository_path_ok(c->image))
        return ma_fail(err, MA_ERR_ENV, "invalid image name '%s' for component '%s': lowercase [a-z0-9._-] path components",
                       c->image, c->name);
    ma_strlist paths = MA_STRLIST_INIT;
    int rc = ma_strlist_pushf(&paths, "%s/%s", plan->registry, c->image) ||
             ma_strlist_pushf(&paths, "%s/%s.metadata.json", in->run_dir ? in->run_dir : MA_PLAN_RUN_DIR, c->name);
    if (rc) {
        ma_strlist_free(&paths);
        return ma_nomem(err);
    }
    ip->image = paths.items[0];
    ip->metadata_file = plan->push ? paths.items[1] : (free(paths.items[1]), NULL);
    free(paths.items);
    ip->component = ma_strdup(c->name);
    ip->dockerfile = ma_strdup(c->dockerfile);
    ip->context = ma_strdup(c->context);
    rc = !ip->component || !ip->dockerfile || !ip->context || ma_strlist_extend(&ip->platforms, platforms) ||
         ma_strlist_extend(&ip->tags, &plan->tags);
    for (size_t i = 0; !rc && i < plan->tags.len; i++) {
        const char *tag = plan->tags.items[i];
        rc = ma_strlist_pushf(&ip->refs, "%s:%s", ip->image, tag) ||
             ma_strlist_push(ma_tag_is_immutable(tag) ? &ip->immutable_tags : &ip->mutable_tags, tag);
    }
    rc = rc || build_argv(in, plan, c, ip);
    if (!rc && plan->push && ip->immutable_tags.len > 0)
        rc = ma_plan_promote_argv(ip->image, &ip->immutable_tags, MA_PLAN_DIGEST,
                                  &ip->promote_immutable_argv);
    if (!rc && plan->push && ip->mutable_tags.len > 0)
        rc = ma_plan_promote_argv(ip->image, &ip->mutable_tags, MA_PLAN_DIGEST,
                                  &ip->promote_mutable_argv);
    return rc ? ma_nomem(err) : 0;
}

static int choose_platforms(const ma_plan_inputs *in, ma_strlist *out, ma_error *err)
{
    if (in->platforms != NULL) {
        if (ma_platforms_parse(in->platforms, out, err) != 0)
            return -1;
        if (!in->push && out->len > 1)
            return ma_fail(err, MA_ERR_INPUT,
                           "a local build loads one platform into docker, but --platforms names %zu (%s): "
                           "add --push to publish a multi-platform image, or pick one platform",
                           out->len, in->platforms);
        return 0;
    }
    if (in->push)
        return ma_strlist_extend(out, &in->config->push_platforms) ? ma_nomem(err) : 0;
    if (in->host_platform == NULL || in->host_platform[0] == '\0')
        return ma_fail(err, MA_ERR_ENV, "cannot tell this machine's platform: pass --platforms (e.g. linux/amd64)");
    return ma_strlist_push(out, in->host_platform) ? ma_nomem(err) : 0;
}

static int plan_fill(const ma_plan_inputs *in, ma_plan *out, ma_strlist *platforms, ma_error *err)
{
    const ma_config *cfg = in->config;
    int all = strcmp(in->component, "all") == 0;
    const ma_component *one = all ? NULL : ma_config_find(cfg, in->component);
    if (!all && one == NULL) {
        ma_strlist names = MA_STRLIST_INIT;
        for (size_t i = 0; i < cfg->ncomponents; i++)
            if (ma_strlist_push(&names, cfg->components[i].name))
                return ma_nomem(err);
        char *joined = ma_strlist_join(&names, ", ");
        ma_strlist_free(&names);
        if (joined == NULL)
            return ma_nomem(err);
        ma_fail(err, MA_ERR_INPUT, "unknown component '%s' (expected one of: %s, all)", in->component, joined);
        free(joined);
        return -1;
    }
    if (in->tags == NULL || in->tags->len == 0)
        return ma_fail(err, MA_ERR_INPUT, "no tags to build");
    const char *registry = in->registry ? in->registry : cfg->registry;
    if (ma_registry_validate(registry, err) != 0)
        return -1;
    out->push = in->push;
    out->registry = ma_strdup(registry);
    out->builder = ma_strdup(in->builder ? in->builder : cfg->builder);
    out->workdir = ma_strdup(in->workdir);
    out->config = ma_strdup(cfg->source);
    if (!out->registry || !out->builder || (in->workdir && !out->workdir) ||
        (cfg->source && !out->config) || ma_strlist_extend(&out->tags, in->tags))
        return ma_nomem(err);
    if (out->builder[0] == '\0')
        return ma_fail(err, MA_ERR_INPUT, "empty --builder: name a buildx builder");
    for (size_t i = 0; i < out->tags.len; i++)
        if (!ma_tag_is_valid(out->tags.items[i]))
            return ma_fail(err, MA_ERR_INPUT, "invalid tag '%s'", out->tags.items[i]);
    if (choose_platforms(in, platforms, err) != 0)
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

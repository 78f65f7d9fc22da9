#include "buildcmd.h"

#include <stdlib.h>
#include <string.h>

#include "annotations.h"

#define CACHE_NONE "none"

static int push_pair(ma_strlist *argv, const char *flag, const char *value)
{
    return ma_strlist_push(argv, flag) || ma_strlist_push(argv, value) ? -1 : 0;
}

/* The registry cache tag of a platform set: buildcache-linux-amd64 for one,
 * buildcache-linux-amd64_linux-arm64 for several. */
static char *cache_tag(const ma_strlist *platforms)
{
    char *joined = ma_strlist_join(platforms, "_");
    if (joined == NULL)
        return NULL;
    for (char *p = joined; *p; p++)
        if (*p == '/')
            *p = '-';
    char *tag = ma_strdupf("buildcache-%s", joined);
    free(joined);
    return tag;
}

/* Default: read the cache of this platform set and of each single platform
 * (what matrix runners write), write this set's cache when pushing. */
static int default_cache(const ma_plan *plan, const ma_image_plan *ip, int from, ma_strlist *argv)
{
    int rc = 0;
    if (from && ip->platforms.len > 1)
        for (size_t i = 0; rc == 0 && i < ip->platforms.len; i++) {
            ma_strlist one = {&ip->platforms.items[i], 1, 1};
            char *tag = cache_tag(&one);
            rc = tag == NULL || ma_strlist_push(argv, "--cache-from") ||
                 ma_strlist_pushf(argv, "type=registry,ref=%s:%s", ip->image, tag);
            free(tag);
        }
    if (rc != 0 || (!from && !plan->req.push))
        return rc ? -1 : 0;
    char *tag = cache_tag(&ip->platforms);
    rc = tag == NULL;
    if (!rc && from)
        rc = ma_strlist_push(argv, "--cache-from") || ma_strlist_pushf(argv, "type=registry,ref=%s:%s", ip->image, tag);
    else if (!rc)
        rc = ma_strlist_push(argv, "--cache-to") ||
             ma_strlist_pushf(argv, "type=registry,ref=%s:%s,mode=max,image-manifest=true,oci-mediatypes=true",
                              ip->image, tag);
    free(tag);
    return rc ? -1 : 0;
}

static int cache_args(const ma_plan_inputs *in, const ma_plan *plan, const ma_image_plan *ip, ma_strlist *argv)
{
    if (in->req.cache_from == NULL ? default_cache(plan, ip, 1, argv) != 0
                               : strcmp(in->req.cache_from, CACHE_NONE) != 0 && push_pair(argv, "--cache-from", in->req.cache_from))
        return -1;
    if (in->req.cache_to == NULL ? default_cache(plan, ip, 0, argv) != 0
                             : strcmp(in->req.cache_to, CACHE_NONE) != 0 && push_pair(argv, "--cache-to", in->req.cache_to))
        return -1;
    return 0;
}

static int has_build_arg(const ma_component *c, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < c->build_args.len; i++)
        if (strncmp(c->build_args.items[i], name, n) == 0 && c->build_args.items[i][n] == '=')
            return 1;
    return 0;
}

static int build_args(const ma_plan_inputs *in, const ma_component *c, const ma_image_plan *ip, ma_strlist *argv)
{
    int rc = 0;
    for (size_t i = 0; i < c->build_args.len; i++)
        rc = rc || push_pair(argv, "--build-arg", c->build_args.items[i]);
    /* Brokkr's Dockerfiles take the release as VERSION; the config may set its own. */
    if (!has_build_arg(c, "VERSION"))
        rc = rc || ma_strlist_push(argv, "--build-arg") || ma_strlist_pushf(argv, "VERSION=%s", ip->tags.items[0]);
    /* BuildKit stamps image and file times with it: reproducible digests. */
    if (in->source_date_epoch != NULL && !has_build_arg(c, "SOURCE_DATE_EPOCH"))
        rc = rc || ma_strlist_push(argv, "--build-arg") ||
             ma_strlist_pushf(argv, "SOURCE_DATE_EPOCH=%s", in->source_date_epoch);
    return rc ? -1 : 0;
}

/* On the index where there is one, and on each platform manifest. */
static int annotation_args(const ma_image_plan *ip, ma_strlist *argv)
{
    if (ip->index_annotations && ma_annotation_args(&ip->annotations, MA_ANNOTATE_INDEX, argv) != 0)
        return -1;
    return ma_annotation_args(&ip->annotations, MA_ANNOTATE_MANIFEST, argv);
}

/* --provenance and --sbom only when asked for: otherwise buildx's defaults hold. */
static int attestation_args(const ma_plan *plan, ma_strlist *argv)
{
    const char *p = plan->req.provenance;
    if (p != NULL && push_pair(argv, "--provenance", strcmp(p, "min") == 0   ? "mode=min"
                                                     : strcmp(p, "max") == 0 ? "mode=max"
                                                                             : "false"))
        return -1;
    return plan->req.sbom && push_pair(argv, "--sbom", "true") ? -1 : 0;
}

int ma_buildcmd_build_argv(const ma_plan_inputs *in, const ma_plan *plan, const ma_component *c, ma_image_plan *ip)
{
    ma_strlist *argv = &ip->build_argv;
    char *platforms = ma_strlist_join(&ip->platforms, ",");
    int rc = platforms == NULL;
    rc = rc || ma_strlist_push(argv, "docker") || ma_strlist_push(argv, "buildx") ||
         ma_strlist_push(argv, "build") || push_pair(argv, "--builder", plan->req.builder) ||
         push_pair(argv, "--platform", platforms) || push_pair(argv, "--file", ip->dockerfile);
    free(platforms);
    if (c->target != NULL)
        rc = rc || push_pair(argv, "--target", c->target);
    rc = rc || build_args(in, c, ip, argv);
    for (size_t i = 0; i < ip->labels.len; i++)
        rc = rc || push_pair(argv, "--label", ip->labels.items[i]);
    rc = rc || annotation_args(ip, argv) || attestation_args(plan, argv);
    rc = rc || cache_args(in, plan, ip, argv);
    if (plan->req.push && plan->req.push_by_tag) {
        /* the docker driver cannot push by digest: land on the first immutable tag */
        rc = rc || ma_strlist_push(argv, "--output") ||
             ma_strlist_pushf(argv, "type=image,name=%s:%s,push=true", ip->image, ip->immutable_tags.items[0]) ||
             push_pair(argv, "--metadata-file", ip->metadata_file);
    } else if (plan->req.push) {
        /* store=false: a builder whose worker has an image store (dockerd's,
         * with the containerd image store) would otherwise keep a nameless
         * copy of every pushed image there, one per release, that nothing
         * ever removes; a BuildKit without an image store ignores it */
        rc = rc || ma_strlist_push(argv, "--output") ||
             ma_strlist_pushf(argv, "type=image,name=%s,push-by-digest=true,name-canonical=true,push=true,store=false",
                              ip->image) ||
             push_pair(argv, "--metadata-file", ip->metadata_file);
    } else {
        for (size_t i = 0; i < ip->refs.len; i++)
            rc = rc || push_pair(argv, "--tag", ip->refs.items[i]);
        rc = rc || ma_strlist_push(argv, "--load");
    }
    return rc || ma_strlist_push(argv, ip->context) ? -1 : 0;
}

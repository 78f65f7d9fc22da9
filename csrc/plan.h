/* The build plan: a pure function of (component, tags, platforms, registry,
 * config) -> one job per image with the exact docker argv that runs it.
 *
 * Publishing goes in three steps so a failure never moves a mutable tag:
 *   1. build: `docker buildx build ... --output type=image,...,push-by-digest=true`
 *      pushes the multi-platform index by digest only and writes the digest to
 *      the metadata file;
 *   2. promote_immutable: `imagetools create` points vX.Y.Z / sha-... at it;
 *   3. promote_mutable:   `imagetools create` points vX.Y, vX, latest, branch, pr-N at it.
 * A local build (no push) is one `--load` build of one platform with every tag. */
#ifndef MA_PLAN_H
#define MA_PLAN_H

#include <stddef.h>

#include "config.h"
#include "error.h"
#include "strlist.h"

/* Stand-ins shown where a value only exists during a run. */
#define MA_PLAN_RUN_DIR "<run-dir>"
#define MA_PLAN_DIGEST "<digest>"

typedef struct {
    char *component;
    char *image;               /* registry/repository, no tag */
    char *dockerfile;
    char *context;
    ma_strlist platforms;
    ma_strlist tags;
    ma_strlist refs;           /* image:tag for every tag */
    ma_strlist immutable_tags; /* vX.Y.Z, sha-...: never overwritten at another digest */
    ma_strlist mutable_tags;   /* moved only after the immutable ones are verified */
    char *metadata_file;       /* where buildx writes the digest (push only), else NULL */
    ma_strlist build_argv;
    ma_strlist promote_immutable_argv; /* empty when there is nothing to promote */
    ma_strlist promote_mutable_argv;
} ma_image_plan;

typedef struct {
    int push;
    char *builder;
    char *registry;
    char *workdir;   /* the directory the commands run in */
    char *config;    /* the config file used, or NULL for the defaults */
    ma_strlist tags;
    ma_image_plan *images;
    size_t nimages;
} ma_plan;

typedef struct {
    const char *component;       /* a component name or "all" */
    const ma_strlist *tags;      /* from ma_tags_compute */
    const char *platforms;       /* --platforms, or NULL for the default */
    const char *registry;        /* --registry, or NULL for the config's */
    const char *builder;         /* --builder, or NULL for the config's */
    const char *host_platform;   /* default for local builds, e.g. "linux/amd64" */
    const char *run_dir;         /* where metadata files go, or NULL for MA_PLAN_RUN_DIR */
    const char *revision;        /* commit for the revision label, or NULL */
    const char *workdir;         /* project directory */
    int push;
    const ma_config *config;
} ma_plan_inputs;

int ma_plan_build(const ma_plan_inputs *in, ma_plan *out, ma_error *err);

/* The `imagetools create` argv pointing `tags` of image at image@digest. */
int ma_plan_promote_argv(const char *image, const ma_strlist *tags, const char *digest,
                         ma_strlist *argv);

/* Validate a registry ("host[:port][/namespace...]"); MA_ERR_INPUT naming the value. */
int ma_registry_validate(const char *registry, ma_error *err);

void ma_plan_free(ma_plan *plan);

#endif

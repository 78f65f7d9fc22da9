/* The data of a build plan (what plan.c builds and everything after it
 * reads): its mode, one ma_image_plan per image, and the inputs it is made
 * from (the request, whole, and the facts the context gathered).  Types
 * only, so the steps that fill a plan (buildcmd.c) need not include the file
 * that calls them. */
#ifndef MA_PLANTYPES_H
#define MA_PLANTYPES_H

#include <stddef.h>

#include "config.h"
#include "cosign.h"
#include "digestdir.h"
#include "labels.h"
#include "request.h"
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
    char *digest_file;         /* by digest: the record written for merge, else NULL */
    ma_strlist labels;         /* OCI labels, "key=value" */
    ma_strlist annotations;    /* OCI annotations, "key=value": on the index (and each platform manifest) */
    int index_annotations;     /* the pushed index carries them (read back): a push of several platforms
                                  or with attestations, or a merge */
    int attestations;          /* attestations were asked for (--sbom, --provenance min|max): read back */
    ma_strlist sources;        /* what the tags point at: image@<digest>, or merge's digests */
    ma_strlist build_argv;     /* empty for a merge */
    ma_strlist sign_argv;      /* with --sign: `cosign sign` of image@<digest>, else empty */
    ma_strlist sign_verify_argv; /* with --sign: `cosign verify` of image@<digest>, else empty */
} ma_image_plan;

typedef struct {
    ma_request req;            /* the request it was made from, its own copy (ma_request_copy), with what
                                  the plan settled written in: mode and push (mode != MA_MODE_LOCAL),
                                  push_by_tag (the docker driver: the build pushes under the first
                                  immutable tag), the registry, builder and tag_prefix in effect,
                                  project_dir (where the commands run), config_path (the config file
                                  used, or NULL for the defaults), digest_dir (by digest and merge only) */
    char *revision;            /* the commit built, or NULL outside git */
    ma_tag_policy tag_policy;  /* the tag policy in effect (config "tags" and the options over it) */
    ma_sign_plan sign;         /* --sign: how each index digest is signed before any tag moves */
    ma_strlist tags;
    ma_image_plan *images;
    size_t nimages;
} ma_plan;

typedef struct {
    ma_request req;              /* what was asked: component, platforms, registry, builder, mode, cache,
                                    attestations, signing (request.h); tag_prefix and project_dir: the
                                    ones in effect (the context settles them) */
    const ma_strlist *tags;      /* from ma_tags_compute */
    const char *host_platform;   /* default for local builds, e.g. "linux/amd64" */
    const char *revision;        /* commit for the revision label, or NULL */
    const ma_config *config;
    ma_label_inputs label_facts; /* source, created (revision, version, title: filled per image) */
    const char *source_date_epoch; /* SOURCE_DATE_EPOCH (validated), passed on as a build argument, or NULL */
    const ma_digest_set *digests; /* merge: the records read from digest_dir */
    const ma_tag_policy *tag_policy; /* the tag policy in effect, NULL: the config's */
    const char *sign_identity;   /* keyless: the workflow's certificate identity, or NULL */
} ma_plan_inputs;

#endif

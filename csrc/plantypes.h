/* The data of a build plan (what plan.c builds and everything after it
 * reads): its mode, one ma_image_plan per image, and the inputs it is made
 * from.  Types only, so the steps that fill a plan (buildcmd.c) need not
 * include the file that calls them. */
#ifndef MA_PLANTYPES_H
#define MA_PLANTYPES_H

#include <stddef.h>

#include "config.h"
#include "cosign.h"
#include "digestdir.h"
#include "labels.h"
#include "strlist.h"

typedef enum {
    MA_MODE_LOCAL = 0,     /* build one platform and --load it */
    MA_MODE_PUSH = 1,      /* build every platform, push by digest, then tag */
    MA_MODE_BY_DIGEST = 2, /* build one platform, push by digest, record it: no tags */
    MA_MODE_MERGE = 3      /* tag an index made of recorded digests: no build */
} ma_plan_mode;

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
    int push;                  /* anything pushed: mode != MA_MODE_LOCAL */
    ma_plan_mode mode;
    int push_by_tag;           /* the builder cannot push by digest (docker driver): the build
                                  pushes under the first immutable tag */
    char *revision;            /* the commit built, or NULL outside git */
    char *digest_dir;          /* by digest / merge: --digest-dir, else NULL */
    char *builder;
    char *registry;
    char *workdir;   /* the directory the commands run in */
    char *config;    /* the config file used, or NULL for the defaults */
    char *provenance;          /* --provenance: "min", "max", "false", or NULL for buildx's default */
    int sbom;                  /* --sbom: an SBOM attestation */
    ma_sign_plan sign;         /* --sign: how each index digest is signed before any tag moves */
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
    int push;                    /* with mode MA_MODE_LOCAL: MA_MODE_PUSH */
    ma_plan_mode mode;
    int push_by_tag;             /* the builder's driver is `docker`: no push by digest */
    const ma_config *config;
    ma_label_inputs label_facts; /* source, created (revision, version, title: filled per image) */
    const char *source_date_epoch; /* SOURCE_DATE_EPOCH (validated), passed on as a build argument, or NULL */
    const char *cache_from;      /* --cache-from: NULL for the registry cache default, "none" for none */
    const char *cache_to;        /* --cache-to: likewise (the default only when pushing) */
    const char *digest_dir;      /* by digest: where the record goes; merge: where records came from */
    const ma_digest_set *digests; /* merge: the records read from digest_dir */
    const char *provenance;      /* --provenance: min, max or false; NULL: buildx's default */
    int sbom;                    /* --sbom */
    int sign;                    /* --sign */
    const char *sign_key;        /* --sign-key, or NULL: keyless in GitHub Actions */
    int sign_offline;            /* --sign-offline */
    const char *sign_identity;   /* keyless: the workflow's certificate identity, or NULL */
} ma_plan_inputs;

#endif

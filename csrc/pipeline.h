/* The dry-run half of the data flow: request -> context -> tags -> plan.
 * Shared by the Python API (compute_tags, plan) and the command line. */
#ifndef MA_PIPELINE_H
#define MA_PIPELINE_H

#include "error.h"
#include "gitctx.h"
#include "plan.h"
#include "strlist.h"

typedef struct {
    const char *component;    /* for plans: a component name or "all" */
    const char *tag;          /* --tag: "auto" or a literal (NULL: "dev") */
    const char *tag_prefix;   /* --tag-prefix: release tags are <prefix>v<semver> (NULL: the config's) */
    const char *registry;     /* NULL: the config's */
    const char *platforms;    /* NULL: the default for push / local */
    const char *builder;      /* NULL: the config's */
    const char *config_path;  /* NULL: <project>/multiarch.json when it exists */
    const char *project_dir;  /* NULL: the current directory */
    const char *run_dir;      /* NULL: MA_PLAN_RUN_DIR stand-in */
    const char *const *envp;  /* environment with the CI variables */
    ma_gitcache *git_cache;   /* NULL: open the repository for this request only */
    int push;
    ma_plan_mode mode;        /* MA_MODE_LOCAL: push decides; else by digest or merge */
    const char *digest_dir;   /* --digest-dir */
    const char *cache_from;   /* --cache-from (NULL: the registry cache default; "none") */
    const char *cache_to;     /* --cache-to */
    int push_by_tag;          /* the builder cannot push by digest (docker driver) */
    const char *provenance;   /* --provenance min|max|false (NULL: buildx's default) */
    int sbom;                 /* --sbom */
    int sign;                 /* --sign */
    const char *sign_key;     /* --sign-key (NULL: keyless in GitHub Actions) */
    int sign_offline;         /* --sign-offline */
} ma_request;

#define MA_DEFAULT_TAG "dev"

/* Set req->mode (and push) from the flags: a merge, a push by digest
 * (--push beside it changes nothing), else push decides.  MA_ERR_INPUT for both. */
int ma_request_set_mode(ma_request *req, int push_by_digest, int merge, ma_error *err);

int ma_pipeline_tags(const ma_request *req, ma_strlist *tags, ma_error *err);
int ma_pipeline_plan(const ma_request *req, ma_plan *plan, ma_error *err);

#endif

/* What a caller asks for: one build or merge request, as the options table
 * (options.h) fills it.  It travels whole: the plan's inputs hold it, not
 * copies of its fields.  Types only. */
#ifndef MA_REQUEST_H
#define MA_REQUEST_H

#include "gitctx.h"

typedef enum {
    MA_MODE_LOCAL = 0,     /* build one platform and --load it */
    MA_MODE_PUSH = 1,      /* build every platform, push by digest, then tag */
    MA_MODE_BY_DIGEST = 2, /* build one platform, push by digest, record it: no tags */
    MA_MODE_MERGE = 3      /* tag an index made of recorded digests: no build */
} ma_plan_mode;

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

#endif

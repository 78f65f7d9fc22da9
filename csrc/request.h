/* What a caller asks for: one build or merge request, as the options table
 * (options.h) fills it.  It travels whole: the plan's inputs hold it, and the
 * plan keeps its own copy (ma_request_copy), not copies of its fields. */
#ifndef MA_REQUEST_H
#define MA_REQUEST_H

#include "gitctx.h"

/* The tag of a request that names none. */
#define MA_DEFAULT_TAG "dev"

typedef enum {
    MA_MODE_LOCAL = 0,     /* build one platform and --load it */
    MA_MODE_PUSH = 1,      /* build every platform, push by digest, then tag */
    MA_MODE_BY_DIGEST = 2, /* build one platform, push by digest, record it: no tags */
    MA_MODE_MERGE = 3,     /* tag an index made of recorded digests: no build */
    MA_MODE_PROMOTE = 4    /* put a published index's bytes under a release's tags: no build */
} ma_plan_mode;

typedef struct {
    const char *component;    /* for plans: a component name or "all" */
    const char *tag;          /* --tag: "auto" or a literal (NULL: "dev") */
    const char *tag_prefix;   /* --tag-prefix: release tags are <prefix>v<semver> (NULL: the config's) */
    const char *version_prefix; /* --version-prefix: "v" or "" (NULL: the config's tags.version_prefix) */
    const char *sha_tag;      /* --sha-tag: "true" or "false" (NULL: the config's tags.sha) */
    const char *major_zero;   /* --major-zero: "true" or "false" (NULL: the config's tags.major_zero) */
    const char *latest;       /* --latest: "true" or "false" (NULL: the config's tags.latest) */
    const char *schedule_tag; /* --schedule-tag: a scheduled run's tag (NULL: the config's tags.schedule) */
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
    const char *promote_from; /* promote: --from, the source's tag (sha-abc1234) or @sha256:<digest> */
    const char *promote_registry; /* promote: --from-registry, where the source is (NULL: the registry) */
} ma_request;

/* Copy src into dst, every string duplicated, so dst outlives the caller's
 * arguments (publish() frees them before the plan).  envp and git_cache are
 * not copied (NULL in dst): they are how the context reads the world, and
 * the environment holds tokens, which a plan never holds.  0, or -1 out of
 * memory (dst then empty).  Free dst with ma_request_free. */
int ma_request_copy(ma_request *dst, const ma_request *src);

/* Free the strings of a request made by ma_request_copy, and zero it; safe
 * on NULL and on a zeroed request.  Never on a caller's own request. */
void ma_request_free(ma_request *req);

#endif

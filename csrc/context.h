/* Everything the pure steps need, gathered once: the project directory, git
 * facts, CI variables, the config and this machine's platform.  The only file
 * of the dry-run path that touches git, the environment or the file system. */
#ifndef MA_CONTEXT_H
#define MA_CONTEXT_H

#include "cienv.h"
#include "config.h"
#include "digestdir.h"
#include "error.h"
#include "gitctx.h"
#include "labels.h"
#include "tagrules.h"

typedef struct {
    const char *project_dir;  /* NULL: the current directory */
    const char *config_path;  /* NULL: <project_dir>/multiarch.json when it exists */
    const char *const *envp;  /* the environment to read CI variables from */
    int require_git;          /* 1 when git facts are needed (--tag auto) */
    const char *digest_dir;   /* merge: the digest directory to read, else NULL */
    ma_gitcache *git_cache;   /* NULL: open the repository for this read only */
    const char *component;    /* whose config tag_prefix holds (NULL or "all": every component's, which must agree) */
    const char *tag_prefix;   /* --tag-prefix (NULL: the config's) */
} ma_context_inputs;

typedef struct {
    char *project_dir;        /* absolute */
    int have_git;
    ma_gitctx git;
    ma_cienv ci;
    ma_config config;
    const char *tag_prefix;   /* release tags are <tag_prefix>v<semver>: --tag-prefix, else the config's, else NULL
                                 (points into the inputs or config) */
    char host_platform[32];   /* "" when the machine is unknown */
    const char *source_date_epoch; /* $SOURCE_DATE_EPOCH (validated; points into envp), or NULL */
    long long epoch;          /* its value */
    ma_digest_set digests;    /* merge: the records of digest_dir */
    char *pr_lookup;          /* a pull-request event without a number: what was read, for the refusal; else NULL */
    char *workflow_identity;  /* GitHub Actions: $GITHUB_SERVER_URL/$GITHUB_WORKFLOW_REF, the certificate
                                 identity of a keyless signature; else NULL */
} ma_context;

int ma_context_read(const ma_context_inputs *in, ma_context *out, ma_error *err);

/* The facts ma_tags_compute needs: the checked-out branch wins over CI's,
 * because CI checkouts are detached and a local branch is what is built. */
void ma_context_tag_inputs(const ma_context *ctx, const char *requested, ma_tag_inputs *out);

/* The facts for the OCI labels: source from the git remote (else CI), created
 * from SOURCE_DATE_EPOCH (else the commit time). */
void ma_context_label_facts(const ma_context *ctx, ma_label_inputs *out);

void ma_context_free(ma_context *ctx);

#endif

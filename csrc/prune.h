/* `angreal build prune`: for each image repository, read it whole, decide
 * what no kept tag reaches (prunedecide.h), and only once every repository is
 * decided, delete (with yes): by digest on a distribution registry, by
 * version id through the GitHub Packages API.  A repository that could not be
 * read completely deletes nothing. */
#ifndef MA_PRUNE_H
#define MA_PRUNE_H
#include <stddef.h>

#include "error.h"
#include "ghpackages.h"
#include "prunedecide.h"
#include "repograph.h"
#include "strlist.h"

typedef enum { MA_PRUNE_API_AUTO, MA_PRUNE_API_OCI, MA_PRUNE_API_GITHUB } ma_prune_api;

typedef struct {
    const ma_strlist *images;     /* "host/repository" each */
    ma_prune_rules rules;
    int yes;                      /* delete; else report only */
    ma_prune_api api;             /* AUTO: GitHub for ghcr.io, else OCI */
    int retries, backoff_ms;
    const char *const *envp;      /* DOCKER_CONFIG/HOME for registry credentials, GITHUB_TOKEN, GITHUB_API_URL */
} ma_prune_request;

typedef struct {
    char *image, *host, *repo;
    const char *api;              /* "oci" or "github" */
    ma_repograph graph;
    ma_prune_decision decision;
    int decided;                  /* read whole and decided */
    ma_strlist deleted;           /* digests deleted (yes) */
    ma_strlist notes;
    char *error;                  /* why it was not read, or a delete failed; NULL when all went well */
    unsigned long requests;
} ma_prune_repo;

typedef struct {
    ma_prune_repo *repos;
    size_t nrepos;
    int yes;
} ma_prune_result;

/* Parse the API name: "auto", "oci" or "github" (NULL: auto); MA_ERR_INPUT otherwise. */
int ma_prune_api_parse(const char *name, ma_prune_api *api, ma_error *err);

/* Run.  0 when every repository was read and (with yes) pruned; -1 with err
 * (MA_ERR_ENV naming the first repository that failed, MA_ERR_INTERRUPTED,
 * MA_ERR_NOMEM), out holding every repository's outcome either way. */
int ma_prune_run(const ma_prune_request *req, ma_prune_result *out, ma_error *err);
void ma_prune_result_free(ma_prune_result *r);
#endif

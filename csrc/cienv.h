/* What the CI system says is being built: CI checkouts are detached, so the
 * branch, pull request or tag comes from its variables.  Pure: reads an envp
 * array handed in by the caller, never getenv(). */
#ifndef MA_CIENV_H
#define MA_CIENV_H

#include "error.h"

typedef struct {
    char *kind;      /* "github", "gitlab", "buildkite" or NULL when no CI is recognised */
    char *branch;    /* branch name being built, or NULL */
    char *pr_number; /* pull/merge request number, or NULL */
    char *ref_tag;   /* git tag being built, or NULL */
    char *source_url; /* the repository's web URL, or NULL */
    char *pr_event;   /* the pull/merge request event being built ("pull_request_target", ...), or NULL */
    char *event_path; /* GitHub: $GITHUB_EVENT_PATH, the event payload (the pull request number's source), or NULL */
} ma_cienv;

#define MA_CIENV_INIT {NULL, NULL, NULL, NULL, NULL, NULL, NULL}

/* GitHub Actions: GITHUB_EVENT_NAME pull_request[_target] gives pr_number from
 * GITHUB_REF (refs/pull/N/merge) and branch from GITHUB_HEAD_REF; GITHUB_REF
 * refs/heads/X and refs/tags/X give branch or ref_tag (GITHUB_REF_NAME when
 * GITHUB_REF is absent); pr_event and event_path name the payload to read
 * the number from when GITHUB_REF has none (pull_request_target).  GitLab CI:
 * CI_MERGE_REQUEST_IID or CI_EXTERNAL_PULL_REQUEST_IID (pr_event
 * "merge_request_event" / "external_pull_request_event"), CI_COMMIT_TAG,
 * CI_COMMIT_REF_NAME.  Buildkite: BUILDKITE_PULL_REQUEST ("false" or a
 * number), BUILDKITE_TAG, BUILDKITE_BRANCH.  source_url: GITHUB_SERVER_URL/
 * GITHUB_REPOSITORY, CI_PROJECT_URL or BUILDKITE_REPO.  The systems are one
 * table in cienv.c, tried in order.  envp is a NULL-terminated array of
 * "NAME=value". */
int ma_cienv_read(const char *const *envp, ma_cienv *out, ma_error *err);

/* The name of the i-th CI system in that table ("github", ...), NULL past the end. */
const char *ma_cienv_system_name(size_t i);

void ma_cienv_free(ma_cienv *ci);

#endif

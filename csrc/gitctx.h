/* Facts read from the git repository with libgit2 (the product never runs git). */
#ifndef MA_GITCTX_H
#define MA_GITCTX_H

#include "error.h"
#include "strlist.h"

typedef struct {
    char *workdir;        /* the work tree, without a trailing slash */
    char head_sha[41];    /* the commit HEAD points at, 40 lowercase hex */
    char *branch;         /* short branch name ("feature/x"), NULL when detached */
    ma_strlist head_tags; /* tag names (without refs/tags/) whose commit is HEAD */
    ma_strlist repo_tags; /* every tag name in the repository */
    long long commit_time; /* HEAD's committer time, seconds since 1970 */
    char *remote_url;     /* URL of remote "origin" (else of the only remote), or NULL */
} ma_gitctx;

#define MA_GIT_NOT_A_REPO 1

/* Open the repository containing `path` (searching upwards, like git does) and
 * read HEAD (commit, time, branch), the origin remote's URL and the tags; lightweight and annotated tags are both
 * peeled to their commit.  Returns 0; MA_GIT_NOT_A_REPO (with err filled, kind
 * MA_ERR_ENV) when path is not inside a git repository, so callers that can do
 * without git may go on; -1 (MA_ERR_ENV) when the repository cannot be read or
 * has no commit yet. */
int ma_gitctx_read(const char *path, ma_gitctx *out, ma_error *err);

void ma_gitctx_free(ma_gitctx *g);

/* libgit2's set-up costs milliseconds (TLS, settings) and is reference
 * counted: a long-lived caller (the Python module) holds one reference so
 * each ma_gitctx_read does not pay it again. */
void ma_gitctx_library_hold(void);
void ma_gitctx_library_release(void);

#endif

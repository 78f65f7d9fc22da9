/* Facts read from the git repository with libgit2 (the product never runs git). */
#ifndef MA_GITCTX_H
#define MA_GITCTX_H

#include "error.h"
#include "strlist.h"

/* Of the tags, only what the tag rules use is kept: the version tags on HEAD,
 * and for the alias rule the top of each vX.Y line (any stable version that
 * outranks another in its line, its major or overall is a line top or is
 * outranked by one, so the rule's answer is the same as over every tag). */
typedef struct {
    char *workdir;        /* the work tree, without a trailing slash */
    char head_sha[41];    /* the commit HEAD points at, 40 lowercase hex */
    char *branch;         /* short branch name ("feature/x"), NULL when detached */
    ma_strlist head_tags; /* the version part (v..., no prefix) of each release tag (releasetag.h) whose
                             commit is HEAD */
    ma_strlist repo_tags; /* vX.Y.Z of the highest stable release tag of each vX.Y line: not every tag */
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

/* A repository kept open between reads, so a read does not parse packed-refs
 * again (libgit2 re-reads it when the file changes; loose refs and HEAD are
 * read each time).  Owned by the caller (the Python module keeps one in its
 * state) and used by one thread at a time.  Each read finds the repository
 * containing path again and reopens when that is another git directory. */
typedef struct ma_gitcache ma_gitcache;

int ma_gitcache_new(ma_gitcache **out, ma_error *err);
void ma_gitcache_free(ma_gitcache *cache);

/* ma_gitctx_read through cache (NULL: open and close the repository, as
 * ma_gitctx_read does).  A failed read empties the cache. */
int ma_gitctx_read_cached(const char *path, ma_gitcache *cache, ma_gitctx *out, ma_error *err);

/* ma_gitctx_read_cached where the release tags are <tag_prefix>v<semver>
 * (a monorepo's "broker-v1.2.3"; NULL: v<semver>): only those are read, and
 * head_tags and repo_tags hold them without the prefix. */
int ma_gitctx_read_releases(const char *path, ma_gitcache *cache, const char *tag_prefix, ma_gitctx *out,
                            ma_error *err);

/* libgit2's set-up costs milliseconds (TLS, settings) and is reference
 * counted: a long-lived caller (the Python module) holds one reference so
 * each ma_gitctx_read does not pay it again. */
void ma_gitctx_library_hold(void);
void ma_gitctx_library_release(void);

#endif

#include "gitctx.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>

static const char *git_message(void)
{
    const git_error *e = git_error_last();
    return e != NULL && e->message != NULL ? e->message : "unknown libgit2 error";
}

typedef struct {
    git_repository *repo;
    git_odb *odb;
    git_oid head;
    ma_gitctx *out;
} tag_walk;

/* 1 when the tag ref names HEAD's commit.  A lightweight tag names the commit
 * itself; packed-refs records the peeled commit of an annotated tag; otherwise
 * the object header says whether there is a tag object to peel, without
 * loading every commit. */
static int tag_points_at_head(tag_walk *walk, const git_reference *ref)
{
    const git_oid *oid = git_reference_target(ref), *peeled = git_reference_target_peel(ref);
    if (oid == NULL)
        return 0;
    if (git_oid_equal(oid, &walk->head) || (peeled != NULL && git_oid_equal(peeled, &walk->head)))
        return 1;
    size_t size;
    git_object_t type;
    if (peeled != NULL || git_odb_read_header(&size, &type, walk->odb, oid) != 0 || type != GIT_OBJECT_TAG)
        return 0;
    git_object *obj = NULL, *commit = NULL;
    int match = git_object_lookup(&obj, walk->repo, oid, GIT_OBJECT_TAG) == 0 &&
                git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) == 0 &&
                git_oid_equal(git_object_id(commit), &walk->head);
    git_object_free(commit);
    git_object_free(obj);
    return match;
}

/* Every reference under refs/tags, read with the reference iterator: it uses
 * packed-refs as stored, where git_tag_foreach resolves each name again. */
static int read_tags(tag_walk *walk, const char *path, ma_error *err)
{
    git_reference_iterator *it = NULL;
    if (git_reference_iterator_glob_new(&it, walk->repo, "refs/tags/*") != 0)
        return ma_fail(err, MA_ERR_ENV, "cannot list tags in '%s': %s", path, git_message());
    git_reference *ref = NULL;
    int rc, result = 0;
    while (result == 0 && (rc = git_reference_next(&ref, it)) == 0) {
        const char *name = git_reference_name(ref) + strlen("refs/tags/");
        if (ma_strlist_push(&walk->out->repo_tags, name) != 0 ||
            (tag_points_at_head(walk, ref) && ma_strlist_push(&walk->out->head_tags, name) != 0))
            result = ma_nomem(err);
        git_reference_free(ref);
    }
    if (result == 0 && rc != GIT_ITEROVER)
        result = ma_fail(err, MA_ERR_ENV, "cannot list tags in '%s': %s", path, git_message());
    git_reference_iterator_free(it);
    return result;
}

static int read_head(git_repository *repo, const char *path, ma_gitctx *out, git_oid *head,
                     ma_error *err)
{
    git_reference *ref = NULL;
    git_object *commit = NULL;
    int rc = git_repository_head(&ref, repo);
    if (rc == GIT_EUNBORNBRANCH || rc == GIT_ENOTFOUND)
        return ma_fail(err, MA_ERR_ENV, "git repository at '%s' has no commit yet", path);
    if (rc != 0)
        return ma_fail(err, MA_ERR_ENV, "cannot read HEAD in '%s': %s", path, git_message());
    if (git_reference_peel(&commit, ref, GIT_OBJECT_COMMIT) != 0) {
        git_reference_free(ref);
        return ma_fail(err, MA_ERR_ENV, "HEAD in '%s' is not a commit: %s", path, git_message());
    }
    git_oid_cpy(head, git_object_id(commit));
    out->commit_time = (long long)git_commit_time((const git_commit *)commit);
    git_oid_tostr(out->head_sha, sizeof out->head_sha, head);
    rc = 0;
    if (git_reference_is_branch(ref) && (out->branch = strdup(git_reference_shorthand(ref))) == NULL)
        rc = ma_nomem(err);
    git_object_free(commit);
    git_reference_free(ref);
    return rc;
}

/* The URL images name as their source: origin's, else the only remote's.
 * No remote (or an unreadable one) is not an error: the label is left out. */
static int read_remote(git_repository *repo, ma_gitctx *out, ma_error *err)
{
    git_remote *remote = NULL;
    if (git_remote_lookup(&remote, repo, "origin") != 0) {
        git_strarray names = {0};
        if (git_remote_list(&names, repo) == 0 && names.count == 1)
            git_remote_lookup(&remote, repo, names.strings[0]);
        git_strarray_dispose(&names);
    }
    const char *url = remote != NULL ? git_remote_url(remote) : NULL;
    int rc = url != NULL && (out->remote_url = strdup(url)) == NULL ? ma_nomem(err) : 0;
    git_remote_free(remote);
    git_error_clear();
    return rc;
}

static int read_repo(git_repository *repo, const char *path, ma_gitctx *out, ma_error *err)
{
    const char *workdir = git_repository_workdir(repo);
    if (workdir == NULL)
        return ma_fail(err, MA_ERR_ENV, "'%s' is a bare git repository: run inside a work tree", path);
    size_t n = strlen(workdir);
    while (n > 1 && workdir[n - 1] == '/')
        n--;
    if ((out->workdir = strndup(workdir, n)) == NULL)
        return ma_nomem(err);

    tag_walk walk = {repo, NULL, {{0}}, out};
    if (read_head(repo, path, out, &walk.head, err) != 0 || read_remote(repo, out, err) != 0)
        return -1;
    if (git_repository_odb(&walk.odb, repo) != 0)
        return ma_fail(err, MA_ERR_ENV, "cannot open the object database of '%s': %s", path, git_message());
    int rc = read_tags(&walk, path, err);
    git_odb_free(walk.odb);
    return rc;
}

int ma_gitctx_read(const char *path, ma_gitctx *out, ma_error *err)
{
    memset(out, 0, sizeof *out);
    git_libgit2_init(); /* reference-counted by libgit2; paired below */
    git_repository *repo = NULL;
    int rc = git_repository_open_ext(&repo, path, 0, NULL);
    if (rc == GIT_ENOTFOUND) {
        ma_fail(err, MA_ERR_ENV, "not a git repository: '%s' (run inside a git checkout, or pass an explicit --tag)", path);
        rc = MA_GIT_NOT_A_REPO;
    } else if (rc != 0)
        rc = ma_fail(err, MA_ERR_ENV, "cannot open git repository at '%s': %s", path, git_message());
    else
        rc = read_repo(repo, path, out, err);
    git_repository_free(repo);
    git_libgit2_shutdown();
    if (rc != 0)
        ma_gitctx_free(out);
    return rc;
}

void ma_gitctx_free(ma_gitctx *g)
{
    if (g == NULL)
        return;
    free(g->workdir);
    free(g->branch);
    free(g->remote_url);
    ma_strlist_free(&g->head_tags);
    ma_strlist_free(&g->repo_tags);
    memset(g, 0, sizeof *g);
}

void ma_gitctx_library_hold(void)
{
    git_libgit2_init();
}

void ma_gitctx_library_release(void)
{
    git_libgit2_shutdown();
}

#include "gitancestry.h"

#include <git2.h>

static const char *git_message(void)
{
    const git_error *e = git_error_last();
    return e != NULL && e->message != NULL ? e->message : "unknown libgit2 error";
}

/* 1 when the commit is in the repository, 0 when not, -1 on a read error. */
static int have_commit(git_repository *repo, const git_oid *id)
{
    git_commit *c = NULL;
    int rc = git_commit_lookup(&c, repo, id);
    git_commit_free(c);
    return rc == 0 ? 1 : rc == GIT_ENOTFOUND ? 0 : -1;
}

/* git_graph_descendant_of, where an error inside a shallow history (a parent
 * that is not there) means it cannot tell. */
static int descends(git_repository *repo, const git_oid *a, const git_oid *b, int *out)
{
    int rc = git_graph_descendant_of(repo, a, b);
    if (rc < 0)
        return git_repository_is_shallow(repo) == 1 || rc == GIT_ENOTFOUND ? 0 : -1;
    *out = rc;
    return 1;
}

int ma_git_ancestry(const char *path, const char *ours, const char *theirs, ma_ancestry *out, ma_error *err)
{
    *out = MA_ANCESTRY_UNKNOWN;
    git_oid a, b;
    if (ours == NULL || theirs == NULL || git_oid_fromstr(&a, ours) != 0 || git_oid_fromstr(&b, theirs) != 0)
        return 0; /* not commits it could look up: nothing to tell */
    if (git_oid_equal(&a, &b)) {
        *out = MA_ANCESTRY_FORWARD;
        return 0;
    }
    git_libgit2_init();
    git_repository *repo = NULL;
    int rc = 0;
    if (git_repository_open_ext(&repo, path, 0, NULL) != 0) {
        rc = ma_fail(err, MA_ERR_ENV, "cannot open the git repository at %s: %s", path, git_message());
        goto done;
    }
    int have_a = have_commit(repo, &a), have_b = have_commit(repo, &b);
    if (have_a < 0 || have_b < 0) {
        rc = ma_fail(err, MA_ERR_ENV, "cannot read commits in %s: %s", path, git_message());
        goto done;
    }
    if (!have_a || !have_b)
        goto done;
    int forward = 0, behind = 0;
    int known = descends(repo, &a, &b, &forward);
    if (known == 1 && !forward)
        known = descends(repo, &b, &a, &behind);
    if (known < 0) {
        rc = ma_fail(err, MA_ERR_ENV, "cannot walk the history in %s: %s", path, git_message());
        goto done;
    }
    if (known == 1)
        *out = forward ? MA_ANCESTRY_FORWARD : behind ? MA_ANCESTRY_BEHIND : MA_ANCESTRY_DIVERGED;
    /* a shallow clone lacks the older history: "diverged" there may only be its edge */
    if (*out == MA_ANCESTRY_DIVERGED && git_repository_is_shallow(repo) == 1)
        *out = MA_ANCESTRY_UNKNOWN;
done:
    git_repository_free(repo);
    git_libgit2_shutdown();
    return rc;
}

/* How two commits relate (gitancestry): forward, behind, diverged, and a
 * commit the repository does not have, on a repository made with libgit2 in
 * a temporary directory. */
#include <ftw.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "gitancestry.h"

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

/* A commit with parent (or none) under ref; its id as 40 hex in out. */
static void commit_(git_repository *repo, git_signature *sig, const char *ref, const char *parent_hex, char *out)
{
    git_treebuilder *tb = NULL;
    git_oid tree_id, id, parent_id;
    git_tree *tree = NULL;
    git_commit *parent = NULL;
    CHECK(git_treebuilder_new(&tb, repo, NULL) == 0 && git_treebuilder_write(&tree_id, tb) == 0);
    CHECK(git_tree_lookup(&tree, repo, &tree_id) == 0);
    if (parent_hex != NULL)
        CHECK(git_oid_fromstr(&parent_id, parent_hex) == 0 && git_commit_lookup(&parent, repo, &parent_id) == 0);
    const git_commit *parents[] = {parent};
    CHECK(git_commit_create(&id, repo, ref, sig, sig, NULL, ref, tree, parent != NULL ? 1 : 0, parents) == 0);
    git_oid_tostr(out, 41, &id);
    git_commit_free(parent);
    git_tree_free(tree);
    git_treebuilder_free(tb);
}
#define commit(...) CASE(commit_(__VA_ARGS__))

static ma_ancestry ask(const char *dir, const char *ours, const char *theirs)
{
    ma_ancestry a = (ma_ancestry)-1;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_git_ancestry(dir, ours, theirs, &a, &err) == 0);
    return a;
}

int main(void)
{
    char dir[] = "/tmp/ma-ancestry-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    git_libgit2_init();
    git_repository *repo = NULL;
    git_signature *sig = NULL;
    CHECK(git_repository_init(&repo, dir, 0) == 0);
    CHECK(git_signature_new(&sig, "Test", "test@example.com", 1700000000, 0) == 0);
    char a[41], b[41], c[41], side[41];
    commit(repo, sig, "refs/heads/main", NULL, a);
    commit(repo, sig, "refs/heads/main", a, b);
    commit(repo, sig, "refs/heads/main", b, c);
    commit(repo, sig, "refs/heads/side", a, side); /* a branch off a: diverged from b and c */

    CHECK(ask(dir, c, a) == MA_ANCESTRY_FORWARD);
    CHECK(ask(dir, b, a) == MA_ANCESTRY_FORWARD);
    CHECK(ask(dir, a, c) == MA_ANCESTRY_BEHIND);
    CHECK(ask(dir, b, b) == MA_ANCESTRY_FORWARD);
    CHECK(ask(dir, side, c) == MA_ANCESTRY_DIVERGED);
    CHECK(ask(dir, c, side) == MA_ANCESTRY_DIVERGED);
    CHECK(ask(dir, side, a) == MA_ANCESTRY_FORWARD);
    /* a commit this checkout never had (a shallow clone's view of a newer push) */
    CHECK(ask(dir, c, "0123456789abcdef0123456789abcdef01234567") == MA_ANCESTRY_UNKNOWN);
    CHECK(ask(dir, "0123456789abcdef0123456789abcdef01234567", c) == MA_ANCESTRY_UNKNOWN);
    CHECK(ask(dir, c, "not-a-commit") == MA_ANCESTRY_UNKNOWN);
    CHECK(ask(dir, NULL, c) == MA_ANCESTRY_UNKNOWN);

    /* no repository there: an error that says where */
    ma_ancestry out;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_git_ancestry("/proc", a, c, &out, &err) == -1);
    CHECK(err.kind == MA_ERR_ENV && strstr(err.msg, "/proc") != NULL);

    git_signature_free(sig);
    git_repository_free(repo);
    git_libgit2_shutdown();
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return CHECK_DONE();
}

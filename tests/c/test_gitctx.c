/* Reading git facts (gitctx): HEAD, branch, the version tags on HEAD and the
 * top of each vX.Y line, with and without a kept-open repository (ma_gitcache),
 * on repositories this test makes with libgit2 in a temporary directory. */
#include <ftw.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "gitctx.h"

/* The set of strings in got equals the NULL-terminated want, in any order. */
#define CHECK_SET(got, ...)                                          \
    do {                                                             \
        const char *const want_[] = {__VA_ARGS__, NULL};             \
        CHECK(same_set((got), want_));                               \
    } while (0)

static int same_set(const ma_strlist *got, const char *const *want)
{
    size_t n = 0;
    for (; want[n] != NULL; n++)
        if (!ma_strlist_contains(got, want[n]))
            return 0;
    if (got->len != n) {
        for (size_t i = 0; i < got->len; i++)
            fprintf(stderr, "  got [%s]\n", got->items[i]);
        return 0;
    }
    return 1;
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p != '\0'; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0755);
            *p = '/';
        }
    return mkdir(buf, 0755);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

typedef struct {
    git_repository *repo;
    git_signature *sig;
    git_oid head;
} fixture;

static void repo_init_(fixture *f, const char *dir)
{
    git_repository_init_options opts;
    CHECK(git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION) == 0);
    opts.flags = GIT_REPOSITORY_INIT_MKPATH;
    opts.initial_head = "main";
    CHECK(git_repository_init_ext(&f->repo, dir, &opts) == 0);
    CHECK(git_signature_new(&f->sig, "Test", "test@example.com", 1700000000, 0) == 0);
}
#define repo_init(...) CASE(repo_init_(__VA_ARGS__))

static void repo_free(fixture *f)
{
    git_signature_free(f->sig);
    git_repository_free(f->repo);
}

/* A commit on HEAD (an empty tree); f->head becomes its id. */
static void commit_(fixture *f, const char *message)
{
    git_treebuilder *tb = NULL;
    git_oid tree_id;
    git_tree *tree = NULL;
    git_commit *parent = NULL;
    CHECK(git_treebuilder_new(&tb, f->repo, NULL) == 0 && git_treebuilder_write(&tree_id, tb) == 0);
    CHECK(git_tree_lookup(&tree, f->repo, &tree_id) == 0);
    int have_parent = git_commit_lookup(&parent, f->repo, &f->head) == 0;
    const git_commit *parents[] = {parent};
    CHECK(git_commit_create(&f->head, f->repo, "HEAD", f->sig, f->sig, NULL, message, tree, have_parent ? 1 : 0,
                            parents) == 0);
    git_commit_free(parent);
    git_tree_free(tree);
    git_treebuilder_free(tb);
}
#define commit(...) CASE(commit_(__VA_ARGS__))

static void tag_(fixture *f, const char *name, const git_oid *at, int annotated)
{
    git_object *target = NULL;
    git_oid id;
    CHECK(git_object_lookup(&target, f->repo, at, GIT_OBJECT_COMMIT) == 0);
    if (annotated)
        CHECK(git_tag_create(&id, f->repo, name, target, f->sig, "release", 1) == 0);
    else
        CHECK(git_tag_create_lightweight(&id, f->repo, name, target, 1) == 0);
    git_object_free(target);
}
#define tag(...) CASE(tag_(__VA_ARGS__))

/* git pack-refs --all: every ref into packed-refs, annotated tags with their peeled commit. */
static void pack_refs_(fixture *f)
{
    git_refdb *db = NULL;
    CHECK(git_repository_refdb(&db, f->repo) == 0 && git_refdb_compress(db) == 0);
    git_refdb_free(db);
}
#define pack_refs(...) CASE(pack_refs_(__VA_ARGS__))

static void check_head_(const ma_gitctx *g, const fixture *f)
{
    char sha[GIT_OID_HEXSZ + 1];
    git_oid_tostr(sha, sizeof sha, &f->head);
    CHECK_STR(g->head_sha, sha);
}
#define check_head(...) CASE(check_head_(__VA_ARGS__))

static void test_not_a_repository_and_no_commit(const char *base)
{
    char plain[512], empty[512];
    snprintf(plain, sizeof plain, "%s/plain", base);
    snprintf(empty, sizeof empty, "%s/empty", base);
    CHECK(make_dirs(plain) == 0);
    fixture f = {0};
    repo_init(&f, empty);

    ma_gitcache *cache = NULL;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_gitcache_new(&cache, &err) == 0);
    ma_gitctx g;
    for (int cached = 0; cached < 2; cached++) {
        ma_gitcache *c = cached ? cache : NULL;
        CHECK(ma_gitctx_read_cached(plain, c, &g, &err) == MA_GIT_NOT_A_REPO);
        CHECK(err.kind == MA_ERR_ENV && contains(err.msg, "not a git repository"));
        CHECK(g.workdir == NULL && g.head_tags.len == 0);
        CHECK(ma_gitctx_read_cached(empty, c, &g, &err) == -1);
        CHECK(err.kind == MA_ERR_ENV && contains(err.msg, "no commit yet"));
    }
    ma_gitcache_free(cache);
    repo_free(&f);
}

static void test_tags_on_head_and_line_tops(const char *base)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/tags", base);
    fixture f = {0};
    repo_init(&f, dir);
    commit(&f, "first");
    git_oid first = f.head;
    tag(&f, "v1.2.10", &first, 1);
    tag(&f, "v1.2.9", &first, 0);
    tag(&f, "v1.10.0", &first, 0);
    tag(&f, "v1.3.0+build.1", &first, 1);
    tag(&f, "v0.9.0", &first, 0);
    tag(&f, "v18446744073709551615.0.0", &first, 0); /* 20 digits: still a uint64_t */
    tag(&f, "v18446744073709551616.1.0", &first, 0); /* not a version: too large */
    tag(&f, "v1.02.3", &first, 0);                   /* not versions: */
    tag(&f, "v1.2", &first, 0);
    tag(&f, "v1.2.3.4", &first, 0);
    tag(&f, "v1.4.0-", &first, 0);
    commit(&f, "second");
    tag(&f, "v1.2.3", &f.head, 0);
    tag(&f, "v2.0.0-rc.1", &f.head, 1);
    tag(&f, "nightly", &f.head, 0);   /* not a version: neither on HEAD's list nor a line */
    tag(&f, "v01.2.3", &f.head, 0);   /* not semver (leading zero) */

    ma_gitctx g;
    ma_error err = {MA_ERR_NONE, ""};
    for (int packed = 0; packed < 2; packed++) {
        CHECK(ma_gitctx_read(dir, &g, &err) == 0);
        CHECK(contains(g.workdir, "/tags") && g.workdir[strlen(g.workdir) - 1] != '/');
        CHECK_STR(g.branch, "main");
        check_head(&g, &f);
        CHECK_SET(&g.head_tags, "v1.2.3", "v2.0.0-rc.1");
        CHECK_SET(&g.repo_tags, "v1.2.10", "v1.10.0", "v1.3.0", "v0.9.0", "v18446744073709551615.0.0");
        ma_gitctx_free(&g);
        CHECK(g.workdir == NULL && g.repo_tags.len == 0);
        pack_refs(&f);
    }
    ma_gitctx_free(NULL);
    repo_free(&f);
}

/* A kept-open repository sees every change made between reads. */
static void test_cache_sees_changes(const char *base)
{
    char dir[512], sub[512], other_dir[512];
    snprintf(dir, sizeof dir, "%s/cached", base);
    snprintf(sub, sizeof sub, "%s/cached/sub/dir", base);
    snprintf(other_dir, sizeof other_dir, "%s/other", base);
    fixture f = {0}, other = {0};
    repo_init(&f, dir);
    repo_init(&other, other_dir);
    commit(&f, "first");
    commit(&other, "other");
    tag(&other, "v9.0.0", &other.head, 0);
    CHECK(make_dirs(sub) == 0);

    ma_gitcache *cache = NULL;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_gitcache_new(&cache, &err) == 0);
    ma_gitctx g;

    CHECK(ma_gitctx_read_cached(dir, cache, &g, &err) == 0);
    CHECK(g.head_tags.len == 0 && g.repo_tags.len == 0);
    ma_gitctx_free(&g);

    tag(&f, "v1.0.0", &f.head, 0); /* loose */
    CHECK(ma_gitctx_read_cached(sub, cache, &g, &err) == 0);
    CHECK_SET(&g.head_tags, "v1.0.0");
    CHECK_SET(&g.repo_tags, "v1.0.0");
    ma_gitctx_free(&g);

    pack_refs(&f);
    tag(&f, "v1.1.0", &f.head, 1); /* loose annotated: peeled through the tag object */
    CHECK(ma_gitctx_read_cached(dir, cache, &g, &err) == 0);
    CHECK_SET(&g.head_tags, "v1.0.0", "v1.1.0");
    CHECK_SET(&g.repo_tags, "v1.0.0", "v1.1.0");
    ma_gitctx_free(&g);

    pack_refs(&f); /* packed-refs rewritten, now with the peeled commit */
    CHECK(git_tag_delete(f.repo, "v1.0.0") == 0);
    CHECK(ma_gitctx_read_cached(dir, cache, &g, &err) == 0);
    CHECK_SET(&g.head_tags, "v1.1.0");
    CHECK_SET(&g.repo_tags, "v1.1.0");
    ma_gitctx_free(&g);

    /* another repository, then back */
    CHECK(ma_gitctx_read_cached(other_dir, cache, &g, &err) == 0);
    check_head(&g, &other);
    CHECK_SET(&g.head_tags, "v9.0.0");
    ma_gitctx_free(&g);
    commit(&f, "second");
    CHECK(ma_gitctx_read_cached(dir, cache, &g, &err) == 0);
    check_head(&g, &f);
    CHECK(g.head_tags.len == 0);
    CHECK_SET(&g.repo_tags, "v1.1.0");
    ma_gitctx_free(&g);

    /* a failed read empties the cache; the next one opens the repository again */
    CHECK(ma_gitctx_read_cached(base, cache, &g, &err) == MA_GIT_NOT_A_REPO);
    CHECK(ma_gitctx_read_cached(dir, cache, &g, &err) == 0);
    check_head(&g, &f);
    ma_gitctx_free(&g);

    ma_gitcache_free(cache);
    ma_gitcache_free(NULL);
    repo_free(&other);
    repo_free(&f);
}

static void detach_at_(fixture *f, const git_oid *at)
{
    CHECK(git_repository_set_head_detached(f->repo, at) == 0);
    git_oid_cpy(&f->head, at);
}
#define detach_at(...) CASE(detach_at_(__VA_ARGS__))

/* Tags without a recorded peel (lightweight, or annotated and loose): a kept-open
 * repository remembers what their targets peel to, which must stay right as
 * HEAD moves and tags come and go. */
static void test_cache_remembers_peels(const char *base)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/peels", base);
    fixture f = {0};
    repo_init(&f, dir);
    git_oid c[3];
    for (int i = 0; i < 3; i++) {
        commit(&f, "c");
        c[i] = f.head;
    }
    tag(&f, "v1.0.0", &c[0], 0);
    tag(&f, "v2.0.0", &c[1], 0);
    pack_refs(&f);
    tag(&f, "v3.0.0", &c[0], 1); /* loose and annotated: no peel recorded */

    ma_gitcache *cache = NULL;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_gitcache_new(&cache, &err) == 0);
    ma_gitctx g;
    for (int round = 0; round < 2; round++) { /* the second time from what was remembered */
        detach_at(&f, &c[2]);
        CHECK(ma_gitctx_read_cached(dir, cache, &g, &err) == 0);
        CHECK(g.head_tags.len == 0 && g.branch == NULL);
        ma_gitctx_free(&g);
        detach_at(&f, &c[0]);
        CHECK(ma_gitctx_read_cached(dir, cache, &g, &err) == 0);
        CHECK_SET(&g.head_tags, "v1.0.0", "v3.0.0");
        ma_gitctx_free(&g);
        detach_at(&f, &c[1]);
        CHECK(ma_gitctx_read_cached(dir, cache, &g, &err) == 0);
        CHECK_SET(&g.head_tags, "v2.0.0");
        ma_gitctx_free(&g);
    }
    tag(&f, "v0.5.0", &c[1], 0); /* a loose ref: read before every packed one */
    CHECK(ma_gitctx_read_cached(dir, cache, &g, &err) == 0);
    CHECK_SET(&g.head_tags, "v0.5.0", "v2.0.0");
    ma_gitctx_free(&g);
    CHECK(git_tag_delete(f.repo, "v1.0.0") == 0);
    detach_at(&f, &c[0]);
    CHECK(ma_gitctx_read_cached(dir, cache, &g, &err) == 0);
    CHECK_SET(&g.head_tags, "v3.0.0");
    CHECK_SET(&g.repo_tags, "v0.5.0", "v2.0.0", "v3.0.0");
    ma_gitctx_free(&g);
    ma_gitcache_free(cache);
    repo_free(&f);
}

/* The source label's remote: origin's URL, else the only remote's, else none;
 * and HEAD's commit time for the created label. */
static void test_remote_and_commit_time(const char *base)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/remotes", base);
    fixture f = {0};
    repo_init(&f, dir);
    commit(&f, "one");
    ma_gitctx g;
    ma_error err = {MA_ERR_NONE, ""};
    const char *cases[][2] = {{NULL, NULL}, {"upstream", "git@example.com:org/up.git"},
                              {"mirror", NULL}, {"origin", "https://github.com/colliery-io/brokkr.git"}};
    const char *want[] = {NULL, "git@example.com:org/up.git", NULL, "https://github.com/colliery-io/brokkr.git"};
    for (size_t i = 0; i < 4; i++) {
        if (cases[i][0] != NULL) {
            /* set in the config, as `git remote add` does (git_remote_create leaks in libgit2 1.5's pcre2 use) */
            git_config *cfg = NULL;
            char key[64];
            snprintf(key, sizeof key, "remote.%s.url", cases[i][0]);
            CHECK(git_repository_config(&cfg, f.repo) == 0 &&
                  git_config_set_string(cfg, key, cases[i][1] ? cases[i][1] : "https://mirror.example.com/r") == 0);
            git_config_free(cfg);
        }
        CHECK(ma_gitctx_read(dir, &g, &err) == 0);
        CHECK_STR(g.remote_url, want[i]); /* 2: two remotes and no origin: no guess */
        CHECK(g.commit_time == 1700000000);
        ma_gitctx_free(&g);
    }
    repo_free(&f);
}

int main(void)
{
    char base[] = "/tmp/ma-test-gitctx-XXXXXX";
    if (mkdtemp(base) == NULL)
        return 1;
    git_libgit2_init();
    test_not_a_repository_and_no_commit(base);
    test_tags_on_head_and_line_tops(base);
    test_cache_sees_changes(base);
    test_cache_remembers_peels(base);
    test_remote_and_commit_time(base);
    git_libgit2_shutdown();
    CHECK(nftw(base, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0);
    return CHECK_DONE();
}

#include "gitctx.h"

#include <git2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "releasetag.h"
#include "semver.h"

/* What a tag ref without a recorded peel (a lightweight tag, or an annotated
 * one packed-refs has not peeled) names: the commit its target peels to.
 * Objects never change, so an answer found once stays true.  A kept-open
 * repository keeps the last read's answers in the order the refs came (the
 * iterator's order is stable: loose refs, then packed-refs by name), and the
 * next read checks them in the same order, so it walks memory sequentially;
 * a ref added or removed in between only costs a short search to resync. */
typedef struct {
    git_oid target;
    git_oid commit; /* the target itself when it is not a tag object */
} peel_entry;

typedef struct {
    peel_entry *items;
    size_t len, cap;
} peel_log;

typedef struct {
    peel_log last, now; /* the previous read's answers; the current read's */
    size_t cursor;      /* how far the current read has matched last */
} peel_memo;

#define PEEL_RESYNC 8 /* entries of last searched for a ref that does not match at the cursor */

struct ma_gitcache {
    git_repository *repo; /* the repository last read, kept open; NULL before the first */
    char *gitdir;         /* its git directory (git_repository_path), the cache key */
    peel_memo peels;
};

static const char *git_message(void)
{
    const git_error *e = git_error_last();
    return e != NULL && e->message != NULL ? e->message : "unknown libgit2 error";
}

/* The highest stable version of one vX.Y line seen so far. */
typedef struct {
    uint64_t major, minor, patch;
    int used;
} line_top;

/* Open addressing on (major, minor); cap is 0 or a power of two, at most half
 * full.  last: the slot noted last (tags come sorted by name, so runs of the
 * same line are common). */
typedef struct {
    line_top *slots, *last;
    size_t cap, len;
} line_table;

typedef struct {
    git_repository *repo;
    git_odb *odb;
    git_oid head;
    ma_gitctx *out;
    peel_memo *peels; /* NULL: find out every time */
    const char *tag_prefix; /* release tags are <tag_prefix>v<semver> (NULL: v<semver>) */
} tag_walk;

/* git_oid_equal, inlined: it runs for every version tag. */
static int same_oid(const git_oid *a, const git_oid *b)
{
    return memcmp(a->id, b->id, GIT_OID_RAWSZ) == 0;
}

static void peel_begin(peel_memo *m)
{
    m->now.len = 0;
    m->cursor = 0;
}

/* After a read: its answers become the ones the next read checks. */
static void peel_end(peel_memo *m)
{
    peel_log last = m->last;
    m->last = m->now;
    m->now = last;
    m->now.len = 0;
}

static const peel_entry *peel_find(peel_memo *m, const git_oid *target)
{
    for (size_t j = m->cursor; j < m->last.len && j < m->cursor + PEEL_RESYNC; j++)
        if (same_oid(&m->last.items[j].target, target)) {
            m->cursor = j + 1;
            return &m->last.items[j];
        }
    return NULL;
}

/* Note the answer for this ref in the current read; when memory is short it
 * is simply not noted (the next read then peels that ref again). */
static void peel_note(peel_memo *m, const git_oid *target, const git_oid *commit)
{
    peel_log *log = &m->now;
    if (log->len == log->cap) {
        size_t cap = log->cap != 0 ? log->cap * 2 : 64;
        peel_entry *items = realloc(log->items, cap * sizeof *items);
        if (items == NULL)
            return;
        log->items = items;
        log->cap = cap;
    }
    git_oid_cpy(&log->items[log->len].target, target);
    git_oid_cpy(&log->items[log->len].commit, commit);
    log->len++;
}

static void peel_free(peel_memo *m)
{
    free(m->last.items);
    free(m->now.items);
    memset(m, 0, sizeof *m);
}

static size_t line_hash(uint64_t major, uint64_t minor)
{
    uint64_t h = major * 0x9E3779B97F4A7C15u ^ (minor + 0x632BE59BD9B4E019u);
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9u;
    return (size_t)(h ^ (h >> 29));
}

static line_top *line_slot(line_top *slots, size_t cap, uint64_t major, uint64_t minor)
{
    size_t i = line_hash(major, minor) & (cap - 1);
    while (slots[i].used && (slots[i].major != major || slots[i].minor != minor))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

/* Note a stable version: its line keeps the highest patch.  0, or -1 when out of memory. */
static int line_note(line_table *t, const uint64_t v[3])
{
    if (t->last != NULL && t->last->major == v[0] && t->last->minor == v[1]) {
        if (v[2] > t->last->patch)
            t->last->patch = v[2];
        return 0;
    }
    if ((t->len + 1) * 2 > t->cap) {
        size_t cap = t->cap != 0 ? t->cap * 2 : 64;
        line_top *slots = calloc(cap, sizeof *slots);
        if (slots == NULL)
            return -1;
        for (size_t i = 0; i < t->cap; i++)
            if (t->slots[i].used)
                *line_slot(slots, cap, t->slots[i].major, t->slots[i].minor) = t->slots[i];
        free(t->slots);
        t->slots = slots;
        t->cap = cap;
    }
    line_top *slot = line_slot(t->slots, t->cap, v[0], v[1]);
    if (!slot->used) {
        *slot = (line_top){v[0], v[1], v[2], 1};
        t->len++;
    } else if (v[2] > slot->patch) {
        slot->patch = v[2];
    }
    t->last = slot;
    return 0;
}

/* Writes the decimal digits of n ending just before end; returns where they start. */
static char *decimal(uint64_t n, char *end)
{
    do
        *--end = (char)('0' + n % 10);
    while ((n /= 10) != 0);
    return end;
}

/* out->repo_tags: vX.Y.Z of each line's top, all the alias rule needs to know. */
static int line_tops(const line_table *t, ma_strlist *out)
{
    char buf[3 * 21 + 2]; /* "v" + three 20-digit numbers + two dots + NUL */
    for (size_t i = 0; i < t->cap; i++) {
        const line_top *top = &t->slots[i];
        if (!top->used)
            continue;
        char *p = buf + sizeof buf;
        *--p = '\0';
        p = decimal(top->patch, p);
        *--p = '.';
        p = decimal(top->minor, p);
        *--p = '.';
        p = decimal(top->major, p);
        *--p = 'v';
        if (ma_strlist_push(out, p) != 0)
            return -1;
    }
    return 0;
}

/* What a tag ref's target (with no recorded peel) names, into commit_id: the
 * target itself when it is not a tag object (the object header says so,
 * without loading every commit), else the commit the tag object peels to.
 * Returns 1 when that is known; 0 (commit_id zero) when an object could not
 * be read or peeled, which is then not remembered either: it may be there
 * next time. */
static int peel_target(tag_walk *walk, const git_oid *oid, git_oid *commit_id)
{
    size_t size;
    git_object_t type;
    memset(commit_id, 0, sizeof *commit_id);
    if (git_odb_read_header(&size, &type, walk->odb, oid) != 0)
        return 0;
    if (type != GIT_OBJECT_TAG) {
        git_oid_cpy(commit_id, oid);
        return 1;
    }
    git_object *obj = NULL, *commit = NULL;
    int known = git_object_lookup(&obj, walk->repo, oid, GIT_OBJECT_TAG) == 0 &&
                git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) == 0;
    if (known)
        git_oid_cpy(commit_id, git_object_id(commit));
    git_object_free(commit);
    git_object_free(obj);
    return known;
}

/* 1 when the tag ref names HEAD's commit.  A lightweight tag names the commit
 * itself; packed-refs records the peeled commit of an annotated tag; otherwise
 * the target is peeled (or its peel remembered from an earlier read). */
static int tag_points_at_head(tag_walk *walk, const git_reference *ref)
{
    const git_oid *oid = git_reference_target(ref), *peeled = git_reference_target_peel(ref);
    if (oid == NULL)
        return 0;
    if (same_oid(oid, &walk->head) || (peeled != NULL && same_oid(peeled, &walk->head)))
        return 1;
    if (peeled != NULL)
        return 0;
    const peel_entry *known = walk->peels != NULL ? peel_find(walk->peels, oid) : NULL;
    git_oid commit;
    int sure = 1;
    if (known != NULL)
        git_oid_cpy(&commit, &known->commit);
    else
        sure = peel_target(walk, oid, &commit);
    if (sure && walk->peels != NULL)
        peel_note(walk->peels, oid, &commit);
    return same_oid(&commit, &walk->head);
}

/* The release tags (refs/tags/<prefix>v*, releasetag.h), read with the
 * reference iterator: it uses packed-refs as stored, where git_tag_foreach
 * resolves each name again.  Only what the tag rules use is kept: the release
 * tags on HEAD (only those are peeled) and the top of each vX.Y line, so no
 * name is copied per tag. */
static int read_tags(tag_walk *walk, const char *path, ma_error *err)
{
    git_reference_iterator *it = NULL;
    char glob[sizeof "refs/tags/v*" + MA_TAG_PREFIX_MAX];
    snprintf(glob, sizeof glob, "refs/tags/%s%s", walk->tag_prefix != NULL ? walk->tag_prefix : "", "v*");
    if (git_reference_iterator_glob_new(&it, walk->repo, glob) != 0)
        return ma_fail(err, MA_ERR_ENV, "cannot list tags in '%s': %s", path, git_message());
    git_reference *ref = NULL;
    line_table lines = {NULL, NULL, 0, 0};
    int rc, result = 0;
    while (result == 0 && (rc = git_reference_next(&ref, it)) == 0) {
        ma_semver parsed;
        const char *version = ma_release_tag_version(git_reference_name(ref) + strlen("refs/tags/"),
                                                     walk->tag_prefix, '+', &parsed);
        if (version != NULL) {
            uint64_t v[3] = {parsed.major, parsed.minor, parsed.patch};
            if ((ma_semver_is_stable(&parsed) && line_note(&lines, v) != 0) ||
                (tag_points_at_head(walk, ref) && ma_strlist_push(&walk->out->head_tags, version) != 0))
                result = ma_nomem(err);
        }
        git_reference_free(ref);
    }
    if (result == 0 && rc != GIT_ITEROVER)
        result = ma_fail(err, MA_ERR_ENV, "cannot list tags in '%s': %s", path, git_message());
    git_reference_iterator_free(it);
    if (result == 0 && line_tops(&lines, &walk->out->repo_tags) != 0)
        result = ma_nomem(err);
    free(lines.slots);
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
 * No remote (or an unreadable one) is not an error: the label is left out.
 * origin is read straight from the config: a remote lookup builds a whole
 * remote object (refspecs, push URLs) on every call. */
static int is_remote_url_key(const char *name)
{
    size_t n = strlen(name);
    return strncmp(name, "remote.", 7) == 0 && n > 11 && strcmp(name + n - 4, ".url") == 0;
}

static int read_remote(git_repository *repo, ma_gitctx *out, ma_error *err)
{
    git_config *cfg = NULL;
    if (git_repository_config(&cfg, repo) != 0) {
        git_error_clear();
        return 0;
    }
    git_buf url = {0};
    char *only = NULL;
    int rc = 0, nremotes = 0;
    if (git_config_get_string_buf(&url, cfg, "remote.origin.url") == 0) {
        only = strdup(url.ptr);
        rc = only == NULL ? ma_nomem(err) : 0;
        nremotes = 1;
    } else {
        /* a plain walk over the entries: libgit2's pattern match (pcre2) leaks here */
        git_config_iterator *it = NULL;
        git_config_entry *entry;
        if (git_config_iterator_new(&it, cfg) == 0)
            while (rc == 0 && git_config_next(&entry, it) == 0)
                if (is_remote_url_key(entry->name) && ++nremotes == 1 && (only = strdup(entry->value)) == NULL)
                    rc = ma_nomem(err);
        git_config_iterator_free(it);
    }
    if (rc == 0 && nremotes == 1)
        out->remote_url = only;
    else
        free(only);
    git_buf_dispose(&url);
    git_config_free(cfg);
    git_error_clear();
    return rc;
}

static int read_repo(git_repository *repo, const char *path, peel_memo *peels, const char *tag_prefix,
                     ma_gitctx *out, ma_error *err)
{
    const char *workdir = git_repository_workdir(repo);
    if (workdir == NULL)
        return ma_fail(err, MA_ERR_ENV, "'%s' is a bare git repository: run inside a work tree", path);
    size_t n = strlen(workdir);
    while (n > 1 && workdir[n - 1] == '/')
        n--;
    if ((out->workdir = strndup(workdir, n)) == NULL)
        return ma_nomem(err);

    tag_walk walk = {.repo = repo, .out = out, .peels = peels, .tag_prefix = tag_prefix};
    if (read_head(repo, path, out, &walk.head, err) != 0 || read_remote(repo, out, err) != 0)
        return -1;
    if (git_repository_odb(&walk.odb, repo) != 0)
        return ma_fail(err, MA_ERR_ENV, "cannot open the object database of '%s': %s", path, git_message());
    int rc = read_tags(&walk, path, err);
    git_odb_free(walk.odb);
    return rc;
}

static int open_failed(int rc, const char *path, ma_error *err)
{
    if (rc != GIT_ENOTFOUND)
        return ma_fail(err, MA_ERR_ENV, "cannot open git repository at '%s': %s", path, git_message());
    ma_fail(err, MA_ERR_ENV, "not a git repository: '%s' (run inside a git checkout, or pass an explicit --tag)", path);
    return MA_GIT_NOT_A_REPO;
}

static void cache_drop(ma_gitcache *cache)
{
    git_repository_free(cache->repo);
    free(cache->gitdir);
    cache->repo = NULL;
    cache->gitdir = NULL;
    peel_free(&cache->peels);
}

/* The cache's repository when path still leads to the same git directory (found
 * again each time, as git_repository_open_ext would), else a newly opened one
 * that replaces it. */
static int cached_repo(ma_gitcache *cache, const char *path, git_repository **repo, ma_error *err)
{
    git_buf gitdir = {0};
    int rc = git_repository_discover(&gitdir, path, 0, NULL);
    if (rc != 0) {
        cache_drop(cache);
        return open_failed(rc, path, err);
    }
    if (cache->repo == NULL || strcmp(cache->gitdir, gitdir.ptr) != 0) {
        cache_drop(cache);
        if ((rc = git_repository_open_ext(&cache->repo, path, 0, NULL)) != 0)
            rc = open_failed(rc, path, err);
        else if ((cache->gitdir = strdup(git_repository_path(cache->repo))) == NULL)
            rc = ma_nomem(err);
        if (rc != 0)
            cache_drop(cache);
    }
    git_buf_dispose(&gitdir);
    *repo = cache->repo;
    return rc;
}

int ma_gitctx_read(const char *path, ma_gitctx *out, ma_error *err)
{
    return ma_gitctx_read_cached(path, NULL, out, err);
}

int ma_gitctx_read_cached(const char *path, ma_gitcache *cache, ma_gitctx *out, ma_error *err)
{
    return ma_gitctx_read_releases(path, cache, NULL, out, err);
}

int ma_gitctx_read_releases(const char *path, ma_gitcache *cache, const char *tag_prefix, ma_gitctx *out,
                            ma_error *err)
{
    memset(out, 0, sizeof *out);
    git_libgit2_init(); /* reference-counted by libgit2; paired below */
    git_repository *repo = NULL;
    int rc;
    if (cache != NULL)
        rc = cached_repo(cache, path, &repo, err);
    else if ((rc = git_repository_open_ext(&repo, path, 0, NULL)) != 0)
        rc = open_failed(rc, path, err);
    peel_memo *peels = cache != NULL ? &cache->peels : NULL;
    if (rc == 0) {
        if (peels != NULL)
            peel_begin(peels);
        rc = read_repo(repo, path, peels, tag_prefix, out, err);
        if (peels != NULL)
            peel_end(peels);
    }
    if (cache == NULL)
        git_repository_free(repo);
    else if (rc != 0)
        cache_drop(cache); /* the next read opens the repository afresh */
    git_libgit2_shutdown();
    if (rc != 0)
        ma_gitctx_free(out);
    return rc;
}

int ma_gitcache_new(ma_gitcache **out, ma_error *err)
{
    if ((*out = calloc(1, sizeof **out)) == NULL)
        return ma_nomem(err);
    git_libgit2_init(); /* the kept repository needs the library until ma_gitcache_free */
    return 0;
}

void ma_gitcache_free(ma_gitcache *cache)
{
    if (cache == NULL)
        return;
    cache_drop(cache);
    free(cache);
    git_libgit2_shutdown();
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

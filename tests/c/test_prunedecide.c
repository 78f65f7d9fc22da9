/* Reachability and the prune decision (manifestrefs.c, repograph.c,
 * prunedecide.c) on graphs built from manifest bytes written here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "manifestrefs.h"
#include "prunedecide.h"
#include "repograph.h"
#include "rfc3339.h"

#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_INDEX "application/vnd.oci.image.index.v1+json"

/* A blob digest made from a word. */
static const char *blob(const char *word, char out[MA_DIGEST_MAX])
{
    ma_sha256_digest(word, strlen(word), out);
    return out;
}

/* A platform (or attestation, signature) manifest: config from `seed`, one
 * layer `layer`, an optional subject; added to g, its digest in out. */
static void add_manifest(ma_repograph *g, const char *seed, const char *layer, const char *subject,
                         char out[MA_DIGEST_MAX])
{
    char cfg[MA_DIGEST_MAX], lay[MA_DIGEST_MAX], raw[1024], subj[200] = "";
    if (subject != NULL)
        snprintf(subj, sizeof subj, ",\"subject\":{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":10}", OCI_INDEX,
                 subject);
    snprintf(raw, sizeof raw,
             "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"application/"
             "vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":100},\"layers\":[{\"mediaType\":"
             "\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\",\"size\":1000}]%s}",
             OCI_MANIFEST, blob(seed, cfg), blob(layer, lay), subj);
    ma_sha256_digest(raw, strlen(raw), out);
    ma_error err = {0};
    CHECK(ma_repograph_add(g, out, OCI_MANIFEST, raw, strlen(raw), &err) == 0);
}

/* An index of children (attests[i]: the digest child i attests, or NULL), with a created time or NULL. */
static void add_index(ma_repograph *g, const char *const *children, const char *const *attests, size_t n,
                      const char *created, char out[MA_DIGEST_MAX])
{
    char raw[4096];
    size_t len = (size_t)snprintf(raw, sizeof raw, "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[",
                                  OCI_INDEX);
    for (size_t i = 0; i < n; i++) {
        char ann[200] = "";
        if (attests[i] != NULL)
            snprintf(ann, sizeof ann,
                     ",\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\",\"%s\":\"%s\"}",
                     MA_ATTEST_REF_ANNOTATION, attests[i]);
        len += (size_t)snprintf(raw + len, sizeof raw - len, "%s{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":500%s}",
                                i ? "," : "", OCI_MANIFEST, children[i], ann);
    }
    len += (size_t)snprintf(raw + len, sizeof raw - len, "]");
    if (created != NULL)
        len += (size_t)snprintf(raw + len, sizeof raw - len, ",\"annotations\":{\"%s\":\"%s\"}", MA_CREATED_ANNOTATION,
                                created);
    snprintf(raw + len, sizeof raw - len, "}");
    ma_sha256_digest(raw, strlen(raw), out);
    ma_error err = {0};
    CHECK(ma_repograph_add(g, out, OCI_INDEX, raw, strlen(raw), &err) == 0);
}

static void tag(ma_repograph *g, const char *name, const char *digest)
{
    ma_error err = {0};
    CHECK(ma_repograph_add_tag(g, name, digest, &err) == 0);
}

static char *cosign_tag(const char *digest, const char *suffix)
{
    return ma_strdupf("sha256-%s.%s", digest + 7, suffix);
}

static const ma_prune_item *find_item(const ma_prune_item *items, size_t n, const ma_repograph *g, const char *digest)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(g->objects[items[i].object].digest, digest) == 0)
            return &items[i];
    return NULL;
}

static int gone(const ma_prune_decision *d, const ma_repograph *g, const char *digest)
{
    return find_item(d->gone, d->ngone, g, digest) != NULL;
}

static int kept(const ma_prune_decision *d, const ma_repograph *g, const char *digest)
{
    return find_item(d->kept, d->nkept, g, digest) != NULL;
}

static void test_refs_parse(void)
{
    ma_manifest_refs r;
    ma_error err = {0};
    char a[MA_DIGEST_MAX], b[MA_DIGEST_MAX];
    blob("a", a);
    blob("b", b);
    char raw[2048];
    /* a cache index: a layer entry is a blob, a manifest entry a child */
    snprintf(raw, sizeof raw,
             "{\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\","
             "\"size\":42},{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":7,\"annotations\":{\"%s\":\"%s\"}}],"
             "\"annotations\":{\"%s\":\"2026-12-04T14:56:24+01:00\"}}",
             a, OCI_MANIFEST, b, MA_ATTEST_REF_ANNOTATION, a, MA_CREATED_ANNOTATION);
    CHECK(ma_manifest_refs_parse(raw, strlen(raw), &r, &err) == 0);
    CHECK(r.is_index && r.children.len == 1 && r.blobs.len == 1 && r.blob_sizes[0] == 42);
    CHECK_STR(r.children.items[0], b);
    CHECK_STR(r.child_attests.items[0], a);
    CHECK(r.has_created && r.created == 1796396184LL - 3600);
    ma_manifest_refs_free(&r);

    snprintf(raw, sizeof raw, "{\"config\":{\"digest\":\"%s\",\"size\":3},\"layers\":[],\"subject\":{\"digest\":\"%s\"}}",
             a, b);
    CHECK(ma_manifest_refs_parse(raw, strlen(raw), &r, &err) == 0);
    CHECK(!r.is_index && r.blobs.len == 1 && !r.has_created);
    CHECK_STR(r.subject, b);
    ma_manifest_refs_free(&r);

    const char *bad[] = {"[]", "{\"manifests\":{}}", "{\"manifests\":[{\"digest\":\"sha512:ab\"}]}",
                         "{\"config\":{\"digest\":\"sha256:00\",\"size\":1}}", "{\"subject\":{}}", "not json"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err = (ma_error){0};
        CHECK(ma_manifest_refs_parse(bad[i], strlen(bad[i]), &r, &err) == -1 && err.kind == MA_ERR_ENV);
        CHECK(r.children.len == 0 && r.blobs.len == 0);
    }
    long long t;
    CHECK(ma_rfc3339_parse("1970-01-01T00:00:00Z", &t) == 0 && t == 0);
    CHECK(ma_rfc3339_parse("2000-03-01T00:00:00.123Z", &t) == 0 && t == 951868800LL);
    CHECK(ma_rfc3339_parse("2000-03-01T00:00:00", &t) == -1);
    CHECK(ma_rfc3339_parse("2000-13-01T00:00:00Z", &t) == -1);
    char subject[MA_DIGEST_MAX];
    char *sig = cosign_tag(a, "sig");
    CHECK(ma_cosign_tag_subject(sig, subject) == 1);
    CHECK_STR(subject, a);
    free(sig);
    CHECK(ma_cosign_tag_subject("sha256-abc.sig", subject) == 0);
    CHECK(ma_cosign_tag_subject("v1.2.3", subject) == 0);
}

/* main (index A) and pr-15 (index B) share platform manifest p1; both signed. */
static void test_pr_keeps_what_a_kept_tag_reaches(void)
{
    ma_repograph g = MA_REPOGRAPH_INIT;
    char p1[MA_DIGEST_MAX], p2[MA_DIGEST_MAX], p3[MA_DIGEST_MAX], a1[MA_DIGEST_MAX], a2[MA_DIGEST_MAX],
        a3[MA_DIGEST_MAX], A[MA_DIGEST_MAX], B[MA_DIGEST_MAX], sa[MA_DIGEST_MAX], sb[MA_DIGEST_MAX];
    add_manifest(&g, "p1", "shared-layer", NULL, p1);
    add_manifest(&g, "p2", "layer-p2", NULL, p2);
    add_manifest(&g, "p3", "layer-p3", NULL, p3);
    add_manifest(&g, "a1", "att-a1", NULL, a1);
    add_manifest(&g, "a2", "att-a2", NULL, a2);
    add_manifest(&g, "a3", "att-a3", NULL, a3);
    const char *ca[] = {p1, p2, a1, a2}, *ta[] = {NULL, NULL, p1, p2};
    const char *cb[] = {p1, p3, a1, a3}, *tb[] = {NULL, NULL, p1, p3};
    add_index(&g, ca, ta, 4, "2026-01-01T00:00:00Z", A);
    add_index(&g, cb, tb, 4, "2026-01-02T00:00:00Z", B);
    add_manifest(&g, "sig-a", "sig-a-layer", NULL, sa);
    add_manifest(&g, "sig-b", "sig-b-layer", NULL, sb);
    char *siga = cosign_tag(A, "sig"), *sigb = cosign_tag(B, "sig");
    tag(&g, "main", A);
    tag(&g, "pr-15", B);
    tag(&g, siga, sa);
    tag(&g, sigb, sb);
    ma_prune_rules rules = {"15", 0, -1};
    ma_prune_decision d;
    ma_error err = {0};
    CHECK(ma_prune_decide(&g, &rules, &d, &err) == 0);
    CHECK(d.ngone == 4 && gone(&d, &g, B) && gone(&d, &g, p3) && gone(&d, &g, a3) && gone(&d, &g, sb));
    CHECK(kept(&d, &g, p1) && kept(&d, &g, a1) && kept(&d, &g, A) && kept(&d, &g, sa) && d.nkept == 6);
    CHECK_STR(find_item(d.kept, d.nkept, &g, p1)->why, "main");
    CHECK_STR(find_item(d.kept, d.nkept, &g, sa)->why, siga);
    CHECK_STR(find_item(d.kept, d.nkept, &g, sa)->kind, "signature");
    CHECK_STR(find_item(d.gone, d.ngone, &g, a3)->kind, "attestation");
    /* the signature goes first, then the index, then its manifests */
    CHECK(strcmp(g.objects[d.gone[0].object].digest, sb) == 0 && strcmp(g.objects[d.gone[1].object].digest, B) == 0);
    const char *dropped[] = {"pr-15", sigb, NULL};
    CHECK_STRLIST(&d.dropped_tags, dropped);
    CHECK(d.stuck_tags.len == 0);
    /* p3, a3 and sb each free a config and a layer (1100 bytes); B's index frees nothing more */
    CHECK(d.freed_blobs.len == 6 && d.blob_bytes == 3 * 1100);
    size_t bytes = 0;
    for (size_t i = 0; i < d.ngone; i++)
        bytes += g.objects[d.gone[i].object].size;
    CHECK(d.manifest_bytes == bytes);
    ma_prune_decision_free(&d);

    /* pr-15 naming what main names: nothing goes, the tag stays */
    g.tag_digests.items[1][0] = '\0';
    free(g.tag_digests.items[1]);
    g.tag_digests.items[1] = strdup(A);
    CHECK(ma_prune_decide(&g, &rules, &d, &err) == 0);
    const char *stuck[] = {"pr-15", NULL};
    CHECK_STRLIST(&d.stuck_tags, stuck);
    CHECK(d.ngone == 0 && d.dropped_tags.len == 0);
    ma_prune_decision_free(&d);

    /* a tag naming an object not read: no decision */
    tag(&g, "ghost", "sha256:0000000000000000000000000000000000000000000000000000000000000000");
    CHECK(ma_prune_decide(&g, &rules, &d, &err) == -1 && err.kind == MA_ERR_ENV && contains(err.msg, "ghost"));
    free(siga);
    free(sigb);
    ma_repograph_free(&g);
}

static void test_keep_sha_by_commit_time(void)
{
    ma_repograph g = MA_REPOGRAPH_INIT;
    char m[4][MA_DIGEST_MAX], x[4][MA_DIGEST_MAX];
    const char *times[] = {"2026-03-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", NULL};
    const char *names[] = {"sha-aaaaaaa", "sha-bbbbbbb", "sha-ccccccc", "sha-ddddddd"};
    for (int i = 0; i < 4; i++) {
        char seed[8];
        snprintf(seed, sizeof seed, "m%d", i);
        add_manifest(&g, seed, "l", NULL, m[i]);
        const char *c[] = {m[i]}, *t[] = {NULL};
        add_index(&g, c, t, 1, times[i], x[i]);
        tag(&g, names[i], x[i]);
    }
    tag(&g, "main", x[1]);
    ma_prune_rules rules = {NULL, 0, 1};
    ma_prune_decision d;
    ma_error err = {0};
    CHECK(ma_prune_decide(&g, &rules, &d, &err) == 0);
    /* newest (a) stays, c goes, b stays under main, d has no time and stays */
    CHECK(gone(&d, &g, x[2]) && gone(&d, &g, m[2]) && d.ngone == 2);
    CHECK(kept(&d, &g, x[0]) && kept(&d, &g, x[1]) && kept(&d, &g, x[3]));
    const char *stuck[] = {"sha-bbbbbbb", NULL}, *dropped[] = {"sha-ccccccc", NULL};
    CHECK_STRLIST(&d.stuck_tags, stuck);
    CHECK_STRLIST(&d.dropped_tags, dropped);
    CHECK(d.notes.len == 1 && contains(d.notes.items[0], "sha-ddddddd"));
    /* the shared layer "l" stays: kept manifests use it */
    CHECK(d.freed_blobs.len == 1 && d.blob_bytes == 100);
    ma_prune_decision_free(&d);
    rules.keep_sha = 0;
    CHECK(ma_prune_decide(&g, &rules, &d, &err) == 0 && d.ngone == 4);
    ma_prune_decision_free(&d);
    ma_repograph_free(&g);
}

static void test_untagged_where_listed(void)
{
    ma_repograph g = MA_REPOGRAPH_INIT;
    char p1[MA_DIGEST_MAX], p2[MA_DIGEST_MAX], old[MA_DIGEST_MAX], cur[MA_DIGEST_MAX], orphan[MA_DIGEST_MAX],
        ref_kept[MA_DIGEST_MAX], ref_gone[MA_DIGEST_MAX], ref_ref[MA_DIGEST_MAX];
    add_manifest(&g, "p1", "l1", NULL, p1);
    add_manifest(&g, "p2", "l2", NULL, p2);
    const char *c_old[] = {p1, p2}, *c_cur[] = {p1}, *t[] = {NULL, NULL};
    add_index(&g, c_old, t, 2, NULL, old);
    add_index(&g, c_cur, t, 1, NULL, cur);
    add_manifest(&g, "orphan", "l3", NULL, orphan);
    add_manifest(&g, "rk", "l4", cur, ref_kept);
    add_manifest(&g, "rg", "l5", old, ref_gone);
    add_manifest(&g, "rr", "l6", ref_gone, ref_ref);
    tag(&g, "main", cur);
    ma_prune_rules rules = {NULL, 1, -1};
    ma_prune_decision d;
    ma_error err = {0};
    /* a registry that lists tags only: nothing can be called untagged */
    CHECK(ma_prune_decide(&g, &rules, &d, &err) == 0 && d.ngone == 0 && d.notes.len == 1);
    ma_prune_decision_free(&d);
    g.lists_untagged = 1;
    CHECK(ma_prune_decide(&g, &rules, &d, &err) == 0);
    CHECK(d.ngone == 5 && gone(&d, &g, old) && gone(&d, &g, p2) && gone(&d, &g, orphan) && gone(&d, &g, ref_gone) &&
          gone(&d, &g, ref_ref));
    CHECK(kept(&d, &g, cur) && kept(&d, &g, p1) && kept(&d, &g, ref_kept) && d.nkept == 3);
    CHECK_STR(find_item(d.kept, d.nkept, &g, ref_kept)->kind, "referrer");
    CHECK_STR(find_item(d.gone, d.ngone, &g, orphan)->why, "untagged");
    ma_prune_decision_free(&d);
    ma_repograph_free(&g);
}

static void test_graph_lookups(void)
{
    ma_repograph g = MA_REPOGRAPH_INIT;
    char d[40][MA_DIGEST_MAX];
    for (int i = 0; i < 40; i++) {
        char seed[8];
        snprintf(seed, sizeof seed, "s%d", i);
        add_manifest(&g, seed, "l", NULL, d[i]);
        add_manifest(&g, seed, "l", NULL, d[i]); /* again: no second object */
    }
    CHECK(g.nobjects == 40);
    for (int i = 0; i < 40; i++)
        CHECK(ma_repograph_find(&g, d[i]) == i);
    CHECK(ma_repograph_find(&g, "sha256:1111111111111111111111111111111111111111111111111111111111111111") == -1);
    ma_error err = {0};
    CHECK(ma_repograph_add(&g, d[0] , OCI_MANIFEST, "x", 1, &err) == 0);
    CHECK(ma_repograph_add(&g, "sha256:2222222222222222222222222222222222222222222222222222222222222222", OCI_MANIFEST,
                           "x", 1, &err) == -1 && contains(err.msg, "sha256:2222"));
    ma_strlist missing = MA_STRLIST_INIT;
    const char *c[] = {d[0], "sha256:3333333333333333333333333333333333333333333333333333333333333333"}, *t[] = {NULL, NULL};
    char idx[MA_DIGEST_MAX];
    add_index(&g, c, t, 2, NULL, idx);
    CHECK(ma_repograph_missing(&g, &missing, &err) == 0 && missing.len == 1 && contains(missing.items[0], "3333"));
    ma_strlist_free(&missing);
    ma_repograph_free(&g);
}

int main(void)
{
    test_refs_parse();
    test_pr_keeps_what_a_kept_tag_reaches();
    test_keep_sha_by_commit_time();
    test_untagged_where_listed();
    test_graph_lookups();
    return CHECK_DONE();
}

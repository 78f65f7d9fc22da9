#include "prunereport.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

void ma_bytes_words(unsigned long long n, char *out, size_t size)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    if (n < 1024) {
        snprintf(out, size, "%llu B", n);
        return;
    }
    double v = (double)n / 1024.0;
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024.0;
        u++;
    }
    snprintf(out, size, "%.1f %s", v, units[u]);
}

static unsigned long long freed(const ma_prune_repo *p)
{
    return p->decided ? p->decision.manifest_bytes + p->decision.blob_bytes : 0;
}

static void list_line(FILE *out, const char *label, const ma_strlist *l)
{
    if (l->len == 0)
        return;
    fprintf(out, "  %s:", label);
    for (size_t i = 0; i < l->len; i++)
        fprintf(out, "%s %s", i ? "," : "", l->items[i]);
    fprintf(out, "\n");
}

void ma_prune_report_text(FILE *out, const ma_prune_result *r)
{
    unsigned long long total = 0;
    size_t gone = 0;
    for (size_t i = 0; i < r->nrepos; i++) {
        const ma_prune_repo *p = &r->repos[i];
        fprintf(out, "%s (%s):", p->image, p->api != NULL ? p->api : "?");
        if (!p->decided) {
            fprintf(out, " not read completely, nothing deleted: %s\n", p->error != NULL ? p->error : "?");
            continue;
        }
        const ma_prune_decision *d = &p->decision;
        fprintf(out, " %zu objects, %zu tags\n", p->graph.nobjects, p->graph.tags.len);
        for (size_t k = 0; k < d->nkept; k++)
            fprintf(out, "  keep  %s  %-11s  %s\n", p->graph.objects[d->kept[k].object].digest, d->kept[k].kind,
                    d->kept[k].why);
        for (size_t k = 0; k < d->ngone; k++) {
            const char *digest = p->graph.objects[d->gone[k].object].digest;
            const char *verb = !r->yes ? "goes" : ma_strlist_contains(&p->deleted, digest) ? "gone" : "left";
            fprintf(out, "  %-4s  %s  %-11s  %s\n", verb, digest, d->gone[k].kind, d->gone[k].why);
        }
        list_line(out, r->yes ? "tags removed" : "tags to remove", &d->dropped_tags);
        list_line(out, "kept (another tag reaches what they name)", &d->stuck_tags);
        list_line(out, "note", &d->notes);
        list_line(out, "note", &p->notes);
        char m[32], b[32], t[32];
        ma_bytes_words(d->manifest_bytes, m, sizeof m);
        ma_bytes_words(d->blob_bytes, b, sizeof b);
        ma_bytes_words(freed(p), t, sizeof t);
        fprintf(out, "  %s %zu manifests (%s) and %zu blobs only they use (%s): %s\n", r->yes ? "freed" : "would free",
                d->ngone, m, d->freed_blobs.len, b, t);
        if (p->error != NULL)
            fprintf(out, "  stopped: %s\n", p->error);
        total += freed(p);
        gone += r->yes ? p->deleted.len : d->ngone;
    }
    char t[32];
    ma_bytes_words(total, t, sizeof t);
    if (r->yes)
        fprintf(out, "deleted %zu objects, %s freed (blobs once the registry collects garbage)\n", gone, t);
    else
        fprintf(out, "report only: %zu objects (%s) would be deleted; run with --yes to delete them\n", gone, t);
}

static cJSON *strings(const ma_strlist *l)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a != NULL && i < l->len; i++)
        if (!cJSON_AddItemToArray(a, cJSON_CreateString(l->items[i]))) {
            cJSON_Delete(a);
            return NULL;
        }
    return a;
}

static cJSON *items(const ma_prune_repo *p, const ma_prune_item *it, size_t n, int with_size)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a != NULL && i < n; i++) {
        const ma_repo_object *o = &p->graph.objects[it[i].object];
        cJSON *e = cJSON_CreateObject();
        if (e == NULL || !cJSON_AddItemToArray(a, e) || !cJSON_AddStringToObject(e, "digest", o->digest) ||
            !cJSON_AddStringToObject(e, "kind", it[i].kind) || !cJSON_AddStringToObject(e, "why", it[i].why) ||
            (with_size && !cJSON_AddNumberToObject(e, "size", (double)o->size))) {
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

static cJSON *repo_json(const ma_prune_result *r, const ma_prune_repo *p)
{
    cJSON *o = cJSON_CreateObject();
    const ma_prune_decision *d = &p->decision;
    ma_strlist none = MA_STRLIST_INIT;
    int ok = o != NULL && cJSON_AddStringToObject(o, "image", p->image) &&
             cJSON_AddStringToObject(o, "api", p->api != NULL ? p->api : "") &&
             cJSON_AddBoolToObject(o, "read", p->decided) &&
             (p->error != NULL ? cJSON_AddStringToObject(o, "error", p->error) != NULL
                               : cJSON_AddNullToObject(o, "error") != NULL) &&
             cJSON_AddNumberToObject(o, "objects", (double)p->graph.nobjects) &&
             cJSON_AddItemToObject(o, "tags", strings(&p->graph.tags)) &&
             cJSON_AddItemToObject(o, "kept", items(p, d->kept, d->nkept, 0)) &&
             cJSON_AddItemToObject(o, "delete", items(p, d->gone, d->ngone, 1)) &&
             cJSON_AddItemToObject(o, "deleted", strings(r->yes ? &p->deleted : &none)) &&
             cJSON_AddItemToObject(o, "tags_removed", strings(&d->dropped_tags)) &&
             cJSON_AddItemToObject(o, "tags_kept_shared", strings(&d->stuck_tags)) &&
             cJSON_AddItemToObject(o, "blobs_freed", strings(&d->freed_blobs)) &&
             cJSON_AddNumberToObject(o, "manifest_bytes", (double)d->manifest_bytes) &&
             cJSON_AddNumberToObject(o, "blob_bytes", (double)d->blob_bytes) &&
             cJSON_AddNumberToObject(o, "bytes_freed", (double)freed(p)) &&
             cJSON_AddItemToObject(o, "notes", strings(&d->notes)) &&
             cJSON_AddItemToObject(o, "registry_notes", strings(&p->notes)) &&
             cJSON_AddNumberToObject(o, "requests", (double)p->requests);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

char *ma_prune_report_json(const ma_prune_result *r, ma_error *err)
{
    cJSON *root = cJSON_CreateObject(), *repos = cJSON_CreateArray();
    unsigned long long total = 0;
    int ok = root != NULL && repos != NULL && cJSON_AddItemToObject(root, "repositories", repos);
    if (!ok)
        cJSON_Delete(repos);
    int all_ok = 1;
    for (size_t i = 0; ok && i < r->nrepos; i++) {
        ok = cJSON_AddItemToArray(repos, repo_json(r, &r->repos[i]));
        total += freed(&r->repos[i]);
        all_ok &= r->repos[i].error == NULL;
    }
    ok = ok && cJSON_AddBoolToObject(root, "ok", all_ok) && cJSON_AddBoolToObject(root, "deleted", r->yes) &&
         cJSON_AddNumberToObject(root, "bytes_freed", (double)total);
    char *text = ok ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (text == NULL)
        ma_nomem(err);
    return text;
}

void ma_prune_summary(FILE *out, const ma_prune_result *r)
{
    fprintf(out, "### Prune%s\n\n| Repository | Kept | %s | Tags removed | Freed |\n|---|---|---|---|---|\n",
            r->yes ? "" : " (report only: nothing deleted)", r->yes ? "Deleted" : "Would delete");
    for (size_t i = 0; i < r->nrepos; i++) {
        const ma_prune_repo *p = &r->repos[i];
        if (!p->decided) {
            fprintf(out, "| `%s` | | not read completely: nothing deleted | | |\n", p->image);
            continue;
        }
        char t[32];
        ma_bytes_words(freed(p), t, sizeof t);
        char *tags = ma_strlist_join(&p->decision.dropped_tags, ", ");
        fprintf(out, "| `%s` | %zu | %zu%s | %s | %s |\n", p->image, p->decision.nkept,
                r->yes ? p->deleted.len : p->decision.ngone, p->error != NULL ? " (stopped: see the log)" : "",
                tags != NULL ? tags : "", t);
        free(tags);
    }
    fprintf(out, "\n");
}

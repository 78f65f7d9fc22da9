#include "statusreport.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

static void sizes_text(const ma_status_version *v, char *out, size_t outsz)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t k = 0; k < v->size.len && used < outsz; k++) {
        char size[MA_SIZE_TEXT_MAX];
        ma_size_text(v->size.items[k].bytes, size);
        int n = snprintf(out + used, outsz - used, "%s%s%s%s", k ? ", " : "", v->size.items[k].platform,
                         v->size.items[k].platform[0] ? " " : "", size);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static const char *signature_text(const ma_status_version *v)
{
    if (!v->is_signed)
        return "unsigned";
    return v->verified == MA_SIG_VERIFIED ? "signed, verified" : v->verified == MA_SIG_BAD ? "signed, NOT verified"
                                                                                         : "signed";
}

static void image_text(FILE *out, const ma_status_image *img)
{
    fprintf(out, "%s: %s (", img->component, img->image);
    for (size_t i = 0; i < img->want_platforms.len; i++)
        fprintf(out, "%s%s", i ? ", " : "", img->want_platforms.items[i]);
    fputs(")\n", out);
    size_t width = strlen("version");
    for (size_t i = 0; i < img->nversions; i++)
        if (strlen(img->versions[i].tag) > width)
            width = strlen(img->versions[i].tag);
    for (size_t i = 0; i < img->naliases; i++)
        if (strlen(img->aliases[i].tag) > width)
            width = strlen(img->aliases[i].tag);
    if (img->nversions == 0)
        fputs("  no version published\n", out);
    else
        fprintf(out, "  %-*s  %-19s  %-7s  %-20s  %s\n", (int)width, "version", "digest", "commit", "created",
                "size per platform; signature");
    for (size_t i = 0; i < img->nversions; i++) {
        const ma_status_version *v = &img->versions[i];
        char sizes[512];
        sizes_text(v, sizes, sizeof sizes);
        fprintf(out, "  %-*s  %.19s  %-7.7s  %-20.20s  %s; %s\n", (int)width, v->tag, v->digest,
                v->revision ? v->revision : "?", v->created ? v->created : "?", sizes, signature_text(v));
    }
    for (size_t i = 0; i < img->naliases; i++) {
        const ma_status_alias *a = &img->aliases[i];
        fprintf(out, "  %-*s  -> %s", (int)width, a->tag, a->names ? a->names : "no version tag");
        if (a->names == NULL)
            fprintf(out, " (%.19s…)", a->digest);
        if (!a->checked)
            fputs(" (another spelling: not checked)", out);
        else if (a->should != NULL && (a->names == NULL || strcmp(a->names, a->should) != 0))
            fprintf(out, " (should be %s)", a->should);
        else if (a->should == NULL)
            fputs(" (no release of its line)", out);
        fputc('\n', out);
    }
    if (img->head_tag[0] != '\0')
        fprintf(out, "  HEAD %s: %s%.19s%s\n", img->head_tag, img->head_digest[0] ? "published (" : "not published",
                img->head_digest, img->head_digest[0] ? "…)" : "");
    for (size_t i = 0; i < img->ndrift; i++)
        fprintf(out, "  drift: %s\n    fix: %s\n", img->drift[i].message, img->drift[i].fix);
}

void ma_status_text(FILE *out, const ma_status_result *r)
{
    for (size_t i = 0; i < r->nimages; i++) {
        if (i)
            fputc('\n', out);
        image_text(out, &r->images[i]);
    }
    if (r->ndrift == 0)
        fprintf(out, "\nNo drift: every alias names the highest version of its line%s.\n",
                r->sign_expected ? " and every release is signed" : "");
    else
        fprintf(out, "\n%zu drift%s: run the fix%s above\n", r->ndrift, r->ndrift == 1 ? "" : "s",
                r->ndrift == 1 ? "" : "es");
    fflush(out);
}

/* ---- JSON ---- */

static cJSON *text(const char *s)
{
    return s != NULL && s[0] != '\0' ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *strings(const ma_strlist *l)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a != NULL && i < l->len; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(l->items[i]));
    return a;
}

static cJSON *version_json(const ma_status_version *v)
{
    cJSON *o = cJSON_CreateObject(), *sizes = cJSON_CreateArray();
    for (size_t k = 0; sizes != NULL && k < v->size.len; k++) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddItemToObject(s, "platform", text(v->size.items[k].platform));
        cJSON_AddStringToObject(s, "digest", v->size.items[k].digest);
        cJSON_AddNumberToObject(s, "bytes", (double)v->size.items[k].bytes);
        cJSON_AddItemToArray(sizes, s);
    }
    cJSON_AddStringToObject(o, "tag", v->tag);
    cJSON_AddStringToObject(o, "digest", v->digest);
    cJSON_AddItemToObject(o, "revision", text(v->revision));
    cJSON_AddItemToObject(o, "created", text(v->created));
    cJSON_AddItemToObject(o, "platforms", strings(&v->platforms));
    cJSON_AddItemToObject(o, "sizes", sizes);
    cJSON_AddBoolToObject(o, "signed", v->is_signed);
    cJSON_AddItemToObject(o, "verified", v->verified == MA_SIG_UNCHECKED ? cJSON_CreateNull()
                                                                         : cJSON_CreateBool(v->verified == MA_SIG_VERIFIED));
    return o;
}

static cJSON *image_json(const ma_status_image *img)
{
    cJSON *o = cJSON_CreateObject(), *versions = cJSON_CreateArray(), *aliases = cJSON_CreateArray();
    cJSON *drift = cJSON_CreateArray();
    cJSON_AddStringToObject(o, "component", img->component);
    cJSON_AddStringToObject(o, "image", img->image);
    cJSON_AddItemToObject(o, "platforms", strings(&img->want_platforms));
    for (size_t i = 0; versions != NULL && i < img->nversions; i++)
        cJSON_AddItemToArray(versions, version_json(&img->versions[i]));
    cJSON_AddItemToObject(o, "versions", versions);
    for (size_t i = 0; aliases != NULL && i < img->naliases; i++) {
        const ma_status_alias *a = &img->aliases[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "tag", a->tag);
        cJSON_AddStringToObject(x, "digest", a->digest);
        cJSON_AddItemToObject(x, "version", text(a->names));
        cJSON_AddItemToObject(x, "highest", text(a->should));
        cJSON_AddBoolToObject(x, "checked", a->checked);
        cJSON_AddItemToArray(aliases, x);
    }
    cJSON_AddItemToObject(o, "aliases", aliases);
    if (img->head_tag[0] != '\0') {
        cJSON *head = cJSON_CreateObject();
        cJSON_AddStringToObject(head, "tag", img->head_tag);
        cJSON_AddBoolToObject(head, "published", img->head_digest[0] != '\0');
        cJSON_AddItemToObject(head, "digest", text(img->head_digest));
        cJSON_AddItemToObject(o, "head", head);
    } else {
        cJSON_AddNullToObject(o, "head");
    }
    for (size_t i = 0; drift != NULL && i < img->ndrift; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "kind", img->drift[i].kind);
        cJSON_AddStringToObject(x, "message", img->drift[i].message);
        cJSON_AddStringToObject(x, "fix", img->drift[i].fix);
        cJSON_AddItemToArray(drift, x);
    }
    cJSON_AddItemToObject(o, "drift", drift);
    cJSON_AddNumberToObject(o, "requests", (double)img->requests);
    return o;
}

char *ma_status_json(const ma_status_result *r, int pretty, ma_error *err)
{
    cJSON *root = cJSON_CreateObject(), *images = cJSON_CreateArray();
    cJSON_AddStringToObject(root, "multiarch_version", MA_VERSION);
    cJSON_AddBoolToObject(root, "ok", r->ndrift == 0);
    cJSON_AddNumberToObject(root, "drift", (double)r->ndrift);
    cJSON_AddItemToObject(root, "sign_key", text(r->sign_key));
    cJSON_AddStringToObject(root, "version_prefix", r->version_prefix);
    cJSON_AddNumberToObject(root, "requests", (double)r->requests);
    for (size_t i = 0; images != NULL && i < r->nimages; i++)
        cJSON_AddItemToArray(images, image_json(&r->images[i]));
    cJSON_AddItemToObject(root, "images", images);
    char *out = root != NULL && images != NULL ? (pretty ? cJSON_Print(root) : cJSON_PrintUnformatted(root)) : NULL;
    cJSON_Delete(root);
    if (out == NULL)
        ma_nomem(err);
    return out;
}

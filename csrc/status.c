#include "status.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

/* A whole number without leading zeros, at most 9 digits: *n, and the end. */
static const char *number(const char *s, long *n)
{
    size_t len = strspn(s, "0123456789");
    if (len == 0 || len > 9 || (len > 1 && s[0] == '0'))
        return NULL;
    *n = strtol(s, NULL, 10);
    return s + len;
}

int ma_status_alias_parse(const char *tag, long *major, long *minor)
{
    *major = *minor = -1;
    if (strcmp(tag, "latest") == 0)
        return 1;
    const char *p = number(tag[0] == 'v' ? tag + 1 : tag, major);
    if (p != NULL && *p == '.')
        p = number(p + 1, minor);
    if (p == NULL || *p != '\0') {
        *major = *minor = -1;
        return 0;
    }
    return 1;
}

void ma_status_sig_tag(const char *digest, char *out, size_t outsz)
{
    const char *colon = strchr(digest, ':');
    if (colon == NULL)
        snprintf(out, outsz, "%s.sig", digest);
    else
        snprintf(out, outsz, "%.*s-%s.sig", (int)(colon - digest), digest, colon + 1);
}

ma_status_version *ma_status_add_version(ma_status_image *img, const char *tag, const ma_semver *v)
{
    ma_status_version *grown = realloc(img->versions, (img->nversions + 1) * sizeof *grown);
    if (grown == NULL)
        return NULL;
    img->versions = grown;
    size_t at = img->nversions;
    while (at > 0 && ma_semver_compare(&grown[at - 1].version, v) > 0)
        at--;
    memmove(&grown[at + 1], &grown[at], (img->nversions - at) * sizeof *grown);
    ma_status_version *x = &grown[at];
    memset(x, 0, sizeof *x);
    x->version = *v;
    if ((x->tag = ma_strdup(tag)) == NULL) {
        memmove(&grown[at], &grown[at + 1], (img->nversions - at) * sizeof *grown);
        return NULL;
    }
    img->nversions++;
    return x;
}

/* Aliases in the order they are shown: latest, then by major, then minor. */
static int alias_before(const char *a, const char *b)
{
    long amaj, amin, bmaj, bmin;
    ma_status_alias_parse(a, &amaj, &amin);
    ma_status_alias_parse(b, &bmaj, &bmin);
    if (amaj != bmaj)
        return amaj < bmaj;
    if (amin != bmin)
        return amin < bmin;
    return strcmp(a, b) < 0;
}

ma_status_alias *ma_status_add_alias(ma_status_image *img, const char *tag, const char *digest)
{
    ma_status_alias *grown = realloc(img->aliases, (img->naliases + 1) * sizeof *grown);
    if (grown == NULL)
        return NULL;
    img->aliases = grown;
    size_t at = img->naliases;
    while (at > 0 && alias_before(tag, grown[at - 1].tag))
        at--;
    memmove(&grown[at + 1], &grown[at], (img->naliases - at) * sizeof *grown);
    ma_status_alias *a = &grown[at];
    memset(a, 0, sizeof *a);
    snprintf(a->digest, sizeof a->digest, "%s", digest != NULL ? digest : "");
    if ((a->tag = ma_strdup(tag)) == NULL) {
        memmove(&grown[at], &grown[at + 1], (img->naliases - at) * sizeof *grown);
        return NULL;
    }
    img->naliases++;
    return a;
}

char *ma_status_created(const char *raw, size_t len)
{
    cJSON *root = raw != NULL ? cJSON_ParseWithLength(raw, len) : NULL;
    const cJSON *annotations = cJSON_GetObjectItemCaseSensitive(root, "annotations");
    const cJSON *created = cJSON_GetObjectItemCaseSensitive(annotations, "org.opencontainers.image.created");
    char *out = cJSON_IsString(created) ? ma_strdup(created->valuestring) : NULL;
    cJSON_Delete(root);
    return out;
}

/* The highest stable version of the alias's line (major -1: every version). */
static const ma_status_version *highest(const ma_status_image *img, long major, long minor)
{
    for (size_t i = img->nversions; i-- > 0;) {
        const ma_status_version *v = &img->versions[i];
        if (ma_semver_is_stable(&v->version) && (major < 0 || (long long)v->version.major == major) &&
            (minor < 0 || (long long)v->version.minor == minor))
            return v;
    }
    return NULL;
}

/* The highest version naming digest, or NULL. */
static const ma_status_version *named(const ma_status_image *img, const char *digest)
{
    for (size_t i = img->nversions; digest[0] != '\0' && i-- > 0;)
        if (strcmp(img->versions[i].digest, digest) == 0)
            return &img->versions[i];
    return NULL;
}

static int add_drift(ma_status_image *img, const char *kind, char *message, char *fix)
{
    ma_status_drift *grown = message != NULL && fix != NULL ? realloc(img->drift, (img->ndrift + 1) * sizeof *grown)
                                                            : NULL;
    char *k = grown != NULL ? ma_strdup(kind) : NULL;
    if (grown != NULL)
        img->drift = grown;
    if (k == NULL) {
        free(message);
        free(fix);
        return -1;
    }
    img->drift[img->ndrift++] = (ma_status_drift){k, message, fix};
    return 0;
}

static char *move_fix(const ma_status_image *img, const char *alias, const ma_status_version *to)
{
    return ma_strdupf("docker buildx imagetools create --tag %s:%s %s@%s", img->image, alias, img->image, to->digest);
}

/* What the alias's line is, for a message: "stable version", "v1 version". */
static void line_name(const ma_status_alias *a, long major, long minor, char *out, size_t outsz)
{
    if (major < 0)
        snprintf(out, outsz, "stable version");
    else if (minor < 0)
        snprintf(out, outsz, "%s.x.y version", a->tag);
    else
        snprintf(out, outsz, "%s.z version", a->tag);
}

static int judge_alias(ma_status_image *img, ma_status_alias *a, const ma_status_rules *rules)
{
    long major, minor;
    ma_status_alias_parse(a->tag, &major, &minor);
    const ma_status_version *should = highest(img, major, minor), *is = named(img, a->digest);
    a->names = is != NULL ? is->tag : NULL;
    a->should = should != NULL ? should->tag : NULL;
    a->checked = major < 0 ? rules->policy->latest
                           : (a->tag[0] == 'v') == (rules->policy->version_prefix[0] == 'v');
    if (!a->checked || should == NULL || (is != NULL && ma_semver_compare(&is->version, &should->version) == 0))
        return 0;
    char line[64];
    line_name(a, major, minor, line, sizeof line);
    char *message = is != NULL ? ma_strdupf("%s names %s, not %s, the highest %s", a->tag, is->tag, should->tag, line)
                               : ma_strdupf("%s names %.19s…, which no version tag names, not %s, the highest %s",
                                            a->tag, a->digest, should->tag, line);
    return add_drift(img, "alias", message, move_fix(img, a->tag, should));
}

static int has_alias(const ma_status_image *img, const char *tag)
{
    for (size_t i = 0; i < img->naliases; i++)
        if (strcmp(img->aliases[i].tag, tag) == 0)
            return 1;
    return 0;
}

/* An alias of the policy's spelling missing for a line that has a stable version. */
static int judge_missing(ma_status_image *img, const ma_status_rules *rules)
{
    const char *prefix = rules->policy->version_prefix;
    ma_strlist wanted = MA_STRLIST_INIT;
    int rc = 0;
    const ma_status_version *top = highest(img, -1, -1);
    if (top != NULL && rules->policy->latest && ma_strlist_push(&wanted, "latest") != 0)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < img->nversions; i++) {
        const ma_semver *v = &img->versions[i].version;
        if (!ma_semver_is_stable(v))
            continue;
        if ((v->major > 0 || rules->policy->major_zero) &&
            ma_strlist_pushf(&wanted, "%s%llu", prefix, (unsigned long long)v->major) != 0)
            rc = -1;
        if (rc == 0 &&
            ma_strlist_pushf(&wanted, "%s%llu.%llu", prefix, (unsigned long long)v->major,
                             (unsigned long long)v->minor) != 0)
            rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < wanted.len; i++) {
        const char *tag = wanted.items[i];
        int seen = 0;
        for (size_t k = 0; k < i; k++)
            seen |= strcmp(wanted.items[k], tag) == 0;
        if (seen || has_alias(img, tag))
            continue;
        long major, minor;
        ma_status_alias_parse(tag, &major, &minor);
        const ma_status_version *should = highest(img, major, minor);
        if (should != NULL)
            rc = add_drift(img, "alias", ma_strdupf("%s is missing: it should name %s", tag, should->tag),
                           move_fix(img, tag, should));
    }
    ma_strlist_free(&wanted);
    return rc;
}

static int judge_version(ma_status_image *img, const ma_status_version *v, const ma_status_rules *rules)
{
    int rc = 0;
    ma_semver parsed = v->version;
    char git_tag[300];
    snprintf(git_tag, sizeof git_tag, "%sv%llu.%llu.%llu%s%s", rules->tag_prefix ? rules->tag_prefix : "",
             (unsigned long long)parsed.major, (unsigned long long)parsed.minor, (unsigned long long)parsed.patch,
             parsed.prerelease[0] ? "-" : "", parsed.prerelease);
    /* one image manifest (no index) holds the one platform it was built for */
    int single = v->platforms.len == 0 && img->want_platforms.len == 1;
    for (size_t p = 0; rc == 0 && !single && p < img->want_platforms.len; p++) {
        const char *want = img->want_platforms.items[p];
        if (ma_platforms_hold(&v->platforms, want))
            continue;
        rc = add_drift(img, "platform",
                       ma_strdupf("%s lacks %s, which the config asks for (it holds %s)", v->tag, want,
                                  v->platforms.len ? "other platforms" : "none"),
                       ma_strdupf("git checkout %s && angreal build multi-arch %s --tag %s --push --allow-overwrite",
                                  git_tag, img->component, v->tag));
    }
    char sign[1200];
    snprintf(sign, sizeof sign, "cosign sign%s%s %s@%s", rules->sign_key ? " --key " : "",
             rules->sign_key ? rules->sign_key : "", img->image, v->digest);
    if (rc == 0 && rules->sign_expected && !v->is_signed)
        rc = add_drift(img, "signature", ma_strdupf("%s (%.19s…) has no signature", v->tag, v->digest),
                       ma_strdup(sign));
    if (rc == 0 && v->is_signed && v->verified == MA_SIG_BAD)
        rc = add_drift(img, "signature",
                       ma_strdupf("%s (%.19s…) has a signature that does not verify with %s%s%s", v->tag, v->digest,
                                  rules->sign_key ? rules->sign_key : "the key", v->sig_error ? ": " : "",
                                  v->sig_error ? v->sig_error : ""),
                       ma_strdup(sign));
    return rc;
}

int ma_status_judge(ma_status_image *img, const ma_status_rules *rules)
{
    for (size_t i = 0; i < img->naliases; i++)
        if (judge_alias(img, &img->aliases[i], rules) != 0)
            return -1;
    if (judge_missing(img, rules) != 0)
        return -1;
    for (size_t i = 0; i < img->nversions; i++)
        if (judge_version(img, &img->versions[i], rules) != 0)
            return -1;
    return 0;
}

void ma_status_image_free(ma_status_image *img)
{
    if (img == NULL)
        return;
    for (size_t i = 0; i < img->nversions; i++) {
        ma_status_version *v = &img->versions[i];
        free(v->tag);
        free(v->revision);
        free(v->created);
        free(v->sig_error);
        ma_strlist_free(&v->platforms);
        ma_image_size_free(&v->size);
    }
    for (size_t i = 0; i < img->naliases; i++)
        free(img->aliases[i].tag);
    for (size_t i = 0; i < img->ndrift; i++) {
        free(img->drift[i].kind);
        free(img->drift[i].message);
        free(img->drift[i].fix);
    }
    free(img->versions);
    free(img->aliases);
    free(img->drift);
    free(img->component);
    free(img->image);
    ma_strlist_free(&img->want_platforms);
    memset(img, 0, sizeof *img);
}

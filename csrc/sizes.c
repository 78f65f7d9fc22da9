#include "sizes.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A descriptor's "size": a whole number of bytes, at least 0. */
static int descriptor_size(const cJSON *d, long long *out)
{
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(d, "size");
    if (!cJSON_IsObject(d) || !cJSON_IsNumber(size) || size->valuedouble < 0 || size->valuedouble > 9.0e15 ||
        size->valuedouble != (double)(long long)size->valuedouble)
        return -1;
    *out = (long long)size->valuedouble;
    return 0;
}

int ma_manifest_size(const char *raw, size_t len, long long *bytes, ma_error *err)
{
    cJSON *root = raw != NULL && len > 0 ? cJSON_ParseWithLength(raw, len) : NULL;
    const cJSON *config = cJSON_GetObjectItemCaseSensitive(root, "config");
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
    long long total = 0, one = 0;
    int rc = 0;
    if (!cJSON_IsObject(root) || !cJSON_IsArray(layers) || descriptor_size(config, &one) != 0) {
        rc = ma_fail(err, MA_ERR_BUILD, "not an image manifest with a sized config and layers");
    } else {
        total = one;
        const cJSON *layer;
        cJSON_ArrayForEach(layer, layers)
        {
            if (descriptor_size(layer, &one) != 0) {
                rc = ma_fail(err, MA_ERR_BUILD, "an image manifest's layer has no valid size");
                break;
            }
            total += one;
        }
    }
    cJSON_Delete(root);
    if (rc == 0)
        *bytes = total;
    return rc;
}

long long ma_image_size_of(const ma_image_size *s, const char *platform)
{
    for (size_t i = 0; s != NULL && i < s->len; i++)
        if (ma_platform_same(s->items[i].platform, platform) || (s->len == 1 && s->items[0].platform[0] == '\0'))
            return s->items[i].bytes;
    return -1;
}

void ma_image_size_free(ma_image_size *s)
{
    if (s == NULL)
        return;
    free(s->items);
    s->items = NULL;
    s->len = 0;
}

void ma_size_text(long long bytes, char out[MA_SIZE_TEXT_MAX])
{
    static const char *const units[] = {"kB", "MB", "GB", "TB"};
    long long magnitude = bytes < 0 ? -bytes : bytes;
    if (magnitude < 1000) {
        snprintf(out, MA_SIZE_TEXT_MAX, "%lld B", bytes);
        return;
    }
    double v = (double)bytes / 1000.0;
    size_t u = 0;
    while (u + 1 < sizeof units / sizeof units[0] && (v >= 999.95 || v <= -999.95)) {
        v /= 1000.0;
        u++;
    }
    snprintf(out, MA_SIZE_TEXT_MAX, "%.1f %s", v, units[u]);
}

void ma_size_change_text(long long delta, char out[MA_SIZE_TEXT_MAX])
{
    char text[MA_SIZE_TEXT_MAX];
    ma_size_text(delta, text);
    snprintf(out, MA_SIZE_TEXT_MAX, "%s%s", delta >= 0 ? "+" : "", text);
}

void ma_release_size_free(ma_release_size *s)
{
    if (s == NULL)
        return;
    ma_image_size_free(&s->now);
    ma_image_size_free(&s->before);
}

void ma_release_size_line(const ma_release_size *r, const char *platform, char *out, size_t outsz)
{
    long long now = ma_image_size_of(&r->now, platform), before = ma_image_size_of(&r->before, platform);
    char size[MA_SIZE_TEXT_MAX], change[MA_SIZE_TEXT_MAX];
    out[0] = '\0';
    if (now < 0)
        return;
    ma_size_text(now, size);
    if (before < 0 || r->before_digest[0] == '\0') {
        snprintf(out, outsz, "%s", size);
        return;
    }
    ma_size_change_text(now - before, change);
    if (r->before_version[0] != '\0')
        snprintf(out, outsz, "%s (%s since %s)", size, change, r->before_version);
    else
        snprintf(out, outsz, "%s (%s since latest %.19s)", size, change, r->before_digest);
}

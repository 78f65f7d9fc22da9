#include "buildtime.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* The platform a step name opens with: "[linux/arm64 2/3] RUN …" and
 * "[linux/arm64 builder 4/4] …" give "linux/arm64"; "[internal] …" and
 * "[2/3] …" none. */
static int step_platform(const char *name, char out[MA_PLATFORM_MAX])
{
    if (name == NULL || name[0] != '[')
        return 0;
    size_t n = strcspn(name + 1, " ]");
    /* "[2/3]" (a one-platform build) names no platform: a platform opens with its os */
    if (n == 0 || n >= MA_PLATFORM_MAX || memchr(name + 1, '/', n) == NULL || !isalpha((unsigned char)name[1]))
        return 0;
    char raw[MA_PLATFORM_MAX];
    memcpy(raw, name + 1, n);
    raw[n] = '\0';
    ma_platform_normalize(raw, out);
    return 1;
}

void ma_buildtime_of(const ma_rawjson *rj, ma_buildtime *out)
{
    memset(out, 0, sizeof *out);
    /* in start order, so platforms come in the order they began */
    for (unsigned long order = 1; order <= rj->starts; order++) {
        for (size_t i = 0; i < rj->len; i++) {
            const ma_rawjson_step *s = &rj->steps[i];
            char platform[MA_PLATFORM_MAX];
            if (s->order != order || !step_platform(s->name, platform))
                continue;
            ma_platform_time *p = NULL;
            for (size_t k = 0; k < out->len && p == NULL; k++)
                if (strcmp(out->items[k].platform, platform) == 0)
                    p = &out->items[k];
            if (p == NULL && out->len < sizeof out->items / sizeof out->items[0]) {
                p = &out->items[out->len++];
                snprintf(p->platform, sizeof p->platform, "%s", platform);
            }
            if (p == NULL)
                continue;
            double took = s->completed && !s->cached && s->started_at > 0 && s->completed_at > 0
                              ? s->completed_at - s->started_at : 0;
            if (took < 0 || took > 1e7)
                took = 0;
            p->steps++;
            p->seconds += took;
            if (p->slowest == NULL || took > p->slowest_seconds) {
                p->slowest = s->name;
                p->slowest_seconds = took;
            }
        }
    }
}

int ma_buildtime_note(const ma_buildtime *t, char *out, size_t outsz)
{
    out[0] = '\0';
    const ma_platform_time *slow = NULL, *fast = NULL;
    for (size_t i = 0; i < t->len; i++) {
        if (slow == NULL || t->items[i].seconds > slow->seconds)
            slow = &t->items[i];
        if (fast == NULL || t->items[i].seconds < fast->seconds)
            fast = &t->items[i];
    }
    if (slow == NULL || slow == fast || slow->seconds < MA_BUILDTIME_FLOOR ||
        slow->seconds <= MA_BUILDTIME_RATIO * fast->seconds)
        return 0;
    char ratio[32];
    if (fast->seconds > 0)
        snprintf(ratio, sizeof ratio, "%.1fx", slow->seconds / fast->seconds);
    else
        snprintf(ratio, sizeof ratio, "far longer than");
    snprintf(out, outsz,
             "%s took %.1fs, %s %s (%.1fs); its slowest step: %s (%.1fs). Build %s natively (the matrix flow) or "
             "cross-compile with FROM --platform=$BUILDPLATFORM: see " MA_BUILDTIME_DOC,
             slow->platform, slow->seconds, ratio, fast->platform, fast->seconds,
             slow->slowest != NULL ? slow->slowest : "?", slow->slowest_seconds, slow->platform);
    return 1;
}

void ma_buildtime_text(const ma_buildtime *t, char *out, size_t outsz)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < t->len && used < outsz; i++) {
        int n = snprintf(out + used, outsz - used, "%s%s %.1fs", i ? ", " : "", t->items[i].platform,
                         t->items[i].seconds);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

#include "annotations.h"

#include <string.h>

#include "labels.h"

#define SOURCE_KEY MA_LABEL_PREFIX "source="

static int add(ma_strlist *out, const char *key, const char *value)
{
    return value == NULL || value[0] == '\0' ? 0 : ma_strlist_pushf(out, MA_LABEL_PREFIX "%s=%s", key, value);
}

int ma_annotations_compute(const ma_strlist *labels, const char *description, const char *licenses,
                           ma_strlist *out)
{
    const char *source = NULL;
    for (size_t i = 0; i < labels->len; i++)
        if (strncmp(labels->items[i], SOURCE_KEY, strlen(SOURCE_KEY)) == 0)
            source = labels->items[i] + strlen(SOURCE_KEY);
    return ma_strlist_extend(out, labels) || add(out, "description", description) ||
                   add(out, "licenses", licenses) || add(out, "url", source)
               ? -1
               : 0;
}

int ma_annotation_args(const ma_strlist *annotations, const char *level, ma_strlist *argv)
{
    for (size_t i = 0; i < annotations->len; i++)
        if (ma_strlist_push(argv, "--annotation") || ma_strlist_pushf(argv, "%s:%s", level, annotations->items[i]))
            return -1;
    return 0;
}

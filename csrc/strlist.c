#include "strlist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *ma_strdup(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy != NULL)
        memcpy(copy, s, n);
    return copy;
}

static int take(ma_strlist *l, char *owned)
{
    if (owned == NULL)
        return -1;
    /* one slot more than len: items stays NULL-terminated, usable as an argv */
    if (l->len + 1 >= l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **items = realloc(l->items, cap * sizeof *items);
        if (items == NULL) {
            free(owned);
            return -1;
        }
        l->items = items;
        l->cap = cap;
    }
    l->items[l->len++] = owned;
    l->items[l->len] = NULL;
    return 0;
}

int ma_strlist_push(ma_strlist *l, const char *s)
{
    return take(l, ma_strdup(s));
}

static char *vformat(const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *buf = n < 0 ? NULL : malloc((size_t)n + 1);
    if (buf != NULL)
        vsnprintf(buf, (size_t)n + 1, fmt, again);
    va_end(again);
    return buf;
}

char *ma_strdupf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    return s;
}

int ma_strlist_pushf(ma_strlist *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *buf = vformat(fmt, ap);
    va_end(ap);
    return buf == NULL ? -1 : take(l, buf);
}

int ma_strlist_extend(ma_strlist *l, const ma_strlist *src)
{
    for (size_t i = 0; i < src->len; i++)
        if (ma_strlist_push(l, src->items[i]) != 0)
            return -1;
    return 0;
}

int ma_strlist_contains(const ma_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->len; i++)
        if (strcmp(l->items[i], s) == 0)
            return 1;
    return 0;
}

int ma_strlist_push_unique(ma_strlist *l, const char *s)
{
    return ma_strlist_contains(l, s) ? 0 : ma_strlist_push(l, s);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void ma_trim_span(const char **start, const char **end)
{
    while (*start < *end && is_space(**start))
        (*start)++;
    while (*end > *start && is_space((*end)[-1]))
        (*end)--;
}

int ma_strlist_split(ma_strlist *l, const char *s, char sep)
{
    const char *start = s;
    for (;;) {
        const char *end = strchr(start, sep);
        if (end == NULL)
            end = start + strlen(start);
        const char *a = start, *b = end;
        ma_trim_span(&a, &b);
        char *item = malloc((size_t)(b - a) + 1);
        if (item == NULL)
            return -1;
        memcpy(item, a, (size_t)(b - a));
        item[b - a] = '\0';
        if (take(l, item) != 0)
            return -1;
        if (*end == '\0')
            return 0;
        start = end + 1;
    }
}

char *ma_strlist_join(const ma_strlist *l, const char *sep)
{
    size_t seplen = strlen(sep), total = 1;
    for (size_t i = 0; i < l->len; i++)
        total += strlen(l->items[i]) + (i ? seplen : 0);
    char *out = malloc(total), *p = out;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < l->len; i++) {
        if (i) {
            memcpy(p, sep, seplen);
            p += seplen;
        }
        size_t n = strlen(l->items[i]);
        memcpy(p, l->items[i], n);
        p += n;
    }
    *p = '\0';
    return out;
}

void ma_strlist_free(ma_strlist *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->len; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->len = l->cap = 0;
}

void ma_secret_free(char *s)
{
    if (s == NULL)
        return;
    /* volatile: the zeroing of memory about to be freed must not be optimised away */
    volatile char *v = s;
    while (*v != '\0')
        *v++ = '\0';
    free(s);
}

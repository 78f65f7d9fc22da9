/* A growable list of owned C strings: the plain data most steps pass around. */
#ifndef MA_STRLIST_H
#define MA_STRLIST_H

#include <stddef.h>

/* items is NULL-terminated once anything was pushed, so it can serve as an argv. */
typedef struct {
    char **items;
    size_t len;
    size_t cap;
} ma_strlist;

#define MA_STRLIST_INIT {NULL, 0, 0}

/* Append a copy of s.  Returns 0, or -1 when out of memory. */
int ma_strlist_push(ma_strlist *l, const char *s);
/* Append a printf-formatted string. */
int ma_strlist_pushf(ma_strlist *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append every item of src. */
int ma_strlist_extend(ma_strlist *l, const ma_strlist *src);
/* Append s unless an equal string is already there. */
int ma_strlist_push_unique(ma_strlist *l, const char *s);
int ma_strlist_contains(const ma_strlist *l, const char *s);
/* Split s on sep into non-empty trimmed items (empty items are kept as "" so callers can refuse them). */
int ma_strlist_split(ma_strlist *l, const char *s, char sep);
/* Join with sep into a new malloc'd string (NULL when out of memory). */
char *ma_strlist_join(const ma_strlist *l, const char *sep);
/* Free every item and reset to empty; safe on NULL and on an empty list. */
void ma_strlist_free(ma_strlist *l);

/* Narrow the span [*start, *end) past leading and trailing blanks (space, tab, CR, LF). */
void ma_trim_span(const char **start, const char **end);

/* Free a string that held a secret (a password, a token), zeroed first; NULL is fine. */
void ma_secret_free(char *s);
/* strdup that tolerates NULL (returns NULL for NULL). */
char *ma_strdup(const char *s);
/* A new printf-formatted string, or NULL when out of memory. */
char *ma_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

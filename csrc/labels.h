/* The OCI labels every image carries (org.opencontainers.image.*), computed
 * from plain facts.  Pure: the context gathers the facts. */
#ifndef MA_LABELS_H
#define MA_LABELS_H

#include <stddef.h>

#include "error.h"
#include "strlist.h"

#define MA_LABEL_PREFIX "org.opencontainers.image."

typedef struct {
    const char *remote_url;   /* the git remote's URL, or NULL */
    const char *ci_source;    /* the repository URL CI names, or NULL */
    const char *revision;     /* the commit, or NULL */
    const char *version;      /* the version tag */
    int have_created;
    long long created;        /* seconds since 1970 (with have_created) */
    const char *title;        /* the image's name */
} ma_label_inputs;

/* "key=value" items in a fixed order: source, revision, version, created,
 * title; a label whose fact is unknown is left out. */
int ma_labels_compute(const ma_label_inputs *in, ma_strlist *out, ma_error *err);

/* The web URL of a git remote URL: https://host[:port]/path without ".git",
 * user or password (scp-like git@host:path and ssh://, git://, http(s)://
 * forms).  Returns a new string, or NULL for local paths, file:// and
 * anything unrecognised (*nomem set when allocation failed). */
char *ma_source_url(const char *remote, int *nomem);

/* RFC 3339 UTC ("2024-05-01T12:00:00Z") of a time; 0, or -1 when out of range. */
int ma_rfc3339_utc(long long seconds, char *out, size_t outsz);

/* Parse SOURCE_DATE_EPOCH: a whole number of seconds since 1970.
 * MA_ERR_INPUT naming the value otherwise. */
int ma_epoch_parse(const char *text, long long *out, ma_error *err);

#endif

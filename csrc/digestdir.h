/* The digest directory of the matrix flow: each runner's
 * `multi-arch --push-by-digest --digest-dir DIR` writes one small JSON file
 * per component and platform, named so files from many runners can be
 * collected into one folder; `merge --digest-dir DIR` reads them all back.
 * Records are JSON (cJSON); the parse and render are pure, the rest touches
 * the directory. */
#ifndef MA_DIGESTDIR_H
#define MA_DIGESTDIR_H

#include <stddef.h>

#include "error.h"

#define MA_DIGEST_RECORD_MAX_BYTES (64 * 1024)

typedef struct {
    char *component; /* "broker" */
    char *image;     /* "ghcr.io/colliery-io/brokkr-broker" */
    char *platform;  /* "linux/arm64" */
    char *digest;    /* "sha256:..." pushed by digest */
    char *revision;  /* the commit built, or NULL when unknown */
    char *file;      /* the file name it was read from (set by ma_digestdir_read) */
} ma_digest_record;

typedef struct {
    ma_digest_record *items;
    size_t len;
} ma_digest_set;

/* The record as a JSON document (malloc'd), or NULL when out of memory. */
char *ma_digest_record_json(const ma_digest_record *r);

/* Parse a record; MA_ERR_INPUT naming `origin` when it is not one (missing
 * or mistyped fields, an invalid digest, unknown keys). */
int ma_digest_record_parse(const char *json, const char *origin, ma_digest_record *out, ma_error *err);

/* "<component>-<os>-<arch>[-<variant>].json": one name per component and platform. */
int ma_digest_file_name(const char *component, const char *platform, char *out, size_t outsz);

/* Write r into dir (created when missing) atomically: a reader never sees half a file. */
int ma_digestdir_write(const char *dir, const ma_digest_record *r, ma_error *err);

/* Read every record file in dir and its direct subfolders, sorted by name;
 * names starting with '.' are skipped.  MA_ERR_INPUT when dir is missing or empty, or a file is not a record. */
int ma_digestdir_read(const char *dir, ma_digest_set *out, ma_error *err);

void ma_digest_record_free(ma_digest_record *r);
void ma_digest_set_free(ma_digest_set *s);

#endif

/* Reading one string member out of a cJSON object, for the files we parse
 * (multiarch.json, digest records); each caller words its own errors. */
#ifndef MA_JSONFIELD_H
#define MA_JSONFIELD_H

#include <cjson/cJSON.h>

enum {
    MA_JSONFIELD_ABSENT = 0,  /* no such key (or null, when null counts as absent) */
    MA_JSONFIELD_TAKEN = 1,   /* *out now holds a malloc'd copy (the old value freed) */
    MA_JSONFIELD_BAD = -1,    /* present, but not a non-empty string */
    MA_JSONFIELD_NOMEM = -2
};

int ma_jsonfield_take_string(const cJSON *obj, const char *key, int null_is_absent, char **out);

#endif

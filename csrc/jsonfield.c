#include "jsonfield.h"

#include <stdlib.h>

#include "strlist.h"

int ma_jsonfield_take_string(const cJSON *obj, const char *key, int null_is_absent, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL || (null_is_absent && cJSON_IsNull(v)))
        return MA_JSONFIELD_ABSENT;
    if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
        return MA_JSONFIELD_BAD;
    char *copy = ma_strdup(v->valuestring);
    if (copy == NULL)
        return MA_JSONFIELD_NOMEM;
    free(*out);
    *out = copy;
    return MA_JSONFIELD_TAKEN;
}

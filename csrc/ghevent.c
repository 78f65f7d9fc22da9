#include "ghevent.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strlist.h"
#include "textfile.h"

/* Below 2^53, where a JSON number is still a whole number exactly. */
#define NUMBER_MAX 9007199254740991.0

static const cJSON *pr_number_item(const cJSON *root)
{
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(root, "pull_request");
    const cJSON *n = cJSON_IsObject(pr) ? cJSON_GetObjectItemCaseSensitive(pr, "number") : NULL;
    return n != NULL ? n : cJSON_GetObjectItemCaseSensitive(root, "number");
}

int ma_ghevent_pr_number(const char *json, size_t len, const char *origin, char **number, ma_error *err)
{
    *number = NULL;
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return ma_fail(err, MA_ERR_INPUT, "the GitHub event payload %s is not a JSON object", origin);
    }
    const cJSON *n = pr_number_item(root);
    int rc = 0;
    if (n != NULL) {
        double v = cJSON_IsNumber(n) ? n->valuedouble : -1;
        if (v < 1 || v > NUMBER_MAX || (double)(long long)v != v)
            rc = ma_fail(err, MA_ERR_INPUT, "the GitHub event payload %s has a pull request number that is not a "
                         "positive whole number", origin);
        else if ((*number = ma_strdupf("%.0f", v)) == NULL)
            rc = ma_nomem(err);
    }
    cJSON_Delete(root);
    return rc;
}

int ma_ghevent_read(const char *path, char **number, ma_error *err)
{
    char *text = NULL;
    *number = NULL;
    int rc = ma_textfile_read(path, MA_GHEVENT_MAX_BYTES, "GitHub event payload", MA_ERR_INPUT, &text, err);
    if (rc == MA_TEXTFILE_MISSING)
        return ma_fail(err, MA_ERR_ENV, "cannot read GitHub event payload %s: no such file", path);
    if (rc != 0)
        return -1;
    rc = ma_ghevent_pr_number(text, strlen(text), path, number, err);
    free(text);
    return rc;
}

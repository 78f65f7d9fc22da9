#include "request.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "strlist.h"

/* Every string of a request: what ma_request_copy duplicates and
 * ma_request_free frees (test_plan.c holds it to the option table). */
static const size_t TEXT_FIELDS[] = {
    offsetof(ma_request, component),   offsetof(ma_request, tag),         offsetof(ma_request, tag_prefix),
    offsetof(ma_request, registry),    offsetof(ma_request, platforms),   offsetof(ma_request, builder),
    offsetof(ma_request, config_path), offsetof(ma_request, project_dir), offsetof(ma_request, run_dir),
    offsetof(ma_request, digest_dir),  offsetof(ma_request, cache_from),  offsetof(ma_request, cache_to),
    offsetof(ma_request, provenance),  offsetof(ma_request, sign_key),    offsetof(ma_request, version_prefix),
    offsetof(ma_request, sha_tag),     offsetof(ma_request, major_zero),  offsetof(ma_request, latest),
    offsetof(ma_request, schedule_tag),
    offsetof(ma_request, promote_from), offsetof(ma_request, promote_registry),
};

#define NTEXT (sizeof TEXT_FIELDS / sizeof TEXT_FIELDS[0])

static const char **text_field(ma_request *req, size_t i)
{
    return (const char **)((char *)req + TEXT_FIELDS[i]);
}

int ma_request_copy(ma_request *dst, const ma_request *src)
{
    *dst = *src;
    dst->envp = NULL;
    dst->git_cache = NULL;
    int failed = 0;
    for (size_t i = 0; i < NTEXT; i++) {
        const char **field = text_field(dst, i);
        if (*field == NULL)
            continue;
        /* until every string is ours, a failure must not free the caller's */
        *field = failed ? NULL : ma_strdup(*field);
        failed |= *field == NULL;
    }
    if (failed) {
        ma_request_free(dst);
        return -1;
    }
    return 0;
}

void ma_request_free(ma_request *req)
{
    if (req == NULL)
        return;
    for (size_t i = 0; i < NTEXT; i++)
        free((char *)*text_field(req, i));
    memset(req, 0, sizeof *req);
}

/* The merge's index composed from a source read from the registry
 * (ma_index_compose), input: the source's raw manifest.  Checks: a refused
 * source is MA_ERR_BUILD naming its digest; an accepted one gives an OCI
 * index that is valid JSON, the same bytes twice, and holds the annotation. */
#include <cjson/cJSON.h>

#include "fuzz.h"
#include "indexcompose.h"

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ma_index_source s = {DIGEST, "linux/arm64/v8", (const char *)data, size};
    ma_strlist annotations = MA_STRLIST_INIT;
    if (ma_strlist_push(&annotations, "org.opencontainers.image.version=1.2.3") != 0)
        return 0;
    char *a = NULL, *b = NULL;
    size_t la = 0, lb = 0;
    ma_error err = {MA_ERR_NONE, ""};
    if (ma_index_compose(&s, 1, &annotations, &a, &la, &err) != 0) {
        fuzz_check_error(&err, MA_ERR_BUILD);
        FUZZ_CHECK(a == NULL && (err.kind == MA_ERR_NOMEM || strstr(err.msg, DIGEST) != NULL));
    } else {
        FUZZ_CHECK(ma_index_compose(&s, 1, &annotations, &b, &lb, NULL) == 0);
        FUZZ_CHECK(la == lb && memcmp(a, b, la) == 0);
        cJSON *root = cJSON_ParseWithLength(a, la);
        FUZZ_CHECK(cJSON_IsObject(root));
        const cJSON *media = cJSON_GetObjectItemCaseSensitive(root, "mediaType");
        FUZZ_CHECK(cJSON_IsString(media) && strcmp(media->valuestring, MA_MEDIA_OCI_INDEX) == 0);
        FUZZ_CHECK(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "manifests")));
        FUZZ_CHECK(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "annotations")));
        cJSON_Delete(root);
    }
    free(a);
    free(b);
    ma_strlist_free(&annotations);
    return 0;
}

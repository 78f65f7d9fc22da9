/* buildx's --metadata-file JSON (ma_buildx_parse_metadata), input: the file's
 * text.  Checks: success gives a valid digest, equal to the string cJSON reads
 * at "containerimage.digest"; failure is MA_ERR_BUILD with a message and an
 * empty digest; and any JSON value from the input, nested next to a valid
 * digest in an object, still yields exactly that digest. */
#include <cjson/cJSON.h>

#include "buildx.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (text == NULL)
        return 0;
    char digest[MA_DIGEST_MAX];
    ma_error err = {MA_ERR_NONE, ""};
    cJSON *root = cJSON_ParseWithOpts(text, NULL, 1);
    if (ma_buildx_parse_metadata(text, "fuzz.json", digest, &err) == 0) {
        FUZZ_CHECK(ma_digest_is_valid(digest));
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(root, "containerimage.digest");
        FUZZ_CHECK(cJSON_IsString(value) && strcmp(value->valuestring, digest) == 0);
    } else {
        fuzz_check_error(&err, MA_ERR_BUILD);
        FUZZ_CHECK(digest[0] == '\0');
    }

    if (root != NULL) {
        char want[MA_DIGEST_MAX];
        ma_sha256_digest(data, size, want);
        cJSON *wrapper = cJSON_CreateObject();
        cJSON_AddStringToObject(wrapper, "containerimage.digest", want);
        cJSON_AddItemToObject(wrapper, "containerimage.descriptor", root);
        root = NULL; /* wrapper owns it now */
        char *json = cJSON_Print(wrapper);
        if (json != NULL) {
            FUZZ_CHECK(ma_buildx_parse_metadata(json, "fuzz.json", digest, &err) == 0);
            FUZZ_CHECK(strcmp(digest, want) == 0);
        }
        free(json);
        cJSON_Delete(wrapper);
    }
    free(text);
    return 0;
}

/* --registry values (ma_registry_validate), input: one string.  Checks: a
 * refused value is MA_ERR_INPUT with a message; an accepted one has no scheme,
 * no blank, does not start with ':' or '/' nor end with '/', its namespace is
 * lowercase, it is at most MA_NAME_MAX long, and it stays accepted with one more
 * namespace component while that fits. */
#include <ctype.h>

#include "fuzz.h"
#include "refname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    if (s == NULL)
        return 0;
    ma_error err = {MA_ERR_NONE, ""};
    if (ma_registry_validate(s, &err) != 0) {
        fuzz_check_error(&err, MA_ERR_INPUT);
        free(s);
        return 0;
    }
    size_t len = strlen(s), host = strcspn(s, "/");
    FUZZ_CHECK(len > 0 && strstr(s, "://") == NULL && strpbrk(s, " \t\r\n") == NULL);
    FUZZ_CHECK(s[0] != ':' && s[0] != '/' && s[len - 1] != '/' && len <= MA_NAME_MAX);
    for (size_t i = host; i < len; i++)
        FUZZ_CHECK(!isupper((unsigned char)s[i]));
    char *more = malloc(len + sizeof "/team");
    if (more != NULL && len + 5 <= MA_NAME_MAX) {
        memcpy(more, s, len);
        memcpy(more + len, "/team", sizeof "/team");
        FUZZ_CHECK(ma_registry_validate(more, NULL) == 0);
    }
    free(more);
    free(s);
    return 0;
}

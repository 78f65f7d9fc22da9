/* Link headers (ma_link_next, ma_link_resolve), input: one header value.
 * Checks: a refused value is MA_ERR_ENV; a found target holds no '>' and, once
 * resolved, stays on the registry's origin. */
#include "fuzz.h"
#include "linkhdr.h"

#define ORIGIN "https://registry.example:5000"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    if (s == NULL)
        return 0;
    char *url = NULL, *abs = NULL;
    ma_error err = {MA_ERR_NONE, ""};
    int rc = ma_link_next(s, &url, &err);
    if (rc < 0) {
        fuzz_check_error(&err, MA_ERR_ENV);
        FUZZ_CHECK(url == NULL);
    } else if (rc == 0) {
        FUZZ_CHECK(url == NULL);
    } else {
        FUZZ_CHECK(url != NULL && strchr(url, '>') == NULL);
        if (ma_link_resolve(ORIGIN, url, &abs, &err) == 0)
            FUZZ_CHECK(strncmp(abs, ORIGIN, strlen(ORIGIN)) == 0 &&
                       (abs[strlen(ORIGIN)] == '/' || abs[strlen(ORIGIN)] == '\0'));
        else
            FUZZ_CHECK(abs == NULL);
    }
    free(url);
    free(abs);
    free(s);
    return 0;
}

/* WWW-Authenticate values (ma_wwwauth_parse), input: one header value.
 * Checks: a refused value is MA_ERR_ENV with a message and leaves nothing
 * behind; an accepted one has a scheme, and parsing it twice gives the same. */
#include "fuzz.h"
#include "wwwauth.h"

static int same(const char *a, const char *b)
{
    return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    if (s == NULL)
        return 0;
    ma_challenge a = MA_CHALLENGE_INIT, b = MA_CHALLENGE_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    if (ma_wwwauth_parse(s, &a, &err) != 0) {
        fuzz_check_error(&err, MA_ERR_ENV);
        FUZZ_CHECK(a.scheme == MA_AUTH_NONE && a.realm == NULL && a.service == NULL && a.scope == NULL);
    } else {
        FUZZ_CHECK(a.scheme != MA_AUTH_NONE);
        FUZZ_CHECK(ma_wwwauth_parse(s, &b, NULL) == 0);
        FUZZ_CHECK(a.scheme == b.scheme && same(a.realm, b.realm) && same(a.service, b.service) &&
                   same(a.scope, b.scope) && same(a.error, b.error));
    }
    ma_challenge_free(&a);
    ma_challenge_free(&b);
    free(s);
    return 0;
}

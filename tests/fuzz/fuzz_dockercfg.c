/* docker's config.json (ma_dockercfg_lookup) and a credential helper's answer
 * (ma_credhelper_parse), input: the file's text.  Checks: a refused file is
 * MA_ERR_ENV naming the path and leaves no credentials; a helper name never
 * holds a '/'; an accepted answer has a secret. */
#include "dockercfg.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    if (s == NULL)
        return 0;
    const char *hosts[] = {"docker.io", "127.0.0.1:5000", "ghcr.io"};
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        ma_dockercfg_entry e = MA_DOCKERCFG_ENTRY_INIT;
        ma_error err = {MA_ERR_NONE, ""};
        if (ma_dockercfg_lookup(s, "cfg.json", hosts[i], &e, &err) != 0) {
            fuzz_check_error(&err, MA_ERR_ENV);
            FUZZ_CHECK(err.kind == MA_ERR_NOMEM || strstr(err.msg, "cfg.json") != NULL);
            FUZZ_CHECK(e.helper == NULL && ma_cred_is_empty(&e.cred));
        } else {
            FUZZ_CHECK(e.helper == NULL || (e.helper[0] != '\0' && strchr(e.helper, '/') == NULL));
            FUZZ_CHECK((e.cred.username == NULL) == (e.cred.password == NULL));
        }
        ma_dockercfg_entry_free(&e);
    }
    ma_cred c = MA_CRED_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    if (ma_credhelper_parse(s, "x", &c, &err) == 0)
        FUZZ_CHECK(c.password != NULL || c.identity_token != NULL);
    else
        FUZZ_CHECK(ma_cred_is_empty(&c));
    ma_cred_free(&c);
    free(s);
    return 0;
}

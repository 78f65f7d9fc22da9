#include "cosign.h"

#include <stdlib.h>
#include <string.h>

void ma_sign_plan_free(ma_sign_plan *s)
{
    if (s == NULL)
        return;
    free(s->key);
    free(s->public_key);
    free(s->identity);
    memset(s, 0, sizeof *s);
}

int ma_registry_is_loopback(const char *registry)
{
    size_t host = strcspn(registry, "/");
    size_t name = registry[0] == '[' ? strcspn(registry, "]") + 1 : strcspn(registry, ":/");
    if (name > host)
        return 0;
    if ((name == 9 && strncmp(registry, "localhost", 9) == 0) || (name == 5 && strncmp(registry, "[::1]", 5) == 0))
        return 1;
    /* 127.a.b.c: four numbers below 256 */
    if (name < 9 || strncmp(registry, "127.", 4) != 0)
        return 0;
    int parts = 2, digits = 0, value = 0; /* "127." is the first */
    for (size_t i = 4; i < name; i++) {
        char c = registry[i];
        if (c == '.' && digits > 0) {
            parts++;
            digits = value = 0;
        } else if (c >= '0' && c <= '9' && digits < 3) {
            value = value * 10 + (c - '0');
            digits++;
            if (value > 255)
                return 0;
        } else {
            return 0;
        }
    }
    return parts == 4 && digits > 0;
}

static int push_all(ma_strlist *argv, const char *const *words)
{
    for (; *words != NULL; words++)
        if (ma_strlist_push(argv, *words))
            return -1;
    return 0;
}

int ma_cosign_sign_argv(const ma_sign_plan *s, const char *ref, ma_strlist *argv)
{
    const char *head[] = {"cosign", "sign", "--yes", NULL};
    return push_all(argv, head) || (s->key != NULL && (ma_strlist_push(argv, "--key") || ma_strlist_push(argv, s->key))) ||
                   (s->offline && ma_strlist_push(argv, "--tlog-upload=false")) ||
                   (s->allow_http && ma_strlist_push(argv, "--allow-http-registry")) || ma_strlist_push(argv, ref)
               ? -1
               : 0;
}

int ma_cosign_verify_argv(const ma_sign_plan *s, const char *ref, ma_strlist *argv)
{
    const char *head[] = {"cosign", "verify", NULL};
    int rc = push_all(argv, head);
    if (s->key != NULL)
        rc = rc || ma_strlist_push(argv, "--key") || ma_strlist_push(argv, s->public_key);
    else
        rc = rc || ma_strlist_push(argv, "--certificate-identity") ||
             ma_strlist_push(argv, s->identity != NULL ? s->identity : "<workflow identity>") ||
             ma_strlist_push(argv, "--certificate-oidc-issuer") || ma_strlist_push(argv, MA_COSIGN_GITHUB_ISSUER);
    return rc || (s->offline && ma_strlist_push(argv, "--insecure-ignore-tlog")) ||
                   (s->allow_http && ma_strlist_push(argv, "--allow-http-registry")) || ma_strlist_push(argv, ref)
               ? -1
               : 0;
}

int ma_cosign_public_key_argv(const ma_sign_plan *s, ma_strlist *argv)
{
    const char *head[] = {"cosign", "public-key", "--key", NULL};
    return s->key == NULL || push_all(argv, head) || ma_strlist_push(argv, s->key) ||
                   ma_strlist_push(argv, "--outfile") || ma_strlist_push(argv, s->public_key)
               ? -1
               : 0;
}

ma_cosign_verdict ma_cosign_verdict_of(int status, const char *err_text)
{
    static const char *const unsigned_[] = {"no signatures found", "no matching signatures",
                                            "none of the expected identities matched", NULL};
    if (status == 0)
        return MA_COSIGN_VERIFIED;
    for (const char *const *p = unsigned_; err_text != NULL && *p != NULL; p++)
        if (strstr(err_text, *p) != NULL)
            return MA_COSIGN_UNSIGNED;
    return MA_COSIGN_ERROR;
}

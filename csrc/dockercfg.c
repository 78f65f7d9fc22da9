/* config.json lookups, following docker's cli/config/configfile: a helper
 * for the host first, the `auths` entry as what is left. */
#include "dockercfg.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "jsonfield.h"
#include "strlist.h"

const char *ma_dockercfg_key(const char *host)
{
    if (strcmp(host, "docker.io") == 0 || strcmp(host, "index.docker.io") == 0 ||
        strcmp(host, MA_DOCKERHUB_API_HOST) == 0)
        return MA_DOCKERHUB_AUTH_KEY;
    return host;
}

/* "https://host:port/v1/" -> "host:port" compared with host (docker's
 * ConvertToHostname). */
static int key_names_host(const char *key, const char *host)
{
    if (strncmp(key, "https://", 8) == 0)
        key += 8;
    else if (strncmp(key, "http://", 7) == 0)
        key += 7;
    size_t n = strcspn(key, "/");
    return strlen(host) == n && strncmp(key, host, n) == 0;
}

int ma_cred_is_empty(const ma_cred *c)
{
    return c->username == NULL && c->password == NULL && c->identity_token == NULL;
}

void ma_cred_free(ma_cred *c)
{
    if (c == NULL)
        return;
    ma_secret_free(c->username);
    ma_secret_free(c->password);
    ma_secret_free(c->identity_token);
    *c = (ma_cred)MA_CRED_INIT;
}

void ma_dockercfg_entry_free(ma_dockercfg_entry *e)
{
    if (e == NULL)
        return;
    free(e->helper);
    ma_cred_free(&e->cred);
    e->helper = NULL;
}

static int bad_shape(ma_error *err, const char *path, const char *what)
{
    return ma_fail(err, MA_ERR_ENV, "docker config %s: %s", path, what);
}

/* `auth`: base64 of "user:password". */
static int decode_auth(const char *b64, ma_cred *out, const char *path, ma_error *err)
{
    size_t len = strlen(b64);
    unsigned char *plain = malloc(3 * (len / 4 + 1) + 1);
    if (plain == NULL)
        return ma_nomem(err);
    size_t n = ma_base64_decode(b64, len, plain);
    plain[n] = '\0';
    char *colon = memchr(plain, ':', n);
    int rc = 0;
    if (colon == NULL || colon == (char *)plain || strlen((char *)plain) != n) {
        rc = bad_shape(err, path, "an `auth` entry is not base64 of user:password");
    } else {
        *colon = '\0';
        out->username = strdup((char *)plain);
        out->password = strdup(colon + 1);
        if (out->username == NULL || out->password == NULL)
            rc = ma_nomem(err);
    }
    memset(plain, 0, n);
    free(plain);
    return rc;
}

static int read_auth_entry(const cJSON *entry, const char *path, ma_cred *out, ma_error *err)
{
    if (!cJSON_IsObject(entry))
        return bad_shape(err, path, "an `auths` entry is not an object");
    char *auth = NULL;
    int rc = ma_jsonfield_take_string(entry, "auth", 1, &auth);
    if (rc == MA_JSONFIELD_TAKEN)
        rc = decode_auth(auth, out, path, err);
    ma_secret_free(auth);
    if (rc == MA_JSONFIELD_NOMEM)
        return ma_nomem(err);
    if (rc < 0)
        return rc == MA_JSONFIELD_BAD ? bad_shape(err, path, "an `auth` value is not a string") : rc;
    rc = ma_jsonfield_take_string(entry, "identitytoken", 1, &out->identity_token);
    if (rc == MA_JSONFIELD_NOMEM)
        return ma_nomem(err);
    if (rc == MA_JSONFIELD_BAD && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(entry, "identitytoken")))
        rc = 0; /* "" means none */
    if (rc < 0)
        return bad_shape(err, path, "an `identitytoken` value is not a string");
    return 0;
}

static int take_helper(const cJSON *obj, const char *key, const char *path, char **out, ma_error *err)
{
    int rc = ma_jsonfield_take_string(obj, key, 1, out);
    if (rc == MA_JSONFIELD_NOMEM)
        return ma_nomem(err);
    if (rc == MA_JSONFIELD_BAD && !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(obj, key)))
        return bad_shape(err, path, "a credential helper name is not a string");
    if (*out != NULL && strpbrk(*out, "/\\ \t\r\n") != NULL) {
        free(*out);
        *out = NULL;
        return bad_shape(err, path, "a credential helper name holds '/' or a blank");
    }
    return 0;
}

int ma_dockercfg_lookup(const char *json, const char *path, const char *host, ma_dockercfg_entry *out,
                        ma_error *err)
{
    ma_dockercfg_entry_free(out);
    cJSON *root = cJSON_Parse(json);
    if (root == NULL)
        return bad_shape(err, path, "not JSON");
    int rc = 0;
    const char *key = ma_dockercfg_key(host);
    if (!cJSON_IsObject(root)) {
        rc = bad_shape(err, path, "not a JSON object");
        goto done;
    }
    const cJSON *helpers = cJSON_GetObjectItemCaseSensitive(root, "credHelpers");
    if (helpers != NULL && !cJSON_IsNull(helpers) && !cJSON_IsObject(helpers)) {
        rc = bad_shape(err, path, "`credHelpers` is not an object");
        goto done;
    }
    if (helpers != NULL && cJSON_IsObject(helpers))
        rc = take_helper(helpers, key, path, &out->helper, err);
    if (rc == 0 && out->helper == NULL)
        rc = take_helper(root, "credsStore", path, &out->helper, err);
    if (rc != 0)
        goto done;
    const cJSON *auths = cJSON_GetObjectItemCaseSensitive(root, "auths");
    if (auths != NULL && !cJSON_IsNull(auths) && !cJSON_IsObject(auths)) {
        rc = bad_shape(err, path, "`auths` is not an object");
        goto done;
    }
    /* the exact key first, then any key naming the same host */
    const cJSON *entry = cJSON_IsObject(auths) ? cJSON_GetObjectItemCaseSensitive(auths, key) : NULL;
    for (const cJSON *e = cJSON_IsObject(auths) ? auths->child : NULL; entry == NULL && e != NULL; e = e->next)
        if (e->string != NULL && key_names_host(e->string, strcmp(key, host) == 0 ? host : "index.docker.io"))
            entry = e;
    if (entry != NULL)
        rc = read_auth_entry(entry, path, &out->cred, err);
done:
    if (rc != 0)
        ma_dockercfg_entry_free(out);
    cJSON_Delete(root);
    return rc;
}

int ma_credhelper_parse(const char *json, const char *helper, ma_cred *out, ma_error *err)
{
    ma_cred_free(out);
    cJSON *root = cJSON_Parse(json);
    char *user = NULL, *secret = NULL;
    int u = MA_JSONFIELD_ABSENT, s = MA_JSONFIELD_ABSENT;
    if (cJSON_IsObject(root)) {
        u = ma_jsonfield_take_string(root, "Username", 1, &user);
        s = ma_jsonfield_take_string(root, "Secret", 1, &secret);
    }
    cJSON_Delete(root);
    int rc = 0;
    if (u == MA_JSONFIELD_NOMEM || s == MA_JSONFIELD_NOMEM) {
        rc = ma_nomem(err);
    } else if (s != MA_JSONFIELD_TAKEN) {
        rc = ma_fail(err, MA_ERR_ENV, "credential helper docker-credential-%s answered without a Secret", helper);
    } else if (user != NULL && strcmp(user, "<token>") == 0) {
        out->identity_token = secret;
        secret = NULL;
    } else {
        out->username = user;
        out->password = secret;
        user = secret = NULL;
    }
    ma_secret_free(user);
    ma_secret_free(secret);
    return rc;
}

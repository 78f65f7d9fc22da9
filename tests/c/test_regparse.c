/* The registry client's pure parsers: WWW-Authenticate, Link, docker's
 * config.json and credential helper answers, tokens, Retry-After, hosts. */
#include <stdlib.h>

#include "certsd.h"
#include "check.h"
#include "dockercfg.h"
#include "http.h"
#include "linkhdr.h"
#include "regtoken.h"
#include "wwwauth.h"

static void test_wwwauth(void)
{
    ma_challenge c = MA_CHALLENGE_INIT;
    ma_error err = {0};
    CHECK(ma_wwwauth_parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                           "scope=\"repository:library/alpine:pull\"", &c, &err) == 0);
    CHECK(c.scheme == MA_AUTH_BEARER);
    CHECK_STR(c.realm, "https://auth.docker.io/token");
    CHECK_STR(c.service, "registry.docker.io");
    CHECK_STR(c.scope, "repository:library/alpine:pull");
    CHECK(c.error == NULL);
    /* Basic first, then Bearer: Bearer wins; case-insensitive names; token values */
    CHECK(ma_wwwauth_parse("Basic realm=\"x\", bearer Realm=\"https://t/token\" , Service = svc,error=insufficient_scope",
                           &c, &err) == 0);
    CHECK(c.scheme == MA_AUTH_BEARER);
    CHECK_STR(c.realm, "https://t/token");
    CHECK_STR(c.service, "svc");
    CHECK_STR(c.error, "insufficient_scope");
    CHECK(ma_wwwauth_parse("Basic realm=\"a \\\"quoted\\\" realm\"", &c, &err) == 0);
    CHECK(c.scheme == MA_AUTH_BASIC);
    CHECK_STR(c.realm, "a \"quoted\" realm");
    /* a token68 challenge, then another */
    CHECK(ma_wwwauth_parse("Negotiate abc123==, Basic realm=r", &c, &err) == 0);
    CHECK(c.scheme == MA_AUTH_BASIC);
    CHECK_STR(c.realm, "r");
    CHECK(ma_wwwauth_parse("Custom", &c, &err) == 0 && c.scheme == MA_AUTH_OTHER && c.realm == NULL);
    const char *bad[] = {"", "  ", "Bearer realm=\"open", "=x", "Bearer realm=\"a\" service=b",
                         "Bearer realm=\"a\"\n", "Be(arer"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ma_error_clear(&err);
        CHECK(ma_wwwauth_parse(bad[i], &c, &err) == -1);
        CHECK(err.kind == MA_ERR_ENV && contains(err.msg, "WWW-Authenticate"));
        CHECK(c.realm == NULL && c.scheme == MA_AUTH_NONE);
    }
    ma_challenge_free(&c);
}

static void test_link(void)
{
    char *url = NULL;
    ma_error err = {0};
    CHECK(ma_link_next("</v2/a/tags/list?n=2&last=b>; rel=\"next\"", &url, &err) == 1);
    CHECK_STR(url, "/v2/a/tags/list?n=2&last=b");
    free(url);
    CHECK(ma_link_next("<https://x/prev>; rel=prev, <https://x/a,b>; title=\"t;,\"; rel=\"last NEXT\"", &url, &err) == 1);
    CHECK_STR(url, "https://x/a,b");
    free(url);
    CHECK(ma_link_next("<https://x/prev>; rel=prev", &url, &err) == 0 && url == NULL);
    CHECK(ma_link_next("", &url, &err) == 0 && url == NULL);
    CHECK(ma_link_next("</a; rel=next", &url, &err) == -1 && contains(err.msg, "Link"));
    CHECK(ma_link_next("/a>; rel=next", &url, &err) == -1);
    CHECK(ma_link_next("</a>; rel=\"next", &url, &err) == -1 && url == NULL);

    char *out = NULL;
    CHECK(ma_link_resolve("https://r:5000", "/v2/a/tags/list?last=b", &out, &err) == 0);
    CHECK_STR(out, "https://r:5000/v2/a/tags/list?last=b");
    free(out);
    CHECK(ma_link_resolve("https://r:5000", "https://r:5000/v2/x", &out, &err) == 0);
    CHECK_STR(out, "https://r:5000/v2/x");
    free(out);
    /* credentials never follow a link elsewhere */
    CHECK(ma_link_resolve("https://r:5000", "https://evil/v2/x", &out, &err) == -1 && out == NULL);
    CHECK(ma_link_resolve("https://r:5000", "https://r:50000/v2/x", &out, &err) == -1);
    CHECK(ma_link_resolve("https://r:5000", "//evil/v2/x", &out, &err) == -1);
    CHECK(ma_link_resolve("https://r:5000", "v2/x", &out, &err) == -1 && contains(err.msg, "refused"));
}

static void test_dockercfg(void)
{
    ma_dockercfg_entry e = MA_DOCKERCFG_ENTRY_INIT;
    ma_error err = {0};
    /* "dXNlcjpwYXNz" = user:pass */
    const char *cfg = "{\"auths\": {\"https://index.docker.io/v1/\": {\"auth\": \"aHViOnNlY3JldA==\"},"
                      "\"http://r.example:5000/v2/\": {\"auth\": \"dXNlcjpwYXNz\"},"
                      "\"idp.example\": {\"identitytoken\": \"refresh-me\"}},"
                      "\"credHelpers\": {\"helped.example\": \"pass\"}}";
    CHECK(ma_dockercfg_lookup(cfg, "cfg", "r.example:5000", &e, &err) == 0);
    CHECK(e.helper == NULL);
    CHECK_STR(e.cred.username, "user");
    CHECK_STR(e.cred.password, "pass");
    CHECK(ma_dockercfg_lookup(cfg, "cfg", "docker.io", &e, &err) == 0);
    CHECK_STR(e.cred.username, "hub");
    CHECK_STR(e.cred.password, "secret");
    CHECK(ma_dockercfg_lookup(cfg, "cfg", "registry-1.docker.io", &e, &err) == 0);
    CHECK_STR(e.cred.username, "hub");
    CHECK(ma_dockercfg_lookup(cfg, "cfg", "idp.example", &e, &err) == 0);
    CHECK(e.cred.username == NULL);
    CHECK_STR(e.cred.identity_token, "refresh-me");
    CHECK(ma_dockercfg_lookup(cfg, "cfg", "helped.example", &e, &err) == 0);
    CHECK_STR(e.helper, "pass");
    CHECK(ma_cred_is_empty(&e.cred));
    CHECK(ma_dockercfg_lookup(cfg, "cfg", "other.example", &e, &err) == 0);
    CHECK(e.helper == NULL && ma_cred_is_empty(&e.cred));
    /* credsStore for every host without its own helper */
    CHECK(ma_dockercfg_lookup("{\"credsStore\": \"desktop\", \"credHelpers\": {\"a\": \"ecr-login\"}}", "cfg", "b",
                              &e, &err) == 0);
    CHECK_STR(e.helper, "desktop");
    CHECK(ma_dockercfg_lookup("{\"credsStore\": \"desktop\", \"credHelpers\": {\"a\": \"ecr-login\"}}", "cfg", "a",
                              &e, &err) == 0);
    CHECK_STR(e.helper, "ecr-login");
    CHECK(ma_dockercfg_lookup("{}", "cfg", "a", &e, &err) == 0 && e.helper == NULL);
    CHECK_STR(ma_dockercfg_key("docker.io"), MA_DOCKERHUB_AUTH_KEY);
    CHECK_STR(ma_dockercfg_key("ghcr.io"), "ghcr.io");

    const char *bad[] = {"not json", "[]", "{\"auths\": []}", "{\"auths\": {\"a\": 1}}",
                         "{\"auths\": {\"a\": {\"auth\": \"bm9jb2xvbg==\"}}}", "{\"credsStore\": 3}",
                         "{\"credHelpers\": {\"a\": \"../x\"}}", "{\"credHelpers\": []}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ma_error_clear(&err);
        CHECK(ma_dockercfg_lookup(bad[i], "/home/u/.docker/config.json", "a", &e, &err) == -1);
        CHECK(err.kind == MA_ERR_ENV && contains(err.msg, "/home/u/.docker/config.json"));
        CHECK(e.helper == NULL && ma_cred_is_empty(&e.cred));
    }
    /* a wrong entry is reported without its value */
    CHECK(ma_dockercfg_lookup("{\"auths\": {\"a\": {\"auth\": \"c2VjcmV0\"}}}", "cfg", "a", &e, &err) == -1);
    CHECK(!contains(err.msg, "c2VjcmV0") && !contains(err.msg, "secret"));
    ma_dockercfg_entry_free(&e);

    ma_cred c = MA_CRED_INIT;
    CHECK(ma_credhelper_parse("{\"ServerURL\":\"a\",\"Username\":\"u\",\"Secret\":\"s\"}", "pass", &c, &err) == 0);
    CHECK_STR(c.username, "u");
    CHECK_STR(c.password, "s");
    CHECK(ma_credhelper_parse("{\"Username\":\"<token>\",\"Secret\":\"idt\"}", "pass", &c, &err) == 0);
    CHECK(c.username == NULL && c.password == NULL);
    CHECK_STR(c.identity_token, "idt");
    CHECK(ma_credhelper_parse("{\"Username\":\"u\",\"Secret\":\"hidden\"", "pass", &c, &err) == -1);
    CHECK(contains(err.msg, "docker-credential-pass") && !contains(err.msg, "hidden"));
    CHECK(ma_cred_is_empty(&c));
    ma_cred_free(&c);
}

static void test_token(void)
{
    char *token = NULL;
    long exp = 0;
    ma_error err = {0};
    CHECK(ma_token_parse("{\"token\":\"t1\",\"expires_in\":300}", &token, &exp, &err) == 0);
    CHECK_STR(token, "t1");
    CHECK(exp == 300);
    free(token);
    CHECK(ma_token_parse("{\"access_token\":\"t2\"}", &token, &exp, &err) == 0);
    CHECK_STR(token, "t2");
    CHECK(exp == 60);
    free(token);
    CHECK(ma_token_parse("{\"token\":\"\"}", &token, &exp, &err) == -1 && token == NULL);
    CHECK(ma_token_parse("{\"tok", &token, &exp, &err) == -1 && contains(err.msg, "token server"));

    char *url = ma_token_get_url("https://auth/token", "my svc", "repository:a/b:pull,push");
    CHECK_STR(url, "https://auth/token?service=my%20svc&scope=repository%3Aa%2Fb%3Apull%2Cpush");
    free(url);
    url = ma_token_get_url("https://auth/token?x=1", NULL, "s");
    CHECK_STR(url, "https://auth/token?x=1&scope=s");
    free(url);
    char *form = ma_token_refresh_form("svc", "repository:a:pull", "r&t");
    CHECK_STR(form, "grant_type=refresh_token&service=svc&scope=repository%3Aa%3Apull&client_id=multiarch"
                    "&refresh_token=r%26t");
    free(form);

    ma_token_cache cache = MA_TOKEN_CACHE_INIT;
    CHECK(ma_token_cache_get(&cache, "h s", 0) == NULL);
    CHECK(ma_token_cache_put(&cache, "h s", "tok", 100, 1000) == 0);
    CHECK_STR(ma_token_cache_get(&cache, "h s", 1050), "tok");
    CHECK(ma_token_cache_get(&cache, "h s", 1095) == NULL); /* in its last tenth */
    CHECK(ma_token_cache_get(&cache, "h other", 1050) == NULL);
    CHECK(ma_token_cache_put(&cache, "h s", "tok2", 100, 2000) == 0);
    CHECK_STR(ma_token_cache_get(&cache, "h s", 2001), "tok2");
    ma_token_cache_drop(&cache, "h s");
    CHECK(ma_token_cache_get(&cache, "h s", 2001) == NULL);
    ma_token_cache_free(&cache);
}

static void test_retry_after_and_hosts(void)
{
    CHECK(ma_http_retry_after("3", 0) == 3);
    CHECK(ma_http_retry_after(" 0 ", 0) == 0);
    CHECK(ma_http_retry_after("99999", 0) == MA_HTTP_RETRY_AFTER_MAX_S);
    CHECK(ma_http_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412478) == 2);
    CHECK(ma_http_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490) == 0);
    CHECK(ma_http_retry_after("soon", 0) == -1);
    CHECK(ma_http_retry_after("3s", 0) == -1);
    CHECK(ma_http_retry_after("", 0) == -1);

    CHECK(ma_host_is_loopback("127.0.0.1:5000"));
    CHECK(ma_host_is_loopback("localhost"));
    CHECK(ma_host_is_loopback("[::1]:443"));
    CHECK(ma_host_is_loopback("127.1.2.3"));
    CHECK(!ma_host_is_loopback("127.0.0.1.example.com"));
    CHECK(!ma_host_is_loopback("localhost.example"));
    CHECK(!ma_host_is_loopback("10.0.0.1:5000"));
    CHECK(!ma_host_is_loopback("127..0.1"));
    ma_strlist insecure = MA_STRLIST_INIT;
    CHECK(ma_strlist_push(&insecure, "reg.lan") == 0 && ma_strlist_push(&insecure, "other.lan:5000") == 0);
    CHECK(ma_host_allows_http("reg.lan:8080", &insecure));
    CHECK(ma_host_allows_http("other.lan:5000", &insecure));
    CHECK(!ma_host_allows_http("other.lan:5001", &insecure));
    CHECK(!ma_host_allows_http("ghcr.io", &insecure));
    CHECK(ma_host_allows_http("127.0.0.1:5555", NULL));
    ma_strlist_free(&insecure);
}

int main(void)
{
    test_wwwauth();
    test_link();
    test_dockercfg();
    test_token();
    test_retry_after_and_hosts();
    printf("%d checks, %d failed\n", check_count, check_failures);
    return check_failures != 0;
}

/* --registry by docker's reference grammar (distribution/reference): hosts,
 * ports, IPv4/IPv6, path components, the length limit, the first component
 * that docker would take for a Docker Hub namespace, and the login host. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "refname.h"

static void test_accepted(void)
{
    static const char *const good[] = {
        "ghcr.io/colliery-io", "localhost", "localhost:5000", "localhost:5000/team", "127.0.0.1:5000/team/sub",
        "docker.io/user", "docker.io/myteam/images", "registry.example.com", "ghcr.io",
        "my-registry.local:443/a.b/c_d/e-f", "[::1]:5000", "[fc00::1]/team", "[2001:db8::1]:443/x",
        "192.168.1.1:65535/a", "xn--bcher-kva.example:1/a", "Registry.Example.com/a", "MyHost/a",
        "host.io/a__b", "host.io/a--b", "host.io/a---b", "host.io/a.b.c", "host.io/0", "a.b:1", "ab.c-d.e/x",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        ma_error err = {MA_ERR_NONE, ""};
        int rc = ma_registry_validate(good[i], &err);
        CHECK(rc == 0);
        if (rc != 0)
            fprintf(stderr, "  '%s' refused: %s\n", good[i], err.msg);
    }
    /* exactly the length limit */
    char name[MA_NAME_MAX + 2];
    memcpy(name, "host.io/", 8);
    memset(name + 8, 'a', MA_NAME_MAX - 8);
    name[MA_NAME_MAX] = '\0';
    CHECK(ma_registry_validate(name, NULL) == 0);
    name[MA_NAME_MAX] = 'a';
    name[MA_NAME_MAX + 1] = '\0';
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_registry_validate(name, &err) == -1);
    CHECK(contains(err.msg, "256 characters, more than the 255"));
}

static void test_refused(void)
{
    static const struct {
        const char *registry, *why;
    } bad[] = {
        {"myteam/images", "'myteam' is not a registry host"},
        {"myteam/images", "did you mean docker.io/myteam/images?"},
        {"myteam", "did you mean docker.io/myteam?"},
        {"a-b_c/x", "did you mean docker.io/a-b_c/x?"},
        {"https://x", "leave out the scheme"},
        {"http://localhost:5000", "leave out the scheme"},
        {"test.com:http", "'test.com:http' is not a host[:port]"},
        {"test.com:", "is not a host[:port]"},
        {"test.com:0", "is not a host[:port]"},
        {"test.com:65536/a", "is not a host[:port]"},
        {"test.com:1234567", "is not a host[:port]"},
        {"-ab.com", "is not a host[:port]"},
        {"ab.com-", "is not a host[:port]"},
        {"ab-.com/x", "is not a host[:port]"},
        {"do..cker/x", "is not a host[:port]"},
        {".docker/x", "is not a host[:port]"},
        {"docker./x", "is not a host[:port]"},
        {"dock_.er/x", "is not a host[:port]"},
        {"dock-.er", "is not a host[:port]"},
        {"[fc00::1]8080/x", "is not a host[:port]"},
        {"[fc00::1", "is not a host[:port]"},
        {"[]:5000", "is not a host[:port]"},
        {"[fc00::g]/x", "is not a host[:port]"},
        {"::1/x", "is not a host[:port]"},
        {"a b", "is not a host[:port]"},
        {"gh_cr.io", "is not a host[:port]"},
        {":5000", "is not a host[:port]"},
        {"/ns", "is not a host[:port]"},
        {"ghcr.io/Upper", "namespace must be lowercase"},
        {"ghcr.io/x/", "namespace must be lowercase"},
        {"ghcr.io/", "namespace must be lowercase"},
        {"ghcr.io//x", "namespace must be lowercase"},
        {"ghcr.io/-x", "namespace must be lowercase"},
        {"ghcr.io/x-", "namespace must be lowercase"},
        {"ghcr.io/a..b", "namespace must be lowercase"},
        {"ghcr.io/a___b", "namespace must be lowercase"},
        {"ghcr.io/a._b", "namespace must be lowercase"},
        {"ghcr.io/a-.b", "namespace must be lowercase"},
        {"ghcr.io/a b", "namespace must be lowercase"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ma_error err = {MA_ERR_NONE, ""};
        CHECK(ma_registry_validate(bad[i].registry, &err) == -1);
        CHECK(err.kind == MA_ERR_INPUT);
        char quoted[128];
        snprintf(quoted, sizeof quoted, "'%s'", bad[i].registry);
        CHECK(contains(err.msg, quoted));
        CHECK(contains(err.msg, bad[i].why));
        CHECK(strchr(err.msg, '\n') == NULL);
        if (!contains(err.msg, quoted) || !contains(err.msg, bad[i].why))
            fprintf(stderr, "  '%s': message: %s\n", bad[i].registry, err.msg);
    }
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_registry_validate("", &err) == -1);
    CHECK(err.kind == MA_ERR_INPUT);
    CHECK(contains(err.msg, "empty --registry"));
}

static void test_host(void)
{
    static const struct {
        const char *registry, *host;
    } hosts[] = {
        {"ghcr.io/colliery-io", "ghcr.io"}, {"localhost:5000/a", "localhost:5000"},
        {"[::1]:5000/a", "[::1]:5000"},     {"docker.io/myteam", "docker.io"},
        {"index.docker.io/myteam", "docker.io"}, {"registry-1.docker.io/x", "docker.io"},
        {"ghcr.io", "ghcr.io"},
    };
    char out[256];
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        ma_registry_host(hosts[i].registry, out, sizeof out);
        CHECK_STR(out, hosts[i].host);
    }
}

static void test_repository_path(void)
{
    CHECK(ma_repository_path_ok("brokkr-broker"));
    CHECK(ma_repository_path_ok("a/b.c/d__e"));
    CHECK(!ma_repository_path_ok(""));
    CHECK(!ma_repository_path_ok("a/"));
    CHECK(!ma_repository_path_ok("/a"));
    CHECK(!ma_repository_path_ok("A"));
}

int main(void)
{
    test_accepted();
    test_refused();
    test_host();
    test_repository_path();
    return CHECK_DONE();
}

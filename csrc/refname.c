#include "refname.h"

#include <stdio.h>
#include <string.h>

#define WHAT "expected host[:port][/namespace], e.g. ghcr.io/colliery-io or localhost:5000/team"

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Dot-separated labels of letters and digits with '-' inside (IPv4 is one of these). */
static int domain_name_ok(const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') {
            if (!is_alnum(s[i]) && s[i] != '-')
                return 0;
            continue;
        }
        if (i == start || s[start] == '-' || s[i - 1] == '-')
            return 0; /* an empty label, or '-' at either end */
        start = i + 1;
    }
    return 1;
}

/* ":N" with N a port, 1-65535 */
static int port_ok(const char *s, size_t n)
{
    if (n < 2 || n > 6 || s[0] != ':')
        return 0;
    long port = 0;
    for (size_t i = 1; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        port = port * 10 + (s[i] - '0');
    }
    return port >= 1 && port <= 65535;
}

/* host[:port]: a domain name or IPv4, or [IPv6]. */
static int host_ok(const char *s, size_t n)
{
    size_t hostlen;
    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (close == NULL || close == s + 1)
            return 0;
        for (const char *p = s + 1; p < close; p++)
            if (!is_hex(*p) && *p != ':')
                return 0;
        hostlen = (size_t)(close - s) + 1;
    } else {
        const char *colon = memchr(s, ':', n);
        hostlen = colon != NULL ? (size_t)(colon - s) : n;
        if (!domain_name_ok(s, hostlen))
            return 0;
    }
    return hostlen == n || port_ok(s + hostlen, n - hostlen);
}

/* [a-z0-9]+ runs joined by '.', '_', '__' or one or more '-'. */
static int path_component_ok(const char *s, size_t n)
{
    if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
        return 0;
    for (size_t i = 1; i < n; i++) {
        if (is_lower_alnum(s[i]))
            continue;
        size_t run = 1;
        while (i + run < n && s[i + run] == s[i])
            run++;
        if (!((s[i] == '.' && run == 1) || (s[i] == '_' && run <= 2) || s[i] == '-'))
            return 0;
        i += run - 1;
        if (!is_lower_alnum(s[i + 1]))
            return 0; /* separators never follow one another */
    }
    return 1;
}

int ma_repository_path_ok(const char *path)
{
    do {
        size_t n = strcspn(path, "/");
        if (!path_component_ok(path, n))
            return 0;
        path += n;
    } while (*path++ == '/');
    return 1;
}

/* docker's rule (splitDockerDomain): the first component is a host when it
 * holds a '.' or a ':', is localhost, or is not all lowercase. */
static int names_host(const char *s, size_t n)
{
    if (memchr(s, '.', n) != NULL || memchr(s, ':', n) != NULL || (n == 9 && strncmp(s, "localhost", 9) == 0))
        return 1;
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'A' && s[i] <= 'Z')
            return 1;
    return 0;
}

int ma_registry_validate(const char *registry, ma_error *err)
{
    if (registry[0] == '\0')
        return ma_fail(err, MA_ERR_INPUT, "empty --registry: %s", WHAT);
    if (strstr(registry, "://") != NULL)
        return ma_fail(err, MA_ERR_INPUT, "invalid registry '%.300s': leave out the scheme (%s)", registry, WHAT);
    size_t len = strlen(registry);
    if (len > MA_NAME_MAX)
        return ma_fail(err, MA_ERR_INPUT, "invalid registry '%.60s...': %zu characters, more than the %d docker allows "
                       "in a repository name", registry, len, MA_NAME_MAX);
    size_t hostlen = strcspn(registry, "/");
    if (hostlen > 0 && !names_host(registry, hostlen) && path_component_ok(registry, hostlen))
        return ma_fail(err, MA_ERR_INPUT, "invalid registry '%s': '%.*s' is not a registry host (a host has a '.' "
                       "or a ':' or is localhost), so docker would push to Docker Hub: did you mean docker.io/%s?",
                       registry, (int)hostlen, registry, registry);
    if (!host_ok(registry, hostlen))
        return ma_fail(err, MA_ERR_INPUT, "invalid registry '%.300s': '%.*s' is not a host[:port] (labels of letters, "
                       "digits and inner '-', an IPv4 or [IPv6] address, a port 1-65535; %s)",
                       registry, (int)(hostlen < 300 ? hostlen : 300), registry, WHAT);
    if (registry[hostlen] == '/' && !ma_repository_path_ok(registry + hostlen + 1))
            return ma_fail(err, MA_ERR_INPUT, "invalid registry '%s': the namespace must be lowercase path "
                           "components ([a-z0-9] joined by '.', '_', '__' or '-'; %s)", registry, WHAT);
    return 0;
}

void ma_registry_host(const char *registry, char *out, size_t outsz)
{
    int n = (int)strcspn(registry, "/");
    /* Docker Hub's other names: docker logs in to it as docker.io */
    if ((n == 15 && strncmp(registry, "index.docker.io", 15) == 0) ||
        (n == 20 && strncmp(registry, "registry-1.docker.io", 20) == 0))
        snprintf(out, outsz, "docker.io");
    else
        snprintf(out, outsz, "%.*s", n, registry);
}

const char *ma_image_host_repo(const char *image, char *host, size_t hostsz)
{
    size_t hostlen = strcspn(image, "/");
    if (image[hostlen] == '\0' || image[hostlen + 1] == '\0')
        return NULL;
    ma_registry_host(image, host, hostsz);
    return image + hostlen + 1;
}

#include "labels.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "https://" + host + "/" + path, with path's trailing "/" and ".git" cut. */
static char *web_url(const char *host, size_t hostlen, const char *path, int *nomem)
{
    while (*path == '/')
        path++;
    size_t pathlen = strlen(path);
    for (;;) {
        while (pathlen > 0 && path[pathlen - 1] == '/')
            pathlen--;
        if (pathlen < 4 || strncmp(path + pathlen - 4, ".git", 4) != 0)
            break;
        pathlen -= 4;
    }
    /* a URL has no blanks or control characters: anything else is not a remote we know */
    for (size_t i = 0; i < pathlen; i++)
        if ((unsigned char)path[i] <= ' ' || path[i] == 0x7f)
            return NULL;
    for (size_t i = 0; i < hostlen; i++)
        if ((unsigned char)host[i] <= ' ' || host[i] == 0x7f)
            return NULL;
    /* an '@' past the host means userinfo was not where it was looked for
     * (e.g. an unencoded '/' in a password): never risk a credential */
    if (hostlen == 0 || pathlen == 0 || memchr(path, '@', pathlen) != NULL)
        return NULL;
    for (size_t i = 0; i < hostlen; i++)
        if (host[i] == ' ' || host[i] == '/' || host[i] == '@')
            return NULL;
    size_t n = strlen("https://") + hostlen + 1 + pathlen + 1;
    char *url = malloc(n);
    if (url == NULL) {
        *nomem = 1;
        return NULL;
    }
    snprintf(url, n, "https://%.*s/%.*s", (int)hostlen, host, (int)pathlen, path);
    return url;
}

char *ma_source_url(const char *remote, int *nomem)
{
    *nomem = 0;
    if (remote == NULL || remote[0] == '\0')
        return NULL;
    const char *schemes[] = {"https://", "http://", "ssh://", "git://", "git+ssh://", "ssh+git://"};
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        if (!starts_with(remote, schemes[i]))
            continue;
        const char *authority = remote + strlen(schemes[i]);
        size_t alen = strcspn(authority, "/");
        const char *at = memchr(authority, '@', alen);
        const char *host = at != NULL ? at + 1 : authority; /* drop user[:password]@ */
        size_t hostlen = (size_t)(authority + alen - host);
        /* ssh ports are not web ports; http(s) ones are kept */
        if (i >= 2) {
            const char *colon = memchr(host, ':', hostlen);
            if (colon != NULL)
                hostlen = (size_t)(colon - host);
        }
        return authority[alen] == '/' ? web_url(host, hostlen, authority + alen, nomem) : NULL;
    }
    if (strstr(remote, "://") != NULL || remote[0] == '/' || remote[0] == '.')
        return NULL;
    /* scp-like: [user@]host:path, where the host has no '/' before the ':' */
    size_t colon = strcspn(remote, ":/");
    if (remote[colon] != ':')
        return NULL;
    const char *at = memchr(remote, '@', colon);
    const char *host = at != NULL ? at + 1 : remote;
    return web_url(host, (size_t)(remote + colon - host), remote + colon + 1, nomem);
}

int ma_rfc3339_utc(long long seconds, char *out, size_t outsz)
{
    /* years 1970..9999 keep the format fixed-width */
    if (seconds < 0 || seconds > 253402300799LL)
        return -1;
    time_t t = (time_t)seconds;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return -1;
    return 0;
}

int ma_epoch_parse(const char *text, long long *out, ma_error *err)
{
    char *end = NULL;
    errno = 0;
    long long v = text[0] >= '0' && text[0] <= '9' ? strtoll(text, &end, 10) : -1;
    char probe[32];
    if (v < 0 || end == NULL || *end != '\0' || errno != 0 || ma_rfc3339_utc(v, probe, sizeof probe) != 0)
        return ma_fail(err, MA_ERR_INPUT,
                       "invalid SOURCE_DATE_EPOCH '%s': expected seconds since 1970 as a whole number, e.g. 1700000000",
                       text);
    *out = v;
    return 0;
}

static int add(ma_strlist *out, const char *key, const char *value)
{
    return value == NULL || value[0] == '\0' ? 0 : ma_strlist_pushf(out, MA_LABEL_PREFIX "%s=%s", key, value);
}

int ma_labels_compute(const ma_label_inputs *in, ma_strlist *out, ma_error *err)
{
    int nomem = 0;
    char *source = ma_source_url(in->remote_url, &nomem);
    if (source == NULL && !nomem && in->ci_source != NULL)
        source = ma_source_url(in->ci_source, &nomem);
    char created[32] = "";
    if (in->have_created)
        ma_rfc3339_utc(in->created, created, sizeof created);
    int rc = nomem || add(out, "source", source) || add(out, "revision", in->revision) ||
             add(out, "version", in->version) || add(out, "created", created) || add(out, "title", in->title);
    free(source);
    return rc ? ma_nomem(err) : 0;
}

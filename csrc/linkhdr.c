/* Link: comma-separated `<target>; param=value; ...` entries, where the
 * target may itself hold commas and the rel value is a space-separated list. */
#include "linkhdr.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strlist.h"

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static int malformed(ma_error *err, const char *why)
{
    return ma_fail(err, MA_ERR_ENV, "malformed Link header: %s", why);
}

/* 1 when the space-separated list [v, v+n) holds "next" (case-insensitive). */
static int rel_has_next(const char *v, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && v[i] == ' ')
            i++;
        size_t start = i;
        while (i < n && v[i] != ' ')
            i++;
        if (i - start == 4 && strncasecmp(v + start, "next", 4) == 0)
            return 1;
    }
    return 0;
}

int ma_link_next(const char *header, char **url, ma_error *err)
{
    *url = NULL;
    const char *p = header;
    for (;;) {
        p = skip_ows(p);
        while (*p == ',')
            p = skip_ows(p + 1);
        if (*p == '\0')
            return 0;
        if (*p != '<')
            return malformed(err, "expected '<'");
        const char *target = p + 1, *close = strchr(target, '>');
        if (close == NULL)
            return malformed(err, "unterminated '<'");
        int next = 0;
        p = skip_ows(close + 1);
        while (*p == ';') {
            p = skip_ows(p + 1);
            const char *name = p;
            while (*p != '\0' && *p != '=' && *p != ';' && *p != ',' && *p != ' ' && *p != '\t')
                p++;
            size_t name_len = (size_t)(p - name);
            if (name_len == 0)
                return malformed(err, "empty parameter name");
            p = skip_ows(p);
            const char *value = "";
            size_t value_len = 0;
            if (*p == '=') {
                p = skip_ows(p + 1);
                if (*p == '"') {
                    value = ++p;
                    while (*p != '\0' && *p != '"')
                        p++;
                    if (*p != '"')
                        return malformed(err, "unterminated quoted value");
                    value_len = (size_t)(p - value);
                    p++;
                } else {
                    value = p;
                    while (*p != '\0' && *p != ';' && *p != ',' && *p != ' ' && *p != '\t')
                        p++;
                    value_len = (size_t)(p - value);
                }
            }
            if (name_len == 3 && strncasecmp(name, "rel", 3) == 0 && rel_has_next(value, value_len))
                next = 1;
            p = skip_ows(p);
        }
        if (*p != ',' && *p != '\0')
            return malformed(err, "expected ',' or ';'");
        if (next) {
            *url = strndup(target, (size_t)(close - target));
            return *url == NULL ? ma_nomem(err) : 1;
        }
    }
}

int ma_link_resolve(const char *origin, const char *target, char **out, ma_error *err)
{
    *out = NULL;
    if (target[0] == '/' && target[1] != '/') {
        *out = ma_strdupf("%s%s", origin, target);
        return *out == NULL ? ma_nomem(err) : 0;
    }
    size_t n = strlen(origin);
    if (strncmp(target, origin, n) == 0 && (target[n] == '/' || target[n] == '\0')) {
        *out = ma_strdup(target);
        return *out == NULL ? ma_nomem(err) : 0;
    }
    return ma_fail(err, MA_ERR_ENV, "the registry's next page is elsewhere (%.200s): refused", target);
}

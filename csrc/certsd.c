#include "certsd.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "textfile.h"

#define CERT_FILE_MAX (1u << 20)

void ma_certsd_free(ma_certsd *c)
{
    if (c == NULL)
        return;
    free(c->ca_pem);
    free(c->client_cert);
    free(c->client_key);
    *c = (ma_certsd)MA_CERTSD_INIT;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

static int add_ca(ma_certsd *out, const char *path, ma_error *err)
{
    char *text = NULL;
    int rc = ma_textfile_read(path, CERT_FILE_MAX, "CA certificate", MA_ERR_ENV, &text, err);
    if (rc == MA_TEXTFILE_MISSING)
        return 0;
    if (rc != 0)
        return -1;
    size_t n = strlen(text);
    char *pem = realloc(out->ca_pem, out->ca_pem_len + n + 2);
    if (pem == NULL) {
        free(text);
        return ma_nomem(err);
    }
    memcpy(pem + out->ca_pem_len, text, n);
    out->ca_pem_len += n;
    pem[out->ca_pem_len++] = '\n';
    pem[out->ca_pem_len] = '\0';
    out->ca_pem = pem;
    free(text);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_client_cert(ma_certsd *out, const char *dir, const char *name, ma_error *err)
{
    if (out->client_cert != NULL)
        return 0; /* the first pair (by name) wins */
    size_t stem = strlen(name) - strlen(".cert");
    out->client_cert = ma_strdupf("%s/%s", dir, name);
    out->client_key = ma_strdupf("%s/%.*s.key", dir, (int)stem, name);
    if (out->client_cert == NULL || out->client_key == NULL)
        return ma_nomem(err);
    FILE *f = fopen(out->client_key, "r");
    if (f == NULL)
        return ma_fail(err, MA_ERR_ENV, "client certificate %s has no key %s", out->client_cert, out->client_key);
    fclose(f);
    return 0;
}

int ma_certsd_load(const char *root, const char *host, ma_certsd *out, ma_error *err)
{
    ma_certsd_free(out);
    if (host[0] == '\0' || host[0] == '.' || strchr(host, '/') != NULL)
        return 0;
    char *dir = ma_strdupf("%s/%s", root != NULL ? root : MA_CERTSD_ROOT, host);
    if (dir == NULL)
        return ma_nomem(err);
    DIR *d = opendir(dir);
    if (d == NULL) {
        int e = errno;
        int rc = e == ENOENT || e == ENOTDIR ? 0 : ma_fail(err, MA_ERR_ENV, "cannot read %s: %s", dir, strerror(e));
        free(dir);
        return rc;
    }
    ma_strlist names = MA_STRLIST_INIT;
    int rc = 0;
    for (struct dirent *e = readdir(d); e != NULL && rc == 0; e = readdir(d))
        if (e->d_name[0] != '.' && ma_strlist_push(&names, e->d_name) != 0)
            rc = ma_nomem(err);
    closedir(d);
    /* sorted, so the CAs come in the same order every run */
    if (names.len > 1)
        qsort(names.items, names.len, sizeof *names.items, by_name);
    for (size_t i = 0; rc == 0 && i < names.len; i++) {
        if (ends_with(names.items[i], ".crt")) {
            char *path = ma_strdupf("%s/%s", dir, names.items[i]);
            rc = path == NULL ? ma_nomem(err) : add_ca(out, path, err);
            free(path);
        } else if (ends_with(names.items[i], ".cert")) {
            rc = add_client_cert(out, dir, names.items[i], err);
        }
    }
    ma_strlist_free(&names);
    free(dir);
    if (rc != 0)
        ma_certsd_free(out);
    return rc;
}

/* host without its port: "[::1]:5000" -> "[::1]", "a:5000" -> "a" */
static size_t name_len(const char *host)
{
    if (host[0] == '[') {
        const char *close = strchr(host, ']');
        return close != NULL ? (size_t)(close - host) + 1 : strlen(host);
    }
    return strcspn(host, ":");
}

int ma_host_is_loopback(const char *host)
{
    size_t n = name_len(host);
    if (host[n] != '\0' && host[n] != ':')
        return 0;
    if ((n == 9 && strncmp(host, "localhost", 9) == 0) || (n == 5 && strncmp(host, "[::1]", 5) == 0))
        return 1;
    if (n < 4 || strncmp(host, "127.", 4) != 0)
        return 0;
    /* 127.a.b.c with three more numbers */
    int dots = 0;
    for (size_t i = 4; i < n; i++) {
        if (host[i] == '.') {
            if (host[i - 1] == '.')
                return 0;
            dots++;
        } else if (host[i] < '0' || host[i] > '9') {
            return 0;
        }
    }
    return dots == 2 && host[n - 1] != '.';
}

int ma_host_allows_http(const char *host, const ma_strlist *insecure)
{
    if (ma_host_is_loopback(host))
        return 1;
    size_t n = name_len(host);
    for (size_t i = 0; insecure != NULL && i < insecure->len; i++) {
        const char *e = insecure->items[i];
        if (strcmp(e, host) == 0)
            return 1;
        if (strlen(e) == n && strncmp(e, host, n) == 0 && e[name_len(e)] == '\0')
            return 1;
    }
    return 0;
}

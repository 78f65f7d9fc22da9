#include "digestdir.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cloexec.h"
#include "jsonfield.h"
#include "sha256.h"
#include "strlist.h"
#include "textfile.h"

static const char *const KEYS[] = {"component", "image", "platform", "digest", "revision"};

char *ma_digest_record_json(const ma_digest_record *r)
{
    cJSON *o = cJSON_CreateObject();
    const char *values[] = {r->component, r->image, r->platform, r->digest, r->revision};
    int ok = o != NULL;
    for (size_t i = 0; ok && i < sizeof KEYS / sizeof KEYS[0]; i++)
        ok = (values[i] != NULL ? cJSON_AddStringToObject(o, KEYS[i], values[i])
                                : cJSON_AddNullToObject(o, KEYS[i])) != NULL;
    char *text = ok ? cJSON_Print(o) : NULL;
    cJSON_Delete(o);
    return text;
}

static int take_string(const cJSON *root, const char *key, int optional, char **out, const char *origin,
                       ma_error *err)
{
    int rc = ma_jsonfield_take_string(root, key, optional, out);
    if (rc == MA_JSONFIELD_NOMEM)
        return ma_nomem(err);
    if (rc == MA_JSONFIELD_BAD || (rc == MA_JSONFIELD_ABSENT && !optional))
        return ma_fail(err, MA_ERR_INPUT, "digest file %s: \"%s\" is missing or not a non-empty string", origin, key);
    return 0;
}

static int parse_fields(const cJSON *root, const char *origin, ma_digest_record *out, ma_error *err)
{
    if (!cJSON_IsObject(root))
        return ma_fail(err, MA_ERR_INPUT, "digest file %s is not a JSON object", origin);
    const cJSON *item;
    cJSON_ArrayForEach(item, root)
    {
        size_t k = 0;
        while (k < sizeof KEYS / sizeof KEYS[0] && strcmp(item->string, KEYS[k]) != 0)
            k++;
        if (k == sizeof KEYS / sizeof KEYS[0])
            return ma_fail(err, MA_ERR_INPUT, "digest file %s: unknown key \"%.100s\"", origin, item->string);
    }
    if (take_string(root, "component", 0, &out->component, origin, err) ||
        take_string(root, "image", 0, &out->image, origin, err) ||
        take_string(root, "platform", 0, &out->platform, origin, err) ||
        take_string(root, "digest", 0, &out->digest, origin, err) ||
        take_string(root, "revision", 1, &out->revision, origin, err))
        return -1;
    if (!ma_digest_is_valid(out->digest))
        return ma_fail(err, MA_ERR_INPUT, "digest file %s: \"digest\" is '%.100s', not sha256:<64 lowercase hex>",
                       origin, out->digest);
    return 0;
}

int ma_digest_record_parse(const char *json, const char *origin, ma_digest_record *out, ma_error *err)
{
    memset(out, 0, sizeof *out);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(json, &end, 1);
    if (root == NULL)
        return ma_fail(err, MA_ERR_INPUT, "digest file %s is not valid JSON (at byte %zu)", origin,
                       end != NULL && end >= json ? (size_t)(end - json) : (size_t)0);
    int rc = parse_fields(root, origin, out, err);
    cJSON_Delete(root);
    if (rc != 0)
        ma_digest_record_free(out);
    return rc;
}

int ma_digest_file_name(const char *component, const char *platform, char *out, size_t outsz)
{
    int n = snprintf(out, outsz, "%s-%s.json", component, platform);
    if (n < 0 || (size_t)n >= outsz)
        return -1;
    for (char *p = out + strlen(component) + 1; *p; p++)
        if (*p == '/')
            *p = '-';
    return 0;
}

/* mkdir -p: a CI step names a fresh path such as out/digests. */
static int make_dirs(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return -1;
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(path, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

int ma_digestdir_write(const char *dir, const ma_digest_record *r, ma_error *err)
{
    char name[512], path[4096], tmp[4096];
    if (ma_digest_file_name(r->component, r->platform, name, sizeof name) != 0 ||
        snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path ||
        snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, name) >= (int)sizeof tmp)
        return ma_fail(err, MA_ERR_INPUT, "digest directory path too long: '%.200s'", dir);
    if (make_dirs(dir) != 0)
        return ma_fail(err, MA_ERR_ENV, "cannot create digest directory '%s': %s", dir, strerror(errno));
    char *text = ma_digest_record_json(r);
    if (text == NULL)
        return ma_nomem(err);
    int fd = ma_cloexec_mkstemp(tmp), rc = 0;
    if (fd < 0) {
        rc = ma_fail(err, MA_ERR_ENV, "cannot write in digest directory '%s': %s", dir, strerror(errno));
    } else {
        int bad = ma_textfile_write_all(fd, text, strlen(text)) != 0 || ma_textfile_write_all(fd, "\n", 1) != 0 ||
                  fchmod(fd, 0644) != 0;
        bad = close(fd) != 0 || bad;
        if (bad || rename(tmp, path) != 0) {
            rc = ma_fail(err, MA_ERR_ENV, "cannot write digest file '%s': %s", path, strerror(errno));
            unlink(tmp);
        }
    }
    free(text);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add the record file names in dir (prefixed with `sub/` when reading a
 * subdirectory): download-artifact without merge-multiple makes one folder
 * per artifact, so one level of folders is read as well. */
static int add_names(const char *dir, const char *sub, ma_strlist *names, ma_error *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s%s%s", dir, sub ? "/" : "", sub ? sub : "") >= (int)sizeof path)
        return ma_fail(err, MA_ERR_INPUT, "digest directory path too long: '%.200s'", dir);
    DIR *d = opendir(path);
    if (d == NULL)
        return ma_fail(err, MA_ERR_INPUT, "cannot read digest directory '%s': %s", path, strerror(errno));
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        struct stat st;
        int is_dir = sub == NULL && fstatat(dirfd(d), e->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
        if (is_dir)
            rc = add_names(dir, e->d_name, names, err);
        else if (sub != NULL ? ma_strlist_pushf(names, "%s/%s", sub, e->d_name) : ma_strlist_push(names, e->d_name))
            rc = ma_nomem(err);
    }
    closedir(d);
    return rc;
}

static int list_names(const char *dir, ma_strlist *names, ma_error *err)
{
    if (add_names(dir, NULL, names, err) != 0)
        return -1;
    if (names->len == 0)
        return ma_fail(err, MA_ERR_INPUT,
                       "digest directory '%s' is empty: run `multi-arch --push-by-digest --digest-dir` for each "
                       "platform first and collect the files there", dir);
    if (names->len > 1)
        qsort(names->items, names->len, sizeof *names->items, by_name);
    return 0;
}

static int read_one(const char *dir, const char *name, ma_digest_record *r, ma_error *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return ma_fail(err, MA_ERR_INPUT, "digest file path too long: '%.200s'", name);
    char *text = NULL;
    int rc = ma_textfile_read(path, MA_DIGEST_RECORD_MAX_BYTES, "digest file", MA_ERR_INPUT, &text, err);
    if (rc == MA_TEXTFILE_MISSING)
        rc = ma_fail(err, MA_ERR_INPUT, "digest file %s vanished while reading", path);
    if (rc == 0)
        rc = ma_digest_record_parse(text, path, r, err);
    free(text);
    if (rc == 0 && (r->file = strdup(name)) == NULL)
        rc = ma_nomem(err);
    return rc;
}

int ma_digestdir_read(const char *dir, ma_digest_set *out, ma_error *err)
{
    memset(out, 0, sizeof *out);
    ma_strlist names = MA_STRLIST_INIT;
    int rc = list_names(dir, &names, err);
    if (rc == 0 && (out->items = calloc(names.len, sizeof *out->items)) == NULL)
        rc = ma_nomem(err);
    for (size_t i = 0; rc == 0 && i < names.len; i++) {
        rc = read_one(dir, names.items[i], &out->items[i], err);
        out->len = i + 1;
    }
    ma_strlist_free(&names);
    if (rc != 0)
        ma_digest_set_free(out);
    return rc;
}

void ma_digest_record_free(ma_digest_record *r)
{
    if (r == NULL)
        return;
    free(r->component);
    free(r->image);
    free(r->platform);
    free(r->digest);
    free(r->revision);
    free(r->file);
    memset(r, 0, sizeof *r);
}

void ma_digest_set_free(ma_digest_set *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->len; i++)
        ma_digest_record_free(&s->items[i]);
    free(s->items);
    memset(s, 0, sizeof *s);
}

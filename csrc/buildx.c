/* The buildx metadata file and the meaning of docker/buildx error texts. */
#include "buildx.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strlist.h"
#include "platform.h"
#include "textfile.h"

#define METADATA_MAX_BYTES (1 << 20)
#define DIGEST_KEY "containerimage.digest"

int ma_buildx_parse_metadata(const char *json, const char *origin, char digest[MA_DIGEST_MAX],
                             ma_error *err)
{
    digest[0] = '\0';
    if (origin == NULL)
        origin = "(unnamed)";
    if (json == NULL || json[strspn(json, " \t\r\n")] == '\0')
        return ma_fail(err, MA_ERR_BUILD,
                       "buildx metadata %s is empty: cannot tell the pushed digest", origin);

    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(json, &end, 1);
    if (root == NULL)
        return ma_fail(err, MA_ERR_BUILD,
                       "buildx metadata %s is not valid JSON (at byte %zu): cannot tell the "
                       "pushed digest",
                       origin, end != NULL && end >= json ? (size_t)(end - json) : (size_t)0);
    int rc = -1;
    const cJSON *value = NULL;
    if (!cJSON_IsObject(root))
        ma_fail(err, MA_ERR_BUILD, "buildx metadata %s is not a JSON object", origin);
    else if ((value = cJSON_GetObjectItemCaseSensitive(root, DIGEST_KEY)) == NULL)
        ma_fail(err, MA_ERR_BUILD,
                "buildx metadata %s has no \"" DIGEST_KEY "\": cannot tell the pushed digest "
                "(was the image pushed?)",
                origin);
    else if (!cJSON_IsString(value) || value->valuestring == NULL)
        ma_fail(err, MA_ERR_BUILD, "buildx metadata %s: \"" DIGEST_KEY "\" is not a string",
                origin);
    else if (!ma_digest_is_valid(value->valuestring))
        ma_fail(err, MA_ERR_BUILD,
                "buildx metadata %s: \"" DIGEST_KEY "\" is '%.100s', not sha256:<64 lowercase hex>",
                origin, value->valuestring);
    else {
        memcpy(digest, value->valuestring, strlen(value->valuestring) + 1);
        rc = 0;
    }
    cJSON_Delete(root);
    return rc;
}

int ma_buildx_read_metadata(const char *path, char digest[MA_DIGEST_MAX], ma_error *err)
{
    digest[0] = '\0';
    char *text = NULL;
    int rc = ma_textfile_read(path, METADATA_MAX_BYTES, "buildx metadata file", MA_ERR_BUILD, &text, err);
    if (rc == MA_TEXTFILE_MISSING)
        return ma_fail(err, MA_ERR_BUILD,
                       "buildx wrote no metadata file at %s: cannot tell the pushed digest", path);
    if (rc == 0)
        rc = ma_buildx_parse_metadata(text, path, digest, err);
    free(text);
    return rc;
}

/* strcasestr is a GNU/BSD extension: the first case-insensitive match of an
 * ASCII needle, or NULL. */
static const char *find_nocase(const char *text, const char *needle)
{
    size_t n = strlen(needle);
    for (; *text != '\0'; text++) {
        size_t i = 0;
        while (i < n && tolower((unsigned char)text[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return text;
    }
    return n == 0 ? text : NULL;
}

/* memmem is not in POSIX.1-2008: the first occurrence of needle[0..n) in
 * text[0..len), or NULL. */
static const char *find_bytes(const char *text, size_t len, const char *needle, size_t n)
{
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (memcmp(text + i, needle, n) == 0)
            return text + i;
    return NULL;
}

static int has(const char *text, const char *needle)
{
    return find_nocase(text, needle) != NULL;
}

static int has_any(const char *text, const char *const *needles)
{
    for (; *needles != NULL; needles++)
        if (has(text, *needles))
            return 1;
    return 0;
}

/* A standalone 3-digit HTTP status worth retrying (5xx, 429) after "status" on
 * the same line: a bare "500" also appears in ports (:5000) and sizes. */
static int has_retry_status(const char *text)
{
    for (const char *s = find_nocase(text, "status"); s != NULL; s = find_nocase(s + 1, "status")) {
        const char *eol = strchr(s, '\n');
        if (eol == NULL)
            eol = s + strlen(s);
        for (const char *p = s; p + 3 <= eol; p++) {
            if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) ||
                !isdigit((unsigned char)p[2]))
                continue;
            int glued = (p > s && isalnum((unsigned char)p[-1])) ||
                        (p + 3 < eol && isalnum((unsigned char)p[3]));
            if (glued)
                continue;
            int code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
            if ((code >= 500 && code <= 599) || code == 429)
                return 1;
        }
    }
    return 0;
}

/* Two builds naming one image on one engine at once: the containerd image
 * store refuses the second (`image "NAME": already exists`) while the first
 * writes its record; by the time a retry runs, the race is over. */
static int image_store_race(const char *text)
{
    return has(text, "image \"") && has(text, "\": already exists");
}

/* A blob BuildKit had gone from under the build, named by no reference: the
 * bare "failed to solve: not found" (a missing base image or cache names its
 * reference: "failed to solve: REF: not found").  Seen after the images were
 * pushed, at the registry cache export or where the solve reads the result's
 * layers back, when the shared engine's content store collects under a long
 * build.  A second solve finds every step cached: transient. */
static int vanished_blob(const char *text)
{
    return has(text, "failed to solve: not found");
}

ma_failure_kind ma_buildx_classify_failure(const char *stderr_text)
{
    static const char *const NO_BUILDX[] = {
        "unknown command: docker buildx", "'buildx' is not a docker command", NULL};
    /* The build itself failed, or its input is wrong: retrying cannot help,
     * whatever status code or "not found" the build output also mentions. */
    static const char *const BUILD_STEP[] = {
        "did not complete successfully", "failed to read dockerfile", "failed to parse dockerfile",
        "dockerfile parse error", "unable to prepare context", "failed to compute cache key",
        "failed to calculate checksum", NULL};
    static const char *const TRANSIENT[] = {
        "connection refused", "connection reset", "broken pipe", "timeout", "timed out",
        "deadline exceeded", "internal server error", "bad gateway", "service unavailable",
        "gateway timeout", "too many requests", "toomanyrequests",
        "temporary failure in name resolution", "unexpected eof", NULL};
    static const char *const NOT_FOUND[] = {
        "not found", "manifest unknown", "manifest_unknown", "name unknown", "name_unknown", NULL};

    const char *text = stderr_text != NULL ? stderr_text : "";
    if (has_any(text, NO_BUILDX))
        return MA_FAILURE_NO_BUILDX;
    if (has_any(text, BUILD_STEP))
        return MA_FAILURE_PERMANENT;
    if (has_any(text, TRANSIENT) || has_retry_status(text) || image_store_race(text) ||
        vanished_blob(text))
        return MA_FAILURE_TRANSIENT;
    if (has_any(text, NOT_FOUND))
        return MA_FAILURE_NOT_FOUND;
    return MA_FAILURE_PERMANENT;
}

int ma_buildx_reword_line(const char *line, size_t len, char *out, size_t outsz)
{
    static const char CACHE[] = "ERROR: failed to configure registry cache importer: ";
    static const char MISSING[] = ": not found";
    size_t n = sizeof CACHE - 1, m = sizeof MISSING - 1;
    const char *at = find_bytes(line, len, CACHE, n);
    if (at == NULL || len < m || memcmp(line + len - m, MISSING, m) != 0 || (size_t)(at - line) + n + m >= len)
        return 0;
    const char *ref = at + n;
    snprintf(out, outsz, "%.*scache %.*s: not published yet, nothing to import", (int)(at - line), line,
             (int)(line + len - m - ref), ref);
    return 1;
}

/* Copy at most outsz-1 bytes, backing off so a UTF-8 sequence is never split. */
static void copy_cut(const char *s, size_t n, char *out, size_t outsz)
{
    if (n > outsz - 1) {
        n = outsz - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

void ma_buildx_last_error_line(const char *stderr_text, char *out, size_t outsz)
{
    if (out == NULL || outsz == 0)
        return;
    out[0] = '\0';
    if (stderr_text == NULL)
        return;
    const char *last = NULL, *last_error = NULL;
    size_t last_len = 0, last_error_len = 0;
    for (const char *line = stderr_text; *line != '\0';) {
        const char *eol = strchr(line, '\n');
        const char *next = eol != NULL ? eol + 1 : line + strlen(line);
        if (eol == NULL)
            eol = next;
        /* Trim the line: progress output is indented and may end in \r. */
        const char *a = line, *b = eol;
        ma_trim_span(&a, &b);
        if (a < b) {
            last = a;
            last_len = (size_t)(b - a);
            if (last_len >= 6 && (strncmp(a, "ERROR:", 6) == 0 || strncmp(a, "error:", 6) == 0)) {
                last_error = a;
                last_error_len = last_len;
            }
        }
        line = next;
    }
    if (last_error != NULL)
        copy_cut(last_error, last_error_len, out, outsz);
    else if (last != NULL)
        copy_cut(last, last_len, out, outsz);
}

/* "Key:   value" at the start of line (keys end at the first colon). */
static const char *field(const char *line, size_t len, const char *key, size_t *vlen)
{
    size_t k = strlen(key);
    if (len <= k || strncmp(line, key, k) != 0 || line[k] != ':')
        return NULL;
    const char *v = line + k + 1;
    while (v < line + len && (*v == ' ' || *v == '\t'))
        v++;
    *vlen = (size_t)(line + len - v);
    while (*vlen > 0 && (v[*vlen - 1] == ' ' || v[*vlen - 1] == '\r'))
        (*vlen)--;
    return v;
}

static int add_platforms(ma_builder_info *b, const char *v, size_t len)
{
    char *copy = strndup(v, len);
    ma_strlist items = MA_STRLIST_INIT;
    int rc = copy == NULL || ma_strlist_split(&items, copy, ',');
    for (size_t i = 0; rc == 0 && i < items.len; i++) {
        char *p = items.items[i];
        size_t n = strlen(p);
        if (n > 0 && p[n - 1] == '*')  /* buildx marks platforms set by the user with '*' */
            p[n - 1] = '\0';
        rc = p[0] != '\0' && ma_strlist_push_unique(&b->platforms, p);
    }
    ma_strlist_free(&items);
    free(copy);
    return rc ? -1 : 0;
}

int ma_buildx_parse_inspect(const char *text, ma_builder_info *out, ma_error *err)
{
    memset(out, 0, sizeof *out);
    int nodes = 0, running = 0;
    for (const char *line = text ? text : ""; *line;) {
        size_t len = strcspn(line, "\n"), vlen = 0;
        const char *v;
        if (out->name[0] == '\0' && (v = field(line, len, "Name", &vlen)) != NULL)
            snprintf(out->name, sizeof out->name, "%.*s", (int)vlen, v);
        else if (out->driver[0] == '\0' && (v = field(line, len, "Driver", &vlen)) != NULL)
            snprintf(out->driver, sizeof out->driver, "%.*s", (int)vlen, v);
        else if ((v = field(line, len, "Status", &vlen)) != NULL) {
            nodes++;
            running += vlen == 7 && strncmp(v, "running", 7) == 0;
        } else if ((v = field(line, len, "Platforms", &vlen)) != NULL && add_platforms(out, v, vlen) != 0) {
            ma_builder_info_free(out);
            return ma_nomem(err);
        }
        line += len + (line[len] == '\n');
    }
    out->running = nodes > 0 && running == nodes;
    if (out->name[0] == '\0' || out->driver[0] == '\0') {
        ma_builder_info_free(out);
        return ma_fail(err, MA_ERR_ENV, "docker buildx inspect printed no builder name and driver");
    }
    return 0;
}

int ma_builder_builds(const ma_builder_info *b, const char *platform)
{
    return ma_platforms_hold(&b->platforms, platform);
}

void ma_builder_info_free(ma_builder_info *b)
{
    if (b != NULL)
        ma_strlist_free(&b->platforms);
}

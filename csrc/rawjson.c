#include "rawjson.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"

void ma_rawjson_init(ma_rawjson *rj)
{
    memset(rj, 0, sizeof *rj);
}

static void step_free(ma_rawjson_step *s)
{
    free(s->digest);
    free(s->name);
    free(s->error);
    free(s->partial);
    ma_strlist_free(&s->tail);
}

void ma_rawjson_free(ma_rawjson *rj)
{
    if (rj == NULL)
        return;
    for (size_t i = 0; i < rj->len; i++)
        step_free(&rj->steps[i]);
    free(rj->steps);
    free(rj->acc);
    ma_strlist_free(&rj->statuses_done);
    ma_strlist_free(&rj->text_tail);
    ma_rawjson_init(rj);
}

/* ---- small pure helpers ---- */

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's days_from_civil). */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

double ma_rawjson_time(const char *t)
{
    int y, mo, d, h, mi, s;
    if (t == NULL || strlen(t) < 20 || digits(t, 4, &y) || t[4] != '-' || digits(t + 5, 2, &mo) || t[7] != '-' ||
        digits(t + 8, 2, &d) || t[10] != 'T' || digits(t + 11, 2, &h) || t[13] != ':' || digits(t + 14, 2, &mi) ||
        t[16] != ':' || digits(t + 17, 2, &s) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return -1;
    double frac = 0, scale = 0.1;
    const char *p = t + 19;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
            frac += (*p - '0') * scale;
    if (strcmp(p, "Z") != 0)
        return -1;
    return (double)days_from_civil(y, mo, d) * 86400.0 + h * 3600.0 + mi * 60.0 + s + frac;
}

/* ---- steps ---- */

static ma_rawjson_step *find_step(ma_rawjson *rj, const char *digest, int add)
{
    for (size_t i = 0; i < rj->len; i++)
        if (strcmp(rj->steps[i].digest, digest) == 0)
            return &rj->steps[i];
    if (!add)
        return NULL;
    if (rj->len == rj->cap) {
        size_t cap = rj->cap ? rj->cap * 2 : 16;
        ma_rawjson_step *grown = realloc(rj->steps, cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        rj->steps = grown;
        rj->cap = cap;
    }
    ma_rawjson_step *s = &rj->steps[rj->len];
    memset(s, 0, sizeof *s);
    s->digest = strdup(digest);
    s->name = strdup("");
    if (s->digest == NULL || s->name == NULL) {
        step_free(s);
        return NULL;
    }
    rj->len++;
    return s;
}

static size_t step_number(const ma_rawjson *rj, const ma_rawjson_step *s)
{
    return (size_t)(s - rj->steps) + 1;
}

/* Keep the last MA_RAWJSON_TAIL lines of a list. */
static int keep_tail(ma_strlist *tail, const char *line, size_t len)
{
    if (tail->len == MA_RAWJSON_TAIL) {
        free(tail->items[0]);
        memmove(tail->items, tail->items + 1, (tail->len - 1) * sizeof *tail->items);
        tail->len--;
        tail->items[tail->len] = NULL;
    }
    return ma_strlist_pushf(tail, "%.*s", (int)len, line);
}

static int emitf(ma_rawjson_line_fn emit, void *ctx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int emitf(ma_rawjson_line_fn emit, void *ctx, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (emit == NULL || n <= 0)
        return 0;
    /* names and errors may hold line breaks: each piece is a line of its own */
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1, start = 0;
    for (size_t i = 0; i <= len; i++)
        if (i == len || line[i] == '\n' || line[i] == '\r') {
            if (i > start)
                emit(ctx, line + start, i - start);
            start = i + 1;
        }
    return 0;
}

/* One output line of a step: `#N <line>`, kept in its tail. */
static int output_line(ma_rawjson *rj, ma_rawjson_step *s, const char *line, size_t len, ma_rawjson_line_fn emit,
                       void *ctx)
{
    if (len == 0)
        return 0;
    emitf(emit, ctx, "#%zu %.*s", step_number(rj, s), (int)(len > 1900 ? 1900 : len), line);
    return keep_tail(&s->tail, line, len);
}

static int flush_partial(ma_rawjson *rj, ma_rawjson_step *s, ma_rawjson_line_fn emit, void *ctx)
{
    if (s->partial == NULL)
        return 0;
    int rc = output_line(rj, s, s->partial, strlen(s->partial), emit, ctx);
    free(s->partial);
    s->partial = NULL;
    return rc;
}

static const char *string_of(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int replace(char **field, const char *value)
{
    char *copy = strdup(value);
    if (copy == NULL)
        return -1;
    free(*field);
    *field = copy;
    return 0;
}

static int on_vertex(ma_rawjson *rj, const cJSON *v, ma_rawjson_line_fn emit, void *ctx)
{
    const char *digest = string_of(v, "digest"), *name = string_of(v, "name");
    const char *started = string_of(v, "started"), *completed = string_of(v, "completed");
    const char *error = string_of(v, "error");
    if (digest == NULL)
        return 0;
    ma_rawjson_step *s = find_step(rj, digest, 1);
    if (s == NULL || (name != NULL && strcmp(s->name, name) != 0 && replace(&s->name, name) != 0))
        return -1;
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "cached")))
        s->cached = 1;
    size_t n = step_number(rj, s);
    if (started != NULL && !s->started) {
        s->started = 1;
        s->order = ++rj->starts;
        s->started_at = ma_rawjson_time(started);
        emitf(emit, ctx, "#%zu %s", n, s->name);
    }
    if (started != NULL && completed == NULL)
        s->completed = 0; /* started again */
    if (completed != NULL && !s->completed) {
        s->completed = 1;
        if (flush_partial(rj, s, emit, ctx) != 0)
            return -1;
        double took = ma_rawjson_time(completed) - s->started_at;
        s->completed_at = ma_rawjson_time(completed);
        if (error != NULL) {
            if (s->error == NULL)
                s->failed_order = ++rj->failures;
            if (replace(&s->error, error) != 0)
                return -1;
            emitf(emit, ctx, "#%zu ERROR: %s", n, error);
        } else if (s->cached) {
            emitf(emit, ctx, "#%zu CACHED", n);
        } else if (s->started_at > 0 && took >= 0 && took < 1e7) {
            emitf(emit, ctx, "#%zu DONE %.1fs", n, took);
        } else {
            emitf(emit, ctx, "#%zu DONE", n);
        }
    }
    return 0;
}

static int on_status(ma_rawjson *rj, const cJSON *st, ma_rawjson_line_fn emit, void *ctx)
{
    const char *id = string_of(st, "id"), *vertex = string_of(st, "vertex");
    if (id == NULL || vertex == NULL || string_of(st, "completed") == NULL)
        return 0;
    ma_rawjson_step *s = find_step(rj, vertex, 0);
    if (s == NULL)
        return 0;
    char *key = ma_strdupf("%s %s", vertex, id);
    if (key == NULL)
        return -1;
    int rc = 0;
    if (!ma_strlist_contains(&rj->statuses_done, key)) {
        rc = ma_strlist_push(&rj->statuses_done, key);
        emitf(emit, ctx, "#%zu %s done", step_number(rj, s), id);
    }
    free(key);
    return rc;
}

static int on_log(ma_rawjson *rj, const cJSON *lg, ma_rawjson_line_fn emit, void *ctx)
{
    const char *vertex = string_of(lg, "vertex"), *data = string_of(lg, "data");
    if (vertex == NULL || data == NULL)
        return 0;
    ma_rawjson_step *s = find_step(rj, vertex, 1);
    if (s == NULL)
        return -1;
    size_t in = strlen(data), have = s->partial ? strlen(s->partial) : 0;
    char *buf = malloc(have + 3 * (in / 4 + 1) + 1);
    if (buf == NULL)
        return -1;
    memcpy(buf, s->partial ? s->partial : "", have);
    size_t len = have + ma_base64_decode(data, in, (unsigned char *)buf + have);
    buf[len] = '\0';
    free(s->partial);
    s->partial = NULL;
    int rc = 0;
    size_t start = 0;
    for (size_t i = 0; i < len && rc == 0; i++)
        if (buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\0') {
            rc = output_line(rj, s, buf + start, i - start, emit, ctx);
            start = i + 1;
        }
    if (rc == 0 && start < len) {
        /* an unfinished line waits for the rest, within reason */
        if (len - start > 4096)
            rc = output_line(rj, s, buf + start, len - start, emit, ctx);
        else if ((s->partial = strndup(buf + start, len - start)) == NULL)
            rc = -1;
    }
    free(buf);
    return rc;
}

static int each(ma_rawjson *rj, const cJSON *root, const char *key,
                int (*fn)(ma_rawjson *, const cJSON *, ma_rawjson_line_fn, void *), ma_rawjson_line_fn emit, void *ctx)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, key), *item;
    int rc = 0;
    if (cJSON_IsArray(arr))
        cJSON_ArrayForEach(item, arr) if (rc == 0 && cJSON_IsObject(item)) rc = fn(rj, item, emit, ctx);
    return rc;
}

static int on_object(ma_rawjson *rj, ma_rawjson_line_fn emit, void *ctx)
{
    cJSON *root = cJSON_ParseWithLength(rj->acc, rj->acc_len);
    if (root == NULL)
        return 0; /* not JSON after all: nothing to learn */
    int rc = cJSON_IsObject(root) ? each(rj, root, "vertexes", on_vertex, emit, ctx) : 0;
    rc = rc || (cJSON_IsObject(root) && each(rj, root, "statuses", on_status, emit, ctx));
    rc = rc || (cJSON_IsObject(root) && each(rj, root, "logs", on_log, emit, ctx));
    cJSON_Delete(root);
    return rc ? -1 : 0;
}

static int append(ma_rawjson *rj, const char *line, size_t len)
{
    if (rj->too_big || rj->acc_len + len + 2 > MA_RAWJSON_OBJECT_MAX) {
        rj->too_big = 1;
        return 0;
    }
    if (rj->acc_len + len + 2 > rj->acc_cap) {
        size_t cap = rj->acc_cap ? rj->acc_cap : 1024;
        while (cap < rj->acc_len + len + 2)
            cap *= 2;
        char *grown = realloc(rj->acc, cap);
        if (grown == NULL)
            return -1;
        rj->acc = grown;
        rj->acc_cap = cap;
    }
    memcpy(rj->acc + rj->acc_len, line, len);
    rj->acc_len += len;
    rj->acc[rj->acc_len++] = '\n';
    rj->acc[rj->acc_len] = '\0';
    return 0;
}

/* Track the nesting of the object read so far; 1 once it closed. */
static int scan(ma_rawjson *rj, const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = line[i];
        if (rj->in_string) {
            if (rj->escape)
                rj->escape = 0;
            else if (c == '\\')
                rj->escape = 1;
            else if (c == '"')
                rj->in_string = 0;
        } else if (c == '"') {
            rj->in_string = 1;
        } else if (c == '{' || c == '[') {
            rj->depth++;
        } else if ((c == '}' || c == ']') && --rj->depth <= 0) {
            return 1;
        }
    }
    return 0;
}

int ma_rawjson_feed(ma_rawjson *rj, const char *line, size_t len, ma_rawjson_line_fn emit, void *ctx)
{
    if (!rj->in_object && (len == 0 || line[0] != '{')) {
        if (emit != NULL)
            emit(ctx, line, len);
        return keep_tail(&rj->text_tail, line, len);
    }
    if (!rj->in_object) {
        rj->in_object = 1;
        rj->depth = rj->in_string = rj->escape = rj->too_big = 0;
        rj->acc_len = 0;
    }
    int closed = scan(rj, line, len);
    int rc = append(rj, line, len);
    if (closed) {
        rj->in_object = 0;
        if (rc == 0 && !rj->too_big)
            rc = on_object(rj, emit, ctx);
        rj->acc_len = 0;
    }
    return rc;
}

size_t ma_rawjson_total(const ma_rawjson *rj)
{
    return rj->len;
}

size_t ma_rawjson_done(const ma_rawjson *rj)
{
    size_t n = 0;
    for (size_t i = 0; i < rj->len; i++)
        n += rj->steps[i].completed;
    return n;
}

const ma_rawjson_step *ma_rawjson_current(const ma_rawjson *rj)
{
    const ma_rawjson_step *running = NULL, *last = NULL;
    for (size_t i = 0; i < rj->len; i++) {
        const ma_rawjson_step *s = &rj->steps[i];
        if (!s->started)
            continue;
        if (last == NULL || s->order > last->order)
            last = s;
        if (!s->completed && (running == NULL || s->order > running->order))
            running = s;
    }
    return running != NULL ? running : last;
}

/* How likely a failed step is the one that failed the build: 2 when buildx's
 * closing error line quotes its error, 1 when it was not cancelled, else 0. */
static int blame(const ma_rawjson *rj, const ma_rawjson_step *s)
{
    for (size_t k = 0; k < rj->text_tail.len; k++)
        if (s->error[0] != '\0' && strstr(rj->text_tail.items[k], s->error) != NULL)
            return 2;
    return strstr(s->error, "canceled") == NULL && strstr(s->error, "cancelled") == NULL;
}

const ma_rawjson_step *ma_rawjson_failed(const ma_rawjson *rj)
{
    const ma_rawjson_step *best = NULL;
    int best_blame = -1;
    for (size_t i = 0; i < rj->len; i++) {
        const ma_rawjson_step *s = &rj->steps[i];
        if (s->error == NULL)
            continue;
        int b = blame(rj, s);
        if (b > best_blame || (b == best_blame && s->failed_order < best->failed_order)) {
            best = s;
            best_blame = b;
        }
    }
    return best;
}

int ma_rawjson_exporting(const ma_rawjson *rj)
{
    for (size_t i = 0; i < rj->len; i++)
        if (rj->steps[i].started &&
            (strncmp(rj->steps[i].name, "exporting", 9) == 0 || strncmp(rj->steps[i].name, "pushing", 7) == 0))
            return 1;
    return 0;
}

/* buildx's --progress rawjson stream: steps, readable lines, the failing step. */
#include <stdlib.h>

#include "check.h"
#include "base64.h"
#include "rawjson.h"

typedef struct {
    char text[8192];
    size_t len;
} sink;

static void collect(void *ctx, const char *line, size_t len)
{
    sink *s = ctx;
    s->len += (size_t)snprintf(s->text + s->len, sizeof s->text - s->len, "%.*s\n", (int)len, line);
}

/* Feed a whole text line by line, as exec hands it. */
static void feed_text_(ma_rawjson *rj, const char *text, sink *out)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n > 0)
            CHECK(ma_rawjson_feed(rj, p, n, collect, out) == 0);
        p += n + (nl != NULL);
    }
}
#define feed_text(...) CASE(feed_text_(__VA_ARGS__))

#define RUN_A "sha256:715051bc5aaa28274450c8e7577604b6e4fbbcd4adb9a012ba6967d340519a6c"
#define RUN_B "sha256:aa4dc016684adcf84f682186adaaf1726b31019935d771e589fba042275f6c96"

/* Shaped as buildx 0.13.1 prints it (captured on the real stack, trimmed). */
static const char *const FAILING =
    "{\n"
    "  \"vertexes\": [\n"
    "    {\n"
    "      \"digest\": \"" RUN_A "\",\n"
    "      \"name\": \"[linux/amd64 2/2] RUN echo fails \\u0026\\u0026 exit 3\"\n"
    "    },\n"
    "    {\n"
    "      \"digest\": \"" RUN_B "\",\n"
    "      \"name\": \"[linux/arm64 2/2] RUN echo fails \\u0026\\u0026 exit 3\"\n"
    "    }\n"
    "  ]\n"
    "}\n"
    "{\"vertexes\":[{\"digest\":\"sha256:cache\",\"name\":\"importing cache manifest from r/x:buildcache\","
    "\"started\":\"2026-11-30T19:16:57.1Z\",\"completed\":\"2026-11-30T19:16:57.2Z\","
    "\"error\":\"failed to configure registry cache importer: r/x:buildcache: not found\"}]}\n"
    "{\n"
    "  \"vertexes\": [\n"
    "    {\n"
    "      \"digest\": \"" RUN_A "\",\n"
    "      \"name\": \"[linux/amd64 2/2] RUN echo fails \\u0026\\u0026 exit 3\",\n"
    "      \"started\": \"2026-11-30T19:16:57.690719369Z\"\n"
    "    }\n"
    "  ]\n"
    "}\n"
    "{\n"
    "  \"logs\": [\n"
    "    {\n"
    "      \"vertex\": \"" RUN_A "\",\n"
    "      \"stream\": 1,\n"
    "      \"data\": \"ZmFpbHMKb29w\",\n" /* "fails\noop" */
    "      \"timestamp\": \"2026-11-30T19:16:57.8Z\"\n"
    "    }\n"
    "  ]\n"
    "}\n"
    "{\n"
    "  \"logs\": [\n"
    "    {\n"
    "      \"vertex\": \"" RUN_A "\",\n"
    "      \"stream\": 2,\n"
    "      \"data\": \"cwo=\"\n" /* "s\n" */
    "    }\n"
    "  ]\n"
    "}\n"
    "{\n"
    "  \"vertexes\": [\n"
    "    {\n"
    "      \"digest\": \"" RUN_B "\",\n"
    "      \"name\": \"[linux/arm64 2/2] RUN echo fails \\u0026\\u0026 exit 3\",\n"
    "      \"started\": \"2026-11-30T19:16:57.702321413Z\",\n"
    "      \"completed\": \"2026-11-30T19:16:58.2Z\",\n"
    "      \"error\": \"context canceled\"\n"
    "    },\n"
    "    {\n"
    "      \"digest\": \"" RUN_A "\",\n"
    "      \"name\": \"[linux/amd64 2/2] RUN echo fails \\u0026\\u0026 exit 3\",\n"
    "      \"started\": \"2026-11-30T19:16:57.690719369Z\",\n"
    "      \"completed\": \"2026-11-30T19:16:58.0999069Z\",\n"
    "      \"error\": \"process \\\"/bin/sh -c echo fails \\u0026\\u0026 exit 3\\\" did not complete successfully: exit code: 3\"\n"
    "    }\n"
    "  ]\n"
    "}\n"
    "Dockerfile:2\n"
    "--------------------\n"
    "   2 | >>> RUN echo fails && exit 3\n"
    "--------------------\n"
    "ERROR: failed to solve: process \"/bin/sh -c echo fails && exit 3\" did not complete successfully: exit code: 3\n";

static void test_a_failing_build(void)
{
    ma_rawjson rj;
    ma_rawjson_init(&rj);
    sink out = {"", 0};
    feed_text(&rj, FAILING, &out);
    CHECK(ma_rawjson_total(&rj) == 3 && ma_rawjson_done(&rj) == 3);
    CHECK(contains(out.text, "#1 [linux/amd64 2/2] RUN echo fails && exit 3\n#1 fails\n#1 oops\n"));
    CHECK(contains(out.text, "#1 ERROR: process \"/bin/sh -c echo fails && exit 3\" did not complete successfully"));
    CHECK(contains(out.text, "#2 ERROR: context canceled\n"));
    CHECK(contains(out.text, "   2 | >>> RUN echo fails && exit 3\n--------------------\nERROR: failed to solve"));
    const ma_rawjson_step *failed = ma_rawjson_failed(&rj);
    CHECK(failed != NULL && strcmp(failed->name, "[linux/amd64 2/2] RUN echo fails && exit 3") == 0);
    CHECK(failed != NULL && failed->tail.len == 2 && strcmp(failed->tail.items[1], "oops") == 0);
    CHECK(rj.text_tail.len == 5 && strncmp(rj.text_tail.items[4], "ERROR: failed to solve", 22) == 0);
    CHECK(!ma_rawjson_exporting(&rj));
    ma_rawjson_free(&rj);
}

static void test_steps_done_cached_and_exporting(void)
{
    ma_rawjson rj;
    ma_rawjson_init(&rj);
    sink out = {"", 0};
    feed_text(&rj,
              "{\"vertexes\":[{\"digest\":\"a\",\"name\":\"[1/2] FROM base\",\"started\":\"2026-01-01T00:00:00Z\","
              "\"completed\":\"2026-01-01T00:00:00.5Z\",\"cached\":true},"
              "{\"digest\":\"b\",\"name\":\"[2/2] RUN make\",\"started\":\"2026-01-01T00:00:01Z\"},"
              "{\"digest\":\"c\",\"name\":\"exporting to image\"}]}\n",
              &out);
    CHECK(ma_rawjson_total(&rj) == 3 && ma_rawjson_done(&rj) == 1);
    CHECK_STR(ma_rawjson_current(&rj)->name, "[2/2] RUN make");
    CHECK(contains(out.text, "#1 [1/2] FROM base\n#1 CACHED\n#2 [2/2] RUN make\n"));
    feed_text(&rj,
              "{\"vertexes\":[{\"digest\":\"b\",\"started\":\"2026-01-01T00:00:01Z\",\"completed\":\"2026-01-01T00:00:03.25Z\"},"
              "{\"digest\":\"c\",\"name\":\"exporting to image\",\"started\":\"2026-01-01T00:00:04Z\"}],"
              "\"statuses\":[{\"id\":\"pushing layers\",\"vertex\":\"c\",\"completed\":\"2026-01-01T00:00:05Z\"},"
              "{\"id\":\"pushing layers\",\"vertex\":\"c\",\"completed\":\"2026-01-01T00:00:05Z\"}]}\n",
              &out);
    CHECK(contains(out.text, "#2 DONE 2.2s\n#3 exporting to image\n#3 pushing layers done\n"));
    CHECK(!contains(out.text, "pushing layers done\n#3 pushing layers done"));
    CHECK(ma_rawjson_exporting(&rj) && ma_rawjson_done(&rj) == 2);
    CHECK(ma_rawjson_failed(&rj) == NULL);
    ma_rawjson_free(&rj);
}

static void test_broken_and_partial_input(void)
{
    ma_rawjson rj;
    ma_rawjson_init(&rj);
    sink out = {"", 0};
    /* a log line split across two updates is one line; braces inside strings do not count */
    feed_text(&rj, "{\"logs\":[{\"vertex\":\"v\",\"data\":\"aGVs\"}]}\n{\"logs\":[{\"vertex\":\"v\",\"data\":\"bG8K\"}],\"x\":\"}{\"}\n",
              &out);
    CHECK(contains(out.text, "#1 hello\n"));
    CHECK(!contains(out.text, "#1 hel\n"));
    /* not JSON: nothing learnt, the state stays usable */
    feed_text(&rj, "{ not json\n}\nplain text\n", &out);
    CHECK(contains(out.text, "plain text\n") && ma_rawjson_total(&rj) == 1);
    /* a line break in a name or an error makes lines of their own */
    feed_text(&rj, "{\"vertexes\":[{\"digest\":\"w\",\"name\":\"two\\nlines\",\"started\":\"x\","
                   "\"completed\":\"y\",\"error\":\"a\\r\\nb\"}]}\n", &out);
    CHECK(contains(out.text, "#2 two\nlines\n#2 ERROR: a\nb\n"));
    CHECK(ma_rawjson_time("2026-11-30T19:16:31.5Z") - ma_rawjson_time("2026-11-30T19:16:30Z") == 1.5);
    CHECK(ma_rawjson_time("1970-01-01T00:00:00Z") == 0 && ma_rawjson_time("yesterday") < 0);
    unsigned char dec[16];
    CHECK(ma_base64_decode("aGk=", 4, dec) == 2 && memcmp(dec, "hi", 2) == 0);
    ma_rawjson_free(&rj);
}

int main(void)
{
    test_a_failing_build();
    test_steps_done_cached_and_exporting();
    test_broken_and_partial_input();
    return CHECK_DONE();
}

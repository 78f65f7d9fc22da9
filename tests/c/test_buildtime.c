/* Where a build's time went: the rawjson progress of a two-platform build
 * whose arm64 step is slow, fed line by line as buildx writes it; each
 * platform's time, its slowest step, and the note past three times. */
#include <stdio.h>

#include "buildtime.h"
#include "check.h"

/* One vertex update as buildx prints it (one object, pretty-printed over lines). */
static void vertex(ma_rawjson *rj, const char *digest, const char *name, const char *started, const char *completed,
                   int cached)
{
    char object[2048];
    snprintf(object, sizeof object,
             "{\n  \"vertexes\": [\n    {\n      \"digest\": \"%s\",\n      \"name\": \"%s\",\n"
             "      \"started\": \"%s\"%s%s%s%s\n    }\n  ]\n}",
             digest, name, started, completed ? ",\n      \"completed\": \"" : "", completed ? completed : "",
             completed ? "\"" : "", cached ? ",\n      \"cached\": true" : "");
    for (char *line = object, *end; line != NULL; line = end ? end + 1 : NULL) {
        end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        CHECK(ma_rawjson_feed(rj, line, len, NULL, NULL) == 0);
    }
}

#define T(s) "2026-12-04T15:00:" s "Z"

static void test_two_platforms_arm64_slow(void)
{
    ma_rawjson rj;
    ma_rawjson_init(&rj);
    vertex(&rj, "sha256:a1", "[internal] load build definition from Dockerfile", T("00.0"), T("00.5"), 0);
    vertex(&rj, "sha256:a2", "[linux/amd64 1/2] FROM 127.0.0.1:5555/multiarch/busybox:1", T("01.0"), T("01.5"), 0);
    vertex(&rj, "sha256:a3", "[linux/arm64 1/2] FROM 127.0.0.1:5555/multiarch/busybox:1", T("01.0"), T("01.5"), 0);
    vertex(&rj, "sha256:a4", "[linux/amd64 2/2] RUN cargo build --release", T("02.0"), NULL, 0);
    vertex(&rj, "sha256:a5", "[linux/arm64 builder 2/2] RUN cargo build --release", T("02.0"), NULL, 0);
    vertex(&rj, "sha256:a4", "[linux/amd64 2/2] RUN cargo build --release", T("02.0"), T("04.0"), 0);
    vertex(&rj, "sha256:a6", "[linux/amd64 3/3] COPY . /app", T("04.0"), T("09.0"), 1); /* cached: no time */
    vertex(&rj, "sha256:a5", "[linux/arm64 builder 2/2] RUN cargo build --release", T("02.0"), T("22.0"), 0);
    ma_buildtime t;
    ma_buildtime_of(&rj, &t);
    CHECK(t.len == 2);
    CHECK_STR(t.items[0].platform, "linux/amd64");
    CHECK(t.items[0].steps == 3 && t.items[0].seconds > 2.49 && t.items[0].seconds < 2.51);
    CHECK_STR(t.items[0].slowest, "[linux/amd64 2/2] RUN cargo build --release");
    CHECK_STR(t.items[1].platform, "linux/arm64");
    CHECK(t.items[1].seconds > 20.49 && t.items[1].seconds < 20.51);
    CHECK(t.items[1].slowest_seconds > 19.99 && t.items[1].slowest_seconds < 20.01);
    char text[256], note[1024];
    ma_buildtime_text(&t, text, sizeof text);
    CHECK_STR(text, "linux/amd64 2.5s, linux/arm64 20.5s");
    CHECK(ma_buildtime_note(&t, note, sizeof note) == 1);
    CHECK_STR(note, "linux/arm64 took 20.5s, 8.2x linux/amd64 (2.5s); its slowest step: [linux/arm64 builder 2/2] "
                    "RUN cargo build --release (20.0s). Build linux/arm64 natively (the matrix flow) or cross-compile "
                    "with FROM --platform=$BUILDPLATFORM: see docs/builders.md");
    ma_rawjson_free(&rj);
}

static void test_no_note_within_three_times_or_below_a_second(void)
{
    ma_rawjson rj;
    ma_rawjson_init(&rj);
    vertex(&rj, "sha256:b1", "[linux/amd64 2/2] RUN make", T("00.0"), T("02.0"), 0);
    vertex(&rj, "sha256:b2", "[linux/arm64 2/2] RUN make", T("00.0"), T("06.0"), 0);
    ma_buildtime t;
    char note[512];
    ma_buildtime_of(&rj, &t);
    CHECK(t.len == 2 && ma_buildtime_note(&t, note, sizeof note) == 0 && note[0] == '\0');
    ma_rawjson_free(&rj);

    ma_rawjson_init(&rj);
    vertex(&rj, "sha256:c1", "[linux/amd64 2/2] RUN true", T("00.00"), T("00.01"), 0);
    vertex(&rj, "sha256:c2", "[linux/arm64 2/2] RUN true", T("00.00"), T("00.90"), 0);
    ma_buildtime_of(&rj, &t);
    CHECK(ma_buildtime_note(&t, note, sizeof note) == 0); /* 90x, but under a second */
    ma_rawjson_free(&rj);

    /* one platform, or a build with no platform steps: nothing to compare */
    ma_rawjson_init(&rj);
    vertex(&rj, "sha256:d1", "[internal] load metadata", T("00.0"), T("05.0"), 0);
    vertex(&rj, "sha256:d2", "[2/2] RUN make", T("00.0"), T("09.0"), 0);
    ma_buildtime_of(&rj, &t);
    CHECK(t.len == 0 && ma_buildtime_note(&t, note, sizeof note) == 0);
    ma_buildtime_text(&t, note, sizeof note);
    CHECK_STR(note, "");
    ma_rawjson_free(&rj);
}

int main(void)
{
    test_two_platforms_arm64_slow();
    test_no_note_within_three_times_or_below_a_second();
    return CHECK_DONE();
}

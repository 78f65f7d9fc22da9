/* buildx's --progress rawjson stream (ma_rawjson_feed), input: stderr text,
 * fed line by line as exec hands it.  Checks: every readable line handed back
 * is one line (no line break inside) and came whole; steps done never exceed
 * steps seen; the current step has started; the failing step has an error; a
 * step keeps at most MA_RAWJSON_TAIL output lines and no line breaks. */
#include "fuzz.h"
#include "rawjson.h"

static void check_line(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    FUZZ_CHECK(memchr(line, '\n', len) == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ma_rawjson rj;
    ma_rawjson_init(&rj);
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n > 0 && ma_rawjson_feed(&rj, p, n, check_line, NULL) != 0)
            break; /* out of memory: the state stays usable, nothing to check */
        p += n + (nl != NULL);
    }
    FUZZ_CHECK(ma_rawjson_done(&rj) <= ma_rawjson_total(&rj));
    const ma_rawjson_step *cur = ma_rawjson_current(&rj), *failed = ma_rawjson_failed(&rj);
    FUZZ_CHECK(cur == NULL || cur->started);
    FUZZ_CHECK(failed == NULL || failed->error != NULL);
    FUZZ_CHECK(rj.text_tail.len <= MA_RAWJSON_TAIL);
    for (size_t i = 0; i < rj.len; i++) {
        FUZZ_CHECK(rj.steps[i].tail.len <= MA_RAWJSON_TAIL && rj.steps[i].name != NULL);
        for (size_t k = 0; k < rj.steps[i].tail.len; k++)
            FUZZ_CHECK(strchr(rj.steps[i].tail.items[k], '\n') == NULL);
    }
    ma_rawjson_free(&rj);
    return 0;
}

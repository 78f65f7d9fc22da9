/* What a failed docker/buildx command printed (ma_buildx_classify_failure,
 * ma_buildx_last_error_line), input: the stderr text.  Checks: the class is
 * one of the four, a failed build step is never retried; the line picked is
 * one trimmed line of the input (no newline, no surrounding blanks), the last
 * "ERROR:"/"error:" line when there is one; cut short it is a prefix of the
 * full line that never splits a UTF-8 sequence.  ma_push_refused: only
 * when that last error line speaks of a push. */
#include "buildx.h"
#include "fuzz.h"
#include "pushrefused.h"

static int blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (text == NULL)
        return 0;
    ma_failure_kind kind = ma_buildx_classify_failure(text);
    FUZZ_CHECK(kind >= MA_FAILURE_PERMANENT && kind <= MA_FAILURE_NO_BUILDX);
    if (strcasestr(text, "did not complete successfully") != NULL && strcasestr(text, "buildx") == NULL)
        FUZZ_CHECK(kind == MA_FAILURE_PERMANENT);

    char *full = malloc(size + 1), cut[16];
    if (full == NULL) {
        free(text);
        return 0;
    }
    ma_buildx_last_error_line(text, full, size + 1);
    ma_buildx_last_error_line(text, cut, sizeof cut);
    size_t n = strlen(full), m = strlen(cut);
    FUZZ_CHECK(strchr(full, '\n') == NULL && strstr(text, full) != NULL);
    FUZZ_CHECK(n == 0 || (!blank(full[0]) && !blank(full[n - 1])));
    FUZZ_CHECK(m < sizeof cut && strncmp(full, cut, m) == 0);
    FUZZ_CHECK(m == n || m == 0 || ((unsigned char)full[m] & 0xC0) != 0x80);
    /* Some line after trimming starts with ERROR: or error: -> one such line is picked. */
    for (const char *line = text; line != NULL; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        while (blank(*line) && *line != '\n')
            line++;
        if (strncmp(line, "ERROR:", 6) == 0 || strncmp(line, "error:", 6) == 0) {
            FUZZ_CHECK(strncmp(full, "ERROR:", 6) == 0 || strncmp(full, "error:", 6) == 0);
            break;
        }
    }
    /* a refused push is said in the last error line, which speaks of a push */
    int refused = ma_push_refused(text);
    FUZZ_CHECK(refused == 0 || refused == 1);
    FUZZ_CHECK(!refused || strstr(full, "push") != NULL);
    free(full);
    free(text);
    return 0;
}

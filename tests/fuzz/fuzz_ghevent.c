/* GitHub event payloads ($GITHUB_EVENT_PATH: ma_ghevent_pr_number), input:
 * the payload's bytes.  Checks: a refusal is MA_ERR_INPUT with a one-line
 * message naming the file and no number; a number found is 1-16 decimal
 * digits without a leading zero and makes a valid pr- tag. */
#include "fuzz.h"
#include "ghevent.h"
#include "tagrules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *number = NULL;
    ma_error err = {MA_ERR_NONE, ""};
    if (ma_ghevent_pr_number((const char *)data, size, "event.json", &number, &err) != 0) {
        fuzz_check_error(&err, MA_ERR_INPUT);
        FUZZ_CHECK(number == NULL && strstr(err.msg, "event.json") != NULL && strchr(err.msg, '\n') == NULL);
        return 0;
    }
    if (number == NULL)
        return 0;
    size_t n = strlen(number);
    FUZZ_CHECK(n >= 1 && n <= 16 && number[0] != '0' && strspn(number, "0123456789") == n);
    char tag[32];
    snprintf(tag, sizeof tag, "pr-%s", number);
    FUZZ_CHECK(ma_tag_is_valid(tag));
    free(number);
    return 0;
}

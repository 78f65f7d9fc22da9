/* --platforms values (ma_platforms_parse, ma_platform_validate), input: one
 * comma-separated list.  Checks: a parsed list has one entry per comma-separated
 * item, each valid and listed once, and joining it with ',' parses back to the
 * same list; a single valid platform parses to itself; a failure is MA_ERR_INPUT
 * with a message; a machine name that maps to a platform maps to a valid one. */
#include "fuzz.h"
#include "platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    if (s == NULL)
        return 0;
    ma_strlist list = MA_STRLIST_INIT, again = MA_STRLIST_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    if (ma_platforms_parse(s, &list, &err) == 0) {
        size_t items = 1;
        for (const char *p = s; *p; p++)
            items += *p == ',';
        FUZZ_CHECK(list.len == items);
        for (size_t i = 0; i < list.len; i++) {
            FUZZ_CHECK(ma_platform_validate(list.items[i], NULL) == 0);
            for (size_t j = 0; j < i; j++)
                FUZZ_CHECK(strcmp(list.items[i], list.items[j]) != 0);
        }
        char *joined = ma_strlist_join(&list, ",");
        if (joined != NULL) {
            FUZZ_CHECK(ma_platforms_parse(joined, &again, &err) == 0 && again.len == list.len);
            for (size_t i = 0; i < list.len; i++)
                FUZZ_CHECK(strcmp(again.items[i], list.items[i]) == 0);
        }
        free(joined);
    } else {
        fuzz_check_error(&err, MA_ERR_INPUT);
    }
    ma_strlist_free(&list);
    ma_strlist_free(&again);

    if (ma_platform_validate(s, NULL) == 0) {
        FUZZ_CHECK(ma_platforms_parse(s, &list, &err) == 0 && list.len == 1 &&
                   strcmp(list.items[0], s) == 0);
        ma_strlist_free(&list);
    }
    char platform[64];
    if (ma_platform_from_machine(s, platform, sizeof platform) == 0)
        FUZZ_CHECK(ma_platform_validate(platform, NULL) == 0);
    free(s);
    return 0;
}

/* RFC 3339 times (ma_rfc3339_parse), input: the created annotation or label
 * a registry's image records.  Checks: an accepted time formats back (as
 * UTC, without fractions) to a text that parses to the same second. */
#include "fuzz.h"
#include "labels.h"
#include "rfc3339.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    if (s == NULL)
        return 0;
    long long t = 0, again = 0;
    char text[64];
    if (ma_rfc3339_parse(s, &t) == 0 && ma_rfc3339_utc(t, text, sizeof text) == 0) {
        FUZZ_CHECK(ma_rfc3339_parse(text, &again) == 0);
        FUZZ_CHECK(again == t);
    }
    free(s);
    return 0;
}

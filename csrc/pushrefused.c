#include "pushrefused.h"

#include <string.h>

#include "buildx.h"

int ma_push_refused(const char *err_text)
{
    if (err_text == NULL)
        return 0;
    /* what BuildKit (containerd's pusher and its authorizer) says */
    static const char *const refusals[] = {
        "push access denied", "insufficient_scope", "failed to authorize", "401 Unauthorized", "403 Forbidden",
        "denied: ", "unauthorized: ",
    };
    char line[1024];
    ma_buildx_last_error_line(err_text, line, sizeof line);
    /* a pull refused (a base image) is no push refused: the scope or the step says push */
    int pushing = strstr(line, "push") != NULL;
    for (size_t i = 0; pushing && i < sizeof refusals / sizeof refusals[0]; i++)
        if (strstr(line, refusals[i]) != NULL)
            return 1;
    return 0;
}

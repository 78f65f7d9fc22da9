#include "credhelper.h"

#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "strlist.h"

int ma_credhelper_get(const char *helper, const char *server, const char *const *envp, ma_interrupt *intr,
                      ma_cred *out, ma_error *err)
{
    ma_cred_free(out);
    ma_strlist argv = MA_STRLIST_INIT;
    char *input = ma_strdupf("%s\n", server);
    if (input == NULL || ma_strlist_pushf(&argv, "docker-credential-%s", helper) != 0 ||
        ma_strlist_push(&argv, "get") != 0) {
        free(input);
        ma_strlist_free(&argv);
        return ma_nomem(err);
    }
    ma_spawn_spec spec = {.argv = &argv, .cwd = NULL, .stdin_data = input, .envp = envp};
    ma_exec_output output = {.on_line = NULL, .ctx = NULL, .capture_stdout = 1};
    ma_exec ex;
    ma_exec_init(&ex);
    int rc = ma_exec_run(&ex, &spec, &output, intr, err);
    if (rc == 0 && ex.status != 0) {
        /* docker's helpers say "credentials not found in native keychain" */
        int not_found = ex.out.data != NULL && strstr(ex.out.data, "credentials not found") != NULL;
        if (!not_found)
            rc = ma_fail(err, MA_ERR_ENV, "credential helper docker-credential-%s failed for %s (exit status %d)",
                         helper, server, ex.status);
    } else if (rc == 0) {
        rc = ma_credhelper_parse(ex.out.data != NULL ? ex.out.data : "", helper, out, err);
    }
    if (ex.out.data != NULL)
        memset(ex.out.data, 0, ex.out.len);
    ma_exec_free(&ex);
    ma_strlist_free(&argv);
    free(input);
    return rc;
}

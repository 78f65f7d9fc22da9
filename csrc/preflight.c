#include "preflight.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "buildx.h"
#include "exec.h"
#include "progress.h"

#define BUILDX_INSTALL_HINT "install the buildx plugin (https://docs.docker.com/build/install-buildx/)"

void ma_registry_host(const char *registry, char *out, size_t outsz)
{
    snprintf(out, outsz, "%.*s", (int)strcspn(registry, "/"), registry);
}

static int check_files(const ma_plan *plan, ma_error *err)
{
    for (size_t i = 0; i < plan->nimages; i++) {
        const ma_image_plan *ip = &plan->images[i];
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", plan->workdir, ip->dockerfile);
        errno = 0;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            return ma_fail(err, MA_ERR_ENV, "Dockerfile for %s not found: %s (%s)", ip->component, path,
                           errno ? strerror(errno) : "not a file");
        snprintf(path, sizeof path, "%s/%s", plan->workdir, ip->context);
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            return ma_fail(err, MA_ERR_ENV, "build context for %s is not a directory: %s", ip->component, path);
    }
    return 0;
}

/* Run one docker command to its end, its lines shown behind `[setup]` and its
 * stdout kept.  ex is initialised first, so it is always safe to free. */
static int docker(const char *const *args, const char *stdin_data, const char *cwd,
                  const ma_preflight_options *opt, FILE *log, ma_interrupt *intr, ma_exec *ex, ma_error *err)
{
    ma_exec_init(ex);
    ma_strlist argv = MA_STRLIST_INIT;
    for (; *args != NULL; args++)
        if (ma_strlist_push(&argv, *args) != 0) {
            ma_strlist_free(&argv);
            return ma_nomem(err);
        }
    ma_spawn_spec spec = {&argv, cwd, stdin_data, opt->envp};
    ma_progress progress = {log, "setup"};
    ma_exec_output output = ma_progress_output(&progress, 1);
    ma_progress_command(&progress, &argv);
    int rc = ma_exec_run(ex, &spec, &output, intr, err);
    ma_strlist_free(&argv);
    return rc;
}

static int fail_with_output(ma_error *err, const ma_exec *ex, const char *what)
{
    char line[512];
    ma_buildx_last_error_line(ma_exec_stderr(ex), line, sizeof line);
    return ma_fail(err, MA_ERR_ENV, "%s: %s", what, line[0] ? line : "no error output");
}

static int check_buildx(const char *cwd, const ma_preflight_options *opt, FILE *log, ma_interrupt *intr,
                        ma_error *err)
{
    const char *args[] = {"docker", "buildx", "version", NULL};
    ma_exec ex;
    int rc = docker(args, NULL, cwd, opt, log, intr, &ex, err);
    if (rc == 0 && ex.status != 0) {
        if (ma_buildx_classify_failure(ma_exec_stderr(&ex)) == MA_FAILURE_NO_BUILDX)
            rc = ma_fail(err, MA_ERR_ENV, "docker has no buildx plugin: " BUILDX_INSTALL_HINT);
        else
            rc = fail_with_output(err, &ex, "docker buildx does not answer (" BUILDX_INSTALL_HINT ")");
    }
    ma_exec_free(&ex);
    return rc;
}

static int login(const ma_plan *plan, const ma_preflight_options *opt, FILE *log, ma_interrupt *intr,
                 ma_error *err)
{
    char host[256];
    ma_registry_host(plan->registry, host, sizeof host);
    if (opt->username == NULL || opt->username[0] == '\0')
        return ma_fail(err, MA_ERR_INPUT, "a registry token is set but no user to log in as: pass --username "
                                          "or set GITHUB_ACTOR");
    /* The token goes to stdin only: never argv, never a printed line. */
    const char *args[] = {"docker", "login", host, "--username", opt->username, "--password-stdin", NULL};
    ma_exec ex;
    int rc = docker(args, opt->token, plan->workdir, opt, log, intr, &ex, err);
    if (rc == 0 && ex.status != 0) {
        char what[512];
        snprintf(what, sizeof what, "docker login to %s as %s failed", host, opt->username);
        rc = fail_with_output(err, &ex, what);
        char *leak = strstr(err->msg, opt->token[0] ? opt->token : "\x01");
        if (leak != NULL)
            memset(leak, '*', strlen(opt->token));
    }
    ma_exec_free(&ex);
    return rc;
}

static int ensure_builder(const ma_plan *plan, const ma_preflight_options *opt, FILE *log, ma_interrupt *intr,
                          ma_error *err)
{
    const char *inspect[] = {"docker", "buildx", "inspect", plan->builder, NULL};
    ma_exec ex;
    int rc = docker(inspect, NULL, plan->workdir, opt, log, intr, &ex, err);
    int missing = rc == 0 && ex.status != 0 && strstr(ma_exec_stderr(&ex), "no builder") != NULL;
    if (rc == 0 && ex.status != 0 && !missing)
        rc = fail_with_output(err, &ex, "cannot inspect the buildx builder");
    ma_exec_free(&ex);
    if (rc != 0 || !missing)
        return rc;
    if (opt->builder_given)
        return ma_fail(err, MA_ERR_ENV, "buildx builder '%s' not found: create it (docker buildx create --name %s) "
                                        "or leave out --builder", plan->builder, plan->builder);
    const char *create[] = {"docker", "buildx", "create", "--name", plan->builder, "--driver",
                            "docker-container", "--bootstrap", NULL};
    rc = docker(create, NULL, plan->workdir, opt, log, intr, &ex, err);
    /* another run on this machine may have created it a moment ago: fine */
    if (rc == 0 && ex.status != 0 && strstr(ma_exec_stderr(&ex), "existing instance") == NULL)
        rc = fail_with_output(err, &ex, "cannot create the buildx builder");
    ma_exec_free(&ex);
    return rc;
}

int ma_preflight(const ma_plan *plan, const ma_preflight_options *opt, FILE *log, ma_interrupt *intr,
                 ma_error *err)
{
    int merge = plan->mode == MA_MODE_MERGE; /* builds nothing: no Dockerfile, no builder */
    if ((!merge && check_files(plan, err) != 0) || check_buildx(plan->workdir, opt, log, intr, err) != 0)
        return -1;
    if (plan->push && opt->token != NULL && opt->token[0] != '\0' && login(plan, opt, log, intr, err) != 0)
        return -1;
    return merge ? 0 : ensure_builder(plan, opt, log, intr, err);
}

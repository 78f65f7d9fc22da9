#include "preflight.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buildx.h"
#include "cosign.h"
#include "exec.h"
#include "execgroup.h"
#include "progress.h"
#include "refname.h"

#define BUILDX_INSTALL_HINT "install the buildx plugin (https://docs.docker.com/build/install-buildx/)"

static int check_files(const ma_plan *plan, ma_error *err)
{
    for (size_t i = 0; i < plan->nimages; i++) {
        const ma_image_plan *ip = &plan->images[i];
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", plan->req.project_dir, ip->dockerfile);
        errno = 0;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            return ma_fail(err, MA_ERR_ENV, "Dockerfile for %s not found: %s (%s)", ip->component, path,
                           errno ? strerror(errno) : "not a file");
        snprintf(path, sizeof path, "%s/%s", plan->req.project_dir, ip->context);
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            return ma_fail(err, MA_ERR_ENV, "build context for %s is not a directory: %s", ip->component, path);
    }
    return 0;
}

/* Run one docker command to its end, its lines shown behind `[setup]` and its
 * stdout kept.  ex is initialised first, so it is always safe to free. */
/* An ma_line_fn showing stdout only: the command's error output is an answer
 * the caller words itself (a builder not created yet is no error). */
static void stdout_line(void *ctx, ma_stream stream, const char *line, size_t len)
{
    if (stream != MA_STREAM_STDERR)
        ma_progress_line(ctx, stream, line, len);
}

static int run_docker(const char *const *args, const char *stdin_data, const char *cwd, const ma_preflight_options *opt,
                      FILE *log, ma_interrupt *intr, int show_stderr, ma_exec *ex, ma_error *err)
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
    if (!show_stderr)
        output.on_line = stdout_line;
    ma_progress_command(&progress, &argv);
    int rc = ma_exec_run(ex, &spec, &output, intr, err);
    ma_strlist_free(&argv);
    return rc;
}

static int docker(const char *const *args, const char *stdin_data, const char *cwd,
                  const ma_preflight_options *opt, FILE *log, ma_interrupt *intr, ma_exec *ex, ma_error *err)
{
    return run_docker(args, stdin_data, cwd, opt, log, intr, 1, ex, err);
}

static int fail_with_output(ma_error *err, const ma_exec *ex, const char *what)
{
    char line[512];
    ma_buildx_last_error_line(ma_exec_stderr(ex), line, sizeof line);
    return ma_fail(err, MA_ERR_ENV, "%s: %s", what, line[0] ? line : "no error output");
}

static int judge_buildx(const ma_exec *ex, ma_error *err)
{
    if (ex->status == 0)
        return 0;
    if (ma_buildx_classify_failure(ma_exec_stderr(ex)) == MA_FAILURE_NO_BUILDX)
        return ma_fail(err, MA_ERR_ENV, "docker has no buildx plugin: " BUILDX_INSTALL_HINT);
    return fail_with_output(err, ex, "docker buildx does not answer (" BUILDX_INSTALL_HINT ")");
}

static int login(const ma_plan *plan, const ma_preflight_options *opt, FILE *log, ma_interrupt *intr,
                 ma_error *err)
{
    char host[256];
    ma_registry_host(plan->req.registry, host, sizeof host);
    if (opt->username == NULL || opt->username[0] == '\0')
        return ma_fail(err, MA_ERR_INPUT, "a registry token is set but no user to log in as: pass --username "
                                          "or set GITHUB_ACTOR");
    /* The token goes to stdin only: never argv, never a printed line. */
    const char *args[] = {"docker", "login", host, "--username", opt->username, "--password-stdin", NULL};
    ma_exec ex;
    int rc = docker(args, opt->token, plan->req.project_dir, opt, log, intr, &ex, err);
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

/* What `docker buildx inspect --bootstrap [NAME]` (NULL: the current
 * builder) answered: 0 with info filled when the builder exists and boots;
 * else *missing or *boot_error says why. */
static int judge_inspect(const char *name, ma_exec *ex, FILE *log, ma_builder_info *info, int *missing,
                         char *boot_error, size_t boot_error_size, ma_error *err)
{
    *missing = 0;
    boot_error[0] = '\0';
    if (ex->status != 0) {
        *missing = strstr(ma_exec_stderr(ex), "no builder") != NULL;
        ma_buildx_last_error_line(ma_exec_stderr(ex), boot_error, boot_error_size);
        if (boot_error[0] == '\0')
            snprintf(boot_error, boot_error_size, "exit status %d", ex->status);
        /* a builder not created yet is an answer; one that does not boot is an error */
        char said[640];
        if (*missing)
            snprintf(said, sizeof said, "builder %s: not created yet", name ? name : "(current)");
        else
            snprintf(said, sizeof said, "%s", boot_error);
        ma_progress progress = {log, "setup"};
        ma_progress_line(&progress, MA_STREAM_STDERR, said, strlen(said));
        return 0;
    }
    return ma_buildx_parse_inspect(ex->out.data, info, err);
}

static int inspect_builder(const char *name, const ma_plan *plan, const ma_preflight_options *opt, FILE *log,
                           ma_interrupt *intr,
                           ma_builder_info *info, int *missing, char *boot_error, size_t boot_error_size,
                           ma_error *err)
{
    const char *args[] = {"docker", "buildx", "inspect", "--bootstrap", name, NULL};
    ma_exec ex;
    int rc = run_docker(args, NULL, plan->req.project_dir, opt, log, intr, 0, &ex, err);
    if (rc == 0)
        rc = judge_inspect(name, &ex, log, info, missing, boot_error, boot_error_size, err);
    ma_exec_free(&ex);
    return rc;
}

/* The docker driver builds several platforms only on the containerd image store. */
static int containerd_store(const ma_plan *plan, const ma_preflight_options *opt, FILE *log, ma_interrupt *intr,
                            int *yes, ma_error *err)
{
    const char *args[] = {"docker", "info", "--format", "{{json .DriverStatus}}", NULL};
    ma_exec ex;
    int rc = docker(args, NULL, plan->req.project_dir, opt, log, intr, &ex, err);
    *yes = rc == 0 && ex.status == 0 && ex.out.data != NULL && strstr(ex.out.data, "io.containerd.snapshotter") != NULL;
    ma_exec_free(&ex);
    return rc;
}

/* Create a docker-container builder; one that does not boot is removed again. */
static int create_builder(const ma_plan *plan, const ma_preflight_options *opt, FILE *log, ma_interrupt *intr,
                          ma_builder_info *info, ma_error *err)
{
    const char *create[] = {"docker", "buildx", "create", "--name", plan->req.builder, "--driver",
                            "docker-container", "--bootstrap", NULL};
    ma_exec ex;
    int rc = docker(create, NULL, plan->req.project_dir, opt, log, intr, &ex, err);
    char line[512] = "";
    int failed = rc == 0 && ex.status != 0 && strstr(ma_exec_stderr(&ex), "existing instance") == NULL;
    if (failed)
        ma_buildx_last_error_line(ma_exec_stderr(&ex), line, sizeof line);
    ma_exec_free(&ex);
    if (rc != 0)
        return rc;
    if (!failed) {
        int missing;
        char why[512];
        if (inspect_builder(plan->req.builder, plan, opt, log, intr, info, &missing, why, sizeof why, err) != 0)
            return -1;
        if (info->name[0] != '\0')
            return 0;
        snprintf(line, sizeof line, "%s", why);
    }
    const char *remove[] = {"docker", "buildx", "rm", plan->req.builder, NULL};
    if (docker(remove, NULL, plan->req.project_dir, opt, log, intr, &ex, err) != 0)
        return -1;
    ma_exec_free(&ex);
    return ma_fail(err, MA_ERR_ENV, "cannot boot the buildx builder '%s' this run created (docker-container driver, "
                                    "which pulls moby/buildkit): %s; removed it again. Pass --builder NAME of a builder "
                                    "that can build %s, or allow network access to pull moby/buildkit",
                   plan->req.builder, line, plan->images[0].platforms.items[0]);
}

static int check_platforms(const ma_plan *plan, const ma_builder_info *b, ma_error *err)
{
    for (size_t i = 0; i < plan->nimages; i++)
        for (size_t k = 0; k < plan->images[i].platforms.len; k++) {
            const char *want = plan->images[i].platforms.items[k];
            if (ma_builder_builds(b, want))
                continue;
            char *has = ma_strlist_join(&b->platforms, ", ");
            ma_fail(err, MA_ERR_ENV, "buildx builder '%s' cannot build %s (it builds %s): register QEMU for it "
                                     "(apt-get install qemu-user-static binfmt-support, or docker run --privileged "
                                     "tonistiigi/binfmt --install all), add a native %s node to the builder, or build "
                                     "each platform on its own runner (--push-by-digest, then angreal build merge)",
                    b->name, want, has != NULL && has[0] ? has : "nothing it reports", want);
            free(has);
            return -1;
        }
    return 0;
}

#define CONTAINERD_STORE_HINT                                                                                    \
    "turn on the containerd image store (\"features\": {\"containerd-snapshotter\": true} in "                   \
    "/etc/docker/daemon.json, then restart dockerd; Docker Desktop: Settings > General > Use containerd), or pass " \
    "--builder with a docker-container, remote or kubernetes builder"

/* What the docker driver cannot do for this plan, into why (empty: it can). */
static int docker_driver_limits(const ma_plan *plan, const ma_preflight_options *opt, const ma_builder_info *b,
                                FILE *log, ma_interrupt *intr,
                                char *why, size_t why_size, ma_error *err)
{
    why[0] = '\0';
    if (strcmp(b->driver, "docker") != 0)
        return 0;
    if (plan->req.mode == MA_MODE_BY_DIGEST) {
        snprintf(why, why_size, "buildx builder '%s' uses the docker driver, which cannot push by digest: pass "
                                "--builder with a remote, docker-container or kubernetes builder", b->name);
        return 0;
    }
    int several = plan->nimages > 0 && plan->images[0].platforms.len > 1, store = 1;
    if (several && containerd_store(plan, opt, log, intr, &store, err) != 0)
        return -1;
    if (several && !store)
        snprintf(why, why_size, "buildx builder '%s' (docker driver) cannot build several platforms without the "
                                "containerd image store: " CONTAINERD_STORE_HINT, b->name);
    return 0;
}

/* The builder the run uses: --builder NAME as it is; else the configured one
 * (brokkr-builder) when it exists and boots, else the current builder, and
 * only when that cannot build the platforms a docker-container builder that
 * this run creates (and removes again when it does not boot). */
static int resolve_builder(const ma_plan *plan, const ma_preflight_options *opt, FILE *log, ma_interrupt *intr,
                           ma_exec *first_inspect, ma_builder_info *info, ma_error *err)
{
    int missing = 0;
    char why[512];
    if (judge_inspect(plan->req.builder, first_inspect, log, info, &missing, why, sizeof why, err) != 0)
        return -1;
    if (info->name[0] == '\0' && opt->builder_given)
        return missing ? ma_fail(err, MA_ERR_ENV, "buildx builder '%s' not found: create it (docker buildx create "
                                                  "--name %s) or leave out --builder", plan->req.builder, plan->req.builder)
                       : ma_fail(err, MA_ERR_ENV, "buildx builder '%s' does not boot: %s", plan->req.builder, why);
    if (info->name[0] == '\0') {
        if (log != NULL)
            fprintf(log, "[setup] builder %s %s: trying the current builder\n", plan->req.builder,
                    missing ? "does not exist" : "does not boot");
        if (inspect_builder(NULL, plan, opt, log, intr, info, &missing, why, sizeof why, err) != 0)
            return -1;
        if (info->name[0] == '\0')
            return ma_fail(err, MA_ERR_ENV, "the current buildx builder does not boot: %s", why);
    }
    char cannot[768];
    if (docker_driver_limits(plan, opt, info, log, intr, cannot, sizeof cannot, err) != 0)
        return -1;
    if (cannot[0] != '\0' && (opt->builder_given || strcmp(info->name, plan->req.builder) == 0))
        return ma_fail(err, MA_ERR_ENV, "%s", cannot);
    if (cannot[0] != '\0') {
        /* the current builder cannot do it: a builder of our own can, if it boots */
        ma_builder_info_free(info);
        memset(info, 0, sizeof *info);
        if (create_builder(plan, opt, log, intr, info, err) != 0)
            return -1;
    }
    return check_platforms(plan, info, err);
}

#define COSIGN_INSTALL_HINT                                                                                   \
    "install sigstore's cosign (Debian: apt-get install cosign from trixie, which installs on bookworm too: "   \
    "apt-get install -t trixie cosign; else https://docs.sigstore.dev/cosign/system_config/installation/)"

/* --sign: cosign answers, and the key opens (or keyless signing can get a token). */
static int check_signing(const ma_plan *plan, const ma_preflight_options *opt, FILE *log, ma_interrupt *intr,
                         ma_error *err)
{
    const ma_sign_plan *s = &plan->sign;
    ma_preflight_options with_password = *opt;
    with_password.envp = opt->cosign_envp != NULL ? opt->cosign_envp : opt->envp;
    const char *version[] = {"cosign", "version", NULL};
    ma_exec ex;
    int rc = docker(version, NULL, plan->req.project_dir, &with_password, log, intr, &ex, err);
    if (rc != 0 && err->kind == MA_ERR_ENV)
        rc = ma_fail(err, MA_ERR_ENV, "--sign needs cosign, which is not installed (%s): " COSIGN_INSTALL_HINT, err->msg);
    else if (rc == 0 && ex.status != 0)
        rc = fail_with_output(err, &ex, "cosign does not answer (" COSIGN_INSTALL_HINT ")");
    ma_exec_free(&ex);
    if (rc != 0)
        return -1;
    if (s->key == NULL) {
        if (!opt->oidc || s->identity == NULL)
            return ma_fail(err, MA_ERR_INPUT, "--sign without --sign-key signs keyless, with the GitHub Actions "
                                              "workflow's OIDC identity, and there is none here (no "
                                              MA_COSIGN_OIDC_VARIABLE ", GITHUB_WORKFLOW_REF): give the job "
                                              "`permissions: id-token: write`, or pass --sign-key KEY");
        return 0;
    }
    /* writing the public half proves the password opens the key, before anything is built */
    ma_strlist argv = MA_STRLIST_INIT;
    if (ma_cosign_public_key_argv(s, &argv) != 0) {
        ma_strlist_free(&argv);
        return ma_nomem(err);
    }
    const char **args = calloc(argv.len + 1, sizeof *args);
    for (size_t i = 0; args != NULL && i < argv.len; i++)
        args[i] = argv.items[i];
    rc = args == NULL ? ma_nomem(err) : docker(args, NULL, plan->req.project_dir, &with_password, log, intr, &ex, err);
    if (args != NULL && rc == 0 && ex.status != 0) {
        char what[1024];
        snprintf(what, sizeof what, "cannot open the signing key %s (is COSIGN_PASSWORD its password?)", s->key);
        rc = fail_with_output(err, &ex, what);
    }
    if (args != NULL)
        ma_exec_free(&ex);
    free(args);
    ma_strlist_free(&argv);
    return rc;
}

/* Start a docker command in the background, its lines behind `[setup]`. */
static int start_docker(ma_preflight_pending *p, const char *const *args, const char *cwd,
                        const ma_preflight_options *opt, FILE *log, int show_stderr, ma_error *err)
{
    ma_strlist argv = MA_STRLIST_INIT;
    for (; *args != NULL; args++)
        if (ma_strlist_push(&argv, *args) != 0) {
            ma_strlist_free(&argv);
            return ma_nomem(err);
        }
    ma_progress *progress = &p->progress[p->group.n];
    *progress = (ma_progress){log, "setup"};
    ma_spawn_spec spec = {&argv, cwd, NULL, opt->envp};
    ma_exec_output output = ma_progress_output(progress, 1);
    if (!show_stderr)
        output.on_line = stdout_line;
    ma_progress_command(progress, &argv);
    int rc = ma_execgroup_start(&p->group, &spec, &output, err);
    ma_strlist_free(&argv);
    return rc;
}

int ma_preflight_begin(const ma_plan *plan, const ma_preflight_options *opt, FILE *log, ma_interrupt *intr,
                       ma_preflight_pending *p, ma_error *err)
{
    ma_execgroup_init(&p->group);
    /* a merge and a promotion build nothing: no Dockerfile, no builder */
    int merge = plan->req.mode == MA_MODE_MERGE || plan->req.mode == MA_MODE_PROMOTE;
    if (!merge && check_files(plan, err) != 0)
        return -1;
    const char *version[] = {"docker", "buildx", "version", NULL};
    const char *inspect[] = {"docker", "buildx", "inspect", "--bootstrap", plan->req.builder, NULL};
    int rc = start_docker(p, version, plan->req.project_dir, opt, log, 1, err);
    if (rc == 0 && !merge)
        rc = start_docker(p, inspect, plan->req.project_dir, opt, log, 0, err);
    if (rc == 0 && plan->req.push && opt->token != NULL && opt->token[0] != '\0')
        rc = login(plan, opt, log, intr, err);
    if (rc == 0 && plan->sign.enabled)
        rc = check_signing(plan, opt, log, intr, err);
    if (rc != 0)
        ma_preflight_pending_free(p);
    return rc;
}

int ma_preflight_end(const ma_plan *plan, const ma_preflight_options *opt, FILE *log, ma_interrupt *intr,
                     ma_preflight_pending *p, ma_builder_info *builder, ma_error *err)
{
    memset(builder, 0, sizeof *builder);
    int rc = ma_execgroup_wait(&p->group, intr, err);
    if (rc == 0)
        rc = judge_buildx(&p->group.execs[0], err);
    if (rc == 0 && plan->req.mode != MA_MODE_MERGE && plan->req.mode != MA_MODE_PROMOTE &&
        resolve_builder(plan, opt, log, intr, &p->group.execs[1], builder, err) != 0) {
        ma_builder_info_free(builder);
        rc = -1;
    }
    ma_preflight_pending_free(p);
    return rc;
}

void ma_preflight_pending_free(ma_preflight_pending *p)
{
    /* answers no longer wanted, from read-only commands: killed at once (a
     * builder's boot stopped now is booted by the next run) */
    ma_execgroup_free(&p->group, SIGKILL, 0);
}

int ma_preflight(const ma_plan *plan, const ma_preflight_options *opt, FILE *log, ma_interrupt *intr,
                 ma_builder_info *builder, ma_error *err)
{
    ma_preflight_pending p;
    memset(builder, 0, sizeof *builder);
    if (ma_preflight_begin(plan, opt, log, intr, &p, err) != 0)
        return -1;
    return ma_preflight_end(plan, opt, log, intr, &p, builder, err);
}

#include "statusrun.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cosign.h"
#include "env.h"
#include "exec.h"
#include "interrupt.h"
#include "pipeline.h"
#include "regclient.h"
#include "statusread.h"
#include "textfile.h"

#define STATUS_RETRIES 3
#define STATUS_BACKOFF_MS 1000
#define PASSWORD_VARIABLE "COSIGN_PASSWORD"

/* The images, platforms, policy and HEAD the request names: a plan of a
 * push (nothing in it runs). */
static int plan_for(const ma_cli_options *opt, ma_plan *plan, ma_error *err)
{
    ma_request req = opt->req;
    req.tag = MA_DEFAULT_TAG;
    req.push = 1;
    req.mode = MA_MODE_PUSH;
    req.sign = 0;
    req.sign_key = NULL;
    req.sign_offline = 0;
    req.platforms = NULL;
    return ma_pipeline_plan(&req, plan, err);
}

/* Run argv to its end: 0 with *status set (and its stderr's end in why). */
static int run(const ma_strlist *argv, const char *const *envp, ma_interrupt *intr, int *status, char *why,
               size_t whysz, ma_error *err)
{
    ma_exec ex;
    ma_spawn_spec spec = {argv, NULL, NULL, envp};
    ma_exec_output output = {NULL, NULL, 1};
    int rc = ma_exec_run(&ex, &spec, &output, intr, err);
    if (rc == 0) {
        *status = ex.status;
        size_t len = ex.err_tail.len < whysz - 1 ? ex.err_tail.len : whysz - 1;
        memcpy(why, ex.err_tail.data != NULL ? ex.err_tail.data : "", ex.err_tail.data != NULL ? len : 0);
        why[ex.err_tail.data != NULL ? len : 0] = '\0';
    }
    ma_exec_free(&ex);
    return rc;
}

/* The last non-empty line of text, in place. */
static const char *last_line(char *text)
{
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        text[--n] = '\0';
    char *nl = strrchr(text, '\n');
    return nl != NULL ? nl + 1 : text;
}

/* A private key file: its public half into dir/cosign.pub (cosign reads the
 * password from COSIGN_PASSWORD).  Anything else is given to verify as it is. */
static int public_key(ma_sign_plan *s, const char *dir, const char *const *envp, ma_interrupt *intr, ma_error *err)
{
    char *text = NULL;
    ma_error ignored = {0};
    int private_key = ma_textfile_read(s->key, 1 << 20, "signing key", MA_ERR_ENV, &text, &ignored) == 0 &&
                      strstr(text, "PRIVATE KEY") != NULL;
    free(text);
    if (!private_key)
        return (s->public_key = ma_strdup(s->key)) == NULL ? ma_nomem(err) : 0;
    if ((s->public_key = ma_strdupf("%s/%s", dir, MA_COSIGN_PUBLIC_KEY_FILE)) == NULL)
        return ma_nomem(err);
    ma_strlist argv = MA_STRLIST_INIT;
    int status = 0;
    char why[2048];
    int rc = ma_cosign_public_key_argv(s, &argv) != 0 ? ma_nomem(err) : run(&argv, envp, intr, &status, why, sizeof why, err);
    ma_strlist_free(&argv);
    if (rc == 0 && status != 0)
        rc = ma_fail(err, MA_ERR_ENV, "cannot open the signing key %s (is COSIGN_PASSWORD its password?): %s", s->key,
                     last_line(why));
    return rc;
}

/* cosign verify of every signed version of img. */
static int verify(const ma_sign_plan *s, ma_status_image *img, const char *const *envp, ma_interrupt *intr,
                  ma_error *err)
{
    for (size_t i = 0; i < img->nversions; i++) {
        ma_status_version *v = &img->versions[i];
        if (!v->is_signed)
            continue;
        char ref[2048];
        snprintf(ref, sizeof ref, "%s@%s", img->image, v->digest);
        ma_strlist argv = MA_STRLIST_INIT;
        int status = 0;
        char why[4096];
        if (ma_cosign_verify_argv(s, ref, &argv) != 0) {
            ma_strlist_free(&argv);
            return ma_nomem(err);
        }
        int rc = run(&argv, envp, intr, &status, why, sizeof why, err);
        ma_strlist_free(&argv);
        if (rc != 0)
            return -1;
        ma_cosign_verdict verdict = ma_cosign_verdict_of(status, why);
        if (verdict == MA_COSIGN_ERROR)
            return ma_fail(err, MA_ERR_ENV, "cosign verify %s: %s", ref, last_line(why));
        v->verified = verdict == MA_COSIGN_VERIFIED ? MA_SIG_VERIFIED : MA_SIG_BAD;
        if (verdict != MA_COSIGN_VERIFIED && (v->sig_error = ma_strdup(last_line(why))) == NULL)
            return ma_nomem(err);
    }
    return 0;
}

static int image_of(const ma_plan *plan, size_t i, ma_status_image *img, ma_error *err)
{
    const ma_image_plan *ip = &plan->images[i];
    if ((img->component = ma_strdup(ip->component)) == NULL || (img->image = ma_strdup(ip->image)) == NULL ||
        ma_strlist_extend(&img->want_platforms, &ip->platforms) != 0)
        return ma_nomem(err);
    if (plan->revision != NULL && strlen(plan->revision) >= 7 && plan->tag_policy.sha) /* tags.sha false: none */
        snprintf(img->head_tag, sizeof img->head_tag, "sha-%.7s", plan->revision);
    return 0;
}

static int collect(const ma_cli_options *opt, const ma_plan *plan, ma_interrupt *intr, const char *key_dir,
                   ma_status_result *out, ma_error *err)
{
    const char *const *envp = opt->spawn_envp != NULL ? opt->spawn_envp : opt->req.envp;
    ma_sign_plan sign = {0};
    char **verify_env = NULL;
    int rc = 0;
    if (out->sign_key != NULL) {
        sign = (ma_sign_plan){.enabled = 1, .key = out->sign_key, .offline = opt->req.sign_offline,
                              .allow_http = ma_registry_is_loopback(plan->req.registry)};
        rc = public_key(&sign, key_dir, envp, intr, err);
        /* cosign verify needs no password */
        if (rc == 0 && (verify_env = ma_env_edit(envp, PASSWORD_VARIABLE, NULL)) == NULL)
            rc = ma_nomem(err);
    }
    ma_regclient_opts ro = {.retries = STATUS_RETRIES, .backoff_ms = opt->backoff_ms ? (int)opt->backoff_ms
                                                                                       : STATUS_BACKOFF_MS,
                            .envp = opt->req.envp, .intr = intr};
    ma_regclient *cl = NULL;
    if (rc == 0)
        rc = ma_regclient_new(&ro, &cl, err);
    ma_status_rules rules = {&plan->tag_policy, out->sign_expected, out->sign_key, plan->req.tag_prefix};
    for (size_t i = 0; rc == 0 && i < out->nimages; i++) {
        ma_status_image *img = &out->images[i];
        unsigned long before = ma_regclient_requests(cl);
        rc = image_of(plan, i, img, err);
        if (rc == 0)
            rc = ma_status_read(cl, img, err);
        img->requests = ma_regclient_requests(cl) - before;
        if (rc == 0 && out->sign_key != NULL)
            rc = verify(&sign, img, (const char *const *)verify_env, intr, err);
        if (rc == 0 && ma_status_judge(img, &rules) != 0)
            rc = ma_nomem(err);
        out->ndrift += img->ndrift;
    }
    if (cl != NULL)
        out->requests = ma_regclient_requests(cl);
    ma_regclient_free(cl);
    ma_env_free(verify_env);
    free(sign.public_key);
    return rc;
}

int ma_status_collect(const ma_cli_options *opt, ma_status_result *out, ma_error *err)
{
    memset(out, 0, sizeof *out);
    const char *key = opt->req.sign_key;
    if (key != NULL && key[strspn(key, " ")] == '\0')
        return ma_fail(err, MA_ERR_INPUT, "empty --sign-key: give the public key (or the signing key) file, env://VAR or a KMS URI");
    ma_plan plan;
    if (plan_for(opt, &plan, err) != 0)
        return -1;
    int rc = 0;
    out->sign_expected = key != NULL;
    snprintf(out->version_prefix, sizeof out->version_prefix, "%s", plan.tag_policy.version_prefix);
    if ((key != NULL && (out->sign_key = ma_strdup(key)) == NULL) ||
        (out->images = calloc(plan.nimages ? plan.nimages : 1, sizeof *out->images)) == NULL)
        rc = ma_nomem(err);
    out->nimages = rc == 0 ? plan.nimages : 0;
    char key_dir[4096] = "";
    if (rc == 0 && key != NULL) {
        const char *tmp = ma_env_lookup(opt->req.envp, "TMPDIR");
        snprintf(key_dir, sizeof key_dir, "%s/multiarch-status.XXXXXX", tmp != NULL ? tmp : "/tmp");
        if (mkdtemp(key_dir) == NULL) {
            rc = ma_fail(err, MA_ERR_ENV, "cannot create a directory in %s: %s", tmp != NULL ? tmp : "/tmp",
                         strerror(errno));
            key_dir[0] = '\0';
        }
    }
    ma_interrupt intr;
    if (rc == 0 && ma_interrupt_install(&intr, err) == 0) {
        rc = collect(opt, &plan, &intr, key_dir, out, err);
        ma_interrupt_restore(&intr);
    } else if (rc == 0) {
        rc = -1;
    }
    if (key_dir[0] != '\0') {
        char pub[4200];
        snprintf(pub, sizeof pub, "%s/%s", key_dir, MA_COSIGN_PUBLIC_KEY_FILE);
        unlink(pub);
        rmdir(key_dir);
    }
    ma_plan_free(&plan);
    if (rc != 0)
        ma_status_result_free(out);
    return rc;
}

void ma_status_result_free(ma_status_result *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; r->images != NULL && i < r->nimages; i++)
        ma_status_image_free(&r->images[i]);
    free(r->images);
    free(r->sign_key);
    memset(r, 0, sizeof *r);
}

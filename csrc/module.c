/* The Python binding: converts Python <-> C and maps C errors to exceptions
 * in one place (raise_error).  No logic lives here. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"
#include "cli.h"
#include "buildtime.h"
#include "console.h"
#include "report.h"
#include "env.h"
#include "gitctx.h"
#include "options.h"
#include "pipeline.h"
#include "planjson.h"
#include "promoteplan.h"
#include "prunecli.h"
#include "regquery.h"
#include "statuscli.h"
#include "statusreport.h"
#include "statusrun.h"

extern char **environ;

typedef struct {
    PyObject *error;         /* multiarch.Error */
    ma_gitcache *git_cache;  /* the repository compute_tags and plan read last, kept open */
} module_state;

static module_state *state_of(PyObject *module)
{
    return (module_state *)PyModule_GetState(module);
}

/* ---- C -> Python ---- */

static PyObject *raise_error(PyObject *module, const ma_error *err)
{
    switch (err->kind) {
    case MA_ERR_INPUT:
        PyErr_SetString(PyExc_ValueError, err->msg);
        break;
    case MA_ERR_NOMEM:
        PyErr_NoMemory();
        break;
    case MA_ERR_INTERRUPTED:
        PyErr_SetString(PyExc_KeyboardInterrupt, err->msg);
        break;
    default:
        PyErr_SetString(state_of(module)->error, err->msg);
        break;
    }
    return NULL;
}

static PyObject *list_from(const ma_strlist *l)
{
    PyObject *list = PyList_New((Py_ssize_t)l->len);
    for (size_t i = 0; list != NULL && i < l->len; i++) {
        PyObject *s = PyUnicode_DecodeUTF8(l->items[i], (Py_ssize_t)strlen(l->items[i]), "surrogateescape");
        if (s == NULL) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, s);
    }
    return list;
}

/* plan() is the JSON of `--dry-run --json`, parsed: one field list (planjson.c)
 * for both, so they cannot drift.  Non-UTF-8 bytes round-trip as surrogates. */
static PyObject *plan_dict(PyObject *module, const ma_plan *plan)
{
    ma_error err = {0};
    char *text = ma_plan_json_compact(plan, &err);
    if (text == NULL)
        return raise_error(module, &err);
    PyObject *json = PyImport_ImportModule("json");
    PyObject *str = PyUnicode_DecodeUTF8(text, (Py_ssize_t)strlen(text), "surrogateescape");
    free(text);
    PyObject *result = json != NULL && str != NULL ? PyObject_CallMethod(json, "loads", "O", str) : NULL;
    Py_XDECREF(str);
    Py_XDECREF(json);
    return result;
}

/* ---- Python -> C ---- */

/* The environment as a NULL-terminated "NAME=value" array, copied while the
 * GIL is held (as _posixsubprocess does): the process environment when env is
 * None, else the mapping.  Nothing reads `environ` once the GIL is released. */
static int env_from(PyObject *env, char ***out)
{
    *out = NULL;
    if (env == NULL || env == Py_None) {
        *out = ma_env_copy((const char *const *)environ);
        if (*out == NULL)
            PyErr_NoMemory();
        return *out == NULL ? -1 : 0;
    }
    PyObject *items = PyMapping_Items(env);
    if (items == NULL)
        return -1;
    Py_ssize_t n = PyList_GET_SIZE(items);
    char **owned = calloc((size_t)n + 1, sizeof *owned);
    if (owned == NULL) {
        Py_DECREF(items);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *k, *v;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(items, i), "ss;env must map str to str", &k, &v) ||
            (owned[i] = malloc(strlen(k) + strlen(v) + 2)) == NULL) {
            if (!PyErr_Occurred())
                PyErr_NoMemory();
            Py_DECREF(items);
            ma_env_free(owned);
            return -1;
        }
        sprintf(owned[i], "%s=%s", k, v);
    }
    Py_DECREF(items);
    *out = owned;
    return 0;
}

/* jobs= and retries= take an int or its text (the angreal task passes text). */
static int count_text(PyObject *value, const char *name, PyObject **text)
{
    *text = NULL;
    if (value == NULL || value == Py_None)
        return 0;
    if (PyUnicode_Check(value)) {
        Py_INCREF(value);
        *text = value;
    } else if (PyLong_Check(value) && !PyBool_Check(value)) {
        *text = PyObject_Str(value);
    } else {
        PyErr_Format(PyExc_TypeError, "%s must be an int or a str, not %.100s", name, Py_TYPE(value)->tp_name);
    }
    return *text == NULL ? -1 : 0;
}

/* One call's arguments, parsed from the option table (options.h) into opt;
 * the Python objects the C strings point into are held until call_free. */
typedef struct {
    ma_cli_options opt;
    PyObject *texts;           /* a list holding the COUNT options' text */
    char **envp, **spawn_envp;
} call_args;

static void call_free(call_args *call)
{
    ma_env_free(call->envp);
    ma_env_free(call->spawn_envp);
    Py_XDECREF(call->texts);
}

/* Store value (not NULL, borrowed from args or kwargs) as row says. */
static int store_option(const ma_option *row, PyObject *value, const char *fname, call_args *call)
{
    char *field = (char *)&call->opt + row->offset;
    PyObject *text = NULL;
    switch (row->type) {
    case MA_OPT_TEXT:
        if (value == Py_None) {
            *(const char **)field = NULL;
            return 0;
        }
        if (!PyUnicode_Check(value)) {
            PyErr_Format(PyExc_TypeError, "%s() argument '%s' must be str or None, not %.100s", fname, row->name,
                         Py_TYPE(value)->tp_name);
            return -1;
        }
        *(const char **)field = PyUnicode_AsUTF8(value);
        return *(const char **)field == NULL ? -1 : 0;
    case MA_OPT_FLAG: {
        int truth = PyObject_IsTrue(value);
        *(int *)field = truth;
        return truth < 0 ? -1 : 0;
    }
    case MA_OPT_COUNT:
        if (count_text(value, row->name, &text) != 0)
            return -1;
        *(const char **)field = NULL;
        if (text == NULL)
            return 0;
        if (PyList_Append(call->texts, text) != 0 || (*(const char **)field = PyUnicode_AsUTF8(text)) == NULL) {
            Py_DECREF(text);
            return -1;
        }
        Py_DECREF(text);
        return 0;
    case MA_OPT_UINT: {
        unsigned long n = PyLong_Check(value) && !PyBool_Check(value) ? PyLong_AsUnsignedLong(value) : 0;
        if (!PyLong_Check(value) || PyBool_Check(value) || (n == (unsigned long)-1 && PyErr_Occurred()) ||
            n > UINT_MAX) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "%s() argument '%s' must be an int from 0 to %u", fname, row->name,
                         UINT_MAX);
            return -1;
        }
        *(unsigned *)field = (unsigned)n;
        return 0;
    }
    case MA_OPT_SWITCH:
        /* a bool as its text; any other text goes on for the C side to refuse (exit 2 from the command) */
        if (value == Py_None) {
            *(const char **)field = NULL;
            return 0;
        }
        if (PyBool_Check(value)) {
            *(const char **)field = value == Py_True ? "true" : "false";
            return 0;
        }
        if (!PyUnicode_Check(value)) {
            PyErr_Format(PyExc_TypeError, "%s() argument '%s' must be bool, str or None, not %.100s", fname,
                         row->name, Py_TYPE(value)->tp_name);
            return -1;
        }
        *(const char **)field = PyUnicode_AsUTF8(value);
        return *(const char **)field == NULL ? -1 : 0;
    case MA_OPT_ENV:
        return env_from(value, &call->envp);
    }
    return 0;
}

/* Parse args and kwargs of fname() as the rows taken `where` say: the
 * positional names first, then keywords.  TypeError as Python's own parser
 * words it for an unknown, repeated or missing argument. */
static int parse_call(PyObject *args, PyObject *kwargs, const char *fname, unsigned where,
                      const char *const *positional, size_t nrequired, call_args *call)
{
    memset(call, 0, sizeof *call);
    if ((call->texts = PyList_New(0)) == NULL)
        return -1;
    size_t npositional = 0;
    while (positional[npositional] != NULL)
        npositional++;
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    int have_env = 0;
    if ((size_t)nargs > npositional) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %zu positional arguments (%zd given)", fname, npositional,
                     nargs);
        goto fail;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) {
        const ma_option *row = ma_option_find(positional[i], where);
        if (kwargs != NULL && PyDict_GetItemString(kwargs, positional[i]) != NULL) {
            PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", fname, positional[i]);
            goto fail;
        }
        if (store_option(row, PyTuple_GET_ITEM(args, i), fname, call) != 0)
            goto fail;
    }
    for (size_t i = (size_t)nargs; i < nrequired; i++)
        if (kwargs == NULL || PyDict_GetItemString(kwargs, positional[i]) == NULL) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s' (pos %zu)", fname, positional[i],
                         i + 1);
            goto fail;
        }
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (kwargs != NULL && PyDict_Next(kwargs, &pos, &key, &value)) {
        const char *name = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : NULL;
        const ma_option *row = name != NULL ? ma_option_find(name, where) : NULL;
        if (row == NULL) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%S'", fname, key);
            goto fail;
        }
        have_env |= row->type == MA_OPT_ENV;
        if (store_option(row, value, fname, call) != 0)
            goto fail;
    }
    if (!have_env && env_from(NULL, &call->envp) != 0)
        goto fail;
    call->opt.req.envp = (const char *const *)call->envp;
    return 0;
fail:
    call_free(call);
    return -1;
}

static const char *const TAGS_POSITIONAL[] = {"tag", "repo", NULL};
static const char *const PLAN_POSITIONAL[] = {"component", "tag", "push", "platforms", "registry", "repo", NULL};
static const char *const RUN_POSITIONAL[] = {"component", "tag", "registry", "platforms", "push", "dry_run", "json",
                                             NULL};

static PyObject *py_compute_tags(PyObject *module, PyObject *args, PyObject *kwargs)
{
    call_args call;
    if (parse_call(args, kwargs, "compute_tags", MA_OPT_TAGS, TAGS_POSITIONAL, 0, &call) != 0)
        return NULL;
    ma_request *req = &call.opt.req;
    req->git_cache = state_of(module)->git_cache;
    ma_strlist tags = MA_STRLIST_INIT;
    ma_error err = {0};
    int rc = ma_pipeline_tags(req, &tags, &err);
    call_free(&call);
    PyObject *result = rc == 0 ? list_from(&tags) : raise_error(module, &err);
    ma_strlist_free(&tags);
    return result;
}

static PyObject *py_plan(PyObject *module, PyObject *args, PyObject *kwargs)
{
    call_args call;
    ma_error err = {0};
    if (parse_call(args, kwargs, "plan", MA_OPT_PLAN, PLAN_POSITIONAL, 1, &call) != 0)
        return NULL;
    ma_request *req = &call.opt.req;
    if (req->component == NULL) {
        call_free(&call);
        PyErr_SetString(PyExc_TypeError, "plan() argument 'component' must be str, not None");
        return NULL;
    }
    if (ma_request_set_mode(req, call.opt.push_by_digest, call.opt.merge, &err) != 0 ||
        ma_promote_request(req, call.opt.promote, call.opt.push_by_digest, call.opt.merge, &err) != 0) {
        call_free(&call);
        return raise_error(module, &err);
    }
    req->git_cache = state_of(module)->git_cache;
    ma_plan plan;
    int rc = ma_pipeline_plan(req, &plan, &err);
    call_free(&call);
    if (rc != 0)
        return raise_error(module, &err);
    PyObject *result = plan_dict(module, &plan);
    ma_plan_free(&plan);
    return result;
}

/* Output goes straight to the C streams; flush Python's first so order holds. */
static void flush_python_streams(void)
{
    const char *streams[] = {"stdout", "stderr"};
    for (size_t i = 0; i < 2; i++) {
        PyObject *stream = PySys_GetObject(streams[i]);
        PyObject *r = stream != NULL && stream != Py_None ? PyObject_CallMethod(stream, "flush", NULL) : NULL;
        Py_XDECREF(r);
    }
    PyErr_Clear();
}

/* A command that prints and returns its exit status (status_cli(), prune_cli()). */
static PyObject *run_main(call_args *call, int (*main_fn)(const ma_cli_options *, FILE *, FILE *))
{
    flush_python_streams();
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = main_fn(&call->opt, stdout, stderr);
    Py_END_ALLOW_THREADS
    call_free(call);
    return PyLong_FromLong(status);
}

/* cli() and publish() take the same arguments, parsed here once. */
static int cli_call_parse(PyObject *args, PyObject *kwargs, const char *name, call_args *call)
{
    if (parse_call(args, kwargs, name, MA_OPT_RUN, RUN_POSITIONAL, 1, call) != 0)
        return -1;
    if (env_from(NULL, &call->spawn_envp) != 0) {
        call_free(call);
        return -1;
    }
    call->opt.spawn_envp = (const char *const *)call->spawn_envp;
    flush_python_streams();
    return 0;
}

/* ---- publish(): the run's result as plain data ---- */

static PyObject *text_or_none(const char *s)
{
    if (s == NULL || s[0] == '\0')
        Py_RETURN_NONE;
    return PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "surrogateescape");
}

/* Set key to value in dict, taking the reference; -1 (and dict untouched) on failure. */
static int put(PyObject *dict, const char *key, PyObject *value)
{
    if (value == NULL)
        return -1;
    int rc = PyDict_SetItemString(dict, key, value);
    Py_DECREF(value);
    return rc;
}

/* "sizes": each platform's compressed size, and the change since what
 * latest named before the run (publish's images). */
static PyObject *sizes_list(const ma_image_run *run)
{
    const ma_release_size *s = &run->size;
    PyObject *list = PyList_New(0);
    for (size_t k = 0; list != NULL && k < s->now.len; k++) {
        const ma_platform_size *p = &s->now.items[k];
        const char *platform = p->platform[0] == '\0' && run->job.image->platforms.len > 0
                                   ? run->job.image->platforms.items[0] : p->platform;
        long long before = s->before_digest[0] != '\0' ? ma_image_size_of(&s->before, platform) : -1;
        PyObject *d = PyDict_New();
        if (d == NULL || put(d, "platform", text_or_none(platform)) || put(d, "digest", text_or_none(p->digest)) ||
            put(d, "bytes", PyLong_FromLongLong(p->bytes)) ||
            put(d, "before_bytes", before >= 0 ? PyLong_FromLongLong(before) : (Py_INCREF(Py_None), Py_None)) ||
            put(d, "change", before >= 0 ? PyLong_FromLongLong(p->bytes - before) : (Py_INCREF(Py_None), Py_None)) ||
            PyList_Append(list, d) != 0)
            Py_CLEAR(list);
        Py_XDECREF(d);
    }
    return list;
}

/* "before": what latest named before the run, or None. */
static PyObject *size_baseline(const ma_release_size *s)
{
    if (s->before_digest[0] == '\0')
        Py_RETURN_NONE;
    return Py_BuildValue("{s:s,s:s,s:N}", "tag", "latest", "digest", s->before_digest, "version",
                         text_or_none(s->before_version));
}

/* "build_times": each platform's step time from the build's progress; "build_note". */
static PyObject *build_times(const ma_image_run *run)
{
    ma_buildtime t;
    ma_buildtime_of(&run->build, &t);
    PyObject *list = PyList_New(0);
    for (size_t k = 0; list != NULL && k < t.len; k++) {
        PyObject *d = Py_BuildValue("{s:s,s:d,s:n,s:N,s:d}", "platform", t.items[k].platform, "seconds",
                                    t.items[k].seconds, "steps", (Py_ssize_t)t.items[k].steps, "slowest_step",
                                    text_or_none(t.items[k].slowest), "slowest_seconds", t.items[k].slowest_seconds);
        if (d == NULL || PyList_Append(list, d) != 0)
            Py_CLEAR(list);
        Py_XDECREF(d);
    }
    return list;
}

static PyObject *build_note(const ma_image_run *run)
{
    ma_buildtime t;
    char note[1536];
    ma_buildtime_of(&run->build, &t);
    return text_or_none(ma_buildtime_note(&t, note, sizeof note) ? note : NULL);
}

static PyObject *image_result(const ma_image_run *run, const char *log)
{
    const ma_job *job = &run->job;
    const ma_image_plan *ip = job->image;
    int failed = run->result == MA_RESULT_FAILED;
    char ref[2048] = "";
    if (job->digest[0] != '\0')
        snprintf(ref, sizeof ref, "%s@%s", ip->image, job->digest);
    PyObject *d = PyDict_New();
    if (d == NULL || put(d, "component", text_or_none(ip->component)) || put(d, "image", text_or_none(ip->image)) ||
        put(d, "result", text_or_none(ma_result_name(run->result))) || put(d, "digest", text_or_none(job->digest)) ||
        put(d, "ref", text_or_none(ref)) || put(d, "platforms", list_from(&ip->platforms)) ||
        put(d, "tags", list_from(&ip->tags)) || put(d, "moved", list_from(&job->moved)) ||
        put(d, "kept", list_from(&job->kept)) || put(d, "unchanged", list_from(&job->done)) ||
        put(d, "notes", list_from(&job->notes)) || put(d, "seconds", PyFloat_FromDouble(run->seconds)) ||
        put(d, "requests", PyLong_FromUnsignedLong(run->requests)) ||
        put(d, "error", text_or_none(failed ? job->error : NULL)) ||
        put(d, "failed_step", text_or_none(ma_console_failed_step(run))) || put(d, "log", text_or_none(log)) ||
        put(d, "sizes", sizes_list(run)) || put(d, "size_before", size_baseline(&run->size)) ||
        put(d, "size_error", text_or_none(run->size.error)) || put(d, "build_times", build_times(run)) ||
        put(d, "build_note", build_note(run))) {
        Py_XDECREF(d);
        return NULL;
    }
    return d;
}

static PyObject *run_result(const ma_cli_outcome *o)
{
    PyObject *images = PyList_New(0), *d = PyDict_New();
    for (size_t i = 0; images != NULL && i < o->nruns; i++) {
        PyObject *img = image_result(&o->runs[i], i < o->logs.len ? o->logs.items[i] : NULL);
        if (img == NULL || PyList_Append(images, img) != 0)
            Py_CLEAR(images);
        Py_XDECREF(img);
    }
    if (images == NULL || d == NULL || put(d, "ok", PyBool_FromLong(o->err.kind == MA_ERR_NONE)) ||
        put(d, "error", text_or_none(o->err.kind == MA_ERR_NONE ? NULL : o->err.msg)) ||
        put(d, "tags", o->has_plan ? list_from(&o->plan.tags) : PyList_New(0)) || put(d, "images", images)) {
        Py_XDECREF(d);
        return NULL;
    }
    return d;
}

/* multiarch.Error(message) with .result set. */
static PyObject *raise_with_result(PyObject *module, const char *msg, PyObject *result)
{
    PyObject *exc = PyObject_CallFunction(state_of(module)->error, "s", msg);
    if (exc != NULL && PyObject_SetAttrString(exc, "result", result) == 0)
        PyErr_SetObject(state_of(module)->error, exc);
    Py_XDECREF(exc);
    return NULL;
}

/* publish() and promote() (which is publish(promote=True)). */
static PyObject *publish_as(PyObject *module, PyObject *args, PyObject *kwargs, const char *name, int promote)
{
    call_args call;
    if (cli_call_parse(args, kwargs, name, &call) != 0)
        return NULL;
    call.opt.promote |= promote;
    ma_cli_outcome outcome;
    Py_BEGIN_ALLOW_THREADS
    ma_cli_publish(&call.opt, stdout, stderr, &outcome);
    Py_END_ALLOW_THREADS
    call_free(&call);
    PyObject *result = NULL;
    ma_error_kind kind = outcome.err.kind;
    if (kind == MA_ERR_NONE || kind == MA_ERR_BUILD || kind == MA_ERR_ENV) {
        result = run_result(&outcome);
        if (result != NULL && kind != MA_ERR_NONE) {
            raise_with_result(module, outcome.err.msg, result);
            Py_CLEAR(result);
        }
    } else {
        raise_error(module, &outcome.err);
    }
    ma_cli_outcome_free(&outcome);
    return result;
}

static PyObject *py_publish(PyObject *module, PyObject *args, PyObject *kwargs)
{
    return publish_as(module, args, kwargs, "publish", 0);
}

static PyObject *py_promote(PyObject *module, PyObject *args, PyObject *kwargs)
{
    return publish_as(module, args, kwargs, "promote", 1);
}

/* registry(): one question to a registry through the C client. */
static PyObject *py_registry(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"op", "host", "repo", "ref", "tag", "env", "retries", "retry_backoff_ms",
                             "page_size", "insecure", "certs_dir", NULL};
    const char *op = NULL, *insecure = NULL;
    PyObject *env = NULL;
    ma_regquery q = {.retries = 3, .backoff_ms = 1000};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "sss|z$zOiiizz:registry", kwlist, &op, &q.host, &q.repo,
                                     &q.ref, &q.tag, &env, &q.retries, &q.backoff_ms, &q.page_size, &insecure,
                                     &q.certs_dir))
        return NULL;
    ma_error err = {0};
    ma_strlist insecure_hosts = MA_STRLIST_INIT;
    if (ma_regquery_op(op, &q.op, &err) != 0)
        return raise_error(module, &err);
    if (insecure != NULL && ma_strlist_split(&insecure_hosts, insecure, ',') != 0)
        return PyErr_NoMemory();
    char **envp;
    if (env_from(env, &envp) != 0) {
        ma_strlist_free(&insecure_hosts);
        return NULL;
    }
    q.envp = (const char *const *)envp;
    q.insecure = &insecure_hosts;
    ma_regquery_result r;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = ma_regquery_run(&q, &r, &err);
    Py_END_ALLOW_THREADS
    ma_env_free(envp);
    ma_strlist_free(&insecure_hosts);
    PyObject *result = NULL;
    if (rc != 0)
        raise_error(module, &err);
    else
        result = Py_BuildValue("{s:O,s:s,s:s,s:y#,s:l,s:N,s:N,s:N,s:k}", "found", r.found ? Py_True : Py_False,
                               "digest", r.digest, "media_type", r.media_type != NULL ? r.media_type : "",
                               "body", r.body != NULL ? r.body : "", (Py_ssize_t)(r.body != NULL ? r.len : 0),
                               "size", r.size, "tags", list_from(&r.tags), "digests", list_from(&r.digests),
                               "steps", list_from(&r.steps),
                               "requests", r.requests);
    ma_regquery_result_free(&r);
    return result;
}

/* options() -> the table as plain data, for the angreal task and the tests. */
static PyObject *py_options(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    static const char *const types[] = {"text", "flag", "count", "uint", "switch", "env"};
    static const struct {
        unsigned bit;
        const char *name;
    } places[] = {{MA_OPT_BUILD, "multi-arch"}, {MA_OPT_MERGE, "merge"}, {MA_OPT_RUN, "cli"},
                  {MA_OPT_RUN, "publish"},      {MA_OPT_PLAN, "plan"},   {MA_OPT_TAGS, "compute_tags"},
                  {MA_OPT_STATUS, "status"},    {MA_OPT_STATUS_RUN, "status_cli"},
                  {MA_OPT_STATUS_API, "status()"}, {MA_OPT_PROMOTE, "promote"},
                  {MA_OPT_PRUNE, "prune"},      {MA_OPT_PRUNE_PY, "prune()"}};
    PyObject *rows = PyList_New(0);
    for (size_t i = 0; rows != NULL && i < ma_noptions; i++) {
        const ma_option *o = &ma_options[i];
        PyObject *commands = PyList_New(0), *row = PyDict_New();
        for (size_t k = 0; commands != NULL && k < sizeof places / sizeof places[0]; k++) {
            PyObject *name = (o->where & places[k].bit) ? PyUnicode_FromString(places[k].name) : NULL;
            if ((o->where & places[k].bit) && (name == NULL || PyList_Append(commands, name) != 0))
                Py_CLEAR(commands);
            Py_XDECREF(name);
        }
        if (row == NULL || commands == NULL || put(row, "name", text_or_none(o->name)) ||
            put(row, "flag", text_or_none(o->flag)) || put(row, "metavar", text_or_none(o->metavar)) ||
            put(row, "type", text_or_none(types[o->type])) || put(row, "default", text_or_none(o->value_default)) ||
            put(row, "help", text_or_none(o->help)) || put(row, "json_key", text_or_none(o->json_key)) ||
            put(row, "required", PyBool_FromLong((o->where & MA_OPT_REQUIRED) != 0)) ||
            put(row, "commands", (Py_INCREF(commands), commands)) || PyList_Append(rows, row) != 0)
            Py_CLEAR(rows);
        Py_XDECREF(commands);
        Py_XDECREF(row);
    }
    return rows;
}

static PyObject *py_cli(PyObject *module, PyObject *args, PyObject *kwargs)
{
    (void)module;
    call_args call;
    if (cli_call_parse(args, kwargs, "cli", &call) != 0)
        return NULL;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = ma_cli_main(&call.opt, stdout, stderr);
    Py_END_ALLOW_THREADS
    call_free(&call);
    return PyLong_FromLong(status);
}

/* status(): what is published, as plain data (the JSON `status --json` prints, parsed). */
static const char *const STATUS_POSITIONAL[] = {"component", NULL};

static PyObject *json_loads(const char *text)
{
    PyObject *json = PyImport_ImportModule("json");
    PyObject *str = PyUnicode_DecodeUTF8(text, (Py_ssize_t)strlen(text), "surrogateescape");
    PyObject *result = json != NULL && str != NULL ? PyObject_CallMethod(json, "loads", "O", str) : NULL;
    Py_XDECREF(str);
    Py_XDECREF(json);
    return result;
}

static PyObject *py_status(PyObject *module, PyObject *args, PyObject *kwargs)
{
    call_args call;
    if (parse_call(args, kwargs, "status", MA_OPT_STATUS_API, STATUS_POSITIONAL, 1, &call) != 0)
        return NULL;
    call.opt.spawn_envp = (const char *const *)call.envp; /* cosign runs in the given environment */
    ma_status_result r;
    ma_error err = {0};
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = ma_status_collect(&call.opt, &r, &err);
    Py_END_ALLOW_THREADS
    call_free(&call);
    if (rc != 0)
        return raise_error(module, &err);
    char *text = ma_status_json(&r, 0, &err);
    ma_status_result_free(&r);
    PyObject *result = text != NULL ? json_loads(text) : raise_error(module, &err);
    free(text);
    return result;
}

/* status_cli(): `angreal build status`; prints, returns the exit status. */
static PyObject *py_status_cli(PyObject *module, PyObject *args, PyObject *kwargs)
{
    (void)module;
    call_args call;
    if (parse_call(args, kwargs, "status_cli", MA_OPT_STATUS_RUN, STATUS_POSITIONAL, 1, &call) != 0)
        return NULL;
    call.opt.spawn_envp = (const char *const *)call.envp;
    return run_main(&call, ma_status_main);
}

/* ---- prune(), prune_cli(): angreal build prune ---- */

static const char *const PRUNE_POSITIONAL[] = {"component", NULL};

/* prune(): the report as plain data (the JSON of --json, parsed). */
static PyObject *py_prune(PyObject *module, PyObject *args, PyObject *kwargs)
{
    call_args call;
    if (parse_call(args, kwargs, "prune", MA_OPT_PRUNE_PY, PRUNE_POSITIONAL, 1, &call) != 0)
        return NULL;
    ma_error err = {0};
    char *json = NULL;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = ma_prune_call(&call.opt, &json, &err);
    Py_END_ALLOW_THREADS
    call_free(&call);
    PyObject *result = NULL;
    if (json != NULL) {
        result = json_loads(json);
        free(json);
    }
    if (status == 0 || (result == NULL && PyErr_Occurred()))
        return result;
    if (result != NULL && (err.kind == MA_ERR_ENV || err.kind == MA_ERR_BUILD)) {
        raise_with_result(module, err.msg, result);
        Py_DECREF(result);
        return NULL;
    }
    Py_XDECREF(result);
    return raise_error(module, &err);
}

static PyObject *py_prune_cli(PyObject *module, PyObject *args, PyObject *kwargs)
{
    (void)module;
    call_args call;
    if (parse_call(args, kwargs, "prune_cli", MA_OPT_PRUNE_PY, PRUNE_POSITIONAL, 1, &call) != 0)
        return NULL;
    return run_main(&call, ma_prune_main);
}

static PyMethodDef methods[] = {
    {"compute_tags", (PyCFunction)(void (*)(void))py_compute_tags, METH_VARARGS | METH_KEYWORDS,
     "compute_tags(tag='dev', repo=None, *, env=None, config=None, tag_prefix=None, version_prefix=None, "
     "sha_tag=None, major_zero=None, latest=None, schedule_tag=None) -> list[str]"},
    {"plan", (PyCFunction)(void (*)(void))py_plan, METH_VARARGS | METH_KEYWORDS,
     "plan(component, tag='dev', push=False, platforms=None, registry=None, repo=None, *, env=None, "
     "config=None, builder=None, run_dir=None, merge=False, push_by_digest=False, digest_dir=None, "
     "cache_from=None, cache_to=None, provenance=None, sbom=False, sign=False, sign_key=None, "
     "sign_offline=False, tag_prefix=None, version_prefix=None, sha_tag=None, major_zero=None, latest=None, "
     "schedule_tag=None) -> dict"},
    {"cli", (PyCFunction)(void (*)(void))py_cli, METH_VARARGS | METH_KEYWORDS,
     "cli(component, tag='dev', registry=None, platforms=None, push=False, dry_run=False, json=False, "
     "*, repo=None, config=None, builder=None, env=None, jobs=None, retries=None, allow_overwrite=False, "
     "username=None, retry_backoff_ms=0, merge=False, push_by_digest=False, digest_dir=None, cache_from=None, "
     "cache_to=None, progress=None, provenance=None, sbom=False, sign=False, sign_key=None, sign_offline=False, "
     "tag_prefix=None, version_prefix=None, sha_tag=None, major_zero=None, latest=None, schedule_tag=None) "
     "-> int: run `build multi-arch` (or `build merge` with merge=True), return the "
     "exit status"},
    {"publish", (PyCFunction)(void (*)(void))py_publish, METH_VARARGS | METH_KEYWORDS,
     "publish(component, ...) -> dict: run as cli() does (the same options) and return the result as plain data; "
     "raises ValueError for bad input, multiarch.Error (with .result) when an image failed, KeyboardInterrupt on "
     "Ctrl-C"},
    {"promote", (PyCFunction)(void (*)(void))py_promote, METH_VARARGS | METH_KEYWORDS,
     "promote(component, tag, *, from_, from_registry=None, ...) -> dict: `build promote`: put a tested image's "
     "index (from_: its sha- tag or @sha256:<digest>), its bytes unchanged, under the release's tags, with the "
     "publish's guards and order; nothing is built.  The options and the result are publish()'s"},
    {"registry", (PyCFunction)(void (*)(void))py_registry, METH_VARARGS | METH_KEYWORDS,
     "registry(op, host, repo, ref=None, *, tag=None, env=None, retries=3, retry_backoff_ms=1000, page_size=0, "
     "insecure=None, certs_dir=None) -> dict: one question to a registry through the C client: op 'head' or "
     "'get' (a manifest by tag or digest), 'heads' (the digests of several comma-separated refs, read "
     "side by side), 'tags' (every tag, paged), 'blob' (HEAD a blob), 'tag' (point tag at "
     "what ref names); the answer with the steps made and the requests sent"},
    {"status", (PyCFunction)(void (*)(void))py_status, METH_VARARGS | METH_KEYWORDS,
     "status(component, registry=None, config=None, sign_key=None, sign_offline=False, repo=None, env=None) -> dict\n"
     "What is published: versions, aliases, HEAD's sha- tag, sizes, signatures and drift (as `status --json`)."},
    {"status_cli", (PyCFunction)(void (*)(void))py_status_cli, METH_VARARGS | METH_KEYWORDS,
     "status_cli(component, ..., json=False, check=False) -> int\n"
     "`angreal build status`: print the status and return the exit status (1 with check=True when there is drift)."},
    {"prune", (PyCFunction)(void (*)(void))py_prune, METH_VARARGS | METH_KEYWORDS,
     "prune(component, *, pr=None, untagged=False, keep_sha=None, yes=False, json=False, api=None, registry=None, "
     "config=None, retries=None, repo=None, env=None, retry_backoff_ms=0) -> dict: `angreal build prune` for "
     "programs: the report (what is kept and why, what goes, bytes freed); deletes only with yes=True; raises "
     "ValueError for bad input, multiarch.Error (with .result) when a repository could not be read or pruned"},
    {"prune_cli", (PyCFunction)(void (*)(void))py_prune_cli, METH_VARARGS | METH_KEYWORDS,
     "prune_cli(component, ...) -> int: run `angreal build prune` (the same options as prune()), print its report "
     "and return the exit status"},
    {"options", py_options, METH_NOARGS,
     "options() -> list[dict]: every option, one row each (name, flag, metavar, type, default, help, json_key, "
     "required, commands), as the binding parses them and the angreal task declares them"},
    {NULL, NULL, 0, NULL},
};

static int module_exec(PyObject *module)
{
    module_state *st = state_of(module);
    ma_gitctx_library_hold();
    ma_error err = {0};
    if (ma_gitcache_new(&st->git_cache, &err) != 0) {
        PyErr_NoMemory();
        return -1;
    }
    st->error = PyErr_NewExceptionWithDoc("multiarch.Error",
                                          "The environment failed: not a git repository, an unreadable "
                                          "config, docker missing, a build or push that failed.",
                                          NULL, NULL);
    if (st->error == NULL || PyModule_AddObjectRef(module, "Error", st->error) != 0)
        return -1;
    if (PyModule_AddStringConstant(module, "__version__", MA_VERSION) != 0)
        return -1;
    return PyModule_AddStringConstant(module, "DEFAULT_TAG", MA_DEFAULT_TAG);
}

static int module_traverse(PyObject *module, visitproc visit, void *arg)
{
    Py_VISIT(state_of(module)->error);
    return 0;
}

static int module_clear(PyObject *module)
{
    Py_CLEAR(state_of(module)->error);
    return 0;
}

static void module_free(void *module)
{
    module_clear((PyObject *)module);
    ma_gitcache_free(state_of((PyObject *)module)->git_cache);
    state_of((PyObject *)module)->git_cache = NULL;
    ma_gitctx_library_release();
}

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, module_exec},
    {0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT,
    .m_name = "multiarch",
    .m_doc = "Tags, build plans and buildx runs for multi-architecture container images.",
    .m_size = sizeof(module_state),
    .m_methods = methods,
    .m_slots = slots,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

PyMODINIT_FUNC PyInit_multiarch(void)
{
    return PyModuleDef_Init(&moduledef);
}

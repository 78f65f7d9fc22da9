/* The Python binding: converts Python <-> C and maps C errors to exceptions
 * in one place (raise_error).  No logic lives here. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdlib.h>
#include <string.h>

#include "version.h"
#include "cli.h"
#include "console.h"
#include "report.h"
#include "env.h"
#include "gitctx.h"
#include "pipeline.h"
#include "planjson.h"

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

static PyObject *py_compute_tags(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"tag", "repo", "env", "config", NULL};
    ma_request req = {0};
    PyObject *env = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|zz$Oz:compute_tags", kwlist, &req.tag,
                                     &req.project_dir, &env, &req.config_path))
        return NULL;
    char **envp;
    if (env_from(env, &envp) != 0)
        return NULL;
    req.envp = (const char *const *)envp;
    req.git_cache = state_of(module)->git_cache;
    ma_strlist tags = MA_STRLIST_INIT;
    ma_error err = {0};
    int rc = ma_pipeline_tags(&req, &tags, &err);
    ma_env_free(envp);
    PyObject *result = rc == 0 ? list_from(&tags) : raise_error(module, &err);
    ma_strlist_free(&tags);
    return result;
}

static PyObject *py_plan(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"component", "tag",        "push",           "platforms", "registry",
                             "repo",      "env",        "config",         "builder",   "run_dir",
                             "merge",     "push_by_digest", "digest_dir", "cache_from", "cache_to",
                             "provenance", "sbom", "sign", "sign_key", "sign_offline", NULL};
    ma_request req = {0};
    PyObject *env = NULL;
    int merge = 0, push_by_digest = 0;
    ma_error err = {0};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s|zpzzz$Ozzzppzzzzppzp:plan", kwlist, &req.component, &req.tag,
                                     &req.push, &req.platforms, &req.registry, &req.project_dir, &env,
                                     &req.config_path, &req.builder, &req.run_dir, &merge, &push_by_digest,
                                     &req.digest_dir, &req.cache_from, &req.cache_to, &req.provenance, &req.sbom,
                                     &req.sign, &req.sign_key, &req.sign_offline))
        return NULL;
    if (ma_request_set_mode(&req, push_by_digest, merge, &err) != 0)
        return raise_error(module, &err);
    char **envp;
    if (env_from(env, &envp) != 0)
        return NULL;
    req.envp = (const char *const *)envp;
    req.git_cache = state_of(module)->git_cache;
    ma_plan plan;
    int rc = ma_pipeline_plan(&req, &plan, &err);
    ma_env_free(envp);
    if (rc != 0)
        return raise_error(module, &err);
    PyObject *result = plan_dict(module, &plan);
    ma_plan_free(&plan);
    return result;
}

/* cli() and publish() take the same arguments, parsed here once. */
typedef struct {
    ma_cli_options opt;
    PyObject *jobs_text, *retries_text;
    char **envp, **spawn_envp;
} cli_call;

static void cli_call_free(cli_call *call)
{
    ma_env_free(call->envp);
    ma_env_free(call->spawn_envp);
    Py_XDECREF(call->jobs_text);
    Py_XDECREF(call->retries_text);
}

static int cli_call_parse(PyObject *args, PyObject *kwargs, const char *name, cli_call *call)
{
    static char *kwlist[] = {"component", "tag",     "registry", "platforms", "push",
                             "dry_run",   "json",    "repo",     "config",    "builder",
                             "env",       "jobs",    "retries",  "allow_overwrite", "username",
                             "retry_backoff_ms", "merge", "push_by_digest", "digest_dir", "cache_from",
                             "cache_to", "progress", "provenance", "sbom", "sign", "sign_key", "sign_offline", NULL};
    char format[64];
    snprintf(format, sizeof format, "z|zzzppp$zzzOOOpzIppzzzzzppzp:%s", name);
    memset(call, 0, sizeof *call);
    ma_cli_options *opt = &call->opt;
    PyObject *env = NULL, *jobs = NULL, *retries = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, format, kwlist, &opt->req.component,
                                     &opt->req.tag, &opt->req.registry, &opt->req.platforms, &opt->req.push,
                                     &opt->dry_run, &opt->json, &opt->req.project_dir, &opt->req.config_path,
                                     &opt->req.builder, &env, &jobs, &retries, &opt->allow_overwrite,
                                     &opt->username, &opt->backoff_ms, &opt->merge, &opt->push_by_digest,
                                     &opt->req.digest_dir, &opt->req.cache_from, &opt->req.cache_to,
                                     &opt->progress, &opt->req.provenance, &opt->req.sbom, &opt->req.sign,
                                     &opt->req.sign_key, &opt->req.sign_offline))
        return -1;
    if (count_text(jobs, "jobs", &call->jobs_text) != 0 || count_text(retries, "retries", &call->retries_text) != 0 ||
        (call->jobs_text != NULL && (opt->jobs = PyUnicode_AsUTF8(call->jobs_text)) == NULL) ||
        (call->retries_text != NULL && (opt->retries = PyUnicode_AsUTF8(call->retries_text)) == NULL) ||
        env_from(env, &call->envp) != 0 || env_from(NULL, &call->spawn_envp) != 0) {
        cli_call_free(call);
        return -1;
    }
    opt->req.envp = (const char *const *)call->envp;
    opt->spawn_envp = (const char *const *)call->spawn_envp;
    /* Output goes straight to the C streams; flush Python's first so order holds. */
    const char *streams[] = {"stdout", "stderr"};
    for (size_t i = 0; i < 2; i++) {
        PyObject *stream = PySys_GetObject(streams[i]);
        PyObject *r = stream != NULL && stream != Py_None ? PyObject_CallMethod(stream, "flush", NULL) : NULL;
        Py_XDECREF(r);
    }
    PyErr_Clear();
    return 0;
}

static PyObject *py_cli(PyObject *module, PyObject *args, PyObject *kwargs)
{
    (void)module;
    cli_call call;
    if (cli_call_parse(args, kwargs, "cli", &call) != 0)
        return NULL;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = ma_cli_main(&call.opt, stdout, stderr);
    Py_END_ALLOW_THREADS
    cli_call_free(&call);
    return PyLong_FromLong(status);
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
        put(d, "error", text_or_none(failed ? job->error : NULL)) ||
        put(d, "failed_step", text_or_none(ma_console_failed_step(run))) || put(d, "log", text_or_none(log))) {
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

static PyObject *py_publish(PyObject *module, PyObject *args, PyObject *kwargs)
{
    cli_call call;
    if (cli_call_parse(args, kwargs, "publish", &call) != 0)
        return NULL;
    ma_cli_outcome outcome;
    Py_BEGIN_ALLOW_THREADS
    ma_cli_publish(&call.opt, stdout, stderr, &outcome);
    Py_END_ALLOW_THREADS
    cli_call_free(&call);
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

static PyMethodDef methods[] = {
    {"compute_tags", (PyCFunction)(void (*)(void))py_compute_tags, METH_VARARGS | METH_KEYWORDS,
     "compute_tags(tag='dev', repo=None, *, env=None, config=None) -> list[str]"},
    {"plan", (PyCFunction)(void (*)(void))py_plan, METH_VARARGS | METH_KEYWORDS,
     "plan(component, tag='dev', push=False, platforms=None, registry=None, repo=None, *, env=None, "
     "config=None, builder=None, run_dir=None, merge=False, push_by_digest=False, digest_dir=None, "
     "cache_from=None, cache_to=None, provenance=None, sbom=False, sign=False, sign_key=None, "
     "sign_offline=False) -> dict"},
    {"cli", (PyCFunction)(void (*)(void))py_cli, METH_VARARGS | METH_KEYWORDS,
     "cli(component, tag='dev', registry=None, platforms=None, push=False, dry_run=False, json=False, "
     "*, repo=None, config=None, builder=None, env=None, jobs=None, retries=None, allow_overwrite=False, "
     "username=None, retry_backoff_ms=0, merge=False, push_by_digest=False, digest_dir=None, cache_from=None, "
     "cache_to=None, progress=None, provenance=None, sbom=False, sign=False, sign_key=None, sign_offline=False) "
     "-> int: run `build multi-arch` (or `build merge` with merge=True), return the "
     "exit status"},
    {"publish", (PyCFunction)(void (*)(void))py_publish, METH_VARARGS | METH_KEYWORDS,
     "publish(component, ...) -> dict: run as cli() does (the same options) and return the result as plain data; "
     "raises ValueError for bad input, multiarch.Error (with .result) when an image failed, KeyboardInterrupt on "
     "Ctrl-C"},
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

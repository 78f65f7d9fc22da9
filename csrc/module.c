/* The Python binding: converts Python <-> C and maps C errors to exceptions
 * in one place (raise_error).  No logic lives here. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gitctx.h"
#include "pipeline.h"

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

/* Set d[key] = value, consuming value; 0 on success. */
static int put(PyObject *d, const char *key, PyObject *value)
{
    if (value == NULL)
        return -1;
    int rc = PyDict_SetItemString(d, key, value);
    Py_DECREF(value);
    return rc;
}

static PyObject *str_or_none(const char *s)
{
    if (s == NULL)
        Py_RETURN_NONE;
    return PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "surrogateescape");
}

static PyObject *promote_list(const ma_image_plan *ip)
{
    PyObject *steps = PyList_New(0);
    const ma_strlist *argvs[] = {&ip->promote_immutable_argv, &ip->promote_mutable_argv};
    for (size_t i = 0; steps != NULL && i < 2; i++) {
        if (argvs[i]->len == 0)
            continue;
        PyObject *argv = list_from(argvs[i]);
        if (argv == NULL || PyList_Append(steps, argv) != 0)
            Py_CLEAR(steps);
        Py_XDECREF(argv);
    }
    return steps;
}

/* Same keys as planjson.c: `plan()` equals the JSON of `--dry-run --json`. */
static PyObject *image_dict(const ma_image_plan *ip)
{
    PyObject *d = PyDict_New();
    if (d == NULL || put(d, "component", str_or_none(ip->component)) || put(d, "image", str_or_none(ip->image)) ||
        put(d, "dockerfile", str_or_none(ip->dockerfile)) || put(d, "context", str_or_none(ip->context)) ||
        put(d, "platforms", list_from(&ip->platforms)) || put(d, "tags", list_from(&ip->tags)) ||
        put(d, "refs", list_from(&ip->refs)) || put(d, "immutable_tags", list_from(&ip->immutable_tags)) ||
        put(d, "mutable_tags", list_from(&ip->mutable_tags)) ||
        put(d, "metadata_file", str_or_none(ip->metadata_file)) ||
        put(d, "digest_file", str_or_none(ip->digest_file)) || put(d, "labels", list_from(&ip->labels)) ||
        put(d, "sources", list_from(&ip->sources)) ||
        put(d, "command", list_from(&ip->build_argv)) || put(d, "promote", promote_list(ip))) {
        Py_XDECREF(d);
        return NULL;
    }
    return d;
}

static PyObject *plan_dict(const ma_plan *plan)
{
    PyObject *d = PyDict_New(), *images = PyList_New(0);
    if (d == NULL || images == NULL || put(d, "push", PyBool_FromLong(plan->push)) ||
        put(d, "mode", str_or_none(ma_plan_mode_name(plan->mode))) || put(d, "revision", str_or_none(plan->revision)) ||
        put(d, "digest_dir", str_or_none(plan->digest_dir)) ||
        put(d, "registry", str_or_none(plan->registry)) || put(d, "builder", str_or_none(plan->builder)) ||
        put(d, "workdir", str_or_none(plan->workdir)) || put(d, "config", str_or_none(plan->config)) ||
        put(d, "tags", list_from(&plan->tags)))
        goto error;
    for (size_t i = 0; i < plan->nimages; i++) {
        PyObject *img = image_dict(&plan->images[i]);
        if (img == NULL || PyList_Append(images, img) != 0) {
            Py_XDECREF(img);
            goto error;
        }
        Py_DECREF(img);
    }
    if (PyDict_SetItemString(d, "images", images) != 0)
        goto error;
    Py_DECREF(images);
    return d;
error:
    Py_XDECREF(images);
    Py_XDECREF(d);
    return NULL;
}

/* ---- Python -> C ---- */

/* The environment as a NULL-terminated "NAME=value" array: os.environ's C
 * counterpart when env is None, else a copy of the mapping (freed by env_free). */
typedef struct {
    char **owned;
    const char *const *envp;
} env_array;

static void env_free(env_array *e)
{
    if (e->owned != NULL)
        for (char **p = e->owned; *p != NULL; p++)
            free(*p);
    free(e->owned);
}

static int env_from(PyObject *env, env_array *out)
{
    out->owned = NULL;
    out->envp = (const char *const *)environ;
    if (env == NULL || env == Py_None)
        return 0;
    PyObject *items = PyMapping_Items(env);
    if (items == NULL)
        return -1;
    Py_ssize_t n = PyList_GET_SIZE(items);
    out->owned = calloc((size_t)n + 1, sizeof *out->owned);
    if (out->owned == NULL) {
        Py_DECREF(items);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *k, *v;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(items, i), "ss;env must map str to str", &k, &v) ||
            (out->owned[i] = malloc(strlen(k) + strlen(v) + 2)) == NULL) {
            if (!PyErr_Occurred())
                PyErr_NoMemory();
            Py_DECREF(items);
            env_free(out);
            return -1;
        }
        sprintf(out->owned[i], "%s=%s", k, v);
    }
    Py_DECREF(items);
    out->envp = (const char *const *)out->owned;
    return 0;
}

static PyObject *py_compute_tags(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"tag", "repo", "env", "config", NULL};
    ma_request req = {0};
    PyObject *env = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|zz$Oz:compute_tags", kwlist, &req.tag,
                                     &req.project_dir, &env, &req.config_path))
        return NULL;
    env_array e;
    if (env_from(env, &e) != 0)
        return NULL;
    req.envp = e.envp;
    req.git_cache = state_of(module)->git_cache;
    ma_strlist tags = MA_STRLIST_INIT;
    ma_error err = {0};
    int rc = ma_pipeline_tags(&req, &tags, &err);
    env_free(&e);
    PyObject *result = rc == 0 ? list_from(&tags) : raise_error(module, &err);
    ma_strlist_free(&tags);
    return result;
}

static PyObject *py_plan(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"component", "tag",        "push",           "platforms", "registry",
                             "repo",      "env",        "config",         "builder",   "run_dir",
                             "merge",     "push_by_digest", "digest_dir", "cache_from", "cache_to", NULL};
    ma_request req = {0};
    PyObject *env = NULL;
    int merge = 0, push_by_digest = 0;
    ma_error err = {0};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s|zpzzz$Ozzzppzzz:plan", kwlist, &req.component, &req.tag,
                                     &req.push, &req.platforms, &req.registry, &req.project_dir, &env,
                                     &req.config_path, &req.builder, &req.run_dir, &merge, &push_by_digest,
                                     &req.digest_dir, &req.cache_from, &req.cache_to))
        return NULL;
    if (ma_request_set_mode(&req, push_by_digest, merge, &err) != 0)
        return raise_error(module, &err);
    env_array e;
    if (env_from(env, &e) != 0)
        return NULL;
    req.envp = e.envp;
    req.git_cache = state_of(module)->git_cache;
    ma_plan plan;
    int rc = ma_pipeline_plan(&req, &plan, &err);
    env_free(&e);
    if (rc != 0)
        return raise_error(module, &err);
    PyObject *result = plan_dict(&plan);
    ma_plan_free(&plan);
    return result;
}

static PyObject *py_cli(PyObject *module, PyObject *args, PyObject *kwargs)
{
    (void)module;
    static char *kwlist[] = {"component", "tag",     "registry", "platforms", "push",
                             "dry_run",   "json",    "repo",     "config",    "builder",
                             "env",       "jobs",    "retries",  "allow_overwrite", "username",
                             "retry_backoff_ms", "merge", "push_by_digest", "digest_dir", "cache_from",
                             "cache_to", NULL};
    ma_cli_options opt = {0};
    PyObject *env = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "z|zzzppp$zzzOzzpzIppzzz:cli", kwlist, &opt.req.component,
                                     &opt.req.tag, &opt.req.registry, &opt.req.platforms, &opt.req.push,
                                     &opt.dry_run, &opt.json, &opt.req.project_dir, &opt.req.config_path,
                                     &opt.req.builder, &env, &opt.jobs, &opt.retries, &opt.allow_overwrite,
                                     &opt.username, &opt.backoff_ms, &opt.merge, &opt.push_by_digest,
                                     &opt.req.digest_dir, &opt.req.cache_from, &opt.req.cache_to))
        return NULL;
    env_array e;
    if (env_from(env, &e) != 0)
        return NULL;
    opt.req.envp = e.envp;
    int status;
    /* Output goes straight to the C streams; flush Python's first so order holds. */
    const char *streams[] = {"stdout", "stderr"};
    for (size_t i = 0; i < 2; i++) {
        PyObject *stream = PySys_GetObject(streams[i]);
        PyObject *r = stream != NULL && stream != Py_None ? PyObject_CallMethod(stream, "flush", NULL) : NULL;
        Py_XDECREF(r);
    }
    PyErr_Clear();
    Py_BEGIN_ALLOW_THREADS
    status = ma_cli_main(&opt, stdout, stderr);
    Py_END_ALLOW_THREADS
    env_free(&e);
    return PyLong_FromLong(status);
}

static PyMethodDef methods[] = {
    {"compute_tags", (PyCFunction)(void (*)(void))py_compute_tags, METH_VARARGS | METH_KEYWORDS,
     "compute_tags(tag='dev', repo=None, *, env=None, config=None) -> list[str]"},
    {"plan", (PyCFunction)(void (*)(void))py_plan, METH_VARARGS | METH_KEYWORDS,
     "plan(component, tag='dev', push=False, platforms=None, registry=None, repo=None, *, env=None, "
     "config=None, builder=None, run_dir=None, merge=False, push_by_digest=False, digest_dir=None, "
     "cache_from=None, cache_to=None) -> dict"},
    {"cli", (PyCFunction)(void (*)(void))py_cli, METH_VARARGS | METH_KEYWORDS,
     "cli(component, tag='dev', registry=None, platforms=None, push=False, dry_run=False, json=False, "
     "*, repo=None, config=None, builder=None, env=None, jobs=None, retries=None, allow_overwrite=False, "
     "username=None, retry_backoff_ms=0, merge=False, push_by_digest=False, digest_dir=None, cache_from=None, "
     "cache_to=None) -> int: run `build multi-arch` (or `build merge` with merge=True), return the exit status"},
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

/* The project's image configuration: which components exist, their Dockerfiles
 * and image names, and the defaults.  With no config file the Brokkr defaults
 * hold; a project overrides them in multiarch.json at its root (read with cJSON). */
#ifndef MA_CONFIG_H
#define MA_CONFIG_H

#include <stddef.h>

#include "error.h"
#include "strlist.h"

#define MA_CONFIG_FILE "multiarch.json"

typedef struct {
    char *name;            /* "broker" */
    char *dockerfile;      /* "docker/Dockerfile.broker", relative to the project directory */
    char *image;           /* "brokkr-broker": the repository under the registry */
    char *context;         /* build context, relative to the project directory */
    char *target;          /* build stage, or NULL for the last one */
    ma_strlist build_args; /* "NAME=value" */
    char *description;     /* the description annotation, or NULL */
    char *licenses;        /* SPDX expression for the licenses annotation, or NULL */
    char *tag_prefix;      /* its release tags are <tag_prefix>v<semver> (a monorepo), or NULL: the config's */
} ma_component;

typedef struct {
    char *registry;            /* "ghcr.io/colliery-io" */
    char *builder;             /* buildx builder name: "brokkr-builder" */
    char *tag_prefix;          /* "tag_prefix": release tags are <tag_prefix>v<semver>, or NULL: v<semver> */
    ma_strlist push_platforms; /* platforms for --push without --platforms */
    ma_component *components;  /* in the order `all` builds them */
    size_t ncomponents;
    char *source;              /* the file read, or NULL for the built-in defaults */
} ma_config;

/* The built-in Brokkr configuration: broker, agent, ui. */
int ma_config_defaults(ma_config *out, ma_error *err);

/* Parse config JSON text (pure); `origin` names it in error messages.  Keys
 * absent from the text keep the built-in defaults; unknown keys are refused
 * so a typo never silently falls back to a default. */
int ma_config_parse(const char *json, const char *origin, ma_config *out, ma_error *err);

/* Read `explicit_path` when given (it must exist), else <project_dir>/multiarch.json
 * when it exists, else the defaults.  Errors are MA_ERR_ENV. */
int ma_config_load(const char *project_dir, const char *explicit_path, ma_config *out,
                   ma_error *err);

const ma_component *ma_config_find(const ma_config *cfg, const char *name);

/* The tag prefix of a component (its own, else the config's; NULL: none). */
const char *ma_config_tag_prefix(const ma_config *cfg, const char *component);

void ma_config_free(ma_config *cfg);

#endif

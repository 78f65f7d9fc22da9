/* Running a docker credential helper (`docker-credential-<name> get`, the
 * server's key on stdin, the answer as JSON on stdout) through the process
 * layer.  Its output is a secret: it is parsed, never logged or quoted. */
#ifndef MA_CREDHELPER_H
#define MA_CREDHELPER_H
#include "dockercfg.h"
#include "error.h"
#include "interrupt.h"

/* 0 with *out filled, or left empty when the helper has no credentials for
 * server (docker's "credentials not found" answer); -1 with MA_ERR_ENV when
 * the helper is missing or fails, MA_ERR_INTERRUPTED, MA_ERR_NOMEM.  envp:
 * the helper's environment (and PATH to find it). */
int ma_credhelper_get(const char *helper, const char *server, const char *const *envp, ma_interrupt *intr,
                      ma_cred *out, ma_error *err);
#endif

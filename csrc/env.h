/* Environment blocks: NULL-terminated arrays of "NAME=value", handed in by
 * the caller (the binding copies the process environment while it holds the
 * GIL), so nothing below reads the global `environ` behind Python's back. */
#ifndef MA_ENV_H
#define MA_ENV_H

/* The value of name in envp, or NULL.  Empty values count as unset. */
const char *ma_env_lookup(const char *const *envp, const char *name);

/* A deep copy of envp (malloc'd strings and array), or NULL when out of memory. */
char **ma_env_copy(const char *const *envp);

/* A copy of envp without the variable `drop` (NULL: none), with the entry
 * `add` ("NAME=value", NULL: none) at its end; NULL when out of memory. */
char **ma_env_edit(const char *const *envp, const char *drop, const char *add);

/* Free a copy from ma_env_copy; NULL is fine. */
void ma_env_free(char **env);

#endif

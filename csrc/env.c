#include "env.h"

#include <stdlib.h>
#include <string.h>

const char *ma_env_lookup(const char *const *envp, const char *name)
{
    if (envp == NULL)
        return NULL;
    size_t n = strlen(name);
    for (const char *const *e = envp; *e != NULL; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return (*e)[n + 1] != '\0' ? *e + n + 1 : NULL;
    return NULL;
}

char **ma_env_copy(const char *const *envp)
{
    size_t n = 0;
    while (envp != NULL && envp[n] != NULL)
        n++;
    char **copy = calloc(n + 1, sizeof *copy);
    for (size_t i = 0; copy != NULL && i < n; i++)
        if ((copy[i] = strdup(envp[i])) == NULL) {
            ma_env_free(copy);
            return NULL;
        }
    return copy;
}

char **ma_env_edit(const char *const *envp, const char *drop, const char *add)
{
    size_t n = 0, k = 0, dn = drop != NULL ? strlen(drop) : 0;
    while (envp != NULL && envp[n] != NULL)
        n++;
    char **copy = calloc(n + 2, sizeof *copy);
    for (size_t i = 0; copy != NULL && i < n; i++) {
        if (drop != NULL && strncmp(envp[i], drop, dn) == 0 && envp[i][dn] == '=')
            continue;
        if ((copy[k++] = strdup(envp[i])) == NULL) {
            ma_env_free(copy);
            return NULL;
        }
    }
    if (copy != NULL && add != NULL && (copy[k] = strdup(add)) == NULL) {
        ma_env_free(copy);
        return NULL;
    }
    return copy;
}

void ma_env_free(char **env)
{
    for (char **p = env; p != NULL && *p != NULL; p++)
        free(*p);
    free(env);
}

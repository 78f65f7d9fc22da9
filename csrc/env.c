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

void ma_env_free(char **env)
{
    for (char **p = env; p != NULL && *p != NULL; p++)
        free(*p);
    free(env);
}

/* TLS as docker sets it up per registry: /etc/docker/certs.d/<host[:port]>/
 * holds extra CAs (`*.crt`) and a client certificate (`*.cert` with the
 * `*.key` of the same name), used on top of the system CAs.  And which hosts
 * may be spoken to over plain HTTP: loopback ones (as buildx allows) and
 * those the user names as insecure. */
#ifndef MA_CERTSD_H
#define MA_CERTSD_H
#include <stddef.h>
#include "error.h"
#include "strlist.h"

#define MA_CERTSD_ROOT "/etc/docker/certs.d"

typedef struct {
    char *ca_pem;        /* every *.crt, concatenated (NULL: none) */
    size_t ca_pem_len;
    char *client_cert;   /* path of the client certificate (NULL: none) */
    char *client_key;    /* path of its key */
} ma_certsd;

#define MA_CERTSD_INIT {NULL, 0, NULL, NULL}

/* Read root/<host>/ (root NULL: MA_CERTSD_ROOT).  A missing directory is
 * fine (out stays empty); -1 with MA_ERR_ENV when a file cannot be read or a
 * *.cert has no *.key, MA_ERR_NOMEM. */
int ma_certsd_load(const char *root, const char *host, ma_certsd *out, ma_error *err);
void ma_certsd_free(ma_certsd *c);

/* 1 when host[:port] is localhost, 127.0.0.0/8 or [::1]. Pure. */
int ma_host_is_loopback(const char *host);
/* 1 when plain HTTP may be tried for host: loopback, or named in insecure
 * (entries "host[:port]"; an entry without a port matches every port). Pure. */
int ma_host_allows_http(const char *host, const ma_strlist *insecure);
#endif

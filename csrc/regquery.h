/* One registry question asked on its own (multiarch.registry()): what a tag
 * names (or what several do, read side by side), a manifest's bytes, a
 * repository's tags, whether a blob is there, or a tag pointed where another
 * reference points.  A client for just this
 * call, its steps written as the lines a log shows. */
#ifndef MA_REGQUERY_H
#define MA_REGQUERY_H
#include <stddef.h>
#include "error.h"
#include "regclient.h"
#include "sha256.h"
#include "strlist.h"

typedef enum { MA_REGQ_HEAD, MA_REGQ_GET, MA_REGQ_HEADS, MA_REGQ_TAGS, MA_REGQ_BLOB, MA_REGQ_TAG } ma_regq_op;

typedef struct {
    ma_regq_op op;
    const char *host;
    const char *repo;
    const char *ref;            /* HEAD/GET/TAG: a tag or digest; BLOB: a digest; HEADS: several, comma-separated */
    const char *tag;            /* TAG: the tag to point at ref */
    int page_size;              /* TAGS: n= per page (0: the registry's default) */
    int retries;
    int backoff_ms;
    const ma_strlist *insecure;
    const char *certs_dir;      /* NULL: /etc/docker/certs.d */
    const char *const *envp;
} ma_regquery;

typedef struct {
    int found;
    char digest[MA_DIGEST_MAX];
    char *media_type;
    char *body;
    size_t len;
    long size;
    ma_strlist tags;
    ma_strlist digests;         /* HEADS: what each ref names, in order ("" when absent) */
    ma_strlist steps;           /* "GET host/repo:ref", "PUT host/repo:tag ← sha256:..." */
    unsigned long requests;     /* HTTP requests sent, pings, tokens and retries included */
} ma_regquery_result;

/* parse "head"/"get"/"heads"/"tags"/"blob"/"tag"; -1 with MA_ERR_INPUT otherwise */
int ma_regquery_op(const char *name, ma_regq_op *op, ma_error *err);
/* Ask.  0 with *out filled; -1 with err (MA_ERR_INPUT for a missing
 * argument), out still holding the steps made. */
int ma_regquery_run(const ma_regquery *q, ma_regquery_result *out, ma_error *err);
void ma_regquery_result_free(ma_regquery_result *r);
#endif

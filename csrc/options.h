/* Every option of the commands and Python entry points, one row each (as
 * git's parse-options.h OPT_* rows or curl's aliases[] table): the binding
 * parses the keywords of cli(), publish(), plan() and compute_tags() from it,
 * the angreal task declares `build multi-arch` and `build merge` from it
 * (multiarch.options()), and a test holds the README, the stubs and --help
 * to it.  Adding an option: a row here, the code that uses it, a test, the
 * README. */
#ifndef MA_OPTIONS_H
#define MA_OPTIONS_H

#include <stddef.h>

#include "request.h"

/* What the rows fill for one call: the request, and the options of the run
 * itself (cli.c reads them). */
typedef struct {
    ma_request req;
    int merge;               /* `angreal build merge`: tag an index of the recorded digests */
    int push_by_digest;      /* --push-by-digest: one platform, no tags, record in --digest-dir */
    int dry_run;             /* print the plan, run nothing */
    int json;                /* with dry_run: stdout is exactly the plan as JSON */
    const char *jobs;        /* --jobs: commands at once (NULL: 3) */
    const char *retries;     /* --retries: transient registry failures retried (NULL: 3) */
    int allow_overwrite;     /* --allow-overwrite: replace an immutable tag at another digest */
    const char *username;    /* --username for docker login (NULL: GITHUB_ACTOR) */
    unsigned backoff_ms;     /* first retry delay (0: 1000) */
    const char *const *spawn_envp; /* the environment docker runs in: a copy the binding made while it
                                    * held the GIL (NULL: `environ`, for callers with no other threads) */
    const char *progress;    /* --progress auto|tty|plain (NULL: auto), see console.h */
    int check;               /* status --check: exit 1 when there is drift */
    int force_move;          /* --force-move: move branch and pr-N tags even backwards */
    int promote;             /* `angreal build promote`: a published index under a release's tags */
    /* angreal build prune (prunecli.h) */
    const char *prune_pr;    /* --pr N: let pr-N go */
    int prune_untagged;      /* --untagged */
    const char *keep_sha;    /* --keep-sha N */
    int yes;                 /* --yes: delete (else report only) */
    const char *api;         /* --api auto|oci|github (NULL: auto) */
} ma_cli_options;

typedef enum {
    MA_OPT_TEXT,  /* str or None -> const char * */
    MA_OPT_FLAG,  /* truth value -> int */
    MA_OPT_COUNT, /* int, its text, or None -> const char * (the C side parses and checks it) */
    MA_OPT_UINT,  /* int >= 0 -> unsigned */
    MA_OPT_SWITCH, /* True, False, 'true', 'false' or None -> "true", "false" or NULL (the C side checks the text) */
    MA_OPT_ENV    /* a mapping of str to str, or None: the process environment (the binding copies it) */
} ma_option_type;

/* Where an option is taken. */
enum {
    MA_OPT_BUILD = 1 << 0, /* angreal build multi-arch */
    MA_OPT_MERGE = 1 << 1, /* angreal build merge */
    MA_OPT_RUN = 1 << 2,   /* multiarch.cli() and multiarch.publish() */
    MA_OPT_PLAN = 1 << 3,  /* multiarch.plan() */
    MA_OPT_TAGS = 1 << 4,  /* multiarch.compute_tags() */
    MA_OPT_REQUIRED = 1 << 5, /* on the command line: required (a positional when flag is NULL) */
    MA_OPT_STATUS = 1 << 6,  /* angreal build status */
    MA_OPT_STATUS_RUN = 1 << 7, /* multiarch.status_cli(): what the task calls (prints, returns the exit status) */
    MA_OPT_STATUS_API = 1 << 8, /* multiarch.status(): the same as plain data */
    MA_OPT_PROMOTE = 1 << 9,  /* angreal build promote */
    MA_OPT_PRUNE = 1 << 10,   /* angreal build prune */
    MA_OPT_PRUNE_PY = 1 << 11 /* multiarch.prune() and prune_cli() (the command's rows carry it too) */
};

typedef struct {
    const char *name;         /* the Python keyword and the task's argument name */
    const char *flag;         /* "--tag", or NULL: a positional (component) or Python only */
    const char *metavar;      /* "TAG" in the README's `--tag TAG`, or NULL for a flag */
    ma_option_type type;
    const char *value_default; /* the default the command line shows and passes ("dev"), or NULL */
    const char *help;         /* what --help says (defaults in words: "[default: ...]") */
    const char *json_key;     /* the plan JSON key it shows up under (planjson.c writes the value the plan's
                                 request holds for it), or NULL */
    unsigned where;           /* MA_OPT_* bits */
    size_t offset;            /* where the binding stores it in ma_cli_options (not for MA_OPT_ENV) */
} ma_option;

/* The rows, in --help order; a name may have a second row with other help
 * for other commands (merge's --platforms and --digest-dir). */
extern const ma_option ma_options[];
extern const size_t ma_noptions;

/* The first row named name taken where (one MA_OPT_* bit), or NULL. */
const ma_option *ma_option_find(const char *name, unsigned where);

/* Where req holds the row's value: a const char * for MA_OPT_TEXT and
 * MA_OPT_SWITCH, an int for MA_OPT_FLAG; NULL for an option kept outside the request (--jobs, merge). */
const void *ma_option_in_request(const ma_option *row, const ma_request *req);

#endif

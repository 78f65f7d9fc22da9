/* How two commits relate in the checkout's history (libgit2's graph walk),
 * asked during a run before a branch or pull-request tag moves.  The git
 * reading layer: it answers with plain data and decides nothing. */
#ifndef MA_GITANCESTRY_H
#define MA_GITANCESTRY_H

#include "error.h"

typedef enum {
    MA_ANCESTRY_UNKNOWN = 0, /* the checkout lacks one of them (a shallow clone): it cannot tell */
    MA_ANCESTRY_FORWARD,     /* ours descends from theirs (or is it) */
    MA_ANCESTRY_BEHIND,      /* theirs descends from ours */
    MA_ANCESTRY_DIVERGED     /* neither (a rebased branch, a force-push) */
} ma_ancestry;

/* How `ours` relates to `theirs` (40 hex each) in the repository containing
 * path.  0 with *out set (UNKNOWN when either commit is not in the
 * repository, or the walk reaches a shallow clone's edge without an answer);
 * -1 (MA_ERR_ENV) when the repository cannot be opened or read. */
int ma_git_ancestry(const char *path, const char *ours, const char *theirs, ma_ancestry *out, ma_error *err);

#endif

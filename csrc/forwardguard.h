/* Whether a release may move a branch tag (main, release-2), a pull
 * request's pr-N or any other mutable tag that is no version alias: only
 * forward.  Two pipelines for two pushes race; the older one, finishing last,
 * must not point the tag back at its commit.  The decision takes what the tag
 * names now (the commit and time its index records), and how the checkout's
 * history relates the two commits, when it can tell.  Pure: the caller reads
 * the registry and asks git. */
#ifndef MA_FORWARDGUARD_H
#define MA_FORWARDGUARD_H

#include <stddef.h>

#include "gitancestry.h"

typedef enum {
    MA_FORWARD_MOVE,
    MA_FORWARD_KEEP
} ma_forward_verdict;

/* What the decision rested on, for the note that says so. */
typedef enum {
    MA_FORWARD_BY_NOTHING = 0, /* the tag records no commit, or no time to compare: moved as always */
    MA_FORWARD_BY_SAME,        /* it names this run's commit already (a re-run) */
    MA_FORWARD_BY_HISTORY,     /* git's graph walk */
    MA_FORWARD_BY_TIME,        /* the commit times the indexes record (shallow clone, diverged history) */
    MA_FORWARD_BY_FORCE        /* --force-move */
} ma_forward_basis;

typedef struct {
    const char *ours;         /* this run's commit (NULL: outside git) */
    const char *held;         /* the commit the tag's index records (org.opencontainers.image.revision), or NULL */
    ma_ancestry ancestry;     /* how git relates them (asked only when both are known and differ) */
    const char *ours_created; /* org.opencontainers.image.created this run records (RFC 3339), or NULL */
    const char *held_created; /* the one the tag's index records, or NULL */
    int force;                /* --force-move */
} ma_forward_facts;

typedef struct {
    ma_forward_verdict verdict;
    ma_forward_basis basis;
} ma_forward_decision;

/* 1 when tag is guarded by this rule in a release of `release` (the run's
 * first tag): any mutable tag but the version aliases aliasguard.h guards. */
int ma_forward_is_guarded(const char *tag, const char *release);

/* 1 when the facts need git's answer first: both commits known and different, no force. */
int ma_forward_needs_history(const ma_forward_facts *f);

/* KEEP only when the tag is ahead: git says its commit descends from ours,
 * or, when git cannot tell or the histories diverged, its recorded time is
 * later than ours.  Everything else moves (a tag without a commit or time
 * to compare moves as it always did; --force-move moves). */
ma_forward_decision ma_forward_decide(const ma_forward_facts *f);

/* The basis in words for a note: "by git history", "by the commit times the
 * images record (the checkout cannot tell)", ... */
const char *ma_forward_basis_words(ma_forward_basis basis, ma_ancestry ancestry);

#endif

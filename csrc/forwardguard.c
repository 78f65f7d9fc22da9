#include "forwardguard.h"

#include <string.h>

#include "aliasguard.h"
#include "rfc3339.h"

int ma_forward_is_guarded(const char *tag, const char *release)
{
    return tag != NULL && !ma_alias_is_guarded(tag, release);
}

int ma_forward_needs_history(const ma_forward_facts *f)
{
    return !f->force && f->ours != NULL && f->held != NULL && strcmp(f->ours, f->held) != 0;
}

ma_forward_decision ma_forward_decide(const ma_forward_facts *f)
{
    ma_forward_decision d = {MA_FORWARD_MOVE, MA_FORWARD_BY_NOTHING};
    if (f->force) {
        d.basis = MA_FORWARD_BY_FORCE;
        return d;
    }
    if (f->ours == NULL || f->held == NULL)
        return d;
    if (strcmp(f->ours, f->held) == 0) {
        d.basis = MA_FORWARD_BY_SAME;
        return d;
    }
    if (f->ancestry == MA_ANCESTRY_FORWARD || f->ancestry == MA_ANCESTRY_BEHIND) {
        d.basis = MA_FORWARD_BY_HISTORY;
        d.verdict = f->ancestry == MA_ANCESTRY_BEHIND ? MA_FORWARD_KEEP : MA_FORWARD_MOVE;
        return d;
    }
    long long ours, held;
    if (ma_rfc3339_parse(f->ours_created, &ours) != 0 || ma_rfc3339_parse(f->held_created, &held) != 0)
        return d;
    d.basis = MA_FORWARD_BY_TIME;
    d.verdict = held > ours ? MA_FORWARD_KEEP : MA_FORWARD_MOVE;
    return d;
}

const char *ma_forward_basis_words(ma_forward_basis basis, ma_ancestry ancestry)
{
    switch (basis) {
    case MA_FORWARD_BY_SAME:
        return "it names this commit";
    case MA_FORWARD_BY_HISTORY:
        return "by git history";
    case MA_FORWARD_BY_TIME:
        return ancestry == MA_ANCESTRY_DIVERGED ? "by the commit times the images record (the histories diverged)"
                                                : "by the commit times the images record (the checkout does not "
                                                  "have that commit)";
    case MA_FORWARD_BY_FORCE:
        return "forced by --force-move";
    default:
        return "the tag records no commit or time to compare";
    }
}

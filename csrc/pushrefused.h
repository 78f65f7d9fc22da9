/* Whether a build's error output says the registry refused its push (a
 * token that expired, rights removed mid-run, a token server that will not
 * grant push): BuildKit's words for it, so the run can say "push refused"
 * instead of "build failed".  Pure. */
#ifndef MA_PUSHREFUSED_H
#define MA_PUSHREFUSED_H

/* 1 when err_text (a build's stderr) ends in a refused push, else 0. */
int ma_push_refused(const char *err_text);
#endif

/* Milliseconds on the monotonic clock: deadlines, back-off timers, run times. */
#ifndef MA_MONOCLOCK_H
#define MA_MONOCLOCK_H

long ma_monoclock_ms(void);

#endif

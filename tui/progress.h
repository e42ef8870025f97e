/*
 * progress.h: how far the student got in each lesson, kept between runs.
 *
 * One small text file, $XDG_STATE_HOME/finwave/progress (~/.local/state/finwave/progress
 * when XDG_STATE_HOME is not set), one line per lesson: its name (the file name without
 * ".fw", the same in every language) and a word:
 *
 *   01-four-way-close finished
 *   02-half-close started
 *
 * A lesson is "started" when it is opened and "finished" when its last step has played; a
 * finished lesson stays finished when it is opened again.  A missing or unreadable file
 * means nothing started; unknown lines are kept as they are.
 */
#ifndef FW_PROGRESS_H
#define FW_PROGRESS_H

#include <stddef.h>

enum progress_mark { PROG_NONE, PROG_STARTED, PROG_FINISHED };

/* The file's path into buf (creating nothing); NULL when there is no home to keep it in. */
const char *progress_path(char *buf, size_t cap);
/* The mark of lesson `name` in the file at path. */
enum progress_mark progress_get(const char *path, const char *name);
/*
 * Record mark for name (never lowering finished to started), creating the file and its
 * directory as needed; the file is replaced in one rename, so a crash leaves the old one.
 * 0 or a negative errno.
 */
int progress_set(const char *path, const char *name, enum progress_mark mark);

#endif

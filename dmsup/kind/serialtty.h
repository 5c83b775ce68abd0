/*
 * The guest's serial pty, as libxl publishes it: after a dom0 QEMU with
 * `-serial pty` is up, QMP query-chardev names the pty QEMU opened for
 * the chardev "serial0" ("pty:/dev/pts/N"), and the toolstack's console
 * client (xl console) finds it at /local/domain/<domid>/serial/0/tty.
 * This file only reads QEMU's answer: a pure function.
 */
#ifndef DMSUP_KIND_SERIALTTY_H
#define DMSUP_KIND_SERIALTTY_H

#include <stddef.h>

struct json_object;

#define SERIALTTY_MAX 32 /* "/dev/pts/" and up to 7 digits, and NUL */

/*
 * In query-chardev's answer @ret (QEMU's: untrusted), the pty of the
 * chardev labelled @label ("serial0"): 0 and its path ("/dev/pts/N")
 * in @tty, or -1 with a sentence in @err (@errlen) naming what is wrong:
 * not an array, an entry of the wrong shape, no such chardev, not a pty,
 * or a path other than /dev/pts/<digits>. At most 256 entries are read.
 */
int serialtty_find(struct json_object *ret, const char *label,
		   char tty[SERIALTTY_MAX], char *err, size_t errlen);

#endif

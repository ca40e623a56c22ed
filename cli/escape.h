/* SPDX-License-Identifier: MIT */
/*
 * Escaping text that came from input files (comms, pgd names, labels,
 * file names) before it reaches a terminal or a JSON reader.
 *
 * Text output and error messages: control bytes other than newline and
 * tab (0x00-0x1f, 0x7f), and bytes that are not part of valid UTF-8, are
 * written as \xHH, so that an ESC in a recorded comm cannot drive the
 * terminal.  JSON strings (cli/json.c): valid UTF-8 passes, control bytes
 * are \u00HH escapes, and a byte that is not valid UTF-8 is written as the
 * code point of the same value (\u0080-\u00ff).
 */
#ifndef PGTRACE_CLI_ESCAPE_H
#define PGTRACE_CLI_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * The length of the valid UTF-8 sequence that starts at @s (@n bytes
 * available): 1 to 4; 0 when none starts there; -1 when the @n bytes are
 * a valid but incomplete start.
 */
int escape_utf8_len(const unsigned char *s, size_t n);

/*
 * Replace *@stream (stdout or stderr) by a stream that writes to the same
 * file descriptor through the text escapes above.  Returns false, leaving
 * *@stream as it was, when that cannot be set up.
 */
bool escape_stream(FILE **stream);

/*
 * The stream escape_stream() replaced by @stream (or @stream itself): for
 * the control sequences a command writes on purpose (the progress line's
 * carriage return and erase-to-end).  Both are unbuffered for stderr, so
 * writes through either keep their order.
 */
FILE *escape_original(FILE *stream);

/*
 * Flush and close the streams escape_stream() made (a sequence left
 * incomplete is written escaped) and put the originals back; also run at
 * exit().  Write errors show up before, in ferror() after a fflush().
 */
void escape_streams_end(void);

#endif

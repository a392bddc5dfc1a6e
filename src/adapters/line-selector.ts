// The hook that lets the log tailer skip uninteresting lines without paying for their UTF-8 decoding.

/** Picks which complete lines of buf[from, to) are worth decoding. Returns [start, end) byte ranges of
 *  lines (end excludes the '\n'), in order. Used to skip uninteresting lines without decoding them. */
export type LineSelector = (buf: Buffer, from: number, to: number) => Array<[number, number]>;

// The hash the runtime injects into the core (node:crypto's SHA-256): the core stays free of node:*.

/** Hex digest of the UTF-8 text; plan ids are its first 16 digits, so it must stay SHA-256. */
export type HashText = (text: string) => string;

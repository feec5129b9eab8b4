/**
 * What logs must not keep: mail addresses (an erased reader's address would outlive the erase in
 * the logs) and link tokens (whoever reads one could act for the reader).
 */

// an address as relays echo it (`<ann@example.org>`, `ann@example.org:`), percent-encoded or not
const ADDRESS = /[^\s<>()[\]{}"',;:/?#@%]+(@|%40)[^\s<>()[\]{}"',;:/?#@%]+/gi;

/** Text with every mail address in it replaced by `[address]`. */
export function redactAddresses(text: string): string {
  return text.replace(ADDRESS, '[address]');
}

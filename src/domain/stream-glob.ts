/**
 * Stream-name globs, as tokens and record-on-publish rules use them: `*` matches any run of
 * characters, `?` one character, everything else itself.
 */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`);
}

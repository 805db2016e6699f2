/** What a pasted block of user ids holds: the ids in order, without blanks or repeats. */
export interface ParsedUserList {
  ids: string[];
  /** How many repeated ids were dropped. */
  duplicates: number;
}

/**
 * Ids pasted from a spreadsheet column, a CSV line or a chat message: one per line or
 * separated by commas or semicolons, with surrounding spaces and quotes trimmed. Spaces
 * inside an id are kept, since an id may contain them.
 */
export function parseUserList(text: string): ParsedUserList {
  const seen = new Set<string>();
  let duplicates = 0;
  for (const piece of text.split(/[\n\r,;]+/)) {
    const id = piece
      .trim()
      .replace(/^(["'])(.*)\1$/, "$2")
      .trim();
    if (id === "") continue;
    if (seen.has(id)) duplicates++;
    else seen.add(id);
  }
  return { ids: [...seen], duplicates };
}

/** The text an existing list is edited as: one id per line. */
export const formatUserList = (ids: readonly string[]) => ids.join("\n");

// One row of the security table: an attack as a test performed it and what the
// component under test observably did. Tests fill `happened` from what they
// observed (a status, an error code, a closed socket), never from a constant,
// so the table cannot claim more than the assertions checked.
export interface AttackRow {
  /** Finding or reliability.md §6 row this attack belongs to, e.g. "12.2 xDS authn". */
  readonly finding: string;
  /** Short name of the attack. */
  readonly attack: string;
  /** What the attacker sent. */
  readonly sent: string;
  /** What the component did, as the test observed it. */
  readonly happened: string;
}

const FIELDS = ['finding', 'attack', 'sent', 'happened'] as const;

export function parseAttackRows(text: string): AttackRow[] {
  const rows: AttackRow[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null) {
      throw new Error(`security table: a line is not an object: ${line.slice(0, 80)}`);
    }
    const row = value as Record<string, unknown>;
    for (const f of FIELDS) {
      if (typeof row[f] !== 'string') {
        throw new Error(`security table: field ${f} missing in ${line.slice(0, 80)}`);
      }
    }
    rows.push(value as AttackRow);
  }
  return rows;
}

// cobra's "Did you mean this?" for an unknown command: names within
// Levenshtein distance 2 (case-insensitive) or starting with what was typed.

import type { CommandSpec } from './spec.js';

const MIN_DISTANCE = 2;

export function suggestCommands(typed: string, commands: readonly CommandSpec[]): string[] {
  const lower = typed.toLowerCase();
  const suggestions: string[] = [];
  for (const command of commands) {
    if (command.hidden) continue;
    const byDistance = levenshtein(lower, command.name.toLowerCase()) <= MIN_DISTANCE;
    const byPrefix = command.name.toLowerCase().startsWith(lower);
    if (byDistance || byPrefix) suggestions.push(command.name);
  }
  return suggestions.sort();
}

export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

// Core domain: the outcome of one risk rule. Passing rules are listed in the buy decision's
// checks; the first failing one becomes the refusal the TickResult shows.
import type { Explanation } from '../types.js';

/** One rule's verdict with the values it compared. */
export type RuleCheck = { ok: true; rule: string; explanation: Explanation } | { ok: false; rule: string; reason: string; explanation: Explanation };

/** A passing rule. */
export function passed(rule: string, explanation: Explanation): RuleCheck {
  return { ok: true, rule, explanation };
}

/** A failing rule; `reason` says what was compared, in words, for the operator. */
export function failed(rule: string, reason: string, explanation: Explanation): RuleCheck {
  return { ok: false, rule, reason, explanation };
}

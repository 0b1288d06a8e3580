/**
 * "Create rule from this event": each criterion is the event's value or Any (left out), and the
 * rule's expression is the AND of the concrete ones. Values are attacker-influenced (user names,
 * app ids), so they are written as filter-language strings with quotes doubled, never spliced.
 */
export type RuleCriteria = {
  detectionId?: string | null | undefined;
  userName?: string | null | undefined;
  ipAddress?: string | null | undefined;
  countryCode?: string | null | undefined;
  appId?: string | null | undefined;
};

/** Which field each criterion tests. The tenant criterion is the rule's tenant scope, not a condition. */
export const CRITERIA_FIELDS: Record<keyof RuleCriteria, string> = {
  detectionId: 'Event.Detection',
  userName: 'Event.UserName',
  ipAddress: 'Event.NetworkAddress',
  countryCode: 'IP.CountryCode',
  appId: 'App.AppId',
};

/** A filter-language string literal: `O'Brien` → `'O''Brien'`. NUL cannot be written, and cannot be stored either. */
export function quoteFilterString(value: string): string {
  return `'${value.replaceAll('\u0000', '').replace(/'/g, "''")}'`;
}

/**
 * The expression for the concrete criteria, in a fixed order; null when every criterion is Any.
 * @example criteriaExpression({ detectionId: 'M365.AzureAD.NewCountrySignIn', userName: "o'brien@contoso.com" })
 * // "Event.Detection = 'M365.AzureAD.NewCountrySignIn' AND Event.UserName = 'o''brien@contoso.com'"
 */
export function criteriaExpression(criteria: RuleCriteria): string | null {
  const parts: string[] = [];
  for (const [name, field] of Object.entries(CRITERIA_FIELDS) as [keyof RuleCriteria, string][]) {
    const value = criteria[name];
    if (value !== null && value !== undefined && value !== '') parts.push(`${field} = ${quoteFilterString(value)}`);
  }
  return parts.length > 0 ? parts.join(' AND ') : null;
}

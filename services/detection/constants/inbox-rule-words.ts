/**
 * Words in inbox-rule conditions that point at business email compromise: attackers hide the
 * replies about the payment they are diverting, or the security warnings about the account
 * they took. Each entry says why it matters. Matched as whole words, ignoring case.
 */
export const SUSPICIOUS_RULE_WORDS: readonly { word: string; why: string }[] = [
  { word: 'invoice', why: 'Invoice fraud: the attacker swaps bank details on invoices and hides the replies.' },
  { word: 'payment', why: 'Payment diversion.' },
  { word: 'wire', why: 'Wire transfer fraud.' },
  { word: 'bank', why: 'Changed bank details are the core of vendor fraud.' },
  { word: 'ach', why: 'ACH transfer fraud (US).' },
  { word: 'remittance', why: 'Remittance advice: payment diversion.' },
  { word: 'payroll', why: 'Payroll diversion to an attacker account.' },
  { word: 'direct deposit', why: 'Payroll diversion.' },
  { word: 'iban', why: 'Changed bank details (Europe).' },
  { word: 'swift', why: 'Changed bank details (international).' },
  { word: 'password', why: 'Hides password-reset and security mail from the real user.' },
  { word: 'mfa', why: 'Hides MFA and sign-in warnings.' },
  { word: 'security', why: 'Hides security alerts about the account.' },
  { word: 'phish', why: 'Hides colleagues warning that the mailbox sends phishing.' },
  { word: 'phishing', why: 'Hides colleagues warning that the mailbox sends phishing.' },
  { word: 'hacked', why: 'Hides colleagues warning that the account is hacked.' },
  { word: 'compromised', why: 'Hides warnings that the account is compromised.' },
  { word: 'suspicious', why: 'Hides warnings about suspicious mail.' },
  { word: 'helpdesk', why: 'Hides the help desk reaching out about the account.' },
];

/** The listed words found in a rule's condition text. */
export function suspiciousWords(text: string): string[] {
  const lower = text.toLowerCase();
  return SUSPICIOUS_RULE_WORDS.filter(({ word }) => new RegExp(`(^|[^a-z0-9])${word.replace(/ /g, '\\s+')}([^a-z0-9]|$)`).test(lower)).map((w) => w.word);
}

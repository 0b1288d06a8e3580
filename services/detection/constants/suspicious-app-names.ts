/**
 * Names of applications that attackers register or consent to in a tenant they hold: mail and
 * file transfer tools used to pull a mailbox or a OneDrive out, and offensive tooling. A new app
 * registration with one of these names is high; any other is low. Match is on the whole word,
 * case-insensitive. Each entry says where it comes from.
 */
export const SUSPICIOUS_APP_NAMES: readonly { pattern: RegExp; name: string; source: string }[] = [
  // Huntress, "Legitimate apps as traitorous allies: rogue apps in Microsoft 365" (2024-2025):
  // apps seen in business e-mail compromise to sync or export mailboxes.
  { pattern: /\bperfect\s*data\s*software\b/i, name: 'PerfectData Software', source: 'Huntress rogue apps research (mailbox export)' },
  { pattern: /\bem\s*client\b/i, name: 'eM Client', source: 'Huntress rogue apps research (mail sync)' },
  { pattern: /\bnewsletter software supermailer\b/i, name: 'Newsletter Software Supermailer', source: 'Huntress rogue apps research (mass mailing)' },
  { pattern: /\bsigparser\b/i, name: 'SigParser', source: 'Huntress rogue apps research (contact harvesting)' },
  { pattern: /\bcloudsponge\b/i, name: 'CloudSponge', source: 'Huntress rogue apps research (contact harvesting)' },
  // rclone's own documentation tells users to register an Entra app for its OneDrive remote
  // (rclone.org/onedrive); CISA's #StopRansomware advisories list rclone and MEGA among the
  // exfiltration tools ransomware crews use.
  { pattern: /\brclone\b/i, name: 'rclone', source: 'rclone.org/onedrive; CISA #StopRansomware advisories' },
  { pattern: /\bmegasync\b|\bmega\.nz\b/i, name: 'MEGA', source: 'CISA #StopRansomware advisories (exfiltration to MEGA)' },
  // Offensive tooling whose documentation registers an app in the target tenant.
  { pattern: /\bgraphrunner\b/i, name: 'GraphRunner', source: 'github.com/dafthack/GraphRunner (Invoke-InjectOAuthApp)' },
  { pattern: /\broadtools?\b|\broadtx\b|\broadrecon\b/i, name: 'ROADtools', source: 'github.com/dirkjanm/ROADtools' },
  { pattern: /\baadinternals\b/i, name: 'AADInternals', source: 'github.com/Gerenios/AADInternals' },
  { pattern: /\btokentactics\b/i, name: 'TokenTactics', source: 'github.com/rvrsh3ll/TokenTactics' },
  { pattern: /\bevilginx\b/i, name: 'Evilginx', source: 'github.com/kgretzky/evilginx2' },
];

export function suspiciousAppName(displayName: string | null | undefined) {
  if (!displayName) return null;
  return SUSPICIOUS_APP_NAMES.find((a) => a.pattern.test(displayName)) ?? null;
}

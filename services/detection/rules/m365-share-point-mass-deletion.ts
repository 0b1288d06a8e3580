import { DELETE_OPERATIONS } from '../series.ts';
import { ACCOUNT_TAKEOVER } from './lib/common.ts';
import { massFileOperationRule } from './lib/mass-file-operation.ts';

/** Many distinct files deleted by one user in a short time: sabotage, ransomware, or a sync client gone wrong (MITRE T1485). */
export const massDeletion = massFileOperationRule({
  id: 'M365.SharePoint.MassDeletion',
  title: 'Many files deleted by one user',
  mitre: ['TA0040:T1485'],
  series: 'file-deletions-by-user',
  operations: DELETE_OPERATIONS,
  verb: 'deleted',
  eventType: 'FileDeletion',
  description: 'One user deleted at least `threshold` distinct SharePoint or OneDrive files or folders within `windowMinutes` minutes (default 100 in 15).',
  howToReact: [
    "1. Check the user's device and address: a sync client on a ransomware-hit PC deletes (and re-uploads encrypted) many files at once.",
    "2. If a device is infected, isolate it and revoke the user's sessions; if the account is compromised, reset the password.",
    '3. Restore from the site\'s recycle bin or with "Restore this library" / OneDrive restore to a time before the deletions.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  threshold: 100,
  windowMinutes: 15,
});

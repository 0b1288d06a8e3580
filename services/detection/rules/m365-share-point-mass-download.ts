import { DOWNLOAD_OPERATIONS } from '../series.ts';
import { ACCOUNT_TAKEOVER } from './lib/common.ts';
import { massFileOperationRule } from './lib/mass-file-operation.ts';

/** Many distinct files downloaded or synced by one user in a short time: data theft before leaving, or by an attacker (MITRE T1530). */
export const massDownload = massFileOperationRule({
  id: 'M365.SharePoint.MassDownload',
  title: 'Many files downloaded by one user',
  mitre: ['TA0009:T1530', 'TA0010:T1567'],
  series: 'file-downloads-by-user',
  operations: DOWNLOAD_OPERATIONS,
  verb: 'downloaded',
  eventType: 'FileDownload',
  description:
    'One user downloaded (or synced down) at least `threshold` distinct SharePoint or OneDrive files within `windowMinutes` minutes (default 100 in 15).',
  howToReact: [
    '1. Look at which sites and files, and from which address and device: a new laptop syncing a library is normal, a browser on an unknown address pulling the finance site is not.',
    '2. Ask the user and, for a leaver, their manager.',
    '3. If not explained: revoke sessions and reset the password (an attacker), or involve HR and legal (an insider); keep the audit records.',
  ].join('\n'),
  remediations: { user: ACCOUNT_TAKEOVER },
  threshold: 100,
  windowMinutes: 15,
});

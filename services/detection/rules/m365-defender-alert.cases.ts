import type { RuleCase } from '../types.ts';
import { alertRecord } from './fixtures/case-records.ts';

export const cases: RuleCase[] = [
  {
    name: 'Defender for Office: malicious URL clicked',
    expected: true,
    record: alertRecord({
      title: 'A potentially malicious URL click was detected',
      severity: 'high',
      serviceSource: 'microsoftDefenderForOffice365',
      user: 'megan.bowen@contoso.com',
      mitre: ['T1566.002'],
    }),
  },
  {
    name: 'Defender for Cloud Apps alert with IP evidence only',
    expected: true,
    record: alertRecord({
      title: 'Activity from a Tor IP address',
      severity: 'medium',
      serviceSource: 'microsoftDefenderForCloudApps',
      detectionSource: 'cloudAppSecurity',
      ip: '185.220.101.4',
    }),
  },
  {
    name: 'near miss: alert already resolved',
    expected: false,
    record: alertRecord({
      title: 'A potentially malicious URL click was detected',
      severity: 'high',
      serviceSource: 'microsoftDefenderForOffice365',
      status: 'resolved',
      user: 'megan.bowen@contoso.com',
    }),
  },
  {
    name: 'near miss: Identity Protection alert (handled by the identity rule)',
    expected: false,
    record: alertRecord({
      title: 'Unfamiliar sign-in properties',
      severity: 'medium',
      serviceSource: 'azureAdIdentityProtection',
      user: 'megan.bowen@contoso.com',
    }),
  },
];

import type { RuleCase } from '../types.ts';
import { alertRecord, riskDetectionRecord, riskyUserRecord } from './fixtures/case-records.ts';

export const cases: RuleCase[] = [
  {
    name: 'anonymised IP address detection, medium',
    expected: true,
    record: riskDetectionRecord({ user: 'isabella.ruiz@contoso.com', type: 'anonymizedIPAddress', level: 'medium' }),
  },
  {
    name: 'leaked credentials, high',
    expected: true,
    record: riskDetectionRecord({ user: 'megan.bowen@contoso.com', type: 'leakedCredentials', level: 'high' }),
  },
  {
    name: 'risky user confirmed compromised',
    expected: true,
    record: riskyUserRecord({ user: 'megan.bowen@contoso.com', level: 'high', state: 'confirmedCompromised' }),
  },
  {
    name: 'Identity Protection alert in alerts_v2',
    expected: true,
    record: alertRecord({
      title: 'Unfamiliar sign-in properties',
      severity: 'medium',
      serviceSource: 'azureAdIdentityProtection',
      user: 'isabella.ruiz@contoso.com',
    }),
  },
  {
    name: 'near miss: detection already remediated',
    expected: false,
    record: riskDetectionRecord({ user: 'megan.bowen@contoso.com', type: 'unfamiliarFeatures', level: 'low', state: 'remediated' }),
  },
  {
    name: 'near miss: risky user dismissed by an admin',
    expected: false,
    record: riskyUserRecord({ user: 'megan.bowen@contoso.com', level: 'none', state: 'dismissed' }),
  },
  {
    name: 'Defender for Office alert is not Identity Protection',
    expected: false,
    record: alertRecord({
      title: 'Email messages containing malicious URL removed after delivery',
      severity: 'informational',
      serviceSource: 'microsoftDefenderForOffice365',
      user: 'megan.bowen@contoso.com',
    }),
  },
];

/**
 * Autonomous systems whose addresses are not where people work: cloud and hosting providers
 * (servers, rented by the hour, where sprays and phishing proxies run) and networks that exist
 * to hide the user (VPN and relay egress). Used only when the configured IP intelligence says
 * nothing about anonymity or usage (the free ip-location-db data knows the AS, not its use);
 * MaxMind Anonymous IP, Insights or Enterprise data takes precedence when configured.
 *
 * Deliberately absent: Microsoft (AS8075), because Windows 365 Cloud PCs, Azure Virtual Desktop
 * and Microsoft's own services sign in from it every day; mobile carriers and ISPs.
 */
export type AnonymizingNetworkKind = 'hosting' | 'vpn';

export const ANONYMIZING_NETWORKS: ReadonlyMap<number, { name: string; kind: AnonymizingNetworkKind; why: string }> = new Map([
  // Cloud and hosting providers.
  [
    14061,
    { name: 'DigitalOcean', kind: 'hosting', why: 'Droplets by the hour: a common source of password sprays and adversary-in-the-middle phishing proxies.' },
  ],
  [16509, { name: 'Amazon Web Services', kind: 'hosting', why: 'EC2 instances; people do not browse from AWS, tooling and attackers do.' }],
  [14618, { name: 'Amazon Web Services (us-east-1)', kind: 'hosting', why: 'EC2 in the oldest region, same as AS16509.' }],
  [396982, { name: 'Google Cloud', kind: 'hosting', why: "Compute Engine VMs (Google's consumer services are AS15169, not listed)." }],
  [31898, { name: 'Oracle Cloud', kind: 'hosting', why: 'Oracle Cloud VMs, including the free tier attackers like.' }],
  [63949, { name: 'Akamai Connected Cloud (Linode)', kind: 'hosting', why: 'Linode VPS hosting.' }],
  [20473, { name: 'Vultr (The Constant Company)', kind: 'hosting', why: 'VPS by the hour, widely used for scanning and sprays.' }],
  [16276, { name: 'OVHcloud', kind: 'hosting', why: 'Dedicated servers and VPS; also hosts many VPN exits.' }],
  [24940, { name: 'Hetzner Online', kind: 'hosting', why: 'Dedicated servers and cloud VMs.' }],
  [51167, { name: 'Contabo', kind: 'hosting', why: 'Low-cost VPS, often abused.' }],
  [12876, { name: 'Scaleway', kind: 'hosting', why: 'Cloud VMs and dedicated servers.' }],
  [197540, { name: 'netcup', kind: 'hosting', why: 'Low-cost VPS.' }],
  [36352, { name: 'ColoCrossing', kind: 'hosting', why: 'Low-cost VPS, frequently abused.' }],
  [46606, { name: 'Unified Layer (Bluehost)', kind: 'hosting', why: 'Shared web hosting: compromised sites relay phishing kits.' }],
  [47583, { name: 'Hostinger', kind: 'hosting', why: 'Shared and VPS hosting.' }],
  [45102, { name: 'Alibaba Cloud', kind: 'hosting', why: 'Cloud VMs.' }],
  [132203, { name: 'Tencent Cloud', kind: 'hosting', why: 'Cloud VMs.' }],
  [9009, { name: 'M247', kind: 'hosting', why: 'Hosting rented by many commercial VPN services for their exits.' }],
  [60068, { name: 'Datacamp (CDN77)', kind: 'hosting', why: 'Hosting rented by many commercial VPN services for their exits.' }],
  // Networks that hide the user.
  [
    13335,
    { name: 'Cloudflare', kind: 'vpn', why: "WARP VPN and relay egress (also Cloudflare Zero Trust egress: allow the tenant's own with `allowedAsns`)." },
  ],
  [39351, { name: '31173 Services (Mullvad VPN)', kind: 'vpn', why: 'Servers of the Mullvad VPN service.' }],
]);

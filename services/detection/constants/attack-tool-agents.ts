/**
 * User agents that public offensive tools send to Microsoft's sign-in (login.microsoftonline.com,
 * login.microsoft.com) and Graph endpoints, each with where it comes from. Keep an entry only
 * with a source: the tool's own code (repository and file) or a published incident report.
 *
 * `alone`: the string points to the tool by itself and a sign-in attempt carrying it raises
 * AttackToolSignIn. Entries without it are user agents legitimate software sends too (Windows'
 * own authentication provider, PowerShell, browsers): they only name the likely tool in spray
 * and brute-force events, where the pattern of attempts already says "attack".
 *
 * Several tools (MSOLSpray, AADInternals, MFASweep, TokenTactics, GraphRunner, Spray365,
 * CredMaster) send PowerShell's default user agent, let the operator choose one, or rotate
 * browser strings; those cannot be told by user agent and are covered by the spray rules.
 */
export type AttackToolKind = 'spray' | 'recon' | 'token' | 'script';

export type AttackToolAgent = {
  tool: string;
  kind: AttackToolKind;
  /** Tested against the whole user agent. */
  pattern: RegExp;
  alone: boolean;
  source: string;
};

export const ATTACK_TOOL_AGENTS: readonly AttackToolAgent[] = [
  {
    tool: 'TeamFiltration',
    kind: 'spray',
    // Source: github.com/Flangvik/TeamFiltration (the sprayer's fixed Teams desktop client user
    // agent); Proofpoint, "Attackers Unleash TeamFiltration" (2025): the same string in an
    // account-takeover campaign against Entra ID. No Teams client has sent this build since 2020.
    pattern: /Teams\/1\.3\.00\.24755\b/i,
    alone: true,
    source: 'github.com/Flangvik/TeamFiltration; Proofpoint 2025 TeamFiltration campaign report',
  },
  {
    tool: 'o365spray',
    kind: 'spray',
    // Source: github.com/0xZDH/o365spray o365spray/core/utils/defaults.py `HTTP_HEADERS`: a fixed
    // Chrome 104 on Windows string (Chrome 104 was current in August 2022; browsers update
    // themselves, so the exact build two years later is a script).
    pattern: /^Mozilla\/5\.0 \(Windows NT 10\.0; Win64; x64\) AppleWebKit\/537\.36 \(KHTML, like Gecko\) Chrome\/104\.0\.0\.0 Safari\/537\.36$/,
    alone: true,
    source: 'github.com/0xZDH/o365spray o365spray/core/utils/defaults.py',
  },
  {
    tool: 'fasthttp client (password spray campaigns)',
    kind: 'spray',
    // Source: Guardz research (January 2025) on a brute-force and MFA-fatigue campaign against
    // Entra ID sent with the Go fasthttp library's default user agent.
    pattern: /^fasthttp\b/i,
    alone: true,
    source: 'Guardz, fasthttp Entra ID brute-force campaign (2025)',
  },
  {
    tool: 'axios script client',
    kind: 'script',
    // Source: Proofpoint (2025) on account takeover campaigns driving Entra ID sign-ins with the
    // Node.js axios library; its default user agent is `axios/<version>` (axios lib/adapters/http.js).
    pattern: /^axios\/\d/i,
    alone: true,
    source: 'github.com/axios/axios lib/adapters/http.js; Proofpoint 2025 axios account takeover report',
  },
  {
    tool: 'Python requests script',
    kind: 'script',
    // Source: github.com/psf/requests src/requests/utils.py `default_user_agent()`; the default
    // of Python sprayers and recon scripts that do not set their own (MSOLSpray's Python ports).
    pattern: /^python-requests\/\d/i,
    alone: true,
    source: 'github.com/psf/requests src/requests/utils.py default_user_agent',
  },
  {
    tool: 'Python aiohttp script (e.g. roadrecon)',
    kind: 'recon',
    // Source: github.com/aio-libs/aiohttp aiohttp/http.py `SERVER_SOFTWARE` (`Python/3.x
    // aiohttp/3.x`), the default of asynchronous Python tools such as ROADtools' roadrecon gatherer
    // (github.com/dirkjanm/ROADtools roadrecon/roadtools/roadrecon/gather.py uses aiohttp).
    pattern: /^Python\/\d[\d.]* aiohttp\/\d/i,
    alone: true,
    source: 'github.com/aio-libs/aiohttp aiohttp/http.py; github.com/dirkjanm/ROADtools roadrecon gather.py',
  },
  {
    tool: 'Go net/http script',
    kind: 'script',
    // Source: Go's net/http default user agent (src/net/http/request.go `defaultUserAgent`),
    // sent by Go sprayers and scanners that do not set one.
    pattern: /^Go-http-client\/\d/i,
    alone: true,
    source: 'go.dev/src/net/http/request.go defaultUserAgent',
  },
  {
    tool: 'curl',
    kind: 'script',
    // Source: curl's default user agent `curl/<version>` (curl.se/docs/manpage.html --user-agent).
    pattern: /^curl\/\d/i,
    alone: true,
    source: 'curl.se/docs/manpage.html (--user-agent default)',
  },
  {
    tool: 'TREVORspray',
    kind: 'spray',
    // Source: github.com/blacklanternsecurity/TREVORspray trevorspray/lib/sprayers/msol.py
    // `headers`. Windows sends the same string for its own Entra sign-ins, so it only names the
    // tool when the attempts already look like a spray.
    pattern: /^Windows-AzureAD-Authentication-Provider\/1\.0$/i,
    alone: false,
    source: 'github.com/blacklanternsecurity/TREVORspray trevorspray/lib/sprayers/msol.py',
  },
  {
    tool: 'MSOLSpray or another PowerShell sprayer',
    kind: 'spray',
    // Source: github.com/dafthack/MSOLSpray MSOLSpray.ps1 (Invoke-WebRequest without a user
    // agent, so PowerShell's default `WindowsPowerShell/5.1`); AADInternals, MFASweep and
    // TokenTactics send it too, and so do admins' own scripts: never alone.
    pattern: /WindowsPowerShell\/\d|PowerShell\/\d/i,
    alone: false,
    source: 'github.com/dafthack/MSOLSpray MSOLSpray.ps1',
  },
  {
    tool: 'ROPC legacy client (BAV2ROPC)',
    kind: 'spray',
    // Source: the user agent Entra records when Exchange Online turns a basic-authentication
    // sign-in into a resource-owner password grant; sprays against IMAP/POP/SMTP show it, and
    // so do old mail clients: never alone.
    pattern: /^BAV2ROPC$/i,
    alone: false,
    source: 'Microsoft Entra sign-in logs (basic authentication sign-ins); Microsoft Threat Intelligence password spray reports',
  },
];

/** The tool a user agent points to, or null. */
export function attackToolOf(userAgent: string | null | undefined): AttackToolAgent | null {
  if (!userAgent) return null;
  const agent = userAgent.trim();
  return ATTACK_TOOL_AGENTS.find((t) => t.pattern.test(agent)) ?? null;
}

/** Distinct tool names among user agents, in order of first appearance. */
export function attackToolsOf(userAgents: readonly (string | null | undefined)[]): string[] {
  const tools: string[] = [];
  for (const ua of userAgents) {
    const tool = attackToolOf(ua)?.tool;
    if (tool && !tools.includes(tool)) tools.push(tool);
  }
  return tools;
}

import { describe, expect, it } from 'vitest';
import { htmlTemplateToText, messageIdFor, renderEmail, smtpFailure } from './email.ts';
import { valuesLookup } from '../event-values.ts';

const hostile = valuesLookup({
  'Event.Target': '<script>alert(1)</script> & "Move to RSS"',
  'Event.UserName': 'megan@contoso.com\r\nBcc: attacker@evil.example',
  'User.DisplayName': '{Event.UserName}',
});
const message = { lookup: hostile, eventUrl: 'https://tw.example/events/0b6f4c0e-7d43-4d8e-9e7a-3c1b2a9f8e11' };

describe('alert email', () => {
  it('a subject cannot gain a header: CR and LF become spaces', () => {
    const { subject } = renderEmail({ subject: 'Rule by {Event.UserName}', html: false, body: '' }, message);
    expect(subject).toBe('Rule by megan@contoso.com Bcc: attacker@evil.example');
    expect(subject).not.toMatch(/[\r\n]/);
  });

  it('HTML bodies escape values; the template markup stays', () => {
    const { html, text } = renderEmail({ subject: 's', html: true, body: '<p><b>Rule:</b> {Event.Target}</p><p>By {User.DisplayName}</p>' }, message);
    expect(html).toContain('<p><b>Rule:</b> &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Move to RSS&quot;</p>');
    // A placeholder inside a value is not expanded again.
    expect(html).toContain('By {Event.UserName}');
    expect(text).toContain('Rule: <script>alert(1)</script> & "Move to RSS"');
    expect(text).not.toContain('<b>');
  });

  it('plain bodies are escaped in the HTML part and carry the View event link in both parts', () => {
    const { html, text } = renderEmail({ subject: 's', html: false, body: 'Rule {Event.Target}' }, message);
    expect(html).toContain('Rule &lt;script&gt;');
    expect(html).toContain(`<a href="${message.eventUrl}"`);
    expect(html).toContain('>View event</a>');
    expect(text).toMatch(/View event: https:\/\/tw\.example\/events\/0b6f4c0e-7d43-4d8e-9e7a-3c1b2a9f8e11\n$/);
  });

  it('the same key makes the same Message-ID', () => {
    expect(messageIdFor('e1:a1', 'northwind.example')).toBe(messageIdFor('e1:a1', 'northwind.example'));
    expect(messageIdFor('e1:a1', 'northwind.example')).not.toBe(messageIdFor('e1:a2', 'northwind.example'));
    expect(messageIdFor('e1:a1', 'northwind.example')).toMatch(/^<[0-9a-f]{40}@northwind\.example>$/);
  });

  it('an HTML template becomes text with line breaks', () => {
    expect(htmlTemplateToText('<p>a &amp; b</p><p>c<br>d</p>')).toBe('a & b\nc\nd\n');
  });

  it.each([
    [{ responseCode: 451, response: '451 try later' }, true],
    [{ responseCode: 550, response: '550 no such user' }, false],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, true],
  ])('SMTP failure %o retryable: %s', (err, retryable) => {
    expect(smtpFailure(err)).toMatchObject({ ok: false, retryable });
  });
});

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isTemplateField } from './event-lookup.ts';
import { checkTemplate, HEADER_MAX_LENGTH, parseTemplate, renderTemplate, TEMPLATE_CONTEXTS, type TemplateContext } from './template.ts';

const values = (map: Record<string, unknown>) => (field: string) => map[field];

describe('parseTemplate and checkTemplate', () => {
  test('finds placeholders, keeps other braces literal, and reads {{X.Y}} as the literal text', () => {
    expect(parseTemplate('{"a": {Event.Count}, "b": "{{Event.Title}}"} {x} {Event}').parts).toEqual([
      { kind: 'literal', text: '{"a": ' },
      { kind: 'field', field: 'Event.Count', position: 6 },
      { kind: 'literal', text: ', "b": "{Event.Title}"} {x} {Event}' },
    ]);
  });

  test('lists the fields used, in order, once each', () => {
    expect(checkTemplate('{Event.UserName} {User.DisplayName} {IP.CountryCode} {Event.UserName} {event.title}', isTemplateField)).toEqual({
      ok: true,
      fields: ['Event.UserName', 'User.DisplayName', 'IP.CountryCode', 'event.title'],
    });
  });

  test('reports unknown fields and unclosed placeholders with their positions', () => {
    const result = checkTemplate('Hi {Event.Titel}, from {IP.Country\n{Event.Url}', isTemplateField);
    expect(result).toEqual({
      ok: false,
      errors: [
        { message: "Unknown field 'Event.Titel' in '{Event.Titel}'", position: 3 },
        { message: "The placeholder '{IP.Country' has no closing '}'", position: 23 },
      ],
    });
  });

  test('refuses a template past the length limit', () => {
    const result = checkTemplate('x'.repeat(100_001), isTemplateField);
    expect(result.ok).toBe(false);
  });
});

describe('renderTemplate', () => {
  const hostile = values({
    'Event.Title': '<script>alert(1)</script> & "quotes" \'single\'',
    'Event.Target': '"},"x":"injected',
    'Event.UserAgent': 'Mozilla\r\nBcc: everyone@example.com\r\n\r\n<html>',
    'Event.Description': 'see {Event.Title} and {{Event.UserName}}',
    'User.DisplayName': 'invoice\u202Efdp.exe',
    'Event.Time': new Date('2026-11-01T08:30:00Z'),
    'Event.Mitre': ['TA0009:T1114.003', null, 'TA0006:T1110'],
    'Event.Count': 25,
    'User.IsAdmin': [true],
    'Event.Created': new Date(Number.NaN),
  });

  test('formats values: ISO dates, joined lists, empty for missing, numbers', () => {
    expect(renderTemplate('{Event.Time}|{Event.Mitre}|{Event.UserName}|{Event.Count}|{User.IsAdmin}|{Event.Created}', hostile, 'text')).toBe(
      '2026-11-01T08:30:00.000Z|TA0009:T1114.003, TA0006:T1110||25|true|',
    );
  });

  test('renders once: placeholders inside values are never expanded', () => {
    for (const context of TEMPLATE_CONTEXTS) {
      const rendered = renderTemplate('{Event.Description}', hostile, context);
      const out = context === 'form' ? decodeURIComponent(rendered) : rendered;
      expect(out).toContain('{Event.Title}');
      expect(out).toContain('{{Event.UserName}}');
      expect(out).not.toContain('<script>');
    }
  });

  test('html escapes every markup character of a value, not the template', () => {
    expect(renderTemplate('<b>{Event.Title}</b>', hostile, 'html')).toBe(
      '<b>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;single&#39;</b>',
    );
  });

  test('json keeps the document intact inside strings and types values outside them', () => {
    const body = renderTemplate(
      '{"title": "{Event.Title}", "target": "{Event.Target}", "ua": "{Event.UserAgent}", "count": {Event.Count}, "mitre": {Event.Mitre}, "missing": {Event.UserName}, "when": {Event.Time}}',
      hostile,
      'json',
    );
    expect(JSON.parse(body)).toEqual({
      title: '<script>alert(1)</script> & "quotes" \'single\'',
      target: '"},"x":"injected',
      ua: 'Mozilla\r\nBcc: everyone@example.com\r\n\r\n<html>',
      count: 25,
      mitre: ['TA0009:T1114.003', null, 'TA0006:T1110'],
      missing: null,
      when: '2026-11-01T08:30:00.000Z',
    });
    expect(body).not.toContain('<');
    expect(Object.keys(JSON.parse(body) as object)).not.toContain('x');
  });

  test('json tracks escaped quotes in the template', () => {
    const body = renderTemplate('{"a": "say \\"{Event.Count}\\"", "b": {Event.Count}}', hostile, 'json');
    expect(JSON.parse(body)).toEqual({ a: 'say "25"', b: 25 });
  });

  test('header removes CR/LF and every control character, and caps the length', () => {
    const subject = renderTemplate('Alert: {Event.UserAgent}', hostile, 'header');
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject).toBe('Alert: Mozilla Bcc: everyone@example.com <html>');
    const long = renderTemplate('{Event.Title}', values({ 'Event.Title': '😀'.repeat(2000) }), 'header');
    expect(long.length).toBeLessThanOrEqual(HEADER_MAX_LENGTH);
    expect(long.endsWith('…')).toBe(true);
    expect(long).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  test('slack disarms mentions and links written in values', () => {
    const lookup = values({ 'Event.Target': '<!channel> <!here> <@U123> <https://evil.example|click here> & co' });
    expect(renderTemplate('*Rule:* {Event.Target}', lookup, 'slack')).toBe(
      '*Rule:* &lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;https://evil.example|click here&gt; &amp; co',
    );
  });

  test('teams breaks markdown links, autolinks and line-start markup written in values', () => {
    const lookup = values({ 'Event.Target': '[Reset your password](https://evil.example) <https://evil.example>', 'Event.Title': '# Urgent\n- do this' });
    const out = renderTemplate('Rule: {Event.Target}', lookup, 'teams');
    expect(out).not.toContain('](');
    expect(out).not.toMatch(/<https/);
    expect(out.replace(/\u200B/g, '')).toBe('Rule: [Reset your password](https://evil.example) <https://evil.example>');
    const title = renderTemplate('{Event.Title}', lookup, 'teams');
    expect(title).not.toMatch(/^#/);
    expect(title).not.toContain('\n');
  });

  test('form percent-encodes values so they cannot add fields', () => {
    const out = renderTemplate('a={Event.Target}&b=1', values({ 'Event.Target': 'x&admin=1 ü\uD800' }), 'form');
    expect([...new URLSearchParams(out)]).toEqual([
      ['a', 'x&admin=1 ü\uFFFD'],
      ['b', '1'],
    ]);
  });

  test.each(TEMPLATE_CONTEXTS)('direction overrides in values are shown, not obeyed (%s)', (context) => {
    const rendered = renderTemplate('{User.DisplayName}', hostile, context);
    const out = context === 'form' ? decodeURIComponent(rendered) : rendered;
    expect(out).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    expect(out).toContain('U+202E');
  });

  test('a lookup that throws renders as empty', () => {
    expect(
      renderTemplate(
        'a{Event.Title}b',
        () => {
          throw new Error('boom');
        },
        'text',
      ),
    ).toBe('ab');
  });
});

describe('renderTemplate properties', () => {
  const fieldNames = ['Event.Title', 'Event.UserName', 'Event.Count', 'Event.Time', 'Event.Mitre', 'User.DisplayName', 'IP.CountryCode'];
  const anyValue = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.string({ unit: 'grapheme-composite' }),
    fc.constantFrom('<script>', '"},"x":"', '\r\nBcc: x', '{Event.Title}', '<!channel>', '[a](http://b)', '\u202E', '\uD800', '\\', '&lt;'),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.date(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.constant(null)), { maxLength: 4 }),
    fc.object({ maxDepth: 2 }),
  );
  const lookups = fc.dictionary(fc.constantFrom(...fieldNames), anyValue).map((map) => (f: string) => map[f]);
  const contexts = fc.constantFrom<TemplateContext>(...TEMPLATE_CONTEXTS);

  test('never throws, whatever the template and values', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), lookups, contexts, (template, lookup, context) => {
        expect(typeof renderTemplate(template, lookup, context)).toBe('string');
      }),
      { numRuns: 1000 },
    );
  });

  test('html output never holds a < or > that came from a value', () => {
    // A template without markup characters: any < > " in the output could only come from a value.
    const template = fc
      .array(
        fc.oneof(
          fc.constantFrom(...fieldNames.map((f) => `{${f}}`)),
          fc.string({ maxLength: 10 }).map((s) => s.replace(/[<>"{}]/g, '')),
        ),
        { maxLength: 8 },
      )
      .map((p) => p.join(''));
    fc.assert(
      fc.property(template, lookups, (t, lookup) => {
        const out = renderTemplate(t, lookup, 'html');
        expect(out).not.toMatch(/[<>"]/);
      }),
      { numRuns: 1000 },
    );
  });

  test('a JSON template stays JSON whatever the values, and strings come back exactly', () => {
    const jsonTemplate = fc
      .array(fc.tuple(fc.string({ maxLength: 6 }), fc.constantFrom(...fieldNames), fc.boolean()), { minLength: 1, maxLength: 6 })
      .map((entries) => `{${entries.map(([k, f, quoted], i) => `${JSON.stringify(k + i)}: ${quoted ? `"pre {${f}} post"` : `{${f}}`}`).join(', ')}}`);
    fc.assert(
      fc.property(jsonTemplate, lookups, (t, lookup) => {
        const out = renderTemplate(t, lookup, 'json');
        expect(() => JSON.parse(out)).not.toThrow();
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const clean = s.replace(/[\u202A-\u202E\u2066-\u2069]/g, '');
        const out = JSON.parse(renderTemplate('{"v": "{Event.Title}"}', values({ 'Event.Title': clean }), 'json')) as { v: string };
        expect(out.v).toBe(clean);
      }),
      { numRuns: 500 },
    );
  });

  test('header output never holds a control character, and stays within the cap', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), lookups, (template, lookup) => {
        const out = renderTemplate(template, lookup, 'header');
        // eslint-disable-next-line no-control-regex
        expect(out).not.toMatch(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]/);
        expect(out.length).toBeLessThanOrEqual(HEADER_MAX_LENGTH);
      }),
      { numRuns: 500 },
    );
  });

  test('teams output never holds a markdown link or autolink that came from a value', () => {
    const template = fc.array(fc.constantFrom(...fieldNames.map((f) => `{${f}}`), ' ', 'text'), { maxLength: 8 }).map((p) => p.join(''));
    const linky = fc.array(fc.constantFrom('[', ']', '(', ')', '<', '>', 'http://a', ' ', '\n', 'x'), { maxLength: 12 }).map((p) => p.join(''));
    const lookup = fc.dictionary(fc.constantFrom(...fieldNames), linky).map((map) => (f: string) => map[f]);
    fc.assert(
      fc.property(template, lookup, (t, l) => {
        const out = renderTemplate(t, l, 'teams');
        expect(out).not.toMatch(/\]\s*\(/);
        expect(out).not.toMatch(/<[^\u200B]/);
      }),
      { numRuns: 1000 },
    );
  });

  test('slack output never holds a < or > that came from a value', () => {
    const template = fc.array(fc.constantFrom(...fieldNames.map((f) => `{${f}}`), ' ', '*', 'text'), { maxLength: 8 }).map((p) => p.join(''));
    fc.assert(
      fc.property(template, lookups, (t, lookup) => {
        expect(renderTemplate(t, lookup, 'slack')).not.toMatch(/[<>]/);
      }),
      { numRuns: 1000 },
    );
  });
});

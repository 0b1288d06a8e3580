import { findField, type FilterableEvent } from '../language/index.ts';

/**
 * The values behind `{Event.Field}` placeholders for one event, read from the same places the
 * filter language reads them (services/language/fields.ts), so a template and a trigger
 * condition always see the same value. Fields with several values (users, apps, IPs, lists)
 * answer an array of the known ones; the template joins them. Unknown or missing: undefined.
 *
 * @example renderTemplate('{Event.UserName} from {IP.CountryCode}', eventLookup(event), 'text')
 */
export function eventLookup(event: FilterableEvent): (field: string) => unknown {
  return (name) => {
    const field = findField(name);
    if (!field) return undefined;
    const source = field.source;
    switch (source.from) {
      case 'column':
        return event[source.column] ?? undefined;
      case 'event-fields': {
        const fields = event.fields;
        return fields && Object.hasOwn(fields, source.key) ? fields[source.key] : undefined;
      }
      case 'tenant-name':
        return event.tenantName ?? undefined;
      case 'entity-key':
        return distinct((event.entities?.[source.entity] ?? []).map((e) => e.key));
      case 'entity-snapshot': {
        const path = source.key.split('.');
        const values: unknown[] = [];
        for (const entity of event.entities?.[source.entity] ?? []) {
          let value: unknown = entity.snapshot;
          for (const step of path) {
            value =
              value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, step)
                ? (value as Record<string, unknown>)[step]
                : undefined;
            if (value === undefined) break;
          }
          if (Array.isArray(value)) values.push(...(value as unknown[]));
          else if (value !== undefined && value !== null) values.push(value);
        }
        return distinct(values);
      }
    }
  };
}

function distinct(values: unknown[]): unknown[] | undefined {
  const out = [...new Set(values.filter((v) => v !== null && v !== undefined && v !== ''))];
  return out.length ? out : undefined;
}

/**
 * Placeholders that exist in messages only, not in the filter language: `{Event.Url}` is the
 * "View event" link (the event's page; the deep link signs people in); `Score.*` are filled by
 * score triggers, `Report.*` by scheduled ones (empty elsewhere).
 */
export const MESSAGE_ONLY_FIELDS = [
  { name: 'Event.Url', description: 'The "View event" link to the event\'s page in Tenantwatch.' },
  { name: 'Score.UserName', description: 'Score triggers: the user whose risk score entered the band.' },
  { name: 'Score.Value', description: "Score triggers: the user's risk score, 0–100." },
  { name: 'Score.Band', description: 'Score triggers: the band the score is in now (low, medium, high, critical).' },
  { name: 'Score.Events', description: "Score triggers: the user's open events behind the score (title and severity), heaviest first." },
  { name: 'Score.EventCount', description: 'Score triggers: how many open events the user has.' },
  { name: 'Report.From', description: 'Scheduled triggers: the start of the period the report covers.' },
  { name: 'Report.To', description: 'Scheduled triggers: the end of the period (the due time of the run).' },
  { name: 'Report.Total', description: 'Scheduled triggers: the events of the period that match the condition.' },
  { name: 'Report.Open', description: 'Scheduled triggers: how many matching events are open now.' },
  { name: 'Report.Text', description: 'Scheduled triggers: the report in plain text (counts by severity, top detections).' },
] as const;

/** A message-only field's name as listed, for any case; undefined for other names. */
export function messageOnlyField(name: string): string | undefined {
  const lower = name.toLowerCase();
  return MESSAGE_ONLY_FIELDS.find((f) => f.name.toLowerCase() === lower)?.name;
}

/** For `checkTemplate`: the filter language's fields and the message-only ones, case-insensitive. */
export function isTemplateField(name: string): boolean {
  return findField(name) !== undefined || messageOnlyField(name) !== undefined;
}

/** Adds `{Event.Url}` (the "View event" link) to a lookup. */
export function withEventUrl(lookup: (field: string) => unknown, eventUrl: string | null): (field: string) => unknown {
  return (name) => (name.toLowerCase() === 'event.url' ? (eventUrl ?? undefined) : lookup(name));
}

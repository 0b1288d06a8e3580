import type { Command } from 'commander';
import { openApiDocument } from '../../api/openapi.ts';
import { type CommandHost, print } from '../io.ts';

export function registerOpenapiCommand(program: Command, host: CommandHost) {
  program.command('openapi').action(() => print(host.io, JSON.stringify(openApiDocument(), null, 2)));
}

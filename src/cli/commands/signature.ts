import { readFileSync } from 'node:fs';

import { Command } from 'commander';

import { getSignatureTemplate, previewSignature, setSignatureTemplate } from '../../admin/signatures.ts';
import { DirectoryError } from '../../directory/errors.ts';
import { printJson, withAdmin, withCommonOptions, type CommonOptions } from '../context.ts';

type SignatureOptions = CommonOptions & { tenant?: string; json?: boolean };

function readTemplate(file: string | undefined, field: 'text' | 'html'): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new DirectoryError('invalid', `cannot read ${file}: ${(err as Error).message}`, field);
  }
}

function printSignature(signature: { text: string; html: string }): void {
  process.stdout.write(`--- text ---\n${signature.text || '(none)'}\n--- html ---\n${signature.html || '(none)'}\n`);
}

export function signatureCommand(): Command {
  const signature = new Command('signature').description('the organisation-wide e-mail signature template, filled in per user from the directory');
  withCommonOptions(signature.command('show').description('show the template'))
    .option('--tenant <name>', 'the organisation (default: the default tenant)')
    .option('--json', 'JSON output: { text, html }')
    .action((options: SignatureOptions) =>
      withAdmin(options, async (ctx) => {
        const template = await getSignatureTemplate(ctx, { tenant: options.tenant });
        if (options.json) return printJson(template);
        printSignature(template);
      }),
    );
  withCommonOptions(
    signature
      .command('set')
      .description('set the template from files; placeholders {{name}} {{email}} {{title}} {{department}} {{phone}} {{organisation}}, a line with a missing value is left out'),
  )
    .option('--text <file>', 'the plain-text template (unchanged if not given)')
    .option('--html <file>', 'the HTML template (unchanged if not given)')
    .option('--tenant <name>', 'the organisation (default: the default tenant)')
    .option('--json', 'JSON output: { text, html }')
    .action((options: SignatureOptions & { text?: string; html?: string }) =>
      withAdmin(options, async (ctx) => {
        const text = readTemplate(options.text, 'text');
        const html = readTemplate(options.html, 'html');
        if (text === undefined && html === undefined) throw new DirectoryError('invalid', 'give --text FILE, --html FILE or both', 'text');
        const current = await getSignatureTemplate(ctx, { tenant: options.tenant });
        const stored = await setSignatureTemplate(ctx, { tenant: options.tenant, text: text ?? current.text, html: html ?? current.html });
        if (options.json) return printJson(stored);
        process.stdout.write(`signature template set (text ${stored.text.length} characters, HTML ${stored.html.length} characters)\n`);
      }),
    );
  withCommonOptions(signature.command('preview <user>').description('show the signature the template makes for a user'))
    .option('--json', 'JSON output: { text, html }')
    .action((user: string, options: SignatureOptions) =>
      withAdmin(options, async (ctx) => {
        const rendered = await previewSignature(ctx, { principal: user });
        if (options.json) return printJson(rendered);
        printSignature(rendered);
      }),
    );
  return signature;
}

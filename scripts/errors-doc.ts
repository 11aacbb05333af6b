/** Writes docs/errors.md from the error catalogue in src/core/errors.ts (`npx tsx scripts/errors-doc.ts`). */
import { writeFileSync } from 'node:fs';
import { ERROR_CODES, ERROR_MEANINGS, httpStatusOf } from '../src/core/errors.js';

const rows = ERROR_CODES.map((c) => `| \`${c}\` | ${httpStatusOf(c)} | ${ERROR_MEANINGS[c] ?? ''} |`);
writeFileSync('docs/errors.md', `# Error codes

Every error Underpass answers carries one of these AWS error codes, in the EC2 envelope
(\`<Response><Errors><Error><Code>\`) or the ELBv2 envelope (\`<ErrorResponse><Error><Type>Sender\`),
with this HTTP status and a message that says what is wrong. Generated from \`src/core/errors.ts\`
by \`npx tsx scripts/errors-doc.ts\`; \`test/lint/errors-doc.test.ts\` fails when the two drift.

| code | HTTP | when |
|---|---|---|
${rows.join('\n')}
`);

/**
 * Reads a password for `hash-password`: the whole of stdin when piped, or a no-echo prompt
 * on a terminal (asked twice). Never from argv.
 */
import type { CliIo } from './io.ts';
import { UsageError } from './exit-codes.ts';

const MAX_PASSWORD_BYTES = 4096;

/**
 * Returns the password (one trailing newline stripped when piped).
 * @throws UsageError if empty, too long, or the two prompted entries differ.
 */
export async function readPassword(io: CliIo): Promise<string> {
  const pw = io.stdin.isTTY ? await promptTwice(io) : await readPiped(io);
  if (pw.length === 0) throw new UsageError('hash-password: the password is empty');
  return pw;
}

async function readPiped(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of io.stdin) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    total += b.length;
    if (total > MAX_PASSWORD_BYTES) throw new UsageError(`hash-password: the password is longer than ${MAX_PASSWORD_BYTES} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function promptTwice(io: CliIo): Promise<string> {
  const first = await promptHidden(io, 'Password: ');
  const second = await promptHidden(io, 'Repeat password: ');
  if (first !== second) throw new UsageError('hash-password: the two passwords differ');
  return first;
}

/** One line from a raw-mode terminal, echoing nothing. Ctrl-C / Ctrl-D abort. */
function promptHidden(io: CliIo, label: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const { stdin, stderr } = io;
    // Echo goes off before the prompt appears, so nothing typed early is echoed.
    stdin.setRawMode?.(true);
    stderr.write(label);
    let text = '';
    const done = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      stderr.write('\n');
      if (err) reject(err); else resolve(text);
    };
    const onData = (data: Buffer | string) => {
      for (const ch of String(data)) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new UsageError('hash-password: cancelled'));
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    stdin.setEncoding?.('utf8');
    stdin.on('data', onData);
    stdin.resume();
  });
}

// A real SMTP server on loopback for the tests: it keeps each message the paywall server
// sends and hands it, parsed, to whoever waits for it.
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export async function startSmtpSink() {
  const messages = [];
  const waiting = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, _session, done) {
      simpleParser(stream).then((message) => {
        messages.push(message);
        for (const wake of waiting.splice(0)) wake();
        done();
      }, done);
    },
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address();
  return {
    url: `smtp://127.0.0.1:${port}`,
    /** The next message to `to` after the `seen` already taken, within 10 s. */
    async next(to, seen = 0) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const mine = messages.filter((m) => m.to?.text === to);
        if (mine.length > seen) return mine[seen];
        if (Date.now() > deadline) throw new Error(`no email to ${to} within 10 s`);
        await new Promise((resolve) => {
          waiting.push(resolve);
          setTimeout(resolve, deadline - Date.now());
        });
      }
    },
    count(to) {
      return messages.filter((m) => m.to?.text === to).length;
    },
    close() {
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The six digits and the sign-in link in an email. */
export function codeAndLink(message) {
  const code = message.text.match(/^\s*(\d{6})\s*$/m)?.[1];
  const link = message.text.match(/^(http\S+)$/m)?.[1];
  if (!code || !link) throw new Error(`no code or link in: ${message.text}`);
  return { code, link };
}

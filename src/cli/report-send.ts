// `pauta report --send`: the e-mail the daemon sends after each run (report.email), sent once now,
// to check the settings. Exit 0 when the server took it for every recipient, 1 when sending failed,
// 2 when the settings cannot be used (no report.email, an unset password variable).
import type { Command } from 'commander';
import type { PautaConfig } from '../config/load.ts';
import { UsageError } from '../core/errors.ts';
import { EmailSendError, reportMessage, sendReportEmail, smtpAddress } from '../report/email.ts';
import type { Lang } from '../report/labels.ts';
import type { ReportData } from '../report/model.ts';
import { EXIT } from './app.ts';

/** --send e-mails instead of printing: the output options would say nothing. */
export function checkSendOptions(cmd: Command): void {
  const given = ['format', 'out', 'table'].filter((o) => cmd.getOptionValueSource(o) === 'cli');
  if (given.length > 0) throw new UsageError(`--send: cannot be combined with ${given.map((o) => `--${o}`).join(', ')} (the e-mail is the HTML page with a plain-text part)`);
}

/** The language of the e-mail: --lang when given, else report.lang. */
export function sendLang(cmd: Command, config: PautaConfig, lang: Lang): Lang {
  return cmd.getOptionValueSource('lang') === 'cli' ? lang : (config.report?.lang ?? lang);
}

export async function sendReportByHand(config: PautaConfig, report: ReportData, lang: Lang): Promise<number> {
  const settings = config.report?.email;
  if (settings === undefined) throw new UsageError(`${config.file}: report.email: not set; --send uses its recipients and SMTP server (README "Daily report")`);
  const message = reportMessage(report, lang);
  try {
    const sent = await sendReportEmail(settings, message);
    process.stderr.write(`pauta: e-mailed "${message.subject}" to ${sent.accepted.join(', ')} through ${smtpAddress(settings.smtp)}\n`);
    if (sent.rejected.length === 0) return EXIT.ok;
    process.stderr.write(`pauta: the server refused ${sent.rejected.join(', ')}\n`);
    return EXIT.sourceFailed;
  } catch (e) {
    if (e instanceof EmailSendError) throw new Error(`e-mail not sent: ${e.message}`);
    throw e;
  }
}

// Config errors name the file and the key; typos and inline secrets never pass.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nameMatcher } from '../src/config/fields.ts';
import { ConfigError, parseConfig } from '../src/config/load.ts';
import { defaultRegistry } from '../src/connectors/index.ts';
import { fakeConnector } from './helpers/fake-connector.ts';
import { TARGETS_YAML } from './helpers/app.ts';

const fake = fakeConnector({ days: () => [], windows: [] });
const registry = new Map([[fake.platform, fake]]);

function problems(text: string): string[] {
  try {
    parseConfig(text, 'pauta.yaml', registry);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const SOURCE = `
sources:
  - id: fake
    platform: test_fake
    accounts: [{ id: "1", time_zone: UTC }]
`;

describe('config', () => {
  it('ships the campaign plan as the default config', () => {
    const cfg = parseConfig(readFileSync('config/pauta.yaml', 'utf8'), 'config/pauta.yaml', defaultRegistry());
    expect(cfg.targets.map((t) => [t.id, t.name, t.projected, t.period.start, t.period.end])).toEqual([
      ['programmatic', 'Campaña en Programmatic', 517242, '2021-09-01', '2021-12-31'],
      ['social', 'Campañas en YouTube y Twitter', 262963, '2021-09-01', '2021-12-31'],
    ]);
    expect(cfg.targets[0]!.focus_regions).toEqual(['US-CA', 'US-TX', 'US-IL']);
    expect(cfg.targets[1]!.countries).toEqual(['US', 'CA', 'ES']);
  });

  it('rejects a config without targets', () => {
    expect(problems(SOURCE)).toEqual(['targets: Invalid input: expected array, received undefined']);
  });

  it('names the key of a bad date', () => {
    const text = SOURCE + TARGETS_YAML.replace('start: 2021-09-01, end: 2021-12-31 }\n    countries: [US]\n', 'start: 2021-09-31, end: 2021-12-31 }\n    countries: [US]\n');
    expect(problems(text)).toEqual(['targets[0].period.start: expected a date as YYYY-MM-DD']);
  });

  it('rejects unknown keys, at the top and inside a source', () => {
    expect(problems(`${SOURCE}${TARGETS_YAML}\nschedul: {}\n`)).toEqual(['(top level): Unrecognized key: "schedul"']);
    const typo = SOURCE.replace('accounts:', 'lookback_dayz: 3\n    accounts:');
    expect(problems(typo + TARGETS_YAML)).toEqual(['sources[0]: Unrecognized key: "lookback_dayz"']);
  });

  it('rejects a secret written inline instead of an environment variable name', () => {
    const inline = SOURCE.replace('accounts:', 'api_key_env: "sk-live-9f8e7d6c5b4a"\n    accounts:');
    const [p] = problems(inline + TARGETS_YAML);
    expect(p).toMatch(/^sources\[0\]\.api_key_env: expected the NAME of an environment variable/);
    expect(p).not.toContain('sk-live');
  });

  it('rejects unknown platforms, duplicate ids and rules naming missing sources', () => {
    const text = `
sources:
  - { id: a, platform: myspace }
  - { id: b, platform: test_fake, accounts: [{ id: "1", time_zone: UTC }] }
  - { id: b, platform: test_fake, accounts: [{ id: "2", time_zone: UTC }] }
${TARGETS_YAML.replace('- { channel: display }', '- { source: nope }')}`;
    expect(problems(text)).toEqual([
      'sources[0].platform: unknown platform "myspace" (expected one of test_fake)',
      'sources[2].id: "b" is used by another source',
      'targets[0].include[0].source: no source with id "nope"',
    ]);
  });

  it('reports YAML syntax errors', () => {
    expect(problems('targets: [\n')[0]).toMatch(/^YAML: /);
  });

  it('refuses a YAML alias bomb ("billion laughs") without expanding it', () => {
    // Nine aliases of nine aliases, nine levels deep: 387 million strings if expanded.
    const levels = 'abcdefghi'.split('');
    const bomb = levels
      .map((l, i) => `${l}: &${l} [${Array(9).fill(i === 0 ? '"lol"' : `*${levels[i - 1]}`).join(', ')}]`)
      .join('\n');
    expect(problems(`${bomb}\n${TARGETS_YAML}`)).toEqual([
      'YAML: aliases expand into too many values (an "alias bomb"?): write the values out, or use fewer aliases',
    ]);
  });

  it('a few ordinary aliases are still fine', () => {
    const text = `${SOURCE}${TARGETS_YAML.replace('{ start: 2021-09-01, end: 2021-12-31 }', '&fy { start: 2021-09-01, end: 2021-12-31 }').replace('period: { start: 2021-09-01, end: 2021-12-31 }\n    countries: [US, CA, ES]', 'period: *fy\n    countries: [US, CA, ES]')}`;
    expect(parseConfig(text, 'pauta.yaml', registry).targets[1]!.period).toEqual({ start: '2021-09-01', end: '2021-12-31' });
  });
});

describe('name patterns run in linear time', () => {
  const withPattern = (pattern: string) =>
    `${SOURCE}${TARGETS_YAML.replace('- { channel: display }', `- { campaign_name: ${JSON.stringify(pattern)} }`)}`;

  it('a catastrophic pattern against a 26-character name returns at once, with the right answer', () => {
    // On a backtracking engine (a+)+$ tries 2^25 ways to split the a's before failing.
    const match = nameMatcher('(a+)+$');
    expect(match(`${'a'.repeat(25)}!`)).toBe(false);
    expect(match('a'.repeat(26))).toBe(true);
    // Linear on RE2, so the config accepts it.
    expect(parseConfig(withPattern('(a+)+$'), 'pauta.yaml', registry).targets[0]!.include).toEqual([{ campaign_name: '(a+)+$' }]);
  });

  it('case-insensitive search, accents included, as before', () => {
    expect(nameMatcher('Exterior|Registro')('Campaña EXTERIOR 2021')).toBe(true);
    expect(nameMatcher('^(display|youtube)')('YouTube — Norteamérica')).toBe(true);
    expect(nameMatcher('ÉXITO')('campaña éxito')).toBe(true);
    expect(nameMatcher('\\bconsular\\b')('consulares')).toBe(false);
    expect(nameMatcher(undefined)('anything')).toBe(true);
  });

  it('refuses at load what needs backtracking, naming the key', () => {
    expect(problems(withPattern('(exterior) \\1'))).toEqual([
      'targets[0].include[0].campaign_name: uses a backreference (\\1), which needs a backtracking regular-expression engine; name patterns use RE2 syntax and run in linear time',
    ]);
    expect(problems(withPattern('exterior(?!-test)'))).toEqual([
      'targets[0].include[0].campaign_name: uses a lookahead ((?!), which needs a backtracking regular-expression engine; name patterns use RE2 syntax and run in linear time',
    ]);
    expect(problems(withPattern('(?<=x)y'))).toEqual([
      'targets[0].include[0].campaign_name: uses a lookbehind ((?<=), which needs a backtracking regular-expression engine; name patterns use RE2 syntax and run in linear time',
    ]);
    expect(problems(withPattern('(unclosed'))).toEqual([
      'targets[0].include[0].campaign_name: not a valid regular expression (missing closing ): `(unclosed`)',
    ]);
  });
});

describe('config: report', () => {
  const EMAIL = `
  email:
    from: "Indicadores <pauta@example.org>"
    to: [equipo@example.org]
    smtp: { host: smtp.example.org, user: pauta@example.org, password_env: PAUTA_SMTP_PASSWORD }
`;

  it('reads the page, the e-mail and their defaults', () => {
    const cfg = parseConfig(`${TARGETS_YAML}\nreport:\n  html: /srv/www/pauta/index.html\n  file_mode: "0644"\n${EMAIL}`, 'pauta.yaml', registry);
    expect(cfg.report).toEqual({
      lang: 'es',
      html: '/srv/www/pauta/index.html',
      file_mode: 0o644,
      email: {
        when: 'every_run',
        from: 'Indicadores <pauta@example.org>',
        to: ['equipo@example.org'],
        smtp: { host: 'smtp.example.org', port: 587, security: 'starttls', user: 'pauta@example.org', password_env: 'PAUTA_SMTP_PASSWORD' },
      },
    });
  });

  it('names the key of each problem', () => {
    expect(problems(`${TARGETS_YAML}\nreport:\n  lang: fr\n  html: index.html\n`)).toEqual(['report.lang: Invalid option: expected one of "es"|"en"']);
    expect(problems(`${TARGETS_YAML}\nreport:\n  lang: en\n`)).toEqual(['report: give at least one of html, json, csv or email']);
    expect(problems(`${TARGETS_YAML}\nreport:\n  html: index.html\n  file_mode: 0644\n`)).toEqual(['report.file_mode: expected an octal mode in quotes, like "0644"']);
    expect(problems(`${TARGETS_YAML}\nreport:\n  html: index.html\n  file_mode: "0666"\n`)).toEqual(['report.file_mode: group and others must not write (no 0020 or 0002 bit)']);
    expect(problems(`${TARGETS_YAML}\nreport:\n  email:\n    when: daily\n    from: pauta\n    to: []\n    smtp: { host: smtp.example.org, user: pauta, password_env: s3cr3t-Value }\n`)).toEqual([
      'report.email.when: Invalid option: expected one of "every_run"|"weekdays"|"status_change"',
      'report.email.from: expected an e-mail address, or "Name <address>"',
      'report.email.to: at least one recipient is needed',
      'report.email.smtp.password_env: expected the NAME of an environment variable (like GOOGLE_ADS_REFRESH_TOKEN), not the secret itself',
    ]);
    expect(problems(`${TARGETS_YAML}\nreport:\n  email:\n    from: a@example.org\n    to: [b@example.org]\n    smtp: { host: smtp.example.org, user: a, password_env: PAUTA_SMTP_PASSWORD, password: x }\n`)).toEqual([
      'report.email.smtp: Unrecognized key: "password"',
    ]);
    expect(problems(`${TARGETS_YAML}\nreport:\n  email:\n    from: a@example.org\n    to: [b@example.org]\n    smtp: { host: smtp.example.org, port: 25, security: none, user: a, password_env: PAUTA_SMTP_PASSWORD }\n`)).toEqual([
      'report.email.smtp.security: security: none would send the password unencrypted; use starttls or tls',
    ]);
    expect(problems(`${TARGETS_YAML}\nreport:\n  email:\n    from: a@example.org\n    to: [b@example.org]\n    smtp: { host: smtp.example.org, user: a }\n`)).toEqual([
      'report.email.smtp.password_env: a user needs password_env (the variable holding its password)',
    ]);
  });
});

// Words and number formats of the reports. The team works in Spanish (es-MX), so Spanish is the
// default; `--lang en` gives English.
import type { PacingStatus } from '../indicators/pacing.ts';

export type Lang = 'es' | 'en';

export const LOCALE: Record<Lang, string> = { es: 'es-MX', en: 'en-US' };

const es = {
  reportTitle: 'Indicadores del plan de campaña',
  reportSubtitle: 'Impresiones, SMS y correos a la comunidad en el exterior',
  asOf: 'al',
  cutoff: 'Corte al',
  noneSent: 'Aún sin envíos',
  deliveredOfSent: (pct: string) => `Entregados: ${pct} % de los enviados`,
  generatedAt: 'generado',
  simulated: 'DATOS SIMULADOS',
  simulatedDetail: 'Datos del entorno de prueba (sandbox): no son cifras reales de campaña.',
  impressionsTitle: 'Indicador de impresiones (logradas ÷ proyectadas × 100)',
  impressions: 'Impresiones',
  sms: 'SMS',
  email: 'Correos electrónicos',
  emailShort: 'Correo',
  impressionsFormula: 'logradas ÷ proyectadas',
  smsFormula: 'enviados ÷ programados',
  emailFormula: 'enviados ÷ programados',
  indicator: 'Indicador',
  progress: 'Avance',
  goal: 'Meta',
  target: 'Meta',
  projected: 'Proyectadas',
  achieved: 'Logradas',
  pct: '%',
  total: 'Total',
  byGeo: 'por geografía',
  byArea: 'por geografía del plan',
  byMonth: 'por mes',
  byPlatform: 'por plataforma',
  noData: 'sin datos',
  dataThrough: 'datos hasta',
  period: 'periodo',
  pacing: 'Ritmo',
  expectedToDate: 'Esperado a la fecha',
  variance: 'Diferencia',
  runRate: 'Ritmo diario',
  lastDays: (n: number) => `últimos ${n} días`,
  requiredRate: 'Ritmo necesario',
  perDay: '/día',
  projectedFinal: 'Proyección final',
  reachDate: 'Fecha de la meta',
  reachedOn: 'alcanzada el',
  reachEstimate: 'se alcanzaría el',
  reachedNote: 'meta cumplida',
  estimateNote: 'estimada al ritmo actual',
  estimateAfterNote: 'estimada: después del cierre',
  notReached: 'no se alcanza al ritmo actual',
  notReachedEnded: 'no alcanzada en el periodo',
  afterPeriod: 'después del cierre',
  status: 'Estado',
  statusWord: {
    ahead: 'Adelantado',
    on_track: 'En ritmo',
    behind: 'Atrasado',
    not_started: 'Sin iniciar',
    reached: 'Meta alcanzada',
    not_reached: 'Meta no alcanzada',
  } satisfies Record<PacingStatus, string>,
  phaseEnded: 'periodo concluido',
  tolerance: (n: string) => `tolerancia ±${n} %`,
  cumulativeTitle: 'Impresiones acumuladas contra la meta',
  legendAchieved: 'Logradas (acumulado)',
  legendPlan: 'Ritmo del plan',
  legendTarget: 'Meta',
  legendProjection: 'Proyección al ritmo actual',
  geoTitle: 'Impresiones por geografía',
  monthTitle: 'Impresiones por mes',
  platformTitle: 'Impresiones por plataforma',
  messagingTitle: 'SMS y correos electrónicos',
  send: 'Envío',
  sendN: (n: number) => `Envío ${n}`,
  scheduled: 'Programados',
  sent: 'Enviados',
  delivered: 'Entregados',
  failed: 'Fallidos',
  pending: 'Sin confirmar',
  deliveredPct: '% entregados',
  noSchedule: 'sin programación',
  fromList: 'según la lista programada importada',
  fromConfig: 'según el plan (configuración)',
  share: 'Participación',
  month: 'Mes',
  platform: 'Plataforma',
  area: 'Geografía',
  sendsDates: 'fechas de envío',
  footer: 'Cifras de las plataformas (Google Ads, Display & Video 360, X Ads) y de los reportes de entrega de SMS y correo. Los días son los de cada cuenta.',
  of: 'de',
  days: 'días',
  dayOf: (a: number, b: number) => `día ${a} de ${b}`,
  incompleteTitle: 'Datos incompletos',
  incompleteDetail: 'las cifras pueden no incluir todos los datos hasta el corte:',
  missingSince: (date: string) => `sin datos desde el ${date}`,
  noDataYet: 'aún sin datos',
  completeThrough: (date: string) => `datos completos hasta el ${date}`,
  lastRunFailed: (when: string) => `último intento fallido (${when})`,
  lastSuccess: (when: string) => `última carga correcta: ${when}`,
  noSuccess: 'ninguna carga correcta',
  sourcesLine: 'Datos por fuente',
  through: 'hasta',
  subjectMissing: 'faltan datos',
};

export type Labels = typeof es;

const en: Labels = {
  reportTitle: 'Campaign plan indicators',
  reportSubtitle: 'Impressions, SMS and e-mail to the community abroad',
  asOf: 'as of',
  cutoff: 'As of',
  noneSent: 'Nothing sent yet',
  deliveredOfSent: (pct: string) => `Delivered: ${pct} % of those sent`,
  generatedAt: 'generated',
  simulated: 'SIMULATED DATA',
  simulatedDetail: 'Data from the sandbox: not real campaign figures.',
  impressionsTitle: 'Impressions indicator (achieved ÷ projected × 100)',
  impressions: 'Impressions',
  sms: 'SMS',
  email: 'E-mail',
  emailShort: 'E-mail',
  impressionsFormula: 'achieved ÷ projected',
  smsFormula: 'sent ÷ scheduled',
  emailFormula: 'sent ÷ scheduled',
  indicator: 'Indicator',
  progress: 'Achieved',
  goal: 'Planned',
  target: 'Target',
  projected: 'Projected',
  achieved: 'Achieved',
  pct: '%',
  total: 'Total',
  byGeo: 'by geography',
  byArea: 'by plan geography',
  byMonth: 'by month',
  byPlatform: 'by platform',
  noData: 'no data',
  dataThrough: 'data through',
  period: 'period',
  pacing: 'Pacing',
  expectedToDate: 'Expected to date',
  variance: 'Variance',
  runRate: 'Daily run-rate',
  lastDays: (n: number) => `last ${n} days`,
  requiredRate: 'Required rate',
  perDay: '/day',
  projectedFinal: 'Projected final',
  reachDate: 'Target reached on',
  reachedOn: 'reached on',
  reachEstimate: 'would be reached on',
  reachedNote: 'target met',
  estimateNote: 'estimated at the current rate',
  estimateAfterNote: 'estimated: after the period ends',
  notReached: 'not reached at the current rate',
  notReachedEnded: 'not reached within the period',
  afterPeriod: 'after the period ends',
  status: 'Status',
  statusWord: { ahead: 'Ahead', on_track: 'On track', behind: 'Behind', not_started: 'Not started', reached: 'Target reached', not_reached: 'Target not reached' },
  phaseEnded: 'period ended',
  tolerance: (n: string) => `tolerance ±${n} %`,
  cumulativeTitle: 'Cumulative impressions against the target',
  legendAchieved: 'Achieved (cumulative)',
  legendPlan: 'Plan pacing',
  legendTarget: 'Target',
  legendProjection: 'Projection at current rate',
  geoTitle: 'Impressions by geography',
  monthTitle: 'Impressions by month',
  platformTitle: 'Impressions by platform',
  messagingTitle: 'SMS and e-mail',
  send: 'Send',
  sendN: (n: number) => `Send ${n}`,
  scheduled: 'Scheduled',
  sent: 'Sent',
  delivered: 'Delivered',
  failed: 'Failed',
  pending: 'Unconfirmed',
  deliveredPct: '% delivered',
  noSchedule: 'no schedule',
  fromList: 'from the imported programmed list',
  fromConfig: 'from the plan (configuration)',
  share: 'Share',
  month: 'Month',
  platform: 'Platform',
  area: 'Geography',
  sendsDates: 'send dates',
  footer: "Figures from the platforms (Google Ads, Display & Video 360, X Ads) and from the SMS and e-mail delivery reports. Days are each account's own.",
  of: 'of',
  days: 'days',
  dayOf: (a: number, b: number) => `day ${a} of ${b}`,
  incompleteTitle: 'Incomplete data',
  incompleteDetail: 'these figures may not include all data up to the cut-off:',
  missingSince: (date: string) => `no data since ${date}`,
  noDataYet: 'no data yet',
  completeThrough: (date: string) => `data complete through ${date}`,
  lastRunFailed: (when: string) => `last run failed (${when})`,
  lastSuccess: (when: string) => `last successful load: ${when}`,
  noSuccess: 'no successful load',
  sourcesLine: 'Data by source',
  through: 'through',
  subjectMissing: 'data missing',
};

export const LABELS: Record<Lang, Labels> = { es, en };

const AREA_LABELS: Record<Lang, Record<string, string>> = {
  es: { 'US-CA': 'California', 'US-TX': 'Texas', 'US-IL': 'Illinois', 'US-rest': 'Resto de EE. UU.', CA: 'Canadá', ES: 'España', other: 'Otros países', ZZ: 'Sin ubicar' },
  en: { 'US-CA': 'California', 'US-TX': 'Texas', 'US-IL': 'Illinois', 'US-rest': 'Rest of US', CA: 'Canada', ES: 'Spain', other: 'Other countries', ZZ: 'Unknown' },
};

const PLATFORM_LABELS: Record<string, string> = { google_ads: 'Google Ads', dv360: 'Display & Video 360', x_ads: 'X Ads' };

const GEO_LABELS_ES: Record<string, string> = { 'United States': 'Estados Unidos', Canada: 'Canadá', Spain: 'España', Mexico: 'México', Unknown: 'Sin ubicar', 'Other countries': 'Otros países' };

export function areaLabel(key: string, lang: Lang, fallback = key): string {
  return AREA_LABELS[lang][key] ?? fallback;
}

export function platformLabel(key: string): string {
  return PLATFORM_LABELS[key] ?? key;
}

/** A target's own geography buckets ("United States, rest") in the report's language. */
export function geoLabel(label: string, lang: Lang): string {
  if (lang === 'en') return label;
  const rest = /^(.*), rest$/.exec(label);
  if (rest) return `${GEO_LABELS_ES[rest[1]!] ?? rest[1]}, resto`;
  return GEO_LABELS_ES[label] ?? label;
}

export function formatNumber(n: number, lang: Lang): string {
  return new Intl.NumberFormat(LOCALE[lang], { maximumFractionDigits: 0 }).format(n);
}

export function formatDecimal(n: number, lang: Lang, digits = 1): string {
  return new Intl.NumberFormat(LOCALE[lang], { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}

export function formatPct(n: number | null, lang: Lang, digits = 2): string {
  if (n === null) return '—';
  return `${formatDecimal(n, lang, digits)} %`;
}

export function formatSignedPct(n: number | null, lang: Lang): string {
  if (n === null) return '—';
  return `${n > 0 ? '+' : n < 0 ? '−' : ''}${formatDecimal(Math.abs(n), lang, 1)} %`;
}

export function formatSigned(n: number, lang: Lang): string {
  const r = Math.round(n);
  return `${r > 0 ? '+' : r < 0 ? '−' : ''}${formatNumber(Math.abs(r), lang)}`;
}

/** "31 dic 2021" / "Dec 31, 2021". */
export function formatDate(date: string | null, lang: Lang): string {
  if (date === null) return '—';
  return new Intl.DateTimeFormat(LOCALE[lang], { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
}

/** "1 oct 2021, 12:31 UTC": an instant, in UTC so every reader sees the same. */
export function formatTimestamp(iso: string, lang: Lang): string {
  return `${new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso))} UTC`;
}

/** "septiembre 2021" / "September 2021". */
export function formatMonth(month: string, lang: Lang, style: 'long' | 'short' = 'long'): string {
  const s = new Intl.DateTimeFormat(LOCALE[lang], { month: style, year: 'numeric', timeZone: 'UTC' }).format(new Date(`${month}-01T00:00:00Z`));
  return s.replace(' de ', ' ');
}

/** "4–6 oct 2021", "27 sep – 16 nov 2021", or one date. */
export function formatDateRange(from: string | null, to: string | null, lang: Lang): string {
  if (from === null || to === null) return '—';
  if (from === to) return formatDate(from, lang);
  if (from.slice(0, 7) === to.slice(0, 7)) {
    const day = new Intl.DateTimeFormat(LOCALE[lang], { day: 'numeric', timeZone: 'UTC' }).format(new Date(`${from}T00:00:00Z`));
    return lang === 'en' ? formatDate(to, lang).replace(/^(\w+) (\d+)/, `$1 ${day}–$2`) : `${day}–${formatDate(to, lang)}`;
  }
  if (from.slice(0, 4) === to.slice(0, 4)) {
    const short = new Intl.DateTimeFormat(LOCALE[lang], { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(`${from}T00:00:00Z`));
    return `${short} – ${formatDate(to, lang)}`;
  }
  return `${formatDate(from, lang)} – ${formatDate(to, lang)}`;
}

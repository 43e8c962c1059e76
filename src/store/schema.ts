// Table types for kysely. Column meanings are documented in README.md ("The database").
import type { Generated } from 'kysely';

export interface TargetsTable {
  target_id: string;
  name: string;
  projected: number;
  period_start: string;
  period_end: string;
  position: number;
}

export interface AccountsTable {
  source_id: string;
  account_id: string;
  name: string | null;
  time_zone: string;
  currency: string | null;
  updated_at: string;
}

export interface CampaignsTable {
  source_id: string;
  account_id: string;
  campaign_id: string;
  platform: string;
  campaign_name: string;
  channel: string;
  target_id: string | null;
  updated_at: string;
}

export interface CampaignDaysTable {
  source_id: string;
  account_id: string;
  campaign_id: string;
  date: string;
  impressions: number;
  clicks: number | null;
  video_views: number | null;
  cost_micros: number | null;
  geo_method: string;
  run_id: string;
  fetched_at: string;
}

export interface GeoDaysTable {
  source_id: string;
  account_id: string;
  campaign_id: string;
  date: string;
  country: string;
  region: string;
  impressions: number;
}

export interface IngestRunLogTable {
  id: Generated<number>;
  run_id: string;
  source_id: string;
  trigger: string;
  window_from: string | null;
  window_to: string | null;
  status: string;
  rows: number;
  error: string | null;
  started_at: string;
  finished_at: string;
}

export interface SourceCursorsTable {
  source_id: string;
  cursor_date: string;
  updated_at: string;
}

export interface LeasesTable {
  source_id: string;
  holder: string;
  acquired_at: string;
  expires_at: string;
}

export interface ConnectorStateTable {
  source_id: string;
  key: string;
  value_json: string;
  updated_at: string;
}

export interface MetaTable {
  key: string;
  value: string;
  updated_at: string;
}

export interface MessageImportsTable {
  import_id: Generated<number>;
  channel: string;
  kind: string;
  file_name: string;
  file_sha256: string;
  encoding: string;
  rows: number;
  messages: number;
  new_messages: number;
  updated_messages: number;
  imported_at: string;
}

export interface MessageSendsTable {
  channel: string;
  send_no: number;
  recipient_hash: string;
  date: string;
  status: string;
  import_id: number;
  updated_at: string;
}

export interface MessageProgrammedTable {
  channel: string;
  send_no: number;
  recipient_hash: string;
  import_id: number;
}

export interface MessageScheduledTable {
  channel: string;
  send_no: number;
  scheduled: number;
  updated_at: string;
}

export interface Database {
  targets: TargetsTable;
  accounts: AccountsTable;
  campaigns: CampaignsTable;
  campaign_days: CampaignDaysTable;
  geo_days: GeoDaysTable;
  ingest_run_log: IngestRunLogTable;
  source_cursors: SourceCursorsTable;
  leases: LeasesTable;
  connector_state: ConnectorStateTable;
  meta: MetaTable;
  message_imports: MessageImportsTable;
  message_sends: MessageSendsTable;
  message_programmed: MessageProgrammedTable;
  message_scheduled: MessageScheduledTable;
}

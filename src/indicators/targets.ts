// Which target a campaign counts toward is decided by the config's include rules. A campaign
// counts toward at most one target (the first whose rules match), so the combined total never
// counts an impression twice.
import { nameMatcher } from '../config/fields.ts';
import type { IncludeRule, TargetConfig } from '../config/schema.ts';
import type { CampaignIdentity, TargetAssignment } from '../core/records.ts';

export function ruleMatches(rule: IncludeRule, c: CampaignIdentity): boolean {
  if (rule.source !== undefined && rule.source !== c.sourceId) return false;
  if (rule.platform !== undefined && rule.platform !== c.platform) return false;
  if (rule.channel !== undefined && rule.channel !== c.channel) return false;
  if (rule.campaign_ids !== undefined && !rule.campaign_ids.includes(c.campaignId)) return false;
  if (rule.campaign_name !== undefined && !nameMatcher(rule.campaign_name)(c.campaignName)) return false;
  return true;
}

export function targetFor(c: CampaignIdentity, targets: readonly TargetConfig[]): string | null {
  for (const t of targets) {
    if (t.include.some((rule) => ruleMatches(rule, c))) return t.id;
  }
  return null;
}

/** The config's targets with their rules, in the form the store mirrors and assigns campaigns by. */
export function targetAssignment(targets: readonly TargetConfig[]): TargetAssignment {
  return { targets, targetOf: (c) => targetFor(c, targets) };
}

// The platforms the sandbox serves, each with the source entry that points its connector at it.
import { dv360DemoSource, dv360Sandbox } from './dv360.ts';
import { googleAdsDemoSource, googleAdsSandbox } from './google-ads.ts';
import type { PlatformSandbox } from './http.ts';
import { xAdsDemoSource, xAdsSandbox } from './x-ads.ts';

export interface SandboxPlatform {
  sandbox: PlatformSandbox;
  /** The source config entry (as in config/pauta.yaml) and the sandbox credentials it reads. */
  demoSource(baseUrl: string): { source: Record<string, unknown>; env: Record<string, string> };
}

export const SANDBOX_PLATFORMS: readonly SandboxPlatform[] = [
  { sandbox: googleAdsSandbox, demoSource: googleAdsDemoSource },
  { sandbox: dv360Sandbox, demoSource: dv360DemoSource },
  { sandbox: xAdsSandbox, demoSource: xAdsDemoSource },
];

// `switchboard manifest slack --url … [--socket-mode]`: manifests/slack-app.yaml with the URLs filled in.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SLACK_EVENTS_PATH } from './receiver.js';

const PLACEHOLDER = 'https://switchboard.example.com';

/** From source (channels/slack) and from the build (dist/channels/slack) alike. */
function templatePath(): string {
  const candidates = ['../../manifests/slack-app.yaml', '../../../manifests/slack-app.yaml'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`Slack manifest template not found (looked in ${candidates.join(', ')})`);
  return found;
}

export interface SlackManifestOptions {
  /** The hub's public base URL, e.g. https://hub.example.com (a path prefix is kept). */
  url: string;
  socketMode?: boolean;
}

export function renderSlackManifest({ url, socketMode = false }: SlackManifestOptions): string {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new Error(`not a URL: ${JSON.stringify(url)}`);
  }
  if (!socketMode && base.protocol !== 'https:') {
    throw new Error('Slack only sends events to https:// URLs; give an https URL, or use --socket-mode');
  }
  if (base.search || base.hash) throw new Error('the URL must not have a query or fragment');
  const origin = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  let yaml = readFileSync(templatePath(), 'utf8');
  if (!yaml.includes(`${PLACEHOLDER}${SLACK_EVENTS_PATH}`)) throw new Error('the Slack manifest template has no request URL to fill in');
  yaml = yaml.split(PLACEHOLDER).join(origin);
  if (socketMode) {
    yaml = yaml
      .split('\n')
      .filter((line) => !/^\s+request_url:/.test(line))
      .join('\n')
      .replace(/^(\s*socket_mode_enabled:) false$/m, '$1 true');
  }
  return yaml;
}

import type { SlackResult } from './slack.js';
import { fmt, type Row } from './table.js';

/** The issue's aims for the Slack phase, and the figures measured before this phase existed. */
export const SLACK_AIMS = { clickP50Ms: 5, clickP99Ms: 20, cpuMsPerApproval: 3, createsPostedPerSec: 1000, clicksPerSec: 1000 };
const WAS = { clickP50Ms: 9.4, clickP99Ms: 27, cpuMsPerApproval: 24, createsPostedPerSec: 119, clicksPerSec: 98 };

export function slackRows(r: SlackResult): Row[] {
  const c = r.clickToWebhookMs;
  const b = r.burstClickToWebhookMs;
  const where = `${r.processes} hub process${r.processes === 1 ? '' : 'es'}${r.paced ? ', paced' : ''}${r.pending ? `, ${fmt(r.pending)} pending` : ''}`;
  const rows: Row[] = [
    {
      metric: `slack: signed click → webhook p50 (${fmt(r.approvals)} sequential, ${where})`,
      value: `${fmt(c.p50, 1)} ms`,
      aim: `≤ ${SLACK_AIMS.clickP50Ms} ms (was ${WAS.clickP50Ms})`,
      pass: c.count > 0 && c.p50 <= SLACK_AIMS.clickP50Ms,
    },
    {
      metric: 'slack: signed click → webhook p99',
      value: `${fmt(c.p99, 1)} ms`,
      aim: `≤ ${SLACK_AIMS.clickP99Ms} ms (was ${WAS.clickP99Ms})`,
      pass: c.count > 0 && c.p99 <= SLACK_AIMS.clickP99Ms,
    },
    {
      metric: 'slack: hub CPU per approval (create → post → click → webhook → settle)',
      value: `${fmt(r.hubCpuMsPerApproval, 2)} ms`,
      aim: `≤ ${SLACK_AIMS.cpuMsPerApproval} ms (was ${WAS.cpuMsPerApproval})`,
      pass: r.hubCpuMsPerApproval <= SLACK_AIMS.cpuMsPerApproval,
    },
    {
      metric: 'slack: creates posted to Slack',
      value: `${fmt(r.createsPostedPerSec)} /s`,
      aim: `≥ ${fmt(SLACK_AIMS.createsPostedPerSec)} /s (was ${WAS.createsPostedPerSec})`,
      pass: r.createsPostedPerSec >= SLACK_AIMS.createsPostedPerSec,
    },
    {
      metric: `slack: approvals clicked at once (${fmt(r.approvals)})`,
      value: `${fmt(r.clicksAtOncePerSec)} /s`,
      aim: `≥ ${fmt(SLACK_AIMS.clicksPerSec)} /s (was ${WAS.clicksPerSec})`,
      pass: r.clicksAtOncePerSec >= SLACK_AIMS.clicksPerSec,
    },
    ...(r.perApproval
      ? [{ metric: 'slack: Postgres transactions / Redis commands / BullMQ scripts per approval (sequential)', value: `${fmt(r.perApproval.pgTransactions, 1)} / ${fmt(r.perApproval.redisCommands, 1)} / ${fmt(r.perApproval.redisScripts, 1)}` }]
      : []),
    { metric: 'slack: at once: click → webhook p50 / p99', value: `${fmt(b.p50, 1)} / ${fmt(b.p99, 1)} ms` },
    {
      metric: 'slack: Slack API calls per approval',
      value: Object.entries(r.callsPerApproval).map(([method, n]) => `${method} ${fmt(n, 2)}`).join(' · '),
    },
  ];
  for (const k of r.checks) {
    const bad = k.decidedTwice + k.postedTwice + k.webhooksDuplicate + k.webhooksMissing + k.webhooksUnverified + k.clicksFailed + k.notSettled;
    rows.push({
      metric: `slack: ${k.round}: decided twice / posted twice / webhook dup / missing / unverified / clicks failed / unsettled`,
      value: [k.decidedTwice, k.postedTwice, k.webhooksDuplicate, k.webhooksMissing, k.webhooksUnverified, k.clicksFailed, k.notSettled].join(' / '),
      aim: 'all 0',
      pass: bad === 0,
    });
  }
  return rows;
}

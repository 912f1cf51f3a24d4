// Which earlier starts of a delivery could have posted unseen: only a post that timed out or met a 5xx.
import { describe, expect, it } from 'vitest';
import { ChannelError } from '../../channels/channel.js';
import { SlackApiError } from '../../channels/slack/client.js';
import { UnpostedStarts } from '../../channels/slack/earlier-post.js';

const d = (attempt: number) => ({ id: 'dlv_1', attempt });

describe('UnpostedStarts', () => {
  it('the first start never searches; a later one does unless every earlier start ended cleanly here', () => {
    const starts = new UnpostedStarts();
    expect(starts.mayHavePosted(d(0))).toBe(false);
    expect(starts.mayHavePosted(d(1))).toBe(true);
    starts.failed(d(0), new SlackApiError('rate_limited', 'Slack chat.postMessage: rate limited', 'ratelimited', 1000));
    starts.failed(d(1), new ChannelError('rate_limited', 'Slack chat.postMessage: rate limited, retry in 2.0 s', 2000));
    starts.failed(d(2), new SlackApiError('not_found', 'Slack chat.postMessage: channel_not_found', 'channel_not_found'));
    expect(starts.mayHavePosted(d(3))).toBe(false);
  });

  it('a timeout or a 5xx may have posted: from then on a later start searches', () => {
    for (const unseen of [
      new SlackApiError('network', 'Slack chat.postMessage: The operation was aborted due to timeout', 'request_error'),
      new SlackApiError('network', 'Slack chat.postMessage: HTTP 503', 'http_503'),
    ]) {
      const starts = new UnpostedStarts();
      starts.failed(d(0), unseen);
      expect(starts.mayHavePosted(d(1))).toBe(true);
      // A clean failure after it does not make the unseen one harmless.
      starts.failed(d(1), new ChannelError('rate_limited', 'paced', 1000));
      expect(starts.mayHavePosted(d(2))).toBe(true);
      // Until history was searched before a start.
      starts.searched(d(2));
      starts.failed(d(2), new ChannelError('rate_limited', 'paced', 1000));
      expect(starts.mayHavePosted(d(3))).toBe(false);
    }
  });

  it('a start in another process (unknown here) may have posted', () => {
    const starts = new UnpostedStarts();
    starts.failed(d(1), new ChannelError('rate_limited', 'paced', 1000));
    expect(starts.mayHavePosted(d(2))).toBe(true);
  });
});

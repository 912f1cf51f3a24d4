import { describe, expect, it } from 'vitest';
import { newText } from '../../channels/email/new-text.js';

const lines = (...l: string[]) => l.join('\r\n');

describe('newText: only what the person wrote in this reply', () => {
  it.each([
    ['plain, no quote', lines('Approved, ship it'), 'Approved, ship it'],
    [
      'Gmail: top-posted above "On … wrote:" and "> " lines',
      lines('No', '', 'On Mon, 1 Jan 2024 at 10:00, Switchboard <approvals@example.com> wrote:', '> Deploy v2.3 to production?', '> Reply approve or reject.'),
      'No',
    ],
    [
      'Gmail: the attribution wrapped over two lines',
      lines('lgtm', '', 'On Mon, Jan 1, 2024 at 10:00 AM Switchboard Approvals <', 'approvals+0123@example.com> wrote:', '', '> approve'),
      'lgtm',
    ],
    ['Apple Mail: "Sent from my iPhone" and the quote', lines('Yes', '', 'Sent from my iPhone', '', '> On 1 Jan 2024, at 10:00, Switchboard wrote:', '> approve'), 'Yes'],
    ['French attribution', lines('Non, pas maintenant', '', 'Le lun. 1 janv. 2024 à 10:00, Switchboard <a@example.com> a écrit :', '> approve'), 'Non, pas maintenant'],
    ['German attribution', lines('Ja', '', 'Am 01.01.2024 um 10:00 schrieb Switchboard <a@example.com>:', '> approve'), 'Ja'],
    ['Spanish attribution', lines('Sí', '', 'El lun, 1 ene 2024 a las 10:00, Switchboard (<a@example.com>) escribió:', '> approve'), 'Sí'],
    [
      'Outlook: "-----Original Message-----" and an unquoted copy',
      lines('Reject - wrong version', '', '-----Original Message-----', 'From: Switchboard <approvals@example.com>', 'Sent: Monday, January 1, 2024 10:00 AM', 'approve'),
      'Reject - wrong version',
    ],
    [
      'Outlook on the web: a rule, then From/Sent/To/Subject',
      lines('Approve', '', '________________________________', 'From: Switchboard <approvals@example.com>', 'Sent: Monday, January 1, 2024 10:00', 'To: Ana <ana@example.com>', 'Subject: Deploy?', '', 'Reply approve or reject.'),
      'Approve',
    ],
    [
      'Outlook HTML as text: the <hr> above From/Sent as a line of dashes',
      lines('Reject', '', '-'.repeat(80), '', 'From: Switchboard <approvals@example.com>', 'Sent: Monday, January 1, 2024 10:00', 'approve'),
      'Reject',
    ],
    [
      'Outlook in German: Von/Gesendet',
      lines('Abgelehnt', '', 'Von: Switchboard <approvals@example.com>', 'Gesendet: Montag, 1. Januar 2024 10:00', 'An: Ana', 'Betreff: Deploy?', '', 'approve'),
      'Abgelehnt',
    ],
    ['an unquoted attribution cuts what follows', lines('ok', '', 'On Monday, Switchboard wrote:', 'approve or reject?'), 'ok'],
    ['"-- " signature', lines('Approve, thanks', '', '-- ', 'Ana Lopez', 'Release manager'), 'Approve, thanks'],
    ['Gmail forward', lines('fyi', '', '---------- Forwarded message ---------', 'From: Switchboard', 'approve'), 'fyi'],
    ['Apple forward', lines('see below', '', 'Begin forwarded message:', '', 'approve'), 'see below'],
    [
      'bottom-posted: the words below the quote stay',
      lines('On Mon, 1 Jan 2024, Switchboard <a@example.com> wrote:', '> Deploy v2.3?', '', 'Reject: not today'),
      'Reject: not today',
    ],
    ['only a quote → nothing', lines('> approve', '> ok'), ''],
  ])('%s', (_name, text, expected) => {
    expect(newText({ text })).toBe(expected);
  });

  it('a mention of "From:" in the answer itself is kept', () => {
    expect(newText({ text: lines('Approve', 'From: the release notes, this looks fine') })).toBe('Approve\nFrom: the release notes, this looks fine');
  });

  it('reads the HTML part when there is no text, without its blockquotes', () => {
    const html = '<html><head><style>p{color:red}</style></head><body><div dir="ltr">No &amp; not today</div><br><div class="gmail_quote"><div class="gmail_attr">On Mon, 1 Jan 2024 Switchboard &lt;a@example.com&gt; wrote:<br></div><blockquote class="gmail_quote">Deploy?<blockquote>approve</blockquote></blockquote></div></body></html>';
    expect(newText({ html })).toBe('No & not today');
  });

  it('prefers the text part, and an empty one falls back to HTML', () => {
    expect(newText({ text: 'Yes', html: '<p>No</p>' })).toBe('Yes');
    expect(newText({ text: '  \n', html: '<p>Approve&#33; &#x1F44D;</p>' })).toBe('Approve! 👍');
    expect(newText({ html: false })).toBe('');
  });
});

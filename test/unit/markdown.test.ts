import { describe, expect, it } from 'vitest';
import { escapeHtml, markdownToHtml } from '../../src/domain/markdown.js';

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
  });

  it('leaves other text alone', () => {
    expect(escapeHtml('Deploy v2.3 — ok? 100%')).toBe('Deploy v2.3 — ok? 100%');
  });
});

describe('markdownToHtml', () => {
  it('wraps plain text in a paragraph, lines joined with <br>, paragraphs split on blank lines', () => {
    expect(markdownToHtml('hello')).toBe('<p>hello</p>');
    expect(markdownToHtml('one\ntwo')).toBe('<p>one<br>two</p>');
    expect(markdownToHtml('one\n\ntwo')).toBe('<p>one</p>\n<p>two</p>');
    expect(markdownToHtml('one\r\n\r\ntwo')).toBe('<p>one</p>\n<p>two</p>');
    expect(markdownToHtml('')).toBe('');
  });

  it('escapes HTML in the text', () => {
    const html = markdownToHtml('<script>alert("x")</script> & <img src=x onerror=alert(1)>');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#60;img');
  });

  it('renders bold, italic and inline code', () => {
    expect(markdownToHtml('a **bold** b')).toBe('<p>a <strong>bold</strong> b</p>');
    expect(markdownToHtml('a *it* b')).toBe('<p>a <em>it</em> b</p>');
    expect(markdownToHtml('*start* of line')).toBe('<p><em>start</em> of line</p>');
    expect(markdownToHtml('run `npm test` now')).toBe('<p>run <code>npm test</code> now</p>');
    expect(markdownToHtml('**b** and *i* and `c`')).toBe('<p><strong>b</strong> and <em>i</em> and <code>c</code></p>');
  });

  it('escapes HTML inside code and bold', () => {
    expect(markdownToHtml('`<b>`')).toBe('<p><code>&#60;b&#62;</code></p>');
    expect(markdownToHtml('`a **b** *c*`')).toBe('<p><code>a **b** *c*</code></p>');
    expect(markdownToHtml('**<i>x</i>**')).toBe('<p><strong>&#60;i&#62;x&#60;/i&#62;</strong></p>');
  });

  it('renders http(s) links with rel=noopener noreferrer', () => {
    expect(markdownToHtml('see [the PR](https://github.com/o/r/pull/1)')).toBe(
      '<p>see <a href="https://github.com/o/r/pull/1" rel="noopener noreferrer">the PR</a></p>',
    );
    expect(markdownToHtml('[plain](http://example.com/x?a=1)')).toContain('<a href="http://example.com/x?a=1" rel="noopener noreferrer">plain</a>');
  });

  it('renders no link for other schemes', () => {
    for (const url of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'vbscript:x', 'file:///etc/passwd', '/relative', 'ftp://example.com']) {
      const html = markdownToHtml(`[click](${url})`);
      expect(html).not.toContain('<a ');
      expect(html).not.toContain('href');
    }
  });

  it('cannot be tricked into an attribute by quotes in a link', () => {
    const html = markdownToHtml('[x](https://example.com/"onmouseover="alert(1))');
    expect(html).not.toMatch(/"\s*onmouseover=/);
    expect(html).not.toContain('href="https://example.com/"');
  });

  it('renders lists of - or * items', () => {
    expect(markdownToHtml('- one\n- two **2**')).toBe('<ul><li>one</li><li>two <strong>2</strong></li></ul>');
    expect(markdownToHtml('* a\n* b')).toBe('<ul><li>a</li><li>b</li></ul>');
    expect(markdownToHtml('intro\n\n- a\n- b\n\nafter')).toBe('<p>intro</p>\n<ul><li>a</li><li>b</li></ul>\n<p>after</p>');
  });

  it('does not make a list when not every line is an item', () => {
    expect(markdownToHtml('- a\nnot an item')).not.toContain('<ul>');
  });

  it('renders code fences verbatim and escaped', () => {
    expect(markdownToHtml('```\nconst a = 1 < 2 && **b**;\n```')).toBe('<pre><code>const a = 1 &#60; 2 &#38;&#38; **b**;</code></pre>');
    expect(markdownToHtml('```sh\nnpm test\n```')).toBe('<pre><code>npm test</code></pre>');
    expect(markdownToHtml('```\n<script>x</script>\n```')).not.toContain('<script>');
  });

  it('renders headings below the page title (h3 and down)', () => {
    expect(markdownToHtml('# Summary')).toBe('<h3>Summary</h3>');
    expect(markdownToHtml('## Details *here*')).toBe('<h4>Details <em>here</em></h4>');
    expect(markdownToHtml('###### deep')).toBe('<h6>deep</h6>');
  });
});

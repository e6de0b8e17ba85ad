import { describe, expect, it } from 'vitest';
import { MalformedInputError } from '../../../lib/core/errors.js';
import { decodeRequestPath, parseQueryString, splitRequestTarget } from '../../../lib/http/requestTarget.js';

describe("API Gateway HTTP API's decoding rule", () => {
  // Sent path → `rawPath` as live HTTP APIs delivered it (captured July 2026, payload 2.0).
  const livePaths: Array<[string, string]> = [
    ['/capture/plain', '/capture/plain'],
    ['/capture/space%20value', '/capture/space value'],
    ['/capture/question%3Fvalue', '/capture/question'],
    ['/capture/hash%23value', '/capture/hash#value'],
    ['/capture/slash%2Fvalue', '/capture/slash/value'],
    ['/capture/unicode-%CE%BB-%E4%B8%96%E7%95%8C', '/capture/unicode-λ-世界'],
    ['/capture/literal%252Fvalue', '/capture/literal/value'],
    ['/capture/literal%253Fvalue', '/capture/literal?value'],
    ['/capture/literal%2525value', '/capture/literal%value'],
    ['/files/alice%40example.com', '/files/alice@example.com'],
    ['/files/a+b', '/files/a+b'],
  ];

  it.each(livePaths)('decodes %s as API Gateway does', (sent, delivered) => {
    expect(decodeRequestPath(sent)).toBe(delivered);
  });

  it('refuses what API Gateway refuses (a lone % after the first decoding) and malformed escapes', () => {
    for (const sent of ['/capture/percent%25done', '/x/%zz', '/x/%', '/x/%E4%B8']) {
      expect(() => decodeRequestPath(sent), sent).toThrow(MalformedInputError);
    }
  });

  it('decodes the query as a form, joining repeated keys with commas (queryStringParameters)', () => {
    // The live capture: rawQueryString → queryStringParameters.
    expect(parseQueryString('repeat=one&repeat=two&redirect=https%3A%2F%2Fexample.com%2Fa%2Fb&literalPlus=a+b&encodedPlus=a%2Bb&empty=')).toEqual({
      empty: '',
      encodedPlus: 'a+b',
      literalPlus: 'a b',
      redirect: 'https://example.com/a/b',
      repeat: 'one,two',
    });
    expect(parseQueryString('')).toEqual({});
  });

  it('splits a target at its first ?', () => {
    expect(splitRequestTarget('/a/b?x=1?y')).toEqual({ rawPath: '/a/b', rawQuery: 'x=1?y' });
    expect(splitRequestTarget('/a')).toEqual({ rawPath: '/a', rawQuery: '' });
  });
});

import { describe, expect, it } from 'vitest';
import { webhookTarget } from './webhook-target.js';

describe('webhookTarget', () => {
  it('posts to the URL without its credentials, sends them as basic authentication and stores the password hidden', () => {
    expect(webhookTarget('https://bot:p%40ss@hooks.example.com/in?x=1')).toEqual({
      url: 'https://hooks.example.com/in?x=1',
      authorization: `Basic ${Buffer.from('bot:p@ss').toString('base64')}`,
      stored: 'https://bot:***@hooks.example.com/in?x=1',
    });
    expect(webhookTarget('http://127.0.0.1:8080/hook')).toEqual({
      url: 'http://127.0.0.1:8080/hook',
      authorization: null,
      stored: 'http://127.0.0.1:8080/hook',
    });
  });

  it('refuses what is not an http(s) URL, without repeating a password', () => {
    expect(() => webhookTarget('ftp://example.com/')).toThrow(/not a webhook URL: ftp:\/\/example.com\//);
    expect(() => webhookTarget('not a url')).toThrow(/not a webhook URL/);
    expect(() => webhookTarget('ftp://u:secret@example.com/')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('secret') as string }),
    );
  });
});

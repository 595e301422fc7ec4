import { describe, expect, it } from 'vitest';
import { redactUri } from './redact-uri.js';

describe('redactUri', () => {
  it('hides the password and keeps user, hosts and database', () => {
    expect(redactUri('mongodb://arbor:s3cret@db1:27017,db2:27018/work?replicaSet=rs0')).toBe(
      'mongodb://arbor:***@db1:27017,db2:27018/work?replicaSet=rs0',
    );
  });

  it('hides a password that contains percent-encoded characters', () => {
    const shown = redactUri('mongodb+srv://ana:p%40ss%2Fw0rd@cluster0.example.net/?retryWrites=true');
    expect(shown).toBe('mongodb+srv://ana:***@cluster0.example.net/?retryWrites=true');
    expect(shown).not.toContain('p%40ss');
  });

  it('leaves a URI without credentials as it is', () => {
    expect(redactUri('mongodb://127.0.0.1:27017')).toBe('mongodb://127.0.0.1:27017');
    expect(redactUri('mongodb://127.0.0.1:27017/arbor')).toBe('mongodb://127.0.0.1:27017/arbor');
  });

  it('keeps a user without a password', () => {
    expect(redactUri('mongodb://ana@localhost/arbor')).toBe('mongodb://ana@localhost/arbor');
  });

  it('hides secrets passed as options', () => {
    expect(
      redactUri(
        'mongodb://localhost/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:abc&tlsCertificateKeyFilePassword=xyz',
      ),
    ).toBe(
      'mongodb://localhost/?authMechanism=MONGODB-AWS&authMechanismProperties=***&tlsCertificateKeyFilePassword=***',
    );
  });

  it('hides credentials even in a string that is not a MongoDB URI', () => {
    expect(redactUri('postgres://user:pw@host/db')).toBe('postgres://***@host/db');
  });
});

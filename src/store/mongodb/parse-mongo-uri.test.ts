import { describe, expect, it } from 'vitest';
import { parseMongoUri } from './parse-mongo-uri.js';

describe('parseMongoUri', () => {
  it('reads credentials, every host, the database and the options', () => {
    expect(parseMongoUri('mongodb://ana:p%40ss@h1:27017,h2/arbor_dev?w=majority')).toEqual({
      scheme: 'mongodb',
      username: 'ana',
      password: 'p@ss',
      hosts: ['h1:27017', 'h2'],
      database: 'arbor_dev',
      query: 'w=majority',
    });
  });

  it('answers null database when the path names none', () => {
    expect(parseMongoUri('mongodb+srv://cluster0.example.net/?retryWrites=true')).toMatchObject({
      scheme: 'mongodb+srv',
      hosts: ['cluster0.example.net'],
      database: null,
    });
    expect(parseMongoUri('mongodb://localhost')).toMatchObject({
      database: null,
      username: null,
      password: null,
    });
  });

  it('answers null for anything that is not a MongoDB URI', () => {
    expect(parseMongoUri('.arbor')).toBeNull();
    expect(parseMongoUri('http://localhost:27017')).toBeNull();
    expect(parseMongoUri('mongodb://')).toBeNull();
  });
});

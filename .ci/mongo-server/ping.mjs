// Exits 0 once the MongoDB server at the URI in argv[2] answers a ping, 1 otherwise.
// Uses the project's own driver, so it also proves the driver accepts the server.
import { MongoClient } from 'mongodb';

const uri = process.argv[2];
const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1000, connectTimeoutMS: 1000 });
try {
  await client.db('admin').command({ ping: 1 });
  process.exitCode = 0;
} catch (error) {
  console.error(String(error instanceof Error ? error.message : error));
  process.exitCode = 1;
} finally {
  await client.close();
}

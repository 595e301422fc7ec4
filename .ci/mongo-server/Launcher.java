import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.util.List;

/**
 * Starts mongo-java-server with an in-memory backend on 127.0.0.1:PORT and keeps it up until the
 * process is killed: a MongoDB stand-in for CI and local tests (see start.sh).
 * Run: java -cp '.ci/mongo-server/lib/*' .ci/mongo-server/Launcher.java PORT
 */
public class Launcher {
    /**
     * mongo-java-server 1.47 reports wire version 8 at most, which the Node.js driver v7 refuses
     * (it needs MongoDB 4.4, wire version 9). The version is only reported in the handshake and
     * buildInfo, so we claim 4.4, the oldest server the driver accepts, to keep it from relying on
     * anything newer.
     */
    private enum ReportedVersion implements MongoVersion {
        MONGO_4_4;

        @Override
        public List<Integer> getVersionArray() {
            return List.of(4, 4, 0);
        }

        @Override
        public int getWireVersion() {
            return 9;
        }
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: Launcher PORT");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        MemoryBackend backend = new MemoryBackend();
        backend.version(ReportedVersion.MONGO_4_4);
        MongoServer server = new MongoServer(backend);
        server.bind("127.0.0.1", port);
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
        System.out.println("mongo-java-server listening on 127.0.0.1:" + port);
        Thread.currentThread().join();
    }
}

package io.biomatch.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biomatch.core.Engine;
import io.biomatch.core.EngineConfig;
import io.biomatch.core.testing.VectorTestModality;
import io.biomatch.server.BiomatchServer;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client commands against a real server on loopback: output, JSON and exit codes. */
class CliTest {
    @TempDir
    Path tmp;
    Engine engine;
    BiomatchServer server;
    String target;

    @BeforeEach
    void start() {
        engine = Engine.open(EngineConfig.defaults(tmp.resolve("data")).withShards(2).withCapacity(1000, 128),
                List.of(new VectorTestModality()));
        server = BiomatchServer.start(engine, NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)));
        target = "127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() {
        server.close();
        engine.close();
    }

    record Run(int exit, String out, String err) {
    }

    private Run run(String... args) {
        PrintStream saved = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ByteArrayOutputStream errBuf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(errBuf, true, StandardCharsets.UTF_8));
        try {
            return new Run(BiomatchCli.execute(args), buf.toString(StandardCharsets.UTF_8),
                    errBuf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(saved);
            System.setErr(savedErr);
        }
    }

    @Test
    void serveOnAPortInUseExitsTwoAndClosesTheRecordStoreItOpened() {
        Path data = tmp.resolve("second");
        Run r = run("serve", "--data", data.toString(), "--host", "127.0.0.1", "--port", "" + server.port());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("error: cannot listen on 127.0.0.1:" + server.port() + ": address already in use"),
                r.err());
        // the store writes this marker only on a clean close; without it the next open runs the recovery pass
        assertTrue(Files.exists(data.resolve("records.clean")), "record store closed cleanly");
    }

    @Test
    void serveRefusesAPortFileItCannotWriteBeforeOpeningAnything() {
        Path data = tmp.resolve("never-created");
        Run r = run("serve", "--data", data.toString(), "--port", "0", "--port-file", "/missing/dir/p");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("cannot write --port-file /missing/dir/p: no such directory /missing/dir"), r.err());
        assertTrue(!r.err().contains("Exception"), r.err());
        Run d = run("serve", "--data", data.toString(), "--port", "0", "--port-file", tmp.toString());
        assertEquals(2, d.exit(), d.err());
        assertTrue(d.err().contains("is a directory"), d.err());
        assertTrue(!Files.exists(data), "the data folder was never opened");
    }

    @Test
    void serveStoreSizesAndDataFolderAreCheckedWithTheAllowedRange() throws Exception {
        Path data = tmp.resolve("never-created");
        Run records = run("serve", "--data", data.toString(), "--port", "0", "--max-records", "" + Long.MAX_VALUE);
        assertEquals(2, records.exit(), records.err());
        assertTrue(records.err().contains("--max-records must be 1..1000000000"), records.err());
        Run avg = run("serve", "--data", data.toString(), "--port", "0", "--avg-record-bytes", "" + Integer.MAX_VALUE);
        assertEquals(2, avg.exit(), avg.err());
        assertTrue(avg.err().contains("--avg-record-bytes must be 1..16777216"), avg.err());
        Run product = run("serve", "--data", data.toString(), "--port", "0", "--max-records", "1000000000",
                "--avg-record-bytes", "16777216");
        assertEquals(2, product.exit(), product.err());
        assertTrue(product.err().contains("must be at most 17592186044416"), product.err());
        assertTrue(!Files.exists(data), "no data folder for a refused configuration");

        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        Run f = run("serve", "--data", file.toString(), "--port", "0");
        assertEquals(2, f.exit(), f.err());
        assertTrue(f.err().contains("--data must be a directory"), f.err());
    }

    @Test
    void clientCommandsCheckServerHostAndPortBeforeConnecting() {
        for (String bad : new String[] {"localhost:99999", "localhost:0", "localhost", ":7300", "localhost:x"}) {
            long start = System.nanoTime();
            Run r = run("stats", "--server", bad, "--deadline-ms", "20000");
            assertEquals(2, r.exit(), bad + ": " + r.err());
            assertTrue(r.err().contains("--server must be host:port with port 1..65535"), r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace: " + r.err());
            assertTrue(System.nanoTime() - start < 10_000_000_000L, "answered without waiting out the deadline");
        }
        // the server listens on 127.0.0.1 only: [::1] gets through the check and then finds nobody (5), not 2
        assertTrue(run("stats", "--server", "[::1]:" + server.port(), "--deadline-ms", "3000").exit() != 2);
        assertEquals(0, run("stats", "--server", target).exit());
    }

    @Test
    void payloadFilesAreCheckedForKindAndSizeBeforeTheyAreRead() throws Exception {
        // sparse files: no disk or memory used, and without the size check reading one fails with OutOfMemoryError
        Path huge = tmp.resolve("huge.vec");
        try (var raf = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            raf.setLength(2L << 30);
        }
        Run r = run("enrol", "--server", target, "--id", "H", "-m", "vec", "-f", "vec8", "--file", huge.toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("file " + huge + " is " + (2L << 30) + " bytes; at most 2146435071"), r.err());

        Path half = tmp.resolve("half.vec");
        try (var raf = new java.io.RandomAccessFile(half.toFile(), "rw")) {
            raf.setLength(1L << 30);
        }
        Run two = run("enrol", "--server", target, "--id", "H", "-m", "vec", "-f", "vec8", "--file", half.toString(),
                half.toString());
        assertEquals(2, two.exit(), two.err());
        assertTrue(two.err().contains("files are " + (2L << 30) + " bytes together"), two.err());

        Run dir = run("enrol", "--server", target, "--id", "H", "-m", "vec", "-f", "vec8", "--file", tmp.toString());
        assertEquals(2, dir.exit());
        assertTrue(dir.err().contains(tmp + " is a directory"), dir.err());
        Run dev = run("enrol", "--server", target, "--id", "H", "-m", "vec", "-f", "vec8", "--file", "/dev/null");
        assertEquals(2, dev.exit());
        assertTrue(dev.err().contains("/dev/null is not a regular file"), dev.err());
    }

    @Test
    void deleteJsonEscapesTheId() throws Exception {
        Path a = Files.write(tmp.resolve("a.vec"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        for (String id : new String[] {"a\\q", "say \"hi\"", "c:\\dir\\u0041"}) {
            assertEquals(0, run("enrol", "--server", target, "--id", id, "-m", "vec", "-f", "vec8", "--file",
                    a.toString()).exit(), id);
            Run r = run("delete", "--server", target, "--id", id, "--json");
            assertEquals(0, r.exit(), r.err());
            // parsed strictly, as jq or any other JSON reader would
            var reader = new com.google.gson.stream.JsonReader(new java.io.StringReader(r.out()));
            reader.setStrictness(com.google.gson.Strictness.STRICT);
            assertEquals(id, com.google.gson.JsonParser.parseReader(reader).getAsJsonObject().get("deleted")
                    .getAsString(), r.out());
        }
    }

    @Test
    void identifyChecksTopKItself() throws Exception {
        Path a = Files.write(tmp.resolve("a.vec"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        for (String k : new String[] {"0", "-1", "10001"}) {
            Run r = run("identify", "--server", target, "-m", "vec", "-f", "vec8", "--file", a.toString(), "-k", k);
            assertEquals(2, r.exit(), k + ": " + r.err());
            assertTrue(r.err().contains("-k/--top-k must be 1..10000: " + k), r.err());
        }
        assertEquals(0, run("identify", "--server", target, "-m", "vec", "-f", "vec8", "--file", a.toString(), "-k",
                "10000").exit());
        Run demo = run("demo", "-k", "0");
        assertEquals(2, demo.exit(), demo.err());
        assertTrue(demo.err().contains("-k/--top-k must be 1..10000: 0"), demo.err());
    }

    @Test
    void aRequestOverTheServersMessageLimitExitsTwoNotAsIfOverloaded() throws Exception {
        // a server taking 1 KiB payloads: gRPC refuses messages past 4 x 1 KiB + 1 MiB before the engine sees them
        try (Engine small = Engine.open(EngineConfig.defaults(tmp.resolve("small")).withShards(1)
                .withCapacity(1000, 128).withMaxPayloadBytes(1024), List.of(new VectorTestModality()))) {
            BiomatchServer s = BiomatchServer.start(small,
                    NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)));
            try {
                Path big = Files.write(tmp.resolve("big.vec"), new byte[2 << 20]);
                Run r = run("enrol", "--server", "127.0.0.1:" + s.port(), "--id", "B", "-m", "vec", "-f", "vec8",
                        "--file", big.toString());
                assertEquals(2, r.exit(), r.err());
                assertTrue(r.err().contains("more than the server takes (" + (4 * 1024 + (1 << 20))
                        + " bytes; serve --max-payload-bytes sets it)"), r.err());
            } finally {
                s.close();
            }
        }
    }

    @Test
    void servePortAndHostAreCheckedBeforeTheDataFolderIsOpened() {
        Path data = tmp.resolve("never-created");
        for (String port : new String[] {"99999", "-1", "65536"}) {
            Run r = run("serve", "--data", data.toString(), "--port", port);
            assertEquals(2, r.exit(), port);
            assertTrue(r.err().contains("--port must be 0..65535"), r.err());
        }
        Run h = run("serve", "--data", data.toString(), "--port", "0", "--host", "no-such-host.invalid");
        assertEquals(2, h.exit(), h.err());
        assertTrue(h.err().contains("cannot listen on no-such-host.invalid:0: unknown host"), h.err());
        assertTrue(!Files.exists(data), "no data folder for a refused configuration");
    }

    @Test
    void serveRefusesSettingsOutOfRangeBeforeTouchingTheDataFolder() {
        Path data = tmp.resolve("never-created");
        assertEquals(2, run("serve", "--data", data.toString(), "--port", "0", "--index-slice-us", "5").exit());
        assertEquals(2, run("serve", "--data", data.toString(), "--port", "0", "--shards", "0").exit());
        assertEquals(2, run("serve", "--data", data.toString(), "--port", "0", "--min-free-memory-mb", "-1").exit());
        assertTrue(!Files.exists(data), "no data folder for a refused configuration");
    }

    @Test
    void everyCommandAnswersHelpWithItsOwnUsage() {
        for (String[] cmd : new String[][] {{"serve"}, {"enrol"}, {"identify"}, {"eval", "fingerprint"}, {"dvi"}}) {
            String[] args = java.util.Arrays.copyOf(cmd, cmd.length + 1);
            args[cmd.length] = "--help";
            Run r = run(args);
            assertEquals(0, r.exit(), String.join(" ", args));
            assertTrue(r.out().contains("Usage: biomatch " + String.join(" ", cmd)), r.out());
        }
    }

    @Test
    void kinshipAndDviOnTheSharedCases() throws Exception {
        Path example = io.biomatch.core.SharedData.require("dna/kinship_case_example.json");
        Path freq = io.biomatch.core.SharedData.require("dna/frequencies/nist1036_cauc_core20_renormalised.csv");
        Run k = run("kinship", example.toString(), "--freq", freq.toString(), "--json");
        assertEquals(0, k.exit());
        assertTrue(com.google.gson.JsonParser.parseString(k.out()).getAsJsonObject().get("totalLr").getAsDouble() > 1e6);
        assertEquals(2, run("kinship", example.toString(), "--freq", "/no/such.csv").exit());
        Path fewLoci = Files.writeString(tmp.resolve("few.csv"), "locus,allele,frequency\nTPOX,8,0.5\nTPOX,9,0.5\n");
        assertEquals(2, run("kinship", example.toString(), "--freq", fewLoci.toString()).exit(), "loci without frequencies");

        Path fam = io.biomatch.core.SharedData.require("dna/familias_fam/pedFamilias_paternity.fam");
        Run f = run("kinship", fam.toString());
        assertEquals(0, f.exit());
        assertTrue(f.out().contains("total LR 760.3"), f.out());
        assertEquals(2, run("kinship", fam.toString(), "--h2", "7").exit(), "no such pedigree");

        Run d = run("dvi", io.biomatch.core.SharedData.require("dna/dvi/fire").toString());
        assertEquals(0, d.exit());
        assertTrue(d.out().contains("{V1=M1, V2=M2, V3=M3}"), d.out());
        assertEquals(2, run("dvi", tmp.resolve("nothing-here").toString()).exit());
    }

    @Test
    void enrolIdentifyVerifyGetDeleteStatsWithExitCodes() throws Exception {
        Path a = Files.write(tmp.resolve("a.vec"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        Path b = Files.write(tmp.resolve("b.vec"), new byte[] {8, 7, 6, 5, 4, 3, 2, 1});
        Path bad = Files.write(tmp.resolve("bad.vec"), new byte[] {1, 2, 3});
        assertEquals(0, run("enrol", "--server", target, "--id", "A", "-m", "vec", "-f", "vec8", "--file", a.toString(),
                "--agency", "NCB").exit());
        assertEquals(0, run("enrol", "--server", target, "--id", "B", "-m", "vec", "-f", "vec8", "--file", b.toString()).exit());
        assertEquals(4, run("enrol", "--server", target, "--id", "A", "-m", "vec", "-f", "vec8", "--file", a.toString()).exit());
        assertEquals(2, run("enrol", "--server", target, "--id", "C", "-m", "vec", "-f", "vec8", "--file", bad.toString()).exit());
        assertEquals(2, run("enrol", "--server", target, "--id", "C", "-m", "vec", "-f", "vec8", "--file", "/no/such/file").exit());
        assertEquals(2, run("enrol", "--server", target, "--id", "C", "-m", "iris", "-f", "vec8", "--file", a.toString()).exit());
        assertEquals(2, run("identify", "--server", target).exit(), "usage error");

        Run id = run("identify", "--server", target, "-m", "vec", "-f", "vec8", "--file", a.toString(), "-k", "2", "--json");
        assertEquals(0, id.exit());
        var json = com.google.gson.JsonParser.parseString(id.out()).getAsJsonObject();
        assertEquals("A", json.getAsJsonArray("candidates").get(0).getAsJsonObject().get("id").getAsString());
        assertEquals(2, json.getAsJsonArray("candidates").size());

        Run text = run("identify", "--server", target, "-m", "vec", "-f", "vec8", "--file", b.toString());
        assertTrue(text.out().contains("1. B"), text.out());

        Run v = run("verify", "--server", target, "--id", "A", "-f", "vec8", "--file", a.toString());
        assertEquals(0, v.exit());
        assertTrue(v.out().contains("MATCH"), v.out());
        assertEquals(3, run("verify", "--server", target, "--id", "Z", "-f", "vec8", "--file", a.toString()).exit());

        assertTrue(run("get", "--server", target, "--id", "A").out().contains("NCB"));
        assertEquals(3, run("get", "--server", target, "--id", "Z").exit());
        assertEquals(0, run("delete", "--server", target, "--id", "A").exit());
        assertEquals(3, run("delete", "--server", target, "--id", "A").exit());

        Run stats = run("stats", "--server", target, "--json");
        assertEquals(0, stats.exit());
        assertEquals("1", com.google.gson.JsonParser.parseString(stats.out()).getAsJsonObject().get("storedRecords").getAsString());
        assertEquals(5, run("stats", "--server", "127.0.0.1:1", "--deadline-ms", "3000").exit(), "unreachable server");
    }
}

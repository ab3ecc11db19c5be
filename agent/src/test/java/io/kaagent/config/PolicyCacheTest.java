package io.kaagent.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.kaagent.policy.CompiledPolicy;
import io.kaagent.policy.Direction;
import io.kaagent.policy.IpLiteral;
import io.kaagent.policy.Policy;
import io.kaagent.policy.Rule;

/** The policy cache: a cached policy is the very policy its YAML gives, and nothing but the same bytes reuses it. */
class PolicyCacheTest {

    /** Every valid policy the project ships or tests with. */
    static Stream<Path> validPolicies() throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> good = Files.list(Path.of("src/test/resources/good"));
             Stream<Path> examples = Files.list(Path.of("../examples"))) {
            Stream.concat(good, examples).filter(p -> p.toString().endsWith(".yml")).sorted().forEach(files::add);
        }
        files.add(Path.of("src/test/resources/cli/explain.yml"));
        return files.stream();
    }

    @ParameterizedTest
    @MethodSource("validPolicies")
    void compiledBytesGiveTheSamePolicyAsTheYaml(Path file) throws Exception {
        Policy fromYaml = PolicyLoader.load(file);
        Policy fromBytes = CompiledPolicy.fromBytes(CompiledPolicy.toBytes(fromYaml), file.toString());
        assertSamePolicy(fromYaml, fromBytes);
        // and the bytes are stable: compiling the copy gives the same bytes again
        assertArrayEquals(CompiledPolicy.toBytes(fromYaml), CompiledPolicy.toBytes(fromBytes));
    }

    @ParameterizedTest
    @MethodSource("validPolicies")
    void secondLoadComesFromTheCacheAndIsTheSamePolicy(Path file, @TempDir Path dir) throws Exception {
        PolicyCache cache = new PolicyCache(dir.resolve("ka-agent-test").toFile(), "1.2.3");
        Policy first = cache.load(file);
        assertEquals(0, cache.hits(), "nothing cached yet");
        Policy second = cache.load(file);
        assertEquals(1, cache.hits(), "the second load must be served from the cache");
        assertSamePolicy(PolicyLoader.load(file), first);
        assertSamePolicy(first, second);
        assertEquals("rwx------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("ka-agent-test"))), "the cache directory is owner-only");
    }

    @Test
    void anEditedFileIsReadAgainEvenWithTheSameLength(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("policy.yml");
        write(file, "version: 1\nrules:\n  - {name: db, port: 5432, idle: 30s}\n");
        PolicyCache cache = new PolicyCache(dir.resolve("cache").toFile(), "1.2.3");
        cache.load(file);
        write(file, "version: 1\nrules:\n  - {name: db, port: 5433, idle: 30s}\n");
        Policy edited = cache.load(file);
        assertEquals(0, cache.hits());
        assertEquals("[5433]", edited.rules().get(0).ports().toString());
        Policy again = cache.load(file);
        assertEquals(1, cache.hits(), "and the edit is cached in turn");
        assertEquals("[5433]", again.rules().get(0).ports().toString());
    }

    @Test
    void anotherBuildOfTheAgentDoesNotReuseTheEntry(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("policy.yml");
        write(file, "version: 1\nrules:\n  - {name: db, port: 5432}\n");
        new PolicyCache(dir.resolve("cache").toFile(), "1.2.3").load(file);
        PolicyCache next = new PolicyCache(dir.resolve("cache").toFile(), "1.2.4");
        next.load(file);
        assertEquals(0, next.hits());
    }

    @Test
    void aDamagedEntryIsAMissAndIsRewritten(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("policy.yml");
        write(file, "version: 1\nrules:\n  - {name: db, port: 5432, cidr: 10.0.0.0/8}\n");
        File cacheDir = dir.resolve("cache").toFile();
        PolicyCache cache = new PolicyCache(cacheDir, "1.2.3");
        cache.load(file);
        File[] entries = cacheDir.listFiles();
        assertEquals(1, entries.length);
        byte[] bytes = Files.readAllBytes(entries[0].toPath());
        Files.write(entries[0].toPath(), java.util.Arrays.copyOf(bytes, bytes.length - 3));
        Policy policy = cache.load(file);
        assertEquals(0, cache.hits());
        assertEquals("[10.0.0.0/8]", policy.rules().get(0).cidrs().toString());
        cache.load(file);
        assertEquals(1, cache.hits(), "the entry was written anew");
    }

    @Test
    void aDirectoryOthersMayWriteIsNeitherReadNorWritten(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("policy.yml");
        write(file, "version: 1\nrules:\n  - {name: db, port: 5432}\n");
        Path cacheDir = Files.createDirectory(dir.resolve("cache"));
        PolicyCache cache = new PolicyCache(cacheDir.toFile(), "1.2.3");
        cache.load(file); // writes the entry: the directory is private
        Files.setPosixFilePermissions(cacheDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        PolicyCache nextJvm = new PolicyCache(cacheDir.toFile(), "1.2.3"); // the check is made once per JVM
        nextJvm.load(file);
        assertEquals(0, nextJvm.hits(), "an entry in a directory anybody may write is never trusted");
    }

    @Test
    void aBrokenPolicyFailsWithTheLoadersMessagesAndIsNotCached(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("policy.yml");
        write(file, "version: 1\nrules:\n  - {name: db, port: 99999}\n");
        File cacheDir = dir.resolve("cache").toFile();
        PolicyCache cache = new PolicyCache(cacheDir, "1.2.3");
        String cached = assertThrows(PolicyException.class, () -> cache.load(file)).getMessage();
        String plain = assertThrows(PolicyException.class, () -> PolicyLoader.load(file)).getMessage();
        assertEquals(plain, cached);
        assertFalse(cacheDir.exists() && cacheDir.listFiles().length > 0, "nothing cached for a broken policy");
        String missing = assertThrows(PolicyException.class, () -> cache.load(dir.resolve("nope.yml"))).getMessage();
        assertTrue(missing.endsWith("nope.yml: no such file"), missing);
    }

    @Test
    void theDirectoryKeepsThePoliciesUsedLast(@TempDir Path dir) throws Exception {
        File cacheDir = dir.resolve("cache").toFile();
        long now = System.currentTimeMillis();
        long tenDaysAgo = now - 10L * 24 * 60 * 60 * 1000;
        int written = PolicyCache.KEPT_ENTRIES + 6;
        List<Path> files = new ArrayList<>();
        List<File> entries = new ArrayList<>();
        for (int i = 0; i < written; i++) { // as many JVMs, each meeting a policy text of its own
            Path file = dir.resolve("policy-" + i + ".yml");
            write(file, "version: 1\nrules:\n  - {name: db, port: " + (5000 + i) + "}\n");
            PolicyCache jvm = new PolicyCache(cacheDir, "1.2.3");
            jvm.load(file);
            jvm.tidy();
            files.add(file);
            entries.add(newEntry(cacheDir, entries));
        }
        assertEquals(written, policyEntries(cacheDir), "entries written within the hour are never removed");
        for (int i = 0; i < written; i++) { // as if written days ago, a minute apart
            assertTrue(entries.get(i).setLastModified(tenDaysAgo + i * 60_000L));
        }

        PolicyCache usesTheOldest = new PolicyCache(cacheDir, "1.2.3");
        usesTheOldest.load(files.get(0));
        assertEquals(1, usesTheOldest.hits());
        usesTheOldest.tidy();
        assertTrue(entries.get(0).lastModified() >= now, "an entry used, last marked days ago, is marked used now");
        assertEquals(written, policyEntries(cacheDir), "a JVM that wrote nothing removes nothing");

        Path newPolicy = dir.resolve("new.yml");
        write(newPolicy, "version: 1\nrules:\n  - {name: cache, port: 6379}\n");
        PolicyCache writesOneMore = new PolicyCache(cacheDir, "1.2.3");
        writesOneMore.load(newPolicy);
        writesOneMore.tidy();
        assertEquals(PolicyCache.KEPT_ENTRIES, policyEntries(cacheDir));
        for (int i = 0; i < written; i++) {
            // the first is used; 1..7 are the oldest of the rest (the new one and the first push out two more)
            assertEquals(i == 0 || i > 7, entries.get(i).exists(), "entry of policy " + i);
        }
        PolicyCache later = new PolicyCache(cacheDir, "1.2.3");
        later.load(files.get(0));
        later.load(newPolicy);
        later.load(files.get(written - 1));
        assertEquals(3, later.hits(), "the entries used last are still served");
        later.load(files.get(1));
        assertEquals(3, later.hits(), "a removed one is a miss, read from its YAML again");

        long anHourAgo = System.currentTimeMillis() - 60 * 60 * 1000;
        assertTrue(entries.get(0).setLastModified(anHourAgo));
        long untouched = entries.get(8).lastModified();
        PolicyCache sameDay = new PolicyCache(cacheDir, "1.2.3");
        sameDay.load(files.get(0));
        sameDay.tidy();
        assertEquals(1, sameDay.hits());
        assertEquals(anHourAgo, entries.get(0).lastModified(), "marked used today already: a warm start writes nothing");
        assertEquals(untouched, entries.get(8).lastModified(), "an entry not used keeps its time");
    }

    /** The one entry of the directory that is not among those already known. */
    private static File newEntry(File directory, List<File> known) {
        List<File> added = new ArrayList<>(Arrays.asList(directory.listFiles()));
        added.removeAll(known);
        assertEquals(1, added.size(), "one new entry: " + added);
        return added.get(0);
    }

    private static long policyEntries(File directory) {
        return Arrays.stream(directory.listFiles()).filter(f -> f.getName().startsWith("policy-")).count();
    }

    private static void write(Path file, String text) throws IOException {
        Files.write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertSamePolicy(Policy expected, Policy actual) {
        assertEquals(expected.source(), actual.source());
        assertEquals(expected.logLevel(), actual.logLevel());
        assertEquals(expected.logFile(), actual.logFile());
        assertEquals(expected.declaredDefaults(), actual.declaredDefaults());
        assertEquals(expected.defaults(), actual.defaults());
        assertEquals(expected.rules().size(), actual.rules().size());
        for (int i = 0; i < expected.rules().size(); i++) {
            Rule want = expected.rules().get(i);
            Rule got = actual.rules().get(i);
            assertEquals(want.toString(), got.toString());
            assertEquals(want.hosts().toString(), got.hosts().toString());
            assertEquals(want.cidrs().toString(), got.cidrs().toString());
            assertEquals(want.ports().toString(), got.ports().toString());
            assertEquals(want.directions(), got.directions());
            assertEquals(want.keepaliveOff(), got.keepaliveOff());
            assertEquals(want.declaredSettings(), got.declaredSettings());
            assertEquals(want.settings(), got.settings());
            assertEquals(want.natTimeoutSeconds(), got.natTimeoutSeconds());
        }
        // The same decisions, through the indexes each policy built for itself.
        String[] hosts = {"db.example.com", "x.example.org", "api-1", "localhost", null};
        String[] addresses = {"10.1.2.3", "192.0.2.9", "127.0.0.1", "2001:db8::1", "203.0.113.7"};
        int[] ports = {1, 22, 443, 1500, 3001, 5432, 6379, 65535};
        for (Direction direction : Direction.values()) {
            for (String host : hosts) {
                for (String address : addresses) {
                    for (int port : ports) {
                        Rule want = expected.match(direction, host, IpLiteral.toAddress(address), port);
                        Rule got = actual.match(direction, host, IpLiteral.toAddress(address), port);
                        assertEquals(want == null ? null : want.name(), got == null ? null : got.name(),
                                direction + " " + host + " " + address + ":" + port);
                    }
                }
            }
        }
    }
}

package io.kaagent.config;

import static io.kaagent.policy.Direction.INBOUND;
import static io.kaagent.policy.Direction.OUTBOUND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.kaagent.policy.IpLiteral;
import io.kaagent.policy.KeepAliveSettings;
import io.kaagent.policy.Policy;
import io.kaagent.policy.Rule;

class PolicyLoaderTest {

    private static Policy parse(String yaml) throws PolicyException {
        return PolicyLoader.parse(yaml, "ka.yml");
    }

    private static Rule onlyRule(String ruleYaml) throws PolicyException {
        return parse("version: 1\nrules:\n  - name: r\n" + ruleYaml).rules().get(0);
    }

    private static String problemsOf(String yaml) {
        return assertThrows(PolicyException.class, () -> parse(yaml)).getMessage();
    }

    @Test
    void readsTheProductExample() throws Exception {
        Policy policy = PolicyLoader.load(Path.of(getClass().getResource("/good/product-example.yml").toURI()));
        assertTrue(policy.source().endsWith("product-example.yml"));
        assertEquals("info", policy.logLevel());
        assertNull(policy.logFile());
        assertEquals(new KeepAliveSettings(60, 10, 6, 0, true), policy.defaults());
        Rule postgres = policy.rules().get(0);
        assertEquals("postgres", postgres.name());
        assertEquals("[*.db.internal, db-?.example.com]", postgres.hosts().toString());
        assertEquals("[10.0.0.0/8, fd00::/8]", postgres.cidrs().toString());
        assertEquals("[5432]", postgres.ports().toString());
        assertEquals(EnumSet.of(OUTBOUND), postgres.directions());
        assertEquals(new KeepAliveSettings(30, 5, 3, 45000, true), postgres.settings());
        Rule loopback = policy.rules().get(1);
        assertTrue(loopback.keepaliveOff());
        assertEquals(loopback, policy.match(OUTBOUND, "localhost", IpLiteral.toAddress("127.0.0.1"), 5432));
        assertEquals(postgres, policy.match(OUTBOUND, "db-1.example.com", IpLiteral.toAddress("10.3.4.5"), 5432));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "port: 5432|[5432]",
            "port: \"5432\"|[5432]",
            "port: 5432-5439|[5432-5439]",
            "port: \"5432-5439\"|[5432-5439]",
            "port: [5432, 6432]|[5432, 6432]",
            "port: [5432, \"6000-6010\", 7000-7001]|[5432, 6000-6010, 7000-7001]",
            "port: [1, 65535]|[1, 65535]",
    })
    void portTakesANumberARangeOrAList(String yaml, String ports) throws PolicyException {
        assertEquals(ports, onlyRule("    " + yaml + "\n").ports().toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "host: db.example.com|[db.example.com]",
            "host: \"*.DB.internal\"|[*.db.internal]",
            "host: [a.x, \"b-?.x\"]|[a.x, b-?.x]",
            "host: 10.0.0.1|[10.0.0.1]",
    })
    void hostTakesAGlobOrAList(String yaml, String hosts) throws PolicyException {
        assertEquals(hosts, onlyRule("    " + yaml + "\n").hosts().toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "cidr: 10.0.0.0/8|[10.0.0.0/8]",
            "cidr: [10.0.0.0/8, \"fd00::/8\", 192.0.2.1]|[10.0.0.0/8, fd00::/8, 192.0.2.1]",
            "cidr: \"::ffff:10.0.0.0/104\"|[::ffff:10.0.0.0/104]",
    })
    void cidrTakesABlockOrAList(String yaml, String blocks) throws PolicyException {
        assertEquals(blocks, onlyRule("    " + yaml + "\n").cidrs().toString());
    }

    @ParameterizedTest(name = "direction: {0}")
    @CsvSource(delimiter = '|', value = {"outbound|[OUTBOUND]", "inbound|[INBOUND]", "both|[OUTBOUND, INBOUND]"})
    void directionDefaultsToOutbound(String direction, String directions) throws PolicyException {
        assertEquals(directions, onlyRule("    direction: " + direction + "\n").directions().toString());
        assertEquals(EnumSet.of(OUTBOUND), onlyRule("    port: 1\n").directions());
    }

    @ParameterizedTest(name = "keepalive: {0}")
    @CsvSource({"off, true", "false, true", "on, false", "true, false"})
    void keepaliveOffOrOn(String value, boolean off) throws PolicyException {
        Rule rule = onlyRule("    keepalive: " + value + "\n");
        assertEquals(off, rule.keepaliveOff());
        assertEquals(off, rule.settings() == null);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "idle: 30s|idle=30s intvl=10s cnt=6 user_timeout=off enforce=true",
            "idle: 30|idle=30s intvl=10s cnt=6 user_timeout=off enforce=true",
            "idle: 2m|idle=120s intvl=10s cnt=6 user_timeout=off enforce=true",
            "idle: 1h|idle=3600s intvl=10s cnt=6 user_timeout=off enforce=true",
            "idle: 5000ms|idle=5s intvl=10s cnt=6 user_timeout=off enforce=true",
            "intvl: 1s|idle=60s intvl=1s cnt=6 user_timeout=off enforce=true",
            "cnt: 127|idle=60s intvl=10s cnt=127 user_timeout=off enforce=true",
            "user_timeout: auto|idle=60s intvl=10s cnt=6 user_timeout=120000ms enforce=true",
            "user_timeout: 45s|idle=60s intvl=10s cnt=6 user_timeout=45000ms enforce=true",
            "user_timeout: 1500ms|idle=60s intvl=10s cnt=6 user_timeout=1500ms enforce=true",
            "user_timeout: off|idle=60s intvl=10s cnt=6 user_timeout=off enforce=true",
            "enforce: false|idle=60s intvl=10s cnt=6 user_timeout=off enforce=false",
    })
    void ruleSettingsOverTheBuiltInDefaults(String yaml, String settings) throws PolicyException {
        assertEquals(settings, onlyRule("    " + yaml + "\n").settings().toString());
    }

    @Test
    void rulesInheritTheDefaultsBlockAndAutoUsesTheirOwnValues() throws PolicyException {
        Policy policy = parse(String.join("\n",
                "version: 1",
                "defaults: {idle: 20s, intvl: 4s, cnt: 5, user_timeout: auto, enforce: false, nat_timeout: 350s}",
                "rules:",
                "  - name: inherits",
                "    port: 1",
                "  - name: overrides",
                "    idle: 10s",
                "    enforce: true",
                "    nat_timeout: 240s",
                ""));
        assertEquals(new KeepAliveSettings(20, 4, 5, 40000, false), policy.rules().get(0).settings());
        assertEquals(350, policy.rules().get(0).natTimeoutSeconds());
        assertEquals(new KeepAliveSettings(10, 4, 5, 30000, true), policy.rules().get(1).settings());
        assertEquals(240, policy.rules().get(1).natTimeoutSeconds());
        assertEquals(new KeepAliveSettings(20, 4, 5, 40000, false), policy.defaults());
        assertTrue(policy.anyEnforce());
    }

    @ParameterizedTest(name = "log: {0}")
    @CsvSource({"off, off", "error, error", "warn, warn", "info, info", "debug, debug", "DEBUG, debug"})
    void logLevels(String written, String level) throws PolicyException {
        assertEquals(level, parse("version: 1\nlog: " + written + "\n").logLevel());
    }

    @Test
    void logDefaultsToWarnOnStderr() throws PolicyException {
        Policy policy = parse("version: 1\n");
        assertEquals("warn", policy.logLevel());
        assertNull(policy.logFile());
        assertEquals("/var/log/ka.log", parse("version: 1\nlog_file: /var/log/ka.log\n").logFile());
    }

    @Test
    void warningsAreSeparateFromTheValidPolicy() throws PolicyException {
        LoadResult result = PolicyLoader.parseWithWarnings(String.join("\n",
                "version: 1",
                "defaults:",
                "  nat_timeout: 4m",
                "rules:",
                "  - name: too-slow",
                "    idle: 300s",
                "  - name: fine",
                "    idle: 200s",
                ""), "ka.yml");
        assertEquals(2, result.policy().rules().size());
        assertEquals(List.of("ka.yml:5:5: warning: rule \"too-slow\": idle 300s is not shorter than nat_timeout 240s; "
                        + "the NAT will forget idle flows before the first probe"),
                result.warnings().stream().map(Problem::toString).collect(Collectors.toList()));
        assertTrue(result.warnings().get(0).isWarning());
        assertEquals(5, result.warnings().get(0).line());
        assertEquals(5, result.warnings().get(0).column());
        assertEquals("ka.yml", result.warnings().get(0).file());
    }

    @Test
    void problemsCarryTheirPositionApart() {
        PolicyException e = assertThrows(PolicyException.class,
                () -> parse("version: 1\nrules:\n  - name: a\n    idle: 40000s\n"));
        Problem problem = e.problems().get(0);
        assertEquals("ka.yml", problem.file());
        assertEquals(4, problem.line());
        assertEquals(11, problem.column());
        assertEquals("rules[0].idle: 40000s is out of range, allowed 1s..32767s", problem.message());
        assertFalse(problem.isWarning());
    }

    @Test
    void everyMistakeOfAFileIsReported() {
        String problems = problemsOf(String.join("\n",
                "version: 1",
                "defaults:",
                "  cnt: 0",
                "rules:",
                "  - name: a",
                "    port: 0",
                "  - name: a",
                "    direction: up",
                ""));
        assertEquals(String.join("\n",
                "ka.yml:3:8: defaults.cnt: 0 is out of range, allowed 1..127",
                "ka.yml:6:11: rules[0].port: 0 is out of range, allowed 1..65535",
                "ka.yml:7:11: rules[1].name: duplicate rule name \"a\", already used by rules[0]",
                "ka.yml:8:16: rules[1].direction: \"up\" is not allowed, use outbound, inbound or both"), problems);
    }

    @Test
    void missingFile(@TempDir Path dir) {
        Path file = dir.resolve("nope.yml");
        assertEquals(file + ": no such file",
                assertThrows(PolicyException.class, () -> PolicyLoader.load(file)).getMessage());
    }

    @Test
    void directoryInsteadOfFile(@TempDir Path dir) {
        assertEquals(dir + ": is a directory, not a policy file",
                assertThrows(PolicyException.class, () -> PolicyLoader.load(dir)).getMessage());
    }

    @Test
    void hugeFilesAreRefusedUnread(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("huge.yml");
        byte[] comment = new byte[PolicyLoader.MAX_FILE_BYTES + 1];
        Arrays.fill(comment, (byte) '#');
        Files.write(file, comment);
        assertEquals(file + ": the file is larger than 1048576 bytes; a policy file is a few KiB",
                assertThrows(PolicyException.class, () -> PolicyLoader.load(file)).getMessage());
    }

    @Test
    void aFileOfExactlyTheLimitIsRead(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("big.yml");
        byte[] text = new byte[PolicyLoader.MAX_FILE_BYTES];
        for (int i = 0; i < text.length; i++) {
            text[i] = (byte) (i % 64 == 63 ? '\n' : '#');
        }
        byte[] start = "version: 1\n".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(start, 0, text, 0, start.length);
        Files.write(file, text);
        assertEquals(0, PolicyLoader.load(file).rules().size());
    }

    @Test
    void hugeTextIsRefusedToo() {
        String text = "version: 1\n#" + "x".repeat(PolicyLoader.MAX_FILE_BYTES);
        assertEquals("ka.yml: the file has 1048588 characters; a policy file may have at most 1048576",
                problemsOf(text));
    }

    @Test
    void aByteOrderMarkIsFine() throws PolicyException {
        assertEquals(1, parse("\uFEFFversion: 1\nrules:\n  - name: a\n").rules().size());
    }
}

package io.kaagent.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.Policies;
import io.kaagent.it.support.TestEnv;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lab's lesson turned into a check: {@link NatIdleExpiryLabTest} shows that a rule whose idle (6 s) is longer than
 * the NAT's timeout (5 s) loses the connection just as no keepalive does. A policy file can declare the timeout its
 * connections must survive ({@code nat_timeout:} in {@code defaults:} or per rule); {@code check} then reports every
 * rule whose idle is not shorter as a warning — the policy stays valid (exit 0), since the agent cannot know the
 * network, only what the file says about it. Runs the real CLI: {@code java -jar ka-agent.jar check FILE}.
 */
// Not tagged "lab": it needs no root or namespace, so it also runs in the Temurin 25 execution.
class NatTimeoutCheckLabTest {
    /** {@code FILE:LINE:COL: warning: rule "NAME": idle Ns is not shorter than nat_timeout Ms; ...} */
    private static final Pattern WARNING = Pattern.compile(
            "^(.+):(\\d+):(\\d+): warning: rule \"([^\"]+)\": idle (\\d+)s is not shorter than nat_timeout (\\d+)s.*");

    @TempDir
    Path dir;

    record Check(int exitCode, List<String> stdout, List<String> stderr) {
        List<String> all() {
            return java.util.stream.Stream.concat(stdout.stream(), stderr.stream()).collect(Collectors.toList());
        }

        List<String> warnings() {
            return all().stream().filter(l -> l.contains(": warning: ")).collect(Collectors.toList());
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout ---\n" + String.join("\n", stdout) + "\n--- stderr ---\n"
                    + String.join("\n", stderr);
        }
    }

    private static Check check(Path policy) {
        Commands.Result r = Commands.execute(List.of(TestEnv.javaExecutable().toString(), "-jar",
                TestEnv.agentJar().toString(), "check", policy.toString()), null, Duration.ofSeconds(30));
        return new Check(r.exitCode(), lines(r.stdout()), lines(r.stderr()));
    }

    private static List<String> lines(String text) {
        return Arrays.stream(text.split("\n")).filter(l -> !l.isBlank()).collect(Collectors.toList());
    }

    @Test
    void aRuleWhoseIdleIsNotShorterThanTheDeclaredNatTimeoutIsAWarning() {
        // The too-long rule of NatIdleExpiryLabTest, in a file that says which NAT it must survive.
        Path policy = Policies.write(dir, "lab-nat.yml", "version: 1\n"      // 1
                + "defaults:\n"                                              // 2
                + "  nat_timeout: 5s\n"                                      // 3
                + "rules:\n"                                                 // 4
                + "  - name: fits\n"                                         // 5
                + "    cidr: [\"10.77.2.0/24\"]\n"                           // 6
                + "    port: 7001\n"                                         // 7
                + "    idle: 2s\n"                                           // 8
                + "    intvl: 1s\n"                                          // 9
                + "    cnt: 3\n"                                             // 10
                + "  - name: too-long\n"                                     // 11
                + "    cidr: [\"10.77.2.0/24\"]\n"                           // 12
                + "    idle: 6s\n"                                           // 13
                + "    intvl: 1s\n"                                          // 14
                + "    cnt: 9\n");                                           // 15
        Check c = check(policy);
        assertEquals(0, c.exitCode(), "a warning leaves the policy valid: " + c);
        assertTrue(c.all().stream().anyMatch(l -> l.startsWith("OK: 2 rules")), "expected 'OK: 2 rules': " + c);
        assertEquals(1, c.warnings().size(), "exactly one rule is too long for the NAT: " + c);
        Matcher m = WARNING.matcher(c.warnings().get(0));
        assertTrue(m.matches(), "FILE:LINE:COL: warning: rule \"too-long\": idle 6s is not shorter than nat_timeout 5s"
                + "; got: " + c);
        assertEquals(policy.toString(), m.group(1), "the file, as given: " + c);
        int line = Integer.parseInt(m.group(2));
        assertTrue(line >= 11 && line <= 15, "the location must point into rule too-long (lines 11-15): " + c);
        assertEquals("too-long", m.group(4));
        assertEquals("6", m.group(5));
        assertEquals("5", m.group(6));
    }

    @Test
    void aPerRuleNatTimeoutOverridesTheDefaultsOne() {
        Path policy = Policies.write(dir, "per-rule.yml", "version: 1\n"
                + "defaults: {idle: 60s, intvl: 10s, cnt: 6, nat_timeout: 240s}\n"
                + "rules:\n"
                + "  - {name: behind-azure-lb, cidr: [\"10.1.0.0/16\"]}\n"
                + "  - {name: behind-aws-nlb, cidr: [\"10.2.0.0/16\"], idle: 400s, nat_timeout: 350s}\n"
                + "  - {name: behind-gcp-nat, cidr: [\"10.3.0.0/16\"], idle: 300s, nat_timeout: 600s}\n");
        Check c = check(policy);
        assertEquals(0, c.exitCode(), c.toString());
        assertEquals(1, c.warnings().size(), "only behind-aws-nlb: 400s >= 350s: " + c);
        Matcher m = WARNING.matcher(c.warnings().get(0));
        assertTrue(m.matches() && m.group(4).equals("behind-aws-nlb") && m.group(5).equals("400")
                && m.group(6).equals("350"), "expected the warning for behind-aws-nlb: " + c);
        assertTrue(m.group(2).equals("5"), "the rule is on line 5: " + c);
    }

    /** examples/*.yml, shipped for users (demo.sh runs demo.yml): valid, and every rule fits the NAT it declares. */
    @Test
    void theShippedExamplesAreValidAndFitTheirNats() throws Exception {
        // The repository's examples/: next to agent/ (surefire runs in agent-tests/).
        Path examples = java.nio.file.Paths.get("").toAbsolutePath().resolveSibling("examples");
        if (!java.nio.file.Files.isDirectory(examples)) {
            examples = TestEnv.agentJar().getParent().getParent().resolveSibling("examples");
        }
        List<Path> files;
        try (java.util.stream.Stream<Path> list = java.nio.file.Files.list(examples)) {
            files = list.filter(p -> p.toString().endsWith(".yml")).sorted().collect(Collectors.toList());
        }
        assertTrue(files.size() >= 2, "expected the shipped examples in " + examples + ", found " + files);
        for (Path file : files) {
            Check c = check(file);
            assertEquals(0, c.exitCode(), file + ": " + c);
            assertTrue(c.all().stream().anyMatch(l -> l.startsWith("OK: ")), file + ": " + c);
            assertTrue(c.warnings().isEmpty(), file + " must not need a warning: " + c);
        }
    }

    @Test
    void withoutANatTimeoutThereIsNothingToCompareWith() {
        Path policy = Policies.write(dir, "no-hint.yml", "version: 1\n"
                + "rules:\n"
                + "  - {name: long-idle, cidr: [\"10.77.2.0/24\"], idle: 7200s}\n");
        Check c = check(policy);
        assertEquals(0, c.exitCode(), c.toString());
        assertTrue(c.warnings().isEmpty(), "no nat_timeout, no warning: " + c);
        assertTrue(c.all().stream().anyMatch(l -> l.startsWith("OK: 1 rule")), c.toString());
    }
}

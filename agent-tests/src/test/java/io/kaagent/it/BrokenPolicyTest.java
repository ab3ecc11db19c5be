package io.kaagent.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.AgentLog;
import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.FreePorts;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.TestEnv;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * PRODUCT.md §3 and §5: a broken policy file never breaks the application. It runs exactly as without the agent and
 * stderr holds one line {@code ka-agent: ERROR FILE:LINE:COL: message} naming the key; with strict mode
 * (-Dka.agent.strict=true or KA_AGENT_STRICT=true) the JVM refuses to start with that message instead.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BrokenPolicyTest {

    /**
     * A broken policy, the line of the mistake, the columns that may be reported (where the key starts, or where its
     * value starts) and a word the message must contain.
     */
    static Stream<Arguments> brokenPolicies() {
        return Stream.of(
                Arguments.of("not a duration", """
                        version: 1
                        defaults:
                          idle: 60s
                          intvl: banana
                        rules:
                          - {name: out, port: 5432, idle: 31s}
                        """, 4, Set.of(3, 10), "intvl"),
                Arguments.of("unknown key", """
                        version: 1
                        defaults:
                          idle: 60s
                        rules:
                          - name: out
                            prot: 5432
                        """, 6, Set.of(5), "prot"),
                Arguments.of("out of range", """
                        version: 1
                        rules:
                          - name: out
                            port: 5432
                            cnt: 500
                        """, 5, Set.of(5, 10), "cnt"),
                Arguments.of("duplicate rule name", """
                        version: 1
                        rules:
                          - name: db
                            port: 5432
                          - name: db
                            port: 6432
                        """, 5, Set.of(5, 11), "db"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenPolicies")
    void appRunsUnchangedAndOneErrorLineNamesTheSpot(String name, String yaml, int line, Set<Integer> columns,
                                                    String word, @TempDir Path dir) throws Exception {
        Path policy = Policies.write(dir, yaml);
        int port = FreePorts.allocate(1)[0];
        Run without = run(ChildJvm.builder().mainClass("HelloApp").args(port));
        Run with = run(ChildJvm.builder().agent(policy).mainClass("HelloApp").args(port));
        assertAll(
                () -> assertEquals(0, without.exit, "the app without the agent"),
                () -> assertEquals(without.exit, with.exit, "exit code with a broken policy"),
                () -> assertEquals(without.stdout, with.stdout, "stdout with a broken policy"),
                () -> assertEquals(1, with.stderr.size(), "stderr is exactly one line:" + AgentLog.dump(with.stderr)),
                () -> assertErrorLine(with.stderr, policy, line, columns, word));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenPolicies")
    void strictModeRefusesToStart(String name, String yaml, int line, Set<Integer> columns, String word,
                                  @TempDir Path dir) throws Exception {
        Path policy = Policies.write(dir, yaml);
        for (ChildJvm.Builder strict : List.of(
                ChildJvm.builder().agent(policy).sysProp("ka.agent.strict", "true").mainClass("HelloApp"),
                ChildJvm.builder().agent(policy).env("KA_AGENT_STRICT", "true").mainClass("HelloApp"))) {
            Run run = run(strict);
            assertAll(strict.toString(),
                    () -> assertNotEquals(0, run.exit, "exit code in strict mode"),
                    () -> assertTrue(run.stdout.stream().noneMatch(l -> l.equals("hello")),
                            "main must not run: " + run.stdout),
                    () -> assertErrorLine(run.stderr, policy, line, columns, word));
        }
    }

    private static void assertErrorLine(List<String> stderr, Path policy, int line, Set<Integer> columns,
                                        String word) {
        Pattern error = Pattern.compile("^ka-agent: ERROR " + Pattern.quote(policy.toString())
                + ":(\\d+):(\\d+): (.+)$");
        List<Matcher> found = stderr.stream().map(error::matcher).filter(Matcher::matches)
                .collect(Collectors.toList());
        assertEquals(1, found.size(), "one 'ka-agent: ERROR " + policy + ":LINE:COL: message' line; stderr:"
                + AgentLog.dump(stderr));
        Matcher m = found.get(0);
        assertEquals(line, Integer.parseInt(m.group(1)), "line in " + m.group());
        assertTrue(columns.contains(Integer.parseInt(m.group(2))), "column " + m.group(2) + " should be one of "
                + columns + " (the key or its value): " + m.group());
        assertTrue(m.group(3).contains(word), "the message names '" + word + "': " + m.group());
    }

    private record Run(int exit, List<String> stdout, List<String> stderr) {
    }

    private static Run run(ChildJvm.Builder builder) {
        try (ChildJvm app = builder.start()) {
            int exit = app.awaitExit(TestEnv.START_TIMEOUT);
            return new Run(exit, app.stdoutLines(), app.stderrLines());
        }
    }
}

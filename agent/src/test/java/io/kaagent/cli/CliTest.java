package io.kaagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CliTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--help", "-h", "help"})
    void helpListsEveryCommand(String flag) {
        CliRun run = CliRun.of(flag);
        assertEquals(0, run.exit());
        assertEquals("", run.err());
        assertEquals(Usage.TEXT, run.out());
        for (String command : new String[] {"attach <pid> [config.yml]", "check <config.yml>",
                "explain <config.yml> <host>:<port> [--inbound]", "status <pid>", "list", "--help", "--version"}) {
            assertTrue(run.out().contains("\n  " + command + " ") || run.out().contains("\n  " + command + "\n"), command);
        }
    }

    @Test
    void versionOutsideAJarIsTheDevelopmentVersion() {
        CliRun run = CliRun.of("--version");
        assertEquals(new CliRun(0, "ka-agent 0.1.0-dev\n", ""), run);
    }

    @Test
    void noCommandPrintsUsageAndFails() {
        assertEquals(new CliRun(1, "", Usage.TEXT), CliRun.of());
    }

    @Test
    void unknownCommandSaysSoAndFails() {
        assertEquals(new CliRun(1, "", "ka-agent: unknown command \"frobnicate\"\n" + Usage.TEXT),
                CliRun.of("frobnicate"));
    }
}

package io.kaagent.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.TestEnv;
import io.kaagent.ops.support.KaCli;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Issue 5 / PRODUCT.md §6 {@code list}: this user's JVMs with pid, main class and whether ka-agent is loaded. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ListTest {

    static String row(KaCli.Result list, long pid) {
        return list.stdout().stream().filter(l -> l.startsWith(pid + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no row for pid " + pid + "\n" + list.describe()));
    }

    @Test
    void listsJvmsWithAndWithoutTheAgent(@TempDir Path dir) {
        Path policy = Policies.write(dir, "version: 1\nrules: []\n");
        try (ChildJvm plain = ChildJvm.builder().noAgent().mainClass(AttachErrorsTest.WAIT_APP).start();
             ChildJvm atStart = ChildJvm.builder().agent(policy).mainClass(AttachErrorsTest.WAIT_APP).start();
             ChildJvm attached = ChildJvm.builder().noAgent().jvmArg("-XX:+EnableDynamicAgentLoading")
                     .mainClass(AttachErrorsTest.WAIT_APP).args("attached").start()) {
            for (ChildJvm jvm : List.of(plain, atStart, attached)) {
                jvm.awaitStdout("READY", TestEnv.START_TIMEOUT);
            }
            KaCli.Result attach = KaCli.run("attach", attached.pid(), policy);
            assertEquals(0, attach.exit(), attach.describe());

            KaCli.Result list = KaCli.run("list");

            assertEquals(0, list.exit(), list.describe());
            assertTrue(list.stdout().get(0).matches("PID\\s+AGENT\\s+VERSION\\s+MAIN"), list.describe());
            assertTrue(row(list, plain.pid()).matches(plain.pid() + "\\s+no\\s+-\\s+" + AttachErrorsTest.WAIT_APP),
                    list.describe());
            assertTrue(row(list, atStart.pid()).matches(atStart.pid() + "\\s+yes\\s+\\S+\\s+"
                    + AttachErrorsTest.WAIT_APP), list.describe());
            assertTrue(row(list, attached.pid()).matches(attached.pid() + "\\s+yes\\s+\\S+\\s+"
                    + AttachErrorsTest.WAIT_APP + " attached"), list.describe());
            assertTrue(list.stdout().stream().noneMatch(l -> l.startsWith(ProcessHandle.current().pid() + " ")
                    && l.contains(" yes ")), "the test JVM has no agent\n" + list.describe());
        }
    }
}
